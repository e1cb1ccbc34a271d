"""CSV for spreadsheets and pandas: one row per event, stable columns, lossless round trips.

Export (:func:`export_csv`): RFC 4180 quoting, UTF-8, a header row of :data:`COLUMNS`,
LF line ends (``excel``: a byte-order mark and CRLF, which spreadsheet programs need to
read UTF-8). Tags and actors are ``;``-separated (a JSON array when a value itself holds
``;``); sources are a JSON array in one cell and, with ``sources_file``, one row per event
× source in a second, long-format CSV (:data:`SOURCE_COLUMNS`).

**Spreadsheet safety.** A text cell starting with ``=``, ``+``, ``-``, ``@``, tab or
carriage return would run as a formula in a spreadsheet. By default such cells — in
the text columns only (:data:`TEXT_COLUMNS`), never dates or numbers — get a leading
``'``, which spreadsheets show as "this is text" and hide. A spreadsheet may also
split the file on another separator than the comma (``;`` in many European locales,
tab, or whatever the user picks in the import dialog), and then a cell can *begin in
the middle* of ours: ``x;=1+1`` would give a cell ``=1+1``. So the same ``'`` goes
after every character a spreadsheet may split on or quote with (``,`` ``;`` tab, CR,
LF, ``"``) when a formula starter follows it; in the JSON ``sources`` cell the starter
is written as a JSON ``\\u`` escape instead (the same JSON, decoded the same). So that
this stays reversible, a ``'`` in such a place gets one more, and the importer removes
a ``'`` only where the exporter added one. ``raw`` turns neutralising off (for programs).

Import (:func:`read_csv`): chronicle's own CSV (any file with ``title`` and ``date``
columns) needs no options; other files need ``--map``/``--mapping`` or a ``--preset``
(:mod:`chronicle.formats.mapping`). Rows stream from disk; memory stays flat.
"""

from __future__ import annotations

import codecs
import csv
import functools
import json
import re
import sys
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import replace
from pathlib import Path
from typing import IO, Any, TextIO

from chronicle.atomicfile import atomic_text
from chronicle.dates import parse_span
from chronicle.errors import InvalidInput
from chronicle.formats import PRESET_NAMES, ExportContext, ExportStats
from chronicle.formats.mapping import (
    FieldMap,
    Row,
    RowError,
    Skip,
    build,
    converter_for,
    preset_columns,
)
from chronicle.formats.rows import RowStream, SourceRow
from chronicle.incoming import FileVersion, Incoming
from chronicle.model import Event, Source, make_source
from chronicle.projection import event_to_doc, load_doc

#: The columns of an export, in order. Stable: new columns are only ever appended.
COLUMNS = (
    "id", "date", "earliest_day", "latest_day", "precision", "approximate", "uncertain", "end",
    "title", "description", "tags", "actors", "place", "sources",
    "revision_count", "first_recorded", "last_changed", "status", "disputed",
)
#: Free-text columns: the only ones that are neutralised against formulas.
TEXT_COLUMNS = ("title", "description", "tags", "actors", "place")
#: The long-format sources file: one row per event × source.
SOURCE_COLUMNS = ("event_id", "source_number", "url", "title", "publisher", "published", "accessed",
                  "archived_url", "quote")
_SOURCE_TEXT = ("url", "title", "publisher", "published", "accessed", "archived_url", "quote")
#: The long-format claims file: one row per event × claim (see :mod:`chronicle.claims`).
CLAIM_COLUMNS = ("event_id", "claim_number", "field", "value", "rank", "note", "sources")
_CLAIM_TEXT = ("value", "note")

_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
_ESCAPED = (*_TRIGGERS, "'")
BOM = "\ufeff"
#: One encoder for every sources cell (``json.dumps`` with options builds a new one per call).
_compact_json = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode

csv.field_size_limit(min(sys.maxsize, 2**31 - 1))


#: Characters a spreadsheet may split a line on, or quote with: a cell can start after them.
_BOUNDARIES = ",;\t\r\n\""
_STARTER = "[" + re.escape("".join(_ESCAPED)) + "]"
_NEEDS_MARK = re.compile(f"(^|[{re.escape(_BOUNDARIES)}])(?={_STARTER})")
_ADDED_MARK = re.compile(f"(^|[{re.escape(_BOUNDARIES)}])'(?={_STARTER})")
_JSON_STARTER = re.compile(f"(?<=[{re.escape(_BOUNDARIES)}])[=+\\-@']")


