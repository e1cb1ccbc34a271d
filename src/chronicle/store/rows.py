"""Records and events as table rows, and back: the one place their serialisation lives.

The write path, ``verify``, the projection check and the benchmarks all build the same
bytes from the same values; each of them uses these functions, so a log row, its hash
and a projection row are computed one way only.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson

from chronicle.dates import Span, bound_text
from chronicle.model import NO_EVENT_KINDS, Event, Kind, Record, fold_text, span_parts
from chronicle.projection import event_to_doc
from chronicle.store.schema import SEP, WIDE_DAYS


@dataclass(frozen=True, slots=True)
class Head:
    """The log's size and the hash of its newest record (genesis hash when empty)."""

    count: int
    hash: str
    recorded_at: str | None


@dataclass(frozen=True, slots=True)
class AppendResult:
    count: int
    first_seq: int | None
    head: Head


def utc_now_text(now: datetime | None = None) -> str:
    """UTC, ISO 8601 with microseconds and ``Z`` (the form every ``recorded_at`` has)."""
    moment = now or datetime.now(UTC)
    # isoformat is several times cheaper than strftime, and this runs once per record.
    if moment.tzinfo is UTC:
        # The clock's own zone (the usual case): ``…+00:00`` becomes ``…Z`` as it is.
        return moment.isoformat(timespec="microseconds")[:-6] + "Z"
    return moment.astimezone(UTC).replace(tzinfo=None).isoformat(timespec="microseconds") + "Z"


#: ``json.dumps(value, ensure_ascii=False)`` of a string, without building an encoder per
#: call (the same C function ``json.dumps`` ends in; a hot path at a million records).
dump_str: Callable[[str], str] = json.encoder.encode_basestring
#: ``canonical_json``'s encoder, built once (``json.dumps`` with options builds one per call).
payload_json: Callable[[dict[str, Any]], str] = json.JSONEncoder(
    sort_keys=True, separators=(",", ":"), ensure_ascii=False,
).encode


def fields_payload_json(payload: dict[str, Any]) -> str:
    """:data:`payload_json` of a payload made from an :class:`~chronicle.model.EventFields`
    (a draft that carries its ``fields``), byte for byte, about four times faster.

    Such a payload holds only text, lists, dicts with text keys, None and booleans —
    never a float, the one value orjson spells differently (``1e16``, ``NaN``) — and for
    those orjson's sorted compact output is ``json``'s (tests/test_payload_json.py).
    What orjson refuses (a lone surrogate, an integer beyond 64 bits, a key that is not
    text) is written by ``json``, as it always was. A stored payload read back (a
    backup's records) keeps going through :data:`payload_json`: it may hold anything.
    """
    try:
        return orjson.dumps(payload, option=orjson.OPT_SORT_KEYS).decode()
    except TypeError:  # orjson.JSONEncodeError
        return payload_json(payload)


#: ``json``'s spelling of a projection document (compact, UTF-8, in :func:`event_to_doc`'s key order).
_json_doc: Callable[[dict[str, Any]], str] = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


def doc_json(doc: dict[str, Any]) -> str:
    """A projection document as stored: ``json``'s compact UTF-8 spelling, byte for byte.

    Written by orjson, about three times faster: for what a document holds (strings,
    integers, booleans, None, lists and dicts with string keys) its output is the same
    bytes as ``json``'s (tests/test_store_rows.py). What orjson refuses — a lone
    surrogate, an integer beyond 64 bits — ``json`` writes, as it always did. Only
    derived data is written here: no record, payload or hash passes through it.
    """
    try:
        return orjson.dumps(doc).decode()
    except TypeError:  # orjson.JSONEncodeError
        return _json_doc(doc)


