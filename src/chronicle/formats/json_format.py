"""JSON: one document holding the archive's metadata and its events.

Export (:func:`export_json`)::

    {"chronicle": {"format": "events", "version": 1},
     "archive": {"name": …, "description": …, "filters": …, "count": …,
                 "head_seq": …, "head_hash": …, "as_of": …, "generator": "chronicle 0.1.0"},
     "events": [
      {…one event per line, the shape of `chronicle show --format json`…},
      …
     ]}

Each event carries its sources and a revision summary (``revision``, ``created_at``,
``updated_at``, ``history``: one entry per log record). Events are written as they stream
from the archive, one per line, so memory stays flat and diffs stay readable.

Import (:func:`read_json`): a document of that shape (only the event fields are read;
the log-derived ones are the new archive's own), or any JSON array of objects — or an
object with an ``events`` array — with ``--map FIELD=PATH`` (dotted paths such as
``category.name``; a path through a list, like ``source.url``, gives every value) or a
``--preset`` (:mod:`chronicle.formats.presets`; a preset with a document shape of its
own, such as ``timelinejs``, reads it: TimelineJS's ``events``, with its title slide and
``eras`` counted as skipped). The JSON file is
parsed whole; for millions of rows use CSV.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any, TextIO

from chronicle.claims import Claim, make_claim
from chronicle.errors import InvalidInput
from chronicle.formats import ExportContext, ExportStats
from chronicle.formats.depth import parse_bounded
from chronicle.formats.mapping import FieldMap, Row, RowError, Skip, build, converter_for
from chronicle.formats.presets import Preset, load
from chronicle.formats.rows import RowStream, SourceRow
from chronicle.incoming import FileVersion, Incoming
from chronicle.model import Event, Source, make_source

FORMAT = {"format": "events", "version": 1}
_EVENT_KEYS = ("id", "title", "date", "end", "description", "tags", "actors", "place", "sources", "unsourced")
_SOURCE_KEYS = ("url", "title", "publisher", "published", "accessed", "archived_url", "quote")


def export_json(events: Iterable[Event], out: TextIO, ctx: ExportContext, options: Mapping[str, Any]) -> ExportStats:
    """Write the archive's metadata, then ``events`` one per line, as one JSON document."""
    archive = {
        "name": ctx.name, "description": ctx.description, "filters": ctx.filters, "count": ctx.count,
        "head_seq": ctx.head_seq, "head_hash": ctx.head_hash, "as_of": ctx.as_of,
        "generator": f"chronicle {ctx.version}",
    }
    dump = json.dumps
    out.write('{"chronicle": ' + dump(FORMAT) + ",\n")
    out.write(' "archive": ' + dump(archive, ensure_ascii=False) + ",\n")
    out.write(' "events": [')
    written = 0
    for event in events:
        out.write(",\n  " if written else "\n  ")
        out.write(dump(event.to_dict(), ensure_ascii=False))
        written += 1
    out.write("\n ]}\n" if written else "]}\n")
    return ExportStats(written)


class JsonRow:
    """One item of a JSON array; columns are dotted paths into it.

    ``section`` names the array when a document has several (a TimelineJS ``eras``
    list beside its ``events``); items of the events list are just ``item N``.
    """

    __slots__ = ("data", "label", "number", "section")

    def __init__(self, number: int, data: Any, label: str, section: str = "events") -> None:
        self.number = number
        self.data = data
        self.label = label
        self.section = section

    @property
    def where(self) -> str:
        if self.section == "events":
            return f"{self.label}: item {self.number}"
        return f"{self.label}: {self.section} {self.number}"

    def values(self, column: str) -> list[str]:
        found: list[Any] = [self.data]
        for part in column.split("."):
            step: list[Any] = []
            for node in found:
                items = node if isinstance(node, list) else [node]
                step.extend(item[part] for item in items if isinstance(item, dict) and part in item)
            found = step
        flat = [v for node in found for v in (node if isinstance(node, list) else [node])]
        return [_text(v) for v in flat if v is not None and _text(v).strip()]

    def has(self, column: str) -> bool:
        return True


