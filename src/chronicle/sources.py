"""Sources as records of their own: define once under a key, cite as ``@KEY`` anywhere.

A source used for many events (a report, an interview, a court document) is defined
once with ``source-added``; a mistake in it is fixed with ``source-corrected`` and a
source that should no longer be cited is ``source-withdrawn`` — each with author, time
and reason, like every other record. Nothing is rewritten: events that cited the source
before a correction keep the version they cited; ``@KEY`` gives the current one.

Source records live in the same hash chain as event records, under the log id
``@KEY``; they have no event projection. Pure values and folds here, no I/O.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from chronicle.errors import Conflict, InvalidInput
from chronicle.model import Kind, Record, Source

#: Log record kinds about sources (not events).
SOURCE_KINDS = frozenset({Kind.SOURCE_ADDED, Kind.SOURCE_CORRECTED, Kind.SOURCE_WITHDRAWN})

#: What a source is; a URL is optional for all of them.
SOURCE_KIND_NAMES = ("article", "report", "interview", "document", "dataset", "book", "broadcast", "other")

_KEY = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$")


def check_key(key: str, *, field: str = "--key") -> str:
    key = key.strip().removeprefix("@")
    if not _KEY.match(key):
        raise InvalidInput("is not a valid source key", field=field, value=key,
                           accepted="1–63 letters, digits, '.', '_' or '-', e.g. rs-2025")
    return key


def log_id(key: str) -> str:
    """The log's id for a source's records: ``@KEY`` (event ids cannot start with ``@``)."""
    return "@" + key


def check_kind(kind: str | None) -> str | None:
    if kind is None or not kind.strip():
        return None
    kind = kind.strip().lower()
    if kind not in SOURCE_KIND_NAMES:
        raise InvalidInput("is not a kind of source", field="--kind", value=kind, accepted=", ".join(SOURCE_KIND_NAMES))
    return kind


@dataclass(frozen=True, slots=True)
class SourceEntry:
    """A defined source as it stands after its records."""

    key: str
    source: Source
    kind: str | None = None
    description: str | None = None
    """What it is, for a source without a URL (e.g. "interview with a ministry official")."""
    withdrawn: bool = False
    reason: str | None = None
    """Why it was last corrected or withdrawn."""
    versions: int = 1

    def to_dict(self) -> dict[str, Any]:
        return {
            "key": self.key, "source": self.source.to_dict(), "kind": self.kind,
            "description": self.description, "withdrawn": self.withdrawn, "reason": self.reason,
            "versions": self.versions,
        }


def entry_payload(source: Source, kind: str | None, description: str | None) -> dict[str, Any]:
    payload: dict[str, Any] = {"source": source.to_dict()}
    if kind:
        payload["kind"] = kind
    if description:
        payload["description"] = description
    return payload


def fold_source(entry: SourceEntry | None, record: Record) -> SourceEntry:
    """The source after ``record``; raises if the record makes no sense for it."""
    key = record.event_id.removeprefix("@")
    payload = record.payload
    if record.kind is Kind.SOURCE_ADDED:
        if entry is not None:
            raise Conflict("a source with this key exists already", field="--key", value=key)
        return SourceEntry(key, Source.from_dict(payload["source"]), payload.get("kind"), payload.get("description"))
    if entry is None:
        raise InvalidInput("no source has this key", field="source", value="@" + key,
                           accepted="a key from `chronicle source list`")
    if record.kind is Kind.SOURCE_CORRECTED:
        corrected = SourceEntry(key, Source.from_dict(payload["source"]), payload.get("kind"),
                                payload.get("description"), entry.withdrawn, record.reason, entry.versions + 1)
        if (corrected.source, corrected.kind, corrected.description) == (entry.source, entry.kind, entry.description):
            raise Conflict("the correction changes nothing", field="source", value="@" + key)
        return corrected
    if entry.withdrawn:
        raise Conflict("the source is already withdrawn", field="source", value="@" + key)
    return SourceEntry(key, entry.source, entry.kind, entry.description, True, record.reason, entry.versions + 1)