def record_body_json(
    seq: int, event_id: str, kind: str, payload_json: str, author: str,
    recorded_at: str, origin: str, reason: str | None, version: int,
) -> str:
    """Canonical JSON of a record's hashed body, built without re-parsing the payload.

    Equal, byte for byte, to ``canonical_json(record.hashed_body())`` (tested), but
    cheap enough to run over a million stored records in ``verify``.
    """
    dump = dump_str
    return (
        f'{{"author":{dump(author)},"event_id":{dump(event_id)},"kind":{dump(kind)},'
        f'"origin":{dump(origin)},"payload":{payload_json},'
        f'"reason":{"null" if reason is None else dump(reason)},'
        f'"recorded_at":{dump(recorded_at)},"seq":{seq},"v":{version}}}'
    )


#: The ``kind`` values of sources' records (``@KEY``), which have no event projection.
NO_EVENT_KIND_VALUES = frozenset(kind.value for kind in NO_EVENT_KINDS)

#: ``Kind(value)`` without the enum machinery, for reading a million log rows.
_KINDS = {kind.value: kind for kind in Kind}


def record_from_row(row: Any) -> Record:
    """The :class:`Record` of a ``log`` row (any row with the log's column names)."""
    return Record(
        seq=int(row.seq), event_id=row.event_id, kind=_KINDS.get(row.kind) or Kind(row.kind),
        payload=json.loads(row.payload), author=row.author, recorded_at=row.recorded_at,
        origin=row.origin, reason=row.reason, prev_hash=row.prev_hash, hash=row.hash,
        version=int(row.v),
    )


def span_columns(span: Span) -> tuple[str, str, int, int]:
    """``lo``, ``hi``, ``precision`` and ``wide`` of a span.

    Remembered per span object, like :func:`chronicle.model.span_parts`: dates repeat
    and :func:`~chronicle.dates.parse_span` hands out one object per distinct date, so
    an identity lookup (the entry keeps its span alive, so an id is never reused while
    it is a key) answers most rows without hashing the span's dataclasses, which an
    ``lru_cache`` keyed on the span did on every row. A span object not seen yet is
    looked up by its stored texts (``span_parts``, which the payload and the document
    ask for anyway): a large import has more distinct dates than the parser's cache
    holds, so the same date often arrives as a new object.
    """
    hit = _SPAN_COLUMNS.get(id(span))
    if hit is not None and hit[0] is span:
        return hit[1]
    texts = span_parts(span)
    columns = _COLUMNS_BY_TEXT.get(texts)
    if columns is None:
        lo, hi = span.earliest_instant, span.latest_instant
        columns = (bound_text(lo), bound_text(hi), int(span.precision),
                   1 if hi - lo > timedelta(days=WIDE_DAYS) else 0)
        if len(_COLUMNS_BY_TEXT) >= _SPAN_COLUMNS_MAX:
            _COLUMNS_BY_TEXT.clear()
        _COLUMNS_BY_TEXT[texts] = columns
    if len(_SPAN_COLUMNS) >= _SPAN_COLUMNS_MAX:
        _SPAN_COLUMNS.clear()
    _SPAN_COLUMNS[id(span)] = (span, columns)
    return columns


_SPAN_COLUMNS: dict[int, tuple[Span, tuple[str, str, int, int]]] = {}
_COLUMNS_BY_TEXT: dict[tuple[str, str | None], tuple[str, str, int, int]] = {}
_SPAN_COLUMNS_MAX = 65536


def key_text(values: tuple[str, ...]) -> str:
    """Tags as ``␟a␟b␟``, so that one tag matches with a LIKE and nothing else does.

    Folded in one call: folding is per character, and the separator (a control
    character, a starter in Unicode terms) keeps each value's decomposition apart, so
    folding the joined text equals joining the folded values (tested).
    """
    return SEP + fold_text(SEP.join(values)) + SEP if values else ""


def version_row(event: Event, record: Record) -> list[Any]:
    """The projection row of ``event`` after ``record``, in ``VERSION_COLUMNS`` order."""
    lo, hi, precision, wide = span_columns(event.span)
    return [
        event.id, record.seq, None, record.recorded_at, None, lo, hi, precision, wide,
        event.status.value, key_text(event.tags), key_text(event.actors),
        fold_text(" ".join((event.title, event.description, event.place or "", *event.tags, *event.actors))),
        doc_json(event_to_doc(event)),
    ]
