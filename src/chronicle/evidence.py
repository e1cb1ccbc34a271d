"""What supports an event, for the archive service: claims (competing values, each with
its sources and rank) and sources defined once and cited as ``@KEY``.

The decisions are :mod:`chronicle.claiming` (which records a claim makes) and
:mod:`chronicle.sources` (how a defined source's records fold); this module looks the
event or the source up, appends, and answers. Below :mod:`chronicle.archive`, which
delegates to it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from chronicle.claiming import claim_drafts, is_dispute, rank_draft
from chronicle.claims import Rank, find_claim, make_claim
from chronicle.errors import Conflict, InvalidInput, UnknownEvent
from chronicle.lookup import find
from chronicle.model import Draft, Event, Kind, Record, Source
from chronicle.recording import Prov, append_one, require_reason
from chronicle.sources import SOURCE_KINDS, SourceEntry, check_key, check_kind, entry_payload, fold_source, log_id
from chronicle.store import Store


@dataclass(frozen=True, slots=True)
class ClaimResult:
    event: Event
    dispute: bool
    """The claim contradicts the value the event had: sources now disagree."""


def claim(store: Store, prov: Prov, ref: str, field: str, value: Any, sources: tuple[Source, ...] | list[Source],
          *, rank: Rank | str | None, note: str | None, reason: str | None) -> ClaimResult:
    """Record that ``sources`` give ``value`` for the event's ``field`` (see
    :meth:`chronicle.archive.Archive.claim`)."""
    if not sources:
        raise InvalidInput("a claim needs a source", field="--source", value=None,
                           accepted="--source URL or --source @KEY")
    event = find(store, ref)
    made = make_claim(field, value, sources, rank=rank or Rank.NORMAL, note=note)
    # Without a rank, a value already claimed keeps its rank: the call adds support.
    drafts = claim_drafts(event, made, prov(reason), keep_rank=rank is None)
    if not drafts:
        raise Conflict("this claim is already recorded with these sources", field=field, value=made.display())
    dispute = is_dispute(event, made)
    store.append(drafts)
    updated = store.event(event.id)
    assert updated is not None
    return ClaimResult(updated, dispute)


def rank(store: Store, prov: Prov, ref: str, field: str, value: Any, new_rank: Rank | str, reason: str) -> Event:
    """Give one of the event's claims a new rank (``preferred`` makes it the shown value)."""
    why = require_reason(reason)
    event = find(store, ref)
    chosen = new_rank if isinstance(new_rank, Rank) else Rank.parse(new_rank)
    draft = rank_draft(event, field, value, chosen, prov(why))
    if find_claim(event.claims, field, make_claim(field, value).value) is None:
        shown = ", ".join(c.display() for c in event.claims if c.field == field) or "none"
        raise InvalidInput("is not one of the event's claims", field=f"--{field}", value=value,
                           accepted=f"a claimed value ({shown})")
    return append_one(store, draft)


# -- sources as records (see chronicle.sources) ----------------------------------------


def add_source(store: Store, prov: Prov, key: str, source: Source, *, kind: str | None,
               description: str | None, reason: str | None) -> SourceEntry:
    """Define a source once under ``key``; cite it afterwards as ``@KEY``."""
    key = check_key(key)
    payload = entry_payload(source, check_kind(kind), (description or "").strip() or None)
    return _append_source(store, prov, key, Kind.SOURCE_ADDED, payload, reason)


def correct_source(store: Store, prov: Prov, key: str, *, reason: str, source: Source | None, kind: str | None,
                   description: str | None) -> SourceEntry:
    """A new version of a defined source (given fields replace the old ones), with a reason."""
    why = require_reason(reason)
    entry = source_entry(store, key, include_withdrawn=True)
    payload = entry_payload(source or entry.source, check_kind(kind) if kind else entry.kind,
                            (description.strip() or None) if description is not None else entry.description)
    return _append_source(store, prov, entry.key, Kind.SOURCE_CORRECTED, payload, why)


def withdraw_source(store: Store, prov: Prov, key: str, *, reason: str) -> SourceEntry:
    """Stop ``@KEY`` from being cited; events that cite it keep their citation."""
    why = require_reason(reason)
    entry = source_entry(store, key, include_withdrawn=True)
    return _append_source(store, prov, entry.key, Kind.SOURCE_WITHDRAWN, {}, why)


def source_entry(store: Store, key: str, *, include_withdrawn: bool = False) -> SourceEntry:
    """The defined source ``@KEY`` as it stands now."""
    key = check_key(key, field="source")
    entry: SourceEntry | None = None
    for record in store.records(event_id=log_id(key)):
        entry = fold_source(entry, record)
    if entry is None:
        raise UnknownEvent("no source has this key", field="source", value="@" + key,
                           accepted="a key from `chronicle source list`, or define it with `chronicle source add`")
    if entry.withdrawn and not include_withdrawn:
        raise InvalidInput(f"was withdrawn ({entry.reason})", field="source", value="@" + key,
                           accepted="another source")
    return entry


def source_entries(store: Store) -> list[SourceEntry]:
    """Every defined source, in the order they were defined (reads the whole log)."""
    entries: dict[str, SourceEntry] = {}
    for record in store.records():
        if record.kind in SOURCE_KINDS:
            key = record.event_id.removeprefix("@")
            entries[key] = fold_source(entries.get(key), record)
    return list(entries.values())


def _append_source(store: Store, prov: Prov, key: str, kind: Kind, payload: dict[str, Any],
                   reason: str | None) -> SourceEntry:
    current: SourceEntry | None = None
    for record in store.records(event_id=log_id(key)):
        current = fold_source(current, record)
    draft = Draft(log_id(key), kind, payload, prov(reason))
    result = fold_source(current, Record(
        seq=0, event_id=draft.event_id, kind=kind, payload=payload, author=draft.provenance.author,
        recorded_at="", origin=draft.provenance.origin, reason=reason, prev_hash="", hash="",
    ))
    store.append([draft])
    return result
