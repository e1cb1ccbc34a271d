"""What an event, a source and a log record *are*. Pure values, no I/O.

The log is the truth: a :class:`Record` says that something happened to an event
(it was recorded, revised, sourced, retracted, restored), who said so, when, from which
command or file, and why. An :class:`Event` is a *view*: the fold of its records
(see :mod:`chronicle.projection`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Any

# The model room is four modules of one idea each; every name stays importable from
# here, as callers always imported them.
from chronicle.citation import Source, check_url, make_source, source_of
from chronicle.dates import Span
from chronicle.fields import (
    REVISABLE,
    EventFields,
    clean_list,
    clean_title,
    parse_when,
    recorded_payload,
    revision_changes,
    span_parts,
)
from chronicle.text import AUTHOR_MAX, check_author, check_id, fold_text, slugify

if TYPE_CHECKING:
    from chronicle.claims import Claim

__all__ = [
    "AUTHOR_MAX", "GENESIS_HASH", "PAYLOAD_VERSION", "REVISABLE", "Draft", "Event", "EventFields",
    "HistoryEntry", "Kind", "Provenance", "Record", "Source", "Status", "canonical_json", "chain_hash",
    "check_author", "check_id", "check_url", "clean_list", "clean_title", "fold_text", "make_source",
    "parse_when", "recorded_payload", "revision_changes", "slugify", "source_of", "span_json", "span_parts",
]

#: Version of the record payload format; older payloads are upcast when read.
PAYLOAD_VERSION = 1

GENESIS_HASH = "0" * 64


class Kind(StrEnum):
    """What a log record does to its event."""

    RECORDED = "recorded"
    REVISED = "revised"
    SOURCED = "sourced"
    RETRACTED = "retracted"
    RESTORED = "restored"
    MERGED = "merged"
    """The event is a duplicate of another (payload ``into``): it leaves the timeline and
    its id resolves to that event; its sources, tags and actors were added to it."""
    CLAIMED = "claimed"
    """A source's value for a field, competing with others (see :mod:`chronicle.claims`)."""
    RANKED = "ranked"
    """A claim's new rank: preferred, normal or deprecated."""
    SOURCE_ADDED = "source-added"
    """A source defined once under a key, cited as ``@KEY`` (see :mod:`chronicle.sources`)."""
    SOURCE_CORRECTED = "source-corrected"
    SOURCE_WITHDRAWN = "source-withdrawn"
    ALIASED = "aliased"
    """Another name of an actor (payload ``name``, ``canonical``; see :mod:`chronicle.aliases`)."""
    UNALIASED = "unaliased"
    """A name that is no longer an alias (payload ``name``)."""


#: Kinds of records about the archive rather than one event — defined sources
#: (``@KEY``, :mod:`chronicle.sources`) and actor aliases (``~actors``,
#: :mod:`chronicle.aliases`): they are in the hash chain but have no event projection.
NO_EVENT_KINDS = frozenset({
    Kind.SOURCE_ADDED, Kind.SOURCE_CORRECTED, Kind.SOURCE_WITHDRAWN, Kind.ALIASED, Kind.UNALIASED,
})


class Status(StrEnum):
    ACTIVE = "active"
    RETRACTED = "retracted"
    MERGED = "merged"


@dataclass(frozen=True, slots=True)
class Provenance:
    """Who produced a record, from what, and why."""

    author: str
    origin: str
    """The command line, or ``import PATH sha256:…`` for a file."""
    reason: str | None = None


@dataclass(frozen=True, slots=True)
class Draft:
    """A record not yet in the log: the store gives it a sequence number, time and hash."""

    event_id: str
    kind: Kind
    payload: dict[str, Any]
    provenance: Provenance
    fields: EventFields | None = None
    """The event's content after this record, already parsed (``recorded`` and ``revised``
    drafts made from an :class:`EventFields`), so the store folds it without parsing the
    payload again. Must agree with ``payload``; ``None``: the store reads the payload."""


@dataclass(frozen=True, slots=True)
class Record:
    """One entry of the append-only log."""

    seq: int
    event_id: str
    kind: Kind
    payload: dict[str, Any]
    author: str
    recorded_at: str
    """UTC, ISO 8601 with microseconds and ``Z``; never earlier than the previous record's."""
    origin: str
    reason: str | None
    prev_hash: str
    hash: str
    version: int = PAYLOAD_VERSION

    def hashed_body(self) -> dict[str, Any]:
        """Everything the hash covers (all but the hashes themselves)."""
        return {
            "seq": self.seq,
            "event_id": self.event_id,
            "kind": self.kind.value,
            "payload": self.payload,
            "author": self.author,
            "recorded_at": self.recorded_at,
            "origin": self.origin,
            "reason": self.reason,
            "v": self.version,
        }

    def to_dict(self) -> dict[str, Any]:
        body = self.hashed_body()
        body["prev_hash"] = self.prev_hash
        body["hash"] = self.hash
        return body


