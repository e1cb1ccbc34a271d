"""CSV for spreadsheets and pandas: one row per event, stable columns, lossless round trips.

Export (:func:`export_csv`): RFC 4180 quoting, UTF-8, a header row of :data:`COLUMNS`,
LF line ends (``excel``: a byte-order mark and CRLF, which spreadsheet programs need to
read UTF-8, and control characters other than tab, LF and CR shown as U+FFFD — plain CSV
keeps them, for an exact round trip). Tags and actors are ``;``-separated (a JSON array when a value itself holds
``;``); sources are a JSON array in one cell and, with ``sources_file``, one row per event
× source in a second, long-format CSV (:data:`SOURCE_COLUMNS`). Text cells are made safe
for spreadsheets (:mod:`chronicle.formats.csv_cells`).

Import (:func:`read_csv`) lives in :mod:`chronicle.formats.csv_import`; every name this
module ever had is still importable from here.
"""

from __future__ import annotations

import csv
import functools
import json
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import IO, Any, TextIO

from chronicle.atomicfile import atomic_text
from chronicle.dates import Instant, parse_date, parse_span
from chronicle.dates.edtf import EDTF_PATTERN, MONTHS_AND_SEASONS
from chronicle.errors import BadDate
from chronicle.formats import ExportContext, ExportStats
from chronicle.formats.controls import ControlFree
from chronicle.formats.csv_cells import (
    CLAIM_COLUMNS,
    COLUMNS,
    SOURCE_COLUMNS,
    SOURCE_TEXT,
    TEXT_COLUMNS,
    decode_list,
    encode_list,
    neutralise,
    neutralise_json,
    unneutralise,
)
from chronicle.formats.csv_import import (
    CsvRow,
    check_utf8,
    decode_sources,
    own_row,
    read_csv,
)
from chronicle.model import Event, Source
from chronicle.projection import event_to_doc, load_doc

__all__ = [
    "BOM", "CLAIM_COLUMNS", "COLUMNS", "SOURCE_COLUMNS", "TEXT_COLUMNS", "CsvRow", "check_utf8",
    "decode_list", "decode_sources", "doc_row", "encode_list", "encode_sources", "event_row", "export_csv",
    "export_csv_docs", "neutralise", "neutralise_json", "own_row", "read_csv", "stored_sources_cell",
    "unneutralise",
]

BOM = "\ufeff"
#: One encoder for every sources cell (``json.dumps`` with options builds a new one per call).
_compact_json = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


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
    # Control characters: plain CSV keeps them, so that it round-trips every stored value
    # exactly (tests/test_roundtrip_properties.py); ``excel`` is for people, and there
    # each one (but tab, LF, CR) becomes U+FFFD, as on the HTML page — LibreOffice drops a
    # NUL without a trace and keeps ESC sequences (tests/test_csv_formula_safety.py).
    if excel:
        shown = ControlFree(out)
        shown.write(BOM)
        return csv.writer(shown, lineterminator="\r\n")
    return csv.writer(_LineEnds(out), lineterminator="\r\n")


#: "true"/"false" cells, by truth.
_TRUTH = ("false", "true")
#: The cells of one stored date on its own (see :func:`_one_date`): EDTF, earliest day,
#: latest day, precision, approximate, uncertain, earliest and latest instant.
_OneDate = tuple[str, str, str, str, bool, bool, Instant, Instant]