def neutralise(text: str) -> str:
    """``=1+1`` → ``'=1+1``; ``x;=1+1`` → ``x;'=1+1``; ``'quoted`` → ``''quoted``.

    Wherever a spreadsheet cell could begin — the start, or after a separator or quote
    character of any dialect — a formula starter (or a ``'``) gets a ``'`` before it.
    """
    return _NEEDS_MARK.sub(r"\1'", text) if _may_need_mark(text) else text


def unneutralise(text: str) -> str:
    """Undo :func:`neutralise`: drop a ``'`` only where it was added."""
    return _ADDED_MARK.sub(r"\1", text) if "'" in text else text


def _may_need_mark(text: str) -> bool:
    # The common cell has no starter at all: skip the regular expression (a hot path).
    return text.startswith(_ESCAPED) or any(c in text for c in "=+-@'\t\r")


def neutralise_json(text: str) -> str:
    """A JSON text whose strings cannot start a formula in any dialect: a starter after a
    separator or quote character is written as its ``\\uXXXX`` escape (same JSON value).

    Only for JSON whose values are all strings (the ``sources`` cell): outside strings
    JSON puts no formula starter after those characters.
    """
    return _JSON_STARTER.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def encode_list(values: Iterable[str]) -> str:
    """``a; b`` — or a JSON array when a value holds ``;`` (so decoding is exact)."""
    items = list(values)
    joined = "; ".join(items)
    if not joined.startswith("[") and ";" not in "".join(items) and all(v and v == v.strip() for v in items):
        return joined  # the common case, known to decode exactly without trying
    return joined if decode_list(joined) == items else json.dumps(items, ensure_ascii=False)


def decode_list(text: str) -> list[str]:
    text = text.strip()
    if text.startswith("["):
        try:
            data = json.loads(text)
        except ValueError:
            data = None
        if isinstance(data, list) and all(isinstance(v, str) for v in data):
            return data
    return [part.strip() for part in text.split(";") if part.strip()]


def encode_sources(sources: Iterable[Source]) -> str:
    data = [s.to_dict() for s in sources]
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")) if data else ""


class _LineEnds:
    """Let csv.writer quote as for CRLF (so a lone CR in a cell is quoted) but end lines with LF."""

    __slots__ = ("_write",)

    def __init__(self, out: TextIO | IO[str]) -> None:
        self._write = out.write

    def write(self, line: str) -> int:
        return self._write(line[:-2] + "\n")


def _writer(out: TextIO | IO[str], excel: bool) -> Any:
    # Control characters are kept: CSV round-trips every stored value exactly
    # (tests/test_roundtrip_properties.py); the HTML page is where they are replaced.
    if excel:
        out.write(BOM)
        return csv.writer(out, lineterminator="\r\n")
    return csv.writer(_LineEnds(out), lineterminator="\r\n")


@functools.lru_cache(maxsize=32768)
def _date_cells(date: str, end: str | None) -> tuple[str, str, str, str, str, str, str]:
    """date, earliest_day, latest_day, precision, approximate, uncertain, end — a large
    archive repeats the same few thousand dates, so each is worked out once."""
    span = parse_span(date, end)
    start = span.start
    last = span.end or start
    return (
        start.edtf, start.earliest_day_text, "" if span.open_end else last.latest_day_text,
        span.precision.label, "true" if span.approximate else "false", "true" if span.uncertain else "false",
        span.end_edtf or "",
    )


@functools.lru_cache(maxsize=32768)
def _list_cell(values: tuple[str, ...]) -> str:
    """:func:`encode_list`, once per distinct list: tags and actors repeat across events."""
    return encode_list(values)


#: Where the free-text cells are in a row (the only cells a carriage return can be in).
_T1, _T2, _T3, _T4, _T5 = (COLUMNS.index(column) for column in TEXT_COLUMNS)
#: First characters :func:`neutralise` escapes, as a set for one lookup per cell.


def stored_sources_cell(text: str) -> str | None:
    """The sources cell of a stored document's row, cut from its JSON text.

    The projection stores ``event_to_doc`` with the same compact encoder as
    :data:`_compact_json`, ``sources`` followed by ``unsourced``: the text between the two
    keys is exactly what encoding the parsed sources again would give. Neither key can be
    matched inside a value: in JSON text every quote inside a string is escaped, so
    ``,"sources":`` and ``,"unsourced":`` occur only as keys (sources and history
    entries have keys of their own). None when the text is not shaped so; the caller then
    encodes the sources (tests/test_stored_docs.py compares both on every document).
    """
    start = text.find(',"sources":')
    if start < 0:
        return None
    start += len(',"sources":')
    end = text.find(',"unsourced":', start)
    if end < 0 or text[start] != "[":
        return None
    return "" if end == start + 2 else text[start:end]


