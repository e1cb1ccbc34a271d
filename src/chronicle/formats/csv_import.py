"""Reading CSV: chronicle's own columns, or any file through ``--map``/``--mapping``/``--preset``.

Chronicle's own CSV (any file with ``title`` and ``date`` columns) needs no options;
other files need ``--map``/``--mapping`` or a ``--preset``
(:mod:`chronicle.formats.mapping`). Rows stream from disk; memory stays flat. Bad rows
follow :class:`~chronicle.formats.rows.RowStream`'s policy.
"""

from __future__ import annotations

import codecs
import csv
import json
import sys
from collections.abc import Iterator, Mapping
from dataclasses import replace
from pathlib import Path
from typing import IO, Any

import orjson

from chronicle.errors import InvalidInput
from chronicle.formats import PRESET_NAMES
from chronicle.formats.csv_cells import SOURCE_COLUMNS, decode_list, unneutralise
from chronicle.formats.mapping import FieldMap, Row, RowError, Skip, build, converter_for, preset_columns
from chronicle.formats.rows import RowStream, SourceRow
from chronicle.incoming import FileVersion, Incoming
from chronicle.model import Source, make_source, source_of

csv.field_size_limit(min(sys.maxsize, 2**31 - 1))


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
        # orjson reads these cells about 3× faster; anything it refuses (a lone
        # surrogate escape, NaN) is read by json as before, so what is accepted and
        # every message stay the same.
        data = orjson.loads(text)
    except orjson.JSONDecodeError:
        try:
            data = json.loads(text)
        except json.JSONDecodeError as error:
            raise RowError(f"is not a JSON array of sources ({error.msg})", field="sources",
                           value=_short(text)) from None
    if not isinstance(data, list) or not all(isinstance(item, dict) for item in data):
        raise RowError("is not a JSON array of source objects", field="sources", value=_short(text))
    result = []
    for item in data:
        if not item.keys() <= _SOURCE_KEY_SET or not all(type(v) is str for v in item.values()):
            raise RowError("has a source with unknown keys or non-text values", field="sources",
                           value=_short(text), accepted=", ".join(SOURCE_COLUMNS[2:]))
        get = item.get
        try:
            result.append(source_of(get("url"), get("title"), get("publisher"), get("published"),
                                    get("accessed"), get("archived_url"), get("quote"), "sources"))
        except InvalidInput as error:
            raise RowError(error.message, field="sources", value=error.value, accepted=error.accepted) from None
    return result


_SOURCE_KEY_SET = frozenset(SOURCE_COLUMNS[2:])


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