def canonical_json(data: Any) -> str:
    """The one serialisation that hashes are computed over: sorted keys, no spaces, UTF-8."""
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def chain_hash(prev_hash: str, body_json: str) -> str:
    """``SHA-256(previous hash + canonical JSON of this record)``, hex."""
    import hashlib

    return hashlib.sha256((prev_hash + body_json).encode("utf-8")).hexdigest()



def span_json(span: Span) -> dict[str, Any]:
    """The date fields of the Event JSON (:meth:`Event.to_dict`): the stored texts, the
    EDTF, precision and qualifiers, the bounds as UTC instants, and the honest words."""
    date, end = span_parts(span)
    return {
        "date": date,
        "end": end,
        "edtf": span.edtf,
        "precision": span.precision.label,
        "approximate": span.approximate,
        "uncertain": span.uncertain,
        "earliest": span.earliest_instant.isoformat(),
        "latest": span.latest_instant.isoformat(),
        "display_date": span.render(),
    }

@dataclass(frozen=True, slots=True)
class Event:
    """The current (or as-of) state of one event, folded from its records."""

    id: str
    title: str
    span: Span
    description: str = ""
    tags: tuple[str, ...] = ()
    actors: tuple[str, ...] = ()
    place: str | None = None
    sources: tuple[Source, ...] = ()
    unsourced: bool = False
    status: Status = Status.ACTIVE
    revision: int = 1
    """How many records concern this event (1 = recorded, never changed)."""
    created_at: str = ""
    updated_at: str = ""
    first_seq: int = 0
    last_seq: int = 0
    status_reason: str | None = None
    """Why it was retracted (or restored), from the latest such record."""
    last_reason: str | None = None
    history: tuple[HistoryEntry, ...] = field(default=())
    """One short line per record, oldest first: kind, time, author, reason, fields."""
    merged_into: str | None = None
    """The event this one was merged into as a duplicate (status ``merged``)."""
    claims: tuple[Claim, ...] = ()
    """What each source says where sources give values (see :mod:`chronicle.claims`)."""
    disputed_fields: tuple[str, ...] = ()
    """Fields whose live claims cannot all be true."""

    @property
    def disputed(self) -> bool:
        return bool(self.disputed_fields)

    @property
    def fields(self) -> EventFields:
        """What the event currently says (its content, without log-derived state)."""
        return EventFields(self.title, self.span, self.description, self.tags, self.actors, self.place,
                           self.sources, self.unsourced)

    @property
    def date(self) -> str:
        return span_parts(self.span)[0]

    @property
    def end(self) -> str | None:
        return span_parts(self.span)[1]

    @property
    def revisions(self) -> int:
        """How many times the content was changed after it was first recorded."""
        return sum(1 for h in self.history if h.kind is Kind.REVISED)

    def to_dict(self) -> dict[str, Any]:
        """The documented JSON shape of an event (README: "Event JSON")."""
        span = self.span
        return {
            "id": self.id,
            "title": self.title,
            **span_json(span),
            "description": self.description,
            "tags": list(self.tags),
            "actors": list(self.actors),
            "place": self.place,
            "sources": [s.to_dict() for s in self.sources],
            "unsourced": self.unsourced,
            "status": self.status.value,
            "status_reason": self.status_reason,
            "revision": self.revision,
            "created_at": self.created_at,
            "updated_at": self.updated_at,
            "history": [h.to_dict() for h in self.history],
            "disputed": list(self.disputed_fields),
            "claims": [c.to_dict() for c in self.claims],
        } | ({"merged_into": self.merged_into} if self.merged_into is not None else {})


@dataclass(frozen=True, slots=True)
class HistoryEntry:
    seq: int
    kind: Kind
    recorded_at: str
    author: str
    reason: str | None
    changed: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "seq": self.seq,
            "kind": self.kind.value,
            "recorded_at": self.recorded_at,
            "author": self.author,
            "reason": self.reason,
            "changed": list(self.changed),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> HistoryEntry:
        return cls(
            seq=data["seq"], kind=Kind(data["kind"]), recorded_at=data["recorded_at"],
            author=data["author"], reason=data.get("reason"), changed=tuple(data.get("changed", ())),
        )