def doc_row(doc: Mapping[str, Any], safe: bool, sources_cell: str | None = None) -> list[str]:
    """One export row (see :data:`COLUMNS`) from an event's stored document
    (:func:`chronicle.projection.event_to_doc`); ``sources_cell`` when the caller already
    has it (:func:`stored_sources_cell`)."""
    date, earliest, latest, precision, approximate, uncertain, end = _date_cells(doc["date"], doc["end"])
    tags, actors = doc["tags"], doc["actors"]
    text = [doc["title"], doc["description"], _list_cell(tuple(tags)) if tags else "",
            _list_cell(tuple(actors)) if actors else "", doc["place"] or ""]
    sources = doc["sources"]
    if sources_cell is None:
        sources_cell = _compact_json(sources) if sources else ""
    if safe:
        # Formula starters wherever a cell may begin under any separator (issue 16).
        text = [neutralise(t) for t in text]
        sources_cell = neutralise_json(sources_cell)
    return [
        doc["id"], date, earliest, latest, precision, approximate, uncertain, end, *text,
        sources_cell,
        str(doc["revision"]), doc["created_at"], doc["updated_at"], doc["status"],
        # The fields whose sources disagree ("date", "date; place"); empty when none do.
        encode_list(doc["disputed"]) if doc.get("disputed") else "",
    ]


def event_row(event: Event, safe: bool) -> list[str]:
    """One export row for ``event`` (see :data:`COLUMNS`)."""
    return doc_row(event_to_doc(event), safe)


def export_csv(events: Iterable[Event], out: TextIO, ctx: ExportContext, options: Mapping[str, Any]) -> ExportStats:
    """Write ``events`` as CSV to ``out`` (and their sources to ``options["sources_file"]``)."""
    return export_csv_docs((event_to_doc(event) for event in events), out, ctx, options)


def export_csv_docs(docs: Iterable[Mapping[str, Any] | str], out: TextIO, ctx: ExportContext | None,
                    options: Mapping[str, Any]) -> ExportStats:
    """:func:`export_csv` from stored event documents (JSON text or dicts), as
    :meth:`chronicle.store.Store.event_docs` streams them: no Event objects, same bytes."""
    excel = bool(options.get("excel"))
    safe = not options.get("raw")
    sources_path: Path | None = options.get("sources_file")
    claims_path: Path | None = options.get("claims_file")
    if claims_path is not None:
        # The claims file is written beside the events, one pass over the stream.
        rest = {k: v for k, v in options.items() if k != "claims_file"}
        with atomic_text(claims_path) as claims_out:
            claims_writer = _writer(claims_out, excel)
            claims_writer.writerow(CLAIM_COLUMNS)
            return export_csv_docs(_with_claim_rows(docs, claims_writer, safe), out, ctx, rest)
    writer = _writer(out, excel)
    writer.writerow(COLUMNS)
    written = 0
    loads = load_doc
    if sources_path is None:
        writerow = writer.writerow
        # A row with no carriage return in it is quoted the same whether the writer ends
        # lines with CRLF or LF, so it goes straight to ``out`` through a LF writer and
        # skips :class:`_LineEnds`'s per-line Python call.
        # Only the free-text cells can hold one (the sources cell is JSON, which escapes
        # it; the others are ids, dates, numbers and words).
        fast = writer if excel else csv.writer(out, lineterminator="\n")
        fast_writerow = fast.writerow
        for raw in docs:
            row = doc_row(loads(raw), safe, stored_sources_cell(raw)) if isinstance(raw, str) else doc_row(raw, safe)
            if "\r" in row[_T1] or "\r" in row[_T2] or "\r" in row[_T3] or "\r" in row[_T4] or "\r" in row[_T5]:
                writerow(row)
            else:
                fast_writerow(row)
            written += 1
        return ExportStats(written)
    with atomic_text(sources_path, field="--sources-file") as side:
        side_writer = _writer(side, excel)
        side_writer.writerow(SOURCE_COLUMNS)
        for raw in docs:
            doc = loads(raw) if isinstance(raw, str) else raw
            writer.writerow(doc_row(doc, safe))
            written += 1
            for number, cells in enumerate(doc["sources"], start=1):
                row = [doc["id"], str(number), *(cells.get(k, "") for k in SOURCE_COLUMNS[2:])]
                if safe:
                    # URLs too: a URL may hold `;=` (this file is for reading, never imported).
                    row = [neutralise(v) if k in _SOURCE_TEXT else v for k, v in zip(SOURCE_COLUMNS, row, strict=True)]
                side_writer.writerow(row)
    return ExportStats(written)