@functools.lru_cache(maxsize=65536)
def _one_date(text: str) -> _OneDate | None:
    """The cells of one stored date (a start or an end) on its own, worked out once per
    distinct text; None when ``text`` is not one plain EDTF date.

    A text the EDTF expression matches whole — with a month or season
    :func:`~chronicle.dates.parse_span` takes as one (not ``2024-25``) and no space around
    it — is read by ``parse_span(text)`` and by ``parse_date(text)`` (a span's start or
    end) alike: one regular expression match, :func:`from_edtf_match`. So a row's cells
    combine its start's and its end's (:func:`_date_cells`) as ``parse_span(date, end)``
    would give them; a large archive has several times fewer dates than (date, end) pairs.
    """
    match = EDTF_PATTERN.match(text)
    if match is None or text != text.strip():
        return None
    month = match["month"]
    if not (match["day"] or not month or month == "XX" or int(month) in MONTHS_AND_SEASONS):
        return None
    try:
        value = parse_date(text)
    except BadDate:
        return None  # the pair is parsed whole, and fails with its own message
    return (value.edtf, value.earliest_day_text, value.latest_day_text, value.precision.label,
            value.approximate, value.uncertain, value.earliest_instant, value.latest_instant)


@functools.lru_cache(maxsize=32768)
def _date_cells(date: str, end: str | None) -> tuple[str, str, str, str, str, str, str]:
    """date, earliest_day, latest_day, precision, approximate, uncertain, end — a large
    archive repeats the same few thousand dates, so each is worked out once: from its
    start's and end's own cells (:func:`_one_date`) when both are plain EDTF, else from
    :func:`parse_span` (tests/test_csv_fast_paths.py holds the two equal for every date form)."""
    start = _one_date(date)
    if start is not None:
        edtf, earliest, latest, precision, approximate, uncertain, first, _ = start
        if end is None:
            return edtf, earliest, latest, precision, _TRUTH[approximate], _TRUTH[uncertain], ""
        if end == "..":
            return edtf, earliest, "", precision, _TRUTH[approximate], _TRUTH[uncertain], ".."
        stop = _one_date(end)
        if stop is not None and not stop[7] < first:  # an end before its start: parsed below, refused
            return (edtf, earliest, stop[2], precision, _TRUTH[approximate or stop[4]],
                    _TRUTH[uncertain or stop[5]], stop[0])
    return _parsed_date_cells(date, end)


def _parsed_date_cells(date: str, end: str | None) -> tuple[str, str, str, str, str, str, str]:
    """:func:`_date_cells` from the whole span, as :func:`parse_span` reads it."""
    span = parse_span(date, end)
    start = span.start
    last = span.end or start
    return (
        start.edtf, start.earliest_day_text, "" if span.open_end else last.latest_day_text,
        span.precision.label, "true" if span.approximate else "false", "true" if span.uncertain else "false",
        span.end_edtf or "",
    )


@functools.lru_cache(maxsize=32768)
def _list_cell(values: tuple[str, ...], safe: bool) -> str:
    """:func:`encode_list` (neutralised when ``safe``), once per distinct list of values
    that are not all :func:`_plain_item`."""
    cell = encode_list(values)
    return neutralise(cell) if safe else cell


#: Whether each tag or actor seen so far is :func:`_plain_item` (bounded: cleared when full).
_PLAIN_ITEMS: dict[str, bool] = {}
#: Characters that keep a list item from being joined as it is (see :func:`_plain_item`).
_NOT_PLAIN = frozenset(",;\t\r\n\"")


def _plain_item(value: str) -> bool:
    """Whether ``value`` stands in a tags or actors cell as it is, whatever its
    neighbours: the cell of values that all are is ``"; ".join(values)``, with or without
    spreadsheet safety. :func:`encode_list` joins them so (none empty, padded, holding
    ``;`` or starting the cell with ``[``), and :func:`neutralise` leaves the result
    alone: no value starts with a formula starter or ``'``, and no separator or quote
    character is in it (each ``;`` the join adds is followed by a space).
    """
    return bool(value) and value == value.strip() and value[0] not in "=+-@'[" and _NOT_PLAIN.isdisjoint(value)


def _list_text(values: list[str], safe: bool) -> str:
    """The tags or actors cell of ``values`` (not empty)."""
    if all(map(_PLAIN_ITEMS.get, values)):
        return "; ".join(values)  # every value already known to be plain: the common case
    if len(_PLAIN_ITEMS) > 65536:
        _PLAIN_ITEMS.clear()
    for value in values:
        _PLAIN_ITEMS[value] = _plain_item(value)
    if all(map(_PLAIN_ITEMS.__getitem__, values)):
        return "; ".join(values)
    return _list_cell(tuple(values), safe)


