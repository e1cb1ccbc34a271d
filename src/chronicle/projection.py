"""The fold from log records to event state — pure, so replay and live updates agree.

The store keeps a projection of every event's state (current and past versions) next to
the log; it computes each new version with :func:`apply`, and ``verify`` recomputes all
of them from the log with the same function and compares.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from typing import Any

import orjson

from chronicle.claims import CLAIM_KINDS, CLAIMABLE, Claim, check_revision, fold_claim
from chronicle.dates import parse_span
from chronicle.errors import Conflict, InvalidInput, TamperedLog
from chronicle.model import (
    Event,
    EventFields,
    HistoryEntry,
    Kind,
    Record,
    Source,
    Status,
    span_json,
    span_parts,
)

#: Bump when the projection's shape or meaning changes: stored projections of an older
#: version are rebuilt from the log.
PROJECTION_VERSION = 1


def upcast(record: Record) -> Record:
    """Bring an older payload format up to the current one (none older exists yet)."""
    return record


def apply(state: Event | None, record: Record, fields: EventFields | None = None) -> Event:
    """The event after ``record``; raises if the record makes no sense for ``state``.

    ``fields`` are the record's content already parsed (the write path has them from
    the draft); without them, the content is read from the stored payload.
    """
    record = upcast(record)
    payload = record.payload
    kind = record.kind
    entry = HistoryEntry(
        seq=record.seq, kind=kind, recorded_at=record.recorded_at, author=record.author,
        reason=record.reason,
        changed=tuple(sorted(payload)) if kind is Kind.REVISED
        else (str(payload.get("field")),) if kind in CLAIM_KINDS else (),
    )
    if kind is Kind.RECORDED:
        if state is not None:
            raise Conflict("an event with this id exists already", field="id", value=record.event_id)
        return _new_event(record, fields or EventFields.from_payload(payload), entry)
    if state is None:
        raise InvalidInput("no such event", field="id", value=record.event_id)
    common: dict[str, Any] = {
        "revision": state.revision + 1,
        "updated_at": record.recorded_at,
        "last_seq": record.seq,
        "last_reason": record.reason,
        "history": (*state.history, entry),
    }
    if kind is Kind.REVISED:
        if state.claims:
            check_revision(state, payload)
        new = fields or state.fields.with_changes(payload)
        return replace(state, title=new.title, span=new.span, description=new.description, tags=new.tags,
                       actors=new.actors, place=new.place, **common)
    if kind in CLAIM_KINDS:
        return replace(state, **fold_claim(state, record), **common)
    if kind is Kind.SOURCED:
        source = Source.from_dict(payload["source"])
        if source in state.sources:
            raise Conflict("the event already cites this source", field="--source", value=source.url)
        return replace(state, sources=(*state.sources, source), unsourced=False, **common)
    if kind is Kind.RETRACTED:
        if state.status is Status.RETRACTED:
            raise Conflict("the event is already retracted", field="id", value=state.id)
        return replace(state, status=Status.RETRACTED, status_reason=record.reason, **common)
    if kind is Kind.MERGED:
        into = payload.get("into")
        if state.status is Status.MERGED:
            raise Conflict(f"the event was merged into {state.merged_into} already", field="id", value=state.id)
        if not isinstance(into, str) or into == state.id:
            raise InvalidInput("must name another event", field="into", value=into)
        return replace(state, status=Status.MERGED, status_reason=record.reason, merged_into=into, **common)
    if kind is Kind.RESTORED:
        if state.status is not Status.RETRACTED:
            raise Conflict("the event is not retracted", field="id", value=state.id)
        return replace(state, status=Status.ACTIVE, status_reason=record.reason, **common)
    raise InvalidInput("unknown record kind", field="kind", value=kind)


def _new_event(record: Record, fields: EventFields, entry: HistoryEntry) -> Event:
    return Event(
        id=record.event_id,
        title=fields.title,
        span=fields.span,
        description=fields.description,
        tags=fields.tags,
        actors=fields.actors,
        place=fields.place,
        sources=fields.sources,
        unsourced=fields.unsourced and not fields.sources,
        revision=1,
        created_at=record.recorded_at,
        updated_at=record.recorded_at,
        first_seq=record.seq,
        last_seq=record.seq,
        last_reason=record.reason,
        history=(entry,),
    )


def event_to_doc(event: Event) -> dict[str, Any]:
    """The stored form of a projected event (see :func:`event_from_doc`)."""
    date, end = span_parts(event.span)
    doc: dict[str, Any] = {
        "id": event.id,
        "title": event.title,
        "date": date,
        "end": end,
        "description": event.description,
        "tags": list(event.tags),
        "actors": list(event.actors),
        "place": event.place,
        "sources": [s.to_dict() for s in event.sources],
        "unsourced": event.unsourced,
        "status": event.status.value,
        "revision": event.revision,
        "created_at": event.created_at,
        "updated_at": event.updated_at,
        "first_seq": event.first_seq,
        "last_seq": event.last_seq,
        "status_reason": event.status_reason,
        "last_reason": event.last_reason,
        "history": [h.to_dict() for h in event.history],
    }
    if event.claims:
        # Only events with claims carry these keys, so every document stored before
        # claims existed is still exactly what a replay produces.
        doc["claims"] = [c.to_dict() for c in event.claims]
        doc["disputed"] = list(event.disputed_fields)
    if event.merged_into is not None:
        doc["merged_into"] = event.merged_into
    return doc


def event_from_doc(doc: dict[str, Any]) -> Event:
    """The event a stored document describes (see :func:`event_to_doc`).

    Every export and every ``show`` reads events through here, a million times for a
    large archive: sources and history entries are built directly rather than through
    their ``from_dict`` (same fields, same defaults), and kinds and statuses are looked up.
    """
    get = dict.get
    return Event(
        id=doc["id"],
        title=doc["title"],
        span=parse_span(doc["date"], doc["end"]),
        description=doc["description"],
        tags=tuple(doc["tags"]),
        actors=tuple(doc["actors"]),
        place=doc["place"],
        sources=tuple(
            Source(get(s, "url"), get(s, "title"), get(s, "publisher"), get(s, "published"),
                   get(s, "accessed"), get(s, "archived_url"), get(s, "quote"))
            for s in doc["sources"]
        ),
        unsourced=doc["unsourced"],
        status=_STATUSES.get(doc["status"]) or Status(doc["status"]),
        revision=doc["revision"],
        created_at=doc["created_at"],
        updated_at=doc["updated_at"],
        first_seq=doc["first_seq"],
        last_seq=doc["last_seq"],
        status_reason=doc["status_reason"],
        last_reason=doc["last_reason"],
        history=tuple(
            HistoryEntry(h["seq"], _KINDS.get(h["kind"]) or Kind(h["kind"]), h["recorded_at"], h["author"],
                         get(h, "reason"), tuple(get(h, "changed", ())))
            for h in doc["history"]
        ),
        merged_into=get(doc, "merged_into"),
        claims=tuple(Claim.from_dict(c) for c in doc["claims"]) if "claims" in doc else (),
        disputed_fields=tuple(doc["disputed"]) if "disputed" in doc else (),
    )


def load_doc(text: str | bytes) -> dict[str, Any]:
    """A stored document (JSON text) as the dict :func:`event_to_doc` made.

    Every ``show`` and export parses one per event; orjson parses these documents about
    1.5× faster than ``json.loads`` and gives the same dict (a property test in
    tests/test_stored_docs.py holds them equal). Only reading: what is stored and hashed
    is still written by the standard library's encoder.
    """
    data: dict[str, Any] = orjson.loads(text)
    return data


#: What a listing line shows of an event (``chronicle show``'s table), in this order:
#: id, status, title, date (EDTF), end (EDTF or None), whether any field is disputed.
#: The store yields these for each event (:meth:`chronicle.store.Store.listing`).
ListingRow = tuple[str, str, str, str, str | None, bool]

#: The json module's reader of one JSON string (its C speedup), absent from typeshed.
_scan_string: Callable[[str, int], tuple[str, int]] = json.decoder.scanstring  # type: ignore[attr-defined]


#: The longest end a document can have when its last key is ``disputed``: every
#: claimable field disputed.
_DISPUTED_TAIL = len(',"disputed":' + json.dumps(list(CLAIMABLE), separators=(",", ":")) + "}")


def listing_row(event_id: str, status: str, text: str) -> ListingRow:
    """The :data:`ListingRow` of a stored document, read from its head and its tail.

    The projection stores every document as :func:`event_to_doc` orders it, in ``json``'s
    compact spelling (:func:`chronicle.store.doc_json`): it begins
    ``{"id":"…","title":"…","date":"…","end":…``. Those strings are read where they
    stand with the json module's own string reader; the rest (history, sources: most of
    the text) is not parsed. A quote inside a JSON string is always escaped, so
    ``","title":"`` and ``"disputed":["`` occur only as those keys. ``disputed`` comes
    after the history and the claims: a document ending in a list ends with the history
    or with ``disputed``, whose longest spelling :data:`_DISPUTED_TAIL` bounds, so only
    that tail is searched. A document spelled any other way is parsed whole
    (:func:`load_doc`), so a damaged one fails as it does everywhere else.
    """
    if text.startswith('{"id":"') and text.endswith("}"):
        at = text.find('","title":"', 7)
        if at > 0:
            title, at = _scan_string(text, at + 11)
            if text.startswith(',"date":"', at):
                date, at = _scan_string(text, at + 9)
                disputed = '"disputed":["' in (text[-_DISPUTED_TAIL:] if text.endswith("]}") else text)
                if text.startswith(',"end":"', at):
                    return event_id, status, title, date, _scan_string(text, at + 8)[0], disputed
                if text.startswith(',"end":null,', at):
                    return event_id, status, title, date, None, disputed
    doc = load_doc(text)
    return event_id, status, doc["title"], doc["date"], doc["end"], bool(doc.get("disputed"))


#: What reading a stored document that is not one raises: bad JSON, a missing key, a
#: value of the wrong type.
_UNREADABLE = (orjson.JSONDecodeError, KeyError, TypeError, ValueError, AttributeError, IndexError)


@contextmanager
def reading_documents() -> Iterator[None]:
    """Around code that streams stored documents (``show``, exports): a document that
    cannot be read — the derived table edited by hand, a damaged page — is one line
    that says what to run, not a traceback.

    The documents are derived data: ``verify`` names the event and column, and
    ``verify --repair`` rebuilds them from the log. Checking each document as it streams
    would cost a second parse per event; this costs nothing until one fails.
    """
    try:
        yield
    except _UNREADABLE as error:
        raise TamperedLog(
            f"a stored event document cannot be read ({type(error).__name__}: {error}); "
            "`chronicle verify` names the event, `chronicle verify --repair` rebuilds the documents from the log"
        ) from None


#: The keys of the Event JSON (:meth:`Event.to_dict`) taken as they are from a stored
#: document; the rest are worked out from its dates (:func:`doc_dates`).
_JSON_DOC_KEYS = ("id", "title", "description", "tags", "actors", "place", "sources", "unsourced",
                  "status", "status_reason", "revision", "created_at", "updated_at")


@functools.lru_cache(maxsize=32768)
def doc_dates(date: str, end: str | None) -> dict[str, Any]:
    """The date fields of the Event JSON for a stored document's ``date`` and ``end``.

    Exactly what :meth:`Event.to_dict` gives for ``parse_span(date, end)``; cached
    because a large archive repeats the same few thousand dates. Callers must not
    change the returned dict (copy it into their own).
    """
    return span_json(parse_span(date, end))


def event_json(doc: dict[str, Any]) -> dict[str, Any]:
    """``event_from_doc(doc).to_dict()`` without building the Event: ``show --format
    json/jsonl`` streams a million of these. Same keys, same values (the tests compare
    the two on every stored document of the golden archives)."""
    get = dict.get
    data = {key: doc[key] for key in _JSON_DOC_KEYS}
    data.update(doc_dates(doc["date"], doc["end"]))
    data["history"] = [
        {"seq": h["seq"], "kind": h["kind"], "recorded_at": h["recorded_at"], "author": h["author"],
         "reason": get(h, "reason"), "changed": list(get(h, "changed", ()))}
        for h in doc["history"]
    ]
    data["disputed"] = list(get(doc, "disputed", ()))
    data["claims"] = list(get(doc, "claims", ()))
    if "merged_into" in doc:
        data["merged_into"] = doc["merged_into"]
    return data


_STATUSES = {status.value: status for status in Status}
_KINDS = {kind.value: kind for kind in Kind}