def _with_claim_rows(docs: Iterable[Mapping[str, Any] | str], claims_writer: Any,
                     safe: bool) -> Iterator[Mapping[str, Any]]:
    """``docs`` as dicts, writing each one's claims (one row per claim) as it passes."""
    for raw in docs:
        doc = json.loads(raw) if isinstance(raw, str) else raw
        for number, claim in enumerate(doc.get("claims", ()), start=1):
            value = claim["value"]
            cells = {"value": encode_list(value) if isinstance(value, list) else value, "note": claim.get("note", "")}
            if safe:
                cells = {k: neutralise(v) for k, v in cells.items()}
            claims_writer.writerow([doc["id"], str(number), claim["field"], cells["value"], claim["rank"],
                                    cells["note"], _compact_json(claim["sources"]) if claim["sources"] else ""])
        yield doc


# ---------------------------------------------------------------------------------
# Import


class CsvRow:
    """One data row, its cells looked up by header name."""

    __slots__ = ("cells", "index", "label", "number")

    def __init__(self, number: int, cells: list[str], index: dict[str, int], label: str) -> None:
        self.number = number
        self.cells = cells
        self.index = index
        self.label = label

    @property
    def where(self) -> str:
        return f"{self.label}: row {self.number}"

    def cell(self, column: str) -> str:
        position = self.index.get(column)
        return self.cells[position] if position is not None else ""

    def values(self, column: str) -> list[str]:
        value = self.cell(column)
        return [value] if value.strip() else []

    def has(self, column: str) -> bool:
        return column in self.index


_OWN_COLUMNS = {"date": ("date",), "end": ("end",), "title": ("title",), "id": ("id",), "source": ("sources",),
                "tags": ("tags",), "actors": ("actors",)}


def own_row(row: Row) -> Incoming | Skip:
    """A row of chronicle's own CSV (or of any file with the same column names)."""
    assert isinstance(row, CsvRow)
    cell = row.cell
    sources = decode_sources(cell("sources"))
    event_id = cell("id").strip() or None
    item = build(
        row, event_id=event_id, title=unneutralise(cell("title")), date=cell("date"),
        end=cell("end").strip() or None, description=unneutralise(cell("description")),
        tags=decode_list(unneutralise(cell("tags"))), actors=decode_list(unneutralise(cell("actors"))),
        place=unneutralise(cell("place")).strip() or None, sources=sources, columns=_OWN_COLUMNS,
    )
    # An export's revision_count says how new this copy is (see FileVersion).
    count = cell("revision_count").strip()
    if count.isdigit() and int(count) > 0:
        return replace(item, version=FileVersion(int(count)))
    return item


def decode_sources(text: str) -> list[Source]:
    """The sources cell: a JSON array of source objects, or ``;``-separated URLs."""
    text = text.strip()
    if not text:
        return []
    if not text.startswith("["):
        return [make_source(url.strip(), field_prefix="sources") for url in text.split(";") if url.strip()]
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise RowError(f"is not a JSON array of sources ({error.msg})", field="sources", value=_short(text)) from None
    if not isinstance(data, list) or not all(isinstance(item, dict) for item in data):
        raise RowError("is not a JSON array of source objects", field="sources", value=_short(text))
    result = []
    for item in data:
        unknown = set(item) - set(SOURCE_COLUMNS[2:])
        if unknown or not all(isinstance(v, str) for v in item.values()):
            raise RowError("has a source with unknown keys or non-text values", field="sources",
                           value=_short(text), accepted=", ".join(SOURCE_COLUMNS[2:]))
        try:
            result.append(make_source(
                item.get("url"), title=item.get("title"), publisher=item.get("publisher"),
                published=item.get("published"), accessed=item.get("accessed"),
                archived_url=item.get("archived_url"), quote=item.get("quote"), field_prefix="sources",
            ))
        except InvalidInput as error:
            raise RowError(error.message, field="sources", value=error.value, accepted=error.accepted) from None
    return result


def _short(text: str, limit: int = 80) -> str:
    return text if len(text) <= limit else text[:limit] + "…"