@functools.lru_cache(maxsize=4096)
def _place_cell(place: str, safe: bool) -> str:
    """A place cell, once per distinct place (a few hundred in a large archive)."""
    return neutralise(place) if safe else place


#: Where the cells that often need quotes are in a row: title, description, sources.
_TITLE, _DESCRIPTION, _SOURCES = (COLUMNS.index(column) for column in ("title", "description", "sources"))


def _quoted(cell: str) -> str:
    """``cell`` as ``csv.writer`` (minimal quoting, CRLF line ends) writes it."""
    if "," in cell or '"' in cell or "\n" in cell or "\r" in cell:
        return '"' + cell.replace('"', '""') + '"'
    return cell


def csv_line(row: list[str]) -> str | None:
    """The line the plain CSV writer (:func:`_writer`) writes for an export row, built
    with string methods; None when a cell other than the title, description and sources
    needs quotes (the caller then gives the row to the writer).

    ``csv.writer``'s per-character loop was the largest cost of a large export (~9 µs of
    a 0.9 kB row); here the other 16 cells are joined and searched at once, and only
    those three are quoted one by one. tests/test_csv_fast_paths.py holds the two equal.
    """
    head, mid, tail = ",".join(row[:_TITLE]), ",".join(row[_DESCRIPTION + 1:_SOURCES]), ",".join(row[_SOURCES + 1:])
    probe = head + mid + tail
    if probe.count(",") != len(row) - 6 or '"' in probe or "\n" in probe or "\r" in probe:
        return None
    title, description, sources = row[_TITLE], row[_DESCRIPTION], row[_SOURCES]
    if "," in title or '"' in title or "\n" in title or "\r" in title:
        title = '"' + title.replace('"', '""') + '"'
    if "," in description or '"' in description or "\n" in description or "\r" in description:
        description = '"' + description.replace('"', '""') + '"'
    return f"{head},{title},{description},{mid},{_quoted(sources)},{tail}\n"


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
    tags, actors, place = doc["tags"], doc["actors"], doc["place"]
    title, description = doc["title"], doc["description"]
    if sources_cell is None:
        sources = doc["sources"]
        sources_cell = _compact_json(sources) if sources else ""
    if safe:
        # Formula starters wherever a cell may begin under any separator (issue 16); the
        # list and place cells are neutralised once per distinct value (cached).
        title, description = neutralise(title), neutralise(description)
        sources_cell = neutralise_json(sources_cell)
    return [
        doc["id"], date, earliest, latest, precision, approximate, uncertain, end, title, description,
        _list_text(tags, safe) if tags else "", _list_text(actors, safe) if actors else "",
        _place_cell(place, safe) if place else "",
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
        if excel:
            for raw in docs:
                writerow(doc_row(loads(raw), safe, stored_sources_cell(raw)) if isinstance(raw, str)
                         else doc_row(raw, safe))
                written += 1
            return ExportStats(written)
        write, line_of = out.write, csv_line
        for raw in docs:
            row = doc_row(loads(raw), safe, stored_sources_cell(raw)) if isinstance(raw, str) else doc_row(raw, safe)
            line = line_of(row)
            if line is None:
                writerow(row)
            else:
                write(line)
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
                    row = [neutralise(v) if k in SOURCE_TEXT else v for k, v in zip(SOURCE_COLUMNS, row, strict=True)]
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
            sources = _compact_json(claim["sources"]) if claim["sources"] else ""
            if safe:
                # The sources cell as in the events file: a starter after `;` `"` … escaped (issue 16).
                cells = {k: neutralise(v) for k, v in cells.items()}
                sources = neutralise_json(sources)
            claims_writer.writerow([doc["id"], str(number), claim["field"], cells["value"], claim["rank"],
                                    cells["note"], sources])
        yield doc