def _text(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    return json.dumps(value, ensure_ascii=False)


def own_item(row: Row) -> Incoming | Skip:
    """An event object of chronicle's own JSON export."""
    assert isinstance(row, JsonRow)
    data = row.data
    if not isinstance(data, dict):
        raise RowError("is not a JSON object", field="event", value=_short(data))
    for key in ("title", "date"):
        if key not in data:
            raise RowError("is missing", field=key, accepted="every event needs a title and a date")
    for key in ("id", "title", "date", "end", "description", "place"):
        if data.get(key) is not None and not isinstance(data[key], str):
            raise RowError("must be text", field=key, value=data[key])
    for key in ("tags", "actors", "sources"):
        if not isinstance(data.get(key, []), list):
            raise RowError("must be a list", field=key, value=_short(data[key]))
    sources: list[Source] = []
    for item in data.get("sources", []):
        if not isinstance(item, dict) or set(item) - set(_SOURCE_KEYS):
            raise RowError("is not a source object", field="sources", value=_short(item),
                           accepted=", ".join(_SOURCE_KEYS))
        try:
            sources.append(make_source(**{k: item.get(k) for k in _SOURCE_KEYS}, field_prefix="sources"))
        except InvalidInput as error:
            raise RowError(error.message, field="sources", value=error.value, accepted=error.accepted) from None
    item = build(
        row, event_id=data.get("id") or None, title=data["title"], date=data["date"], end=data.get("end") or None,
        description=data.get("description") or "", tags=data.get("tags", []), actors=data.get("actors", []),
        place=data.get("place"), sources=sources,
        columns={k: (k,) for k in _EVENT_KEYS},
    )
    claims = _claims(data.get("claims") or [])
    if claims and isinstance(item, Incoming):
        item = replace(item, claims=claims)
    revision = data.get("revision")
    # The export's revision count says how new this copy is (an older export must not
    # take a corrected event back); a hand-made file without one is not compared.
    if isinstance(revision, int) and not isinstance(revision, bool) and revision > 0:
        return replace(item, version=FileVersion(revision))
    return item


def _claims(raw: Any) -> tuple[Claim, ...]:
    """The ``claims`` of an event in chronicle's own JSON (see :meth:`Claim.to_dict`)."""
    if not isinstance(raw, list):
        raise RowError("must be a list", field="claims", value=_short(raw))
    claims = []
    for item in raw:
        if not isinstance(item, dict) or not {"field", "value"} <= set(item):
            raise RowError("is not a claim object", field="claims", value=_short(item),
                           accepted="field, value, sources, rank, note")
        try:
            sources = [make_source(**{k: s.get(k) for k in _SOURCE_KEYS}, field_prefix="claims")
                       for s in item.get("sources", [])]
            claims.append(make_claim(item["field"], item["value"], sources, rank=item.get("rank", "normal"),
                                     note=item.get("note")))
        except (InvalidInput, AttributeError, TypeError) as error:
            message = error.message if isinstance(error, InvalidInput) else "is not a claim object"
            raise RowError(message, field="claims", value=_short(item)) from None
    return tuple(claims)


def _short(value: Any, limit: int = 80) -> str:
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    return text if len(text) <= limit else text[:limit] + "…"


def read_json(path: Path, options: Mapping[str, Any]) -> RowStream:
    """Items of ``path`` (chronicle's own JSON, or a foreign array with a mapping)."""
    label = str(options.get("label") or path)
    fields = FieldMap.parse(options.get("map") or (), options.get("mapping_file"))
    convert = converter_for(options.get("preset"), fields)
    try:
        with open(path, encoding="utf-8-sig") as handle:
            document = parse_bounded(lambda: json.load(handle), field="file", value=label, what="JSON")
    except UnicodeDecodeError as error:
        raise InvalidInput(f"is not valid UTF-8 (byte {error.start})", field="file", value=label) from None
    except ValueError as error:
        raise InvalidInput(f"is not valid JSON ({error})", field="file", value=label) from None
    own = isinstance(document, dict) and isinstance(document.get("chronicle"), dict)
    preset = load(options["preset"]) if options.get("preset") is not None else None
    if preset is not None and preset.document is not None:
        return _preset_document_rows(preset, document, options, label)
    items = document.get("events") if isinstance(document, dict) else document
    if not isinstance(items, list):
        raise InvalidInput("holds no list of events", field="file", value=label,
                           accepted="a chronicle JSON export, a JSON array of objects, or {\"events\": [...]}")
    if convert is None:
        if not own:
            raise InvalidInput(
                "is not a chronicle export", field="file", value=label,
                accepted="say which fields to read with --map FIELD=PATH (e.g. --map title=headline) "
                         "or --preset wikipedia",
            )
        convert = own_item
    elif options.get("preset") is None:
        fields.check(lambda column: True, label, ())

    def rows() -> Iterator[SourceRow]:
        for number, item in enumerate(items, start=1):
            yield SourceRow(JsonRow(number, item, label), [json.dumps(item, ensure_ascii=False)])

    return RowStream(rows, convert, label=label, header=["item"],
                     skip_invalid=bool(options.get("skip_invalid")), rejects=options.get("rejects"))


def _preset_document_rows(preset: Preset, document: Any, options: Mapping[str, Any], label: str) -> RowStream:
    """A preset's own JSON document (a TimelineJS ``title``, ``events``, ``eras``), or a
    sheet saved as a JSON array of rows (``Year``, ``Headline`` … keys).

    Every part is a row of the stream, so parts that are not events (a title slide, an
    era) are counted as skipped with their reason rather than silently ignored.
    """
    shape = preset.document
    assert shape is not None
    parts = shape.sections(document)
    if parts is not None:
        skipped = shape.skipped

        def convert(row: Row) -> Incoming | Skip:
            assert isinstance(row, JsonRow)
            if row.section in skipped:
                return Skip(skipped[row.section])
            return shape.convert(row)

        def rows() -> Iterator[SourceRow]:
            for section, items in parts:
                for number, item in enumerate(items, start=1):
                    yield SourceRow(JsonRow(number, item, label, section), [json.dumps(item, ensure_ascii=False)])

        return RowStream(rows, convert, label=label, header=["item"],
                         skip_invalid=bool(options.get("skip_invalid")), rejects=options.get("rejects"))
    found = document.get("events") if isinstance(document, dict) else document
    key = preset.columns[0]
    if isinstance(found, list) and any(isinstance(item, dict) and key in item for item in found):
        sheet: list[Any] = found

        def sheet_rows() -> Iterator[SourceRow]:
            for number, item in enumerate(sheet, start=1):
                yield SourceRow(JsonRow(number, item, label), [json.dumps(item, ensure_ascii=False)])

        return RowStream(sheet_rows, preset.convert, label=label, header=["item"],
                         skip_invalid=bool(options.get("skip_invalid")), rejects=options.get("rejects"))
    raise InvalidInput(f"0 events in {label}: the {preset.name} preset found no `events` list and no {key} column",
                       accepted=shape.accepted)