def read_csv(path: Path, options: Mapping[str, Any]) -> RowStream:
    """Rows of ``path`` as import items, checked one by one as they stream.

    Raises at once (before anything is written) when the file has no usable header;
    bad rows are handled by :class:`~chronicle.formats.rows.RowStream`'s policy.
    """
    label = str(options.get("label") or path)
    fields = FieldMap.parse(options.get("map") or (), options.get("mapping_file"))
    preset = options.get("preset")
    convert = converter_for(preset, fields)
    check_utf8(path, label)
    header = _header(path, label)
    index: dict[str, int] = {}
    for position, name in enumerate(header):
        index.setdefault(name.strip(), position)
    shown = list(index)
    if convert is None:
        missing = [c for c in ("title", "date") if c not in index]
        if missing:
            raise InvalidInput(
                "has no header naming the columns title and date", field="header", value=_short(",".join(header)),
                where=f"{label}: row 1",
                accepted="chronicle's CSV columns, or say which columns to read with --map FIELD=COLUMN "
                         f"or --preset {'|'.join(PRESET_NAMES)}",
            )
        convert = own_row
    elif preset is not None:
        missing = [c for c in preset_columns(preset) if c not in index]
        if missing:
            raise InvalidInput(f"is not a {preset} file: its header lacks {', '.join(missing)}", field="header",
                               value=_short(",".join(header)), where=f"{label}: row 1")
    else:
        fields.check(index.__contains__, f"{label}: row 1", shown)

    def rows() -> Iterator[SourceRow]:
        return _data_rows(path, label, index, len(header))

    return RowStream(rows, convert, label=label, header=header,
                     skip_invalid=bool(options.get("skip_invalid")), rejects=options.get("rejects"))


def _open(path: Path) -> IO[str]:
    # utf-8-sig: files written with --excel (or by Excel) start with a byte-order mark.
    return open(path, encoding="utf-8-sig", newline="")


def check_utf8(path: Path, label: str) -> None:
    """Refuse a file that is not UTF-8 before any row is read (a fast pass over the bytes),
    saying where the first invalid byte is."""
    error = _not_utf8(path, label)
    if error is not None:
        raise error


def _not_utf8(path: Path, label: str) -> InvalidInput | None:
    """Where the first invalid byte is (None if there is none)."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    offset = lines = 0
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            try:
                decoder.decode(block)
            except UnicodeDecodeError as error:
                bad = max(error.start - len(decoder.getstate()[0]), 0)
                lines += block.count(b"\n", 0, bad)
                where = f"line {lines + 1}, byte {offset + bad}"
                break
            offset += len(block)
            lines += block.count(b"\n")
        else:
            try:
                decoder.decode(b"", final=True)
                return None
            except UnicodeDecodeError:
                where = "at its end"
    return InvalidInput(f"is not valid UTF-8 ({where})", field="file", value=label,
                        accepted="a UTF-8 CSV file (save as 'CSV UTF-8')")


def _delimiter(path: Path) -> str:
    """Tab for ``.tsv`` files, comma otherwise."""
    return "\t" if path.suffix.lower() == ".tsv" else ","


def _header(path: Path, label: str) -> list[str]:
    try:
        with _open(path) as handle:
            header = next(csv.reader(handle, delimiter=_delimiter(path)), None)
    except UnicodeDecodeError:
        raise _not_utf8(path, label) or InvalidInput("is not valid UTF-8", field="file", value=label) from None
    except csv.Error as error:
        raise InvalidInput(f"is not valid CSV ({error})", field="file", value=label, where=f"{label}: row 1") from None
    if header is None or not any(cell.strip() for cell in header):
        raise InvalidInput("has no header row", field="file", value=label,
                           accepted="a first row naming the columns (title, date, …)")
    return header


def _data_rows(path: Path, label: str, index: dict[str, int], width: int) -> Iterator[SourceRow]:
    number = 1
    with _open(path) as handle:
        reader = csv.reader(handle, delimiter=_delimiter(path))
        try:
            next(reader, None)
            for cells in reader:
                number += 1
                if not cells:
                    continue  # a blank line
                row = CsvRow(number, cells, index, label)
                if len(cells) != width:
                    if len(cells) < width and not any(cells):
                        continue
                    problem = RowError(f"has {len(cells)} cells, the header has {width}", field="row",
                                       value=_short(",".join(cells)), accepted="one cell per header column")
                    yield SourceRow(row, cells, problem)
                    continue
                yield SourceRow(row, cells)
        except UnicodeDecodeError:
            raise _not_utf8(path, label) or InvalidInput("is not valid UTF-8", field="file", value=label) from None
        except csv.Error as error:
            raise InvalidInput(f"is not valid CSV ({error})", field="file", value=label,
                               where=f"{label}: row {number + 1}") from None
