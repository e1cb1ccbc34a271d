"""Duplicates in an archive: finding them, refusing to add one by accident, merging them.

A merge is appended, never done in place: the kept event gets one ``revised`` record
for the tags and actors it gains and one ``sourced`` record per source it gains; the
duplicate gets a ``merged`` record naming the kept event. All in one transaction, all
with the same reason. Afterwards the duplicate leaves the timeline and every export,
its id resolves to the kept event (``show``, ``revise``, ``cite`` …), and ``history``
of either id tells what happened.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

from chronicle.archive import Archive, recorded_payload, require_reason
from chronicle.dates import Instant, bound_text, parse_span
from chronicle.duplicates import (
    NEAR,
    Candidate,
    Pair,
    day_number,
    find_duplicates,
    likely_duplicates_of,
    normal_url,
)
from chronicle.editing import Edit
from chronicle.errors import Conflict, InvalidInput, LikelyDuplicate
from chronicle.model import Draft, Event, Kind, Provenance, Source, Status, clean_list, fold_text
from chronicle.query import EventQuery

#: How many events sharing the new one's dates ``add`` compares it with, at most.
ADD_CHECK_LIMIT = 5000


def archive_duplicates(archive: Archive, query: EventQuery = EventQuery(), *,
                       threshold: float | None = None) -> list[Pair]:
    """Likely duplicate pairs among the events ``query`` selects, best first."""
    candidates = (Candidate.of(event) for event in archive.show(query))
    return find_duplicates(candidates) if threshold is None else find_duplicates(candidates, threshold=threshold)


def _widened(moment: Instant, days: float) -> str:
    """The stored bound ``days`` from ``moment`` (the moment itself outside years 1–9999)."""
    if moment.in_datetime_range:
        try:
            return bound_text(moment.to_datetime() + timedelta(days=days))
        except OverflowError:
            pass
    return bound_text(moment)


def _neighbours(archive: Archive, lo: Instant, hi: Instant) -> Iterator[Event]:
    query = EventQuery(since=_widened(lo, -NEAR), until=_widened(hi, NEAR), limit=ADD_CHECK_LIMIT)
    return archive.show(query)


def add_event(archive: Archive, *, allow_duplicate: bool = False, **fields: Any) -> str:
    """:meth:`Archive.add`, refused with :class:`LikelyDuplicate` when the archive holds an
    event with the same dates (or within a week) and a like title or the same source URL.
    """
    if not allow_duplicate:
        payload = recorded_payload(**{k: v for k, v in fields.items() if k != "event_id"})
        span = parse_span(payload["date"], payload["end"])
        urls = tuple(dict.fromkeys(normal_url(s.url) for s in fields.get("sources", ()) if s.url))
        lo, hi = span.earliest_instant, span.latest_instant
        new = Candidate("", payload["title"], day_number(lo), day_number(hi), urls)
        existing = (Candidate.of(e) for e in _neighbours(archive, lo, hi))
        found = likely_duplicates_of(new, existing)
        if found:
            best = found[0]
            other = best.first or best.second
            raise LikelyDuplicate(
                f"looks like {other} already in the archive (score {best.score:.2f}: "
                f"{', '.join(best.reasons)}); nothing was recorded",
                field="add", value=payload["title"],
                accepted=f"--allow-duplicate to record it anyway, or `chronicle cite {other} --source …` "
                         "to add your source to it",
            )
    return archive.add(**fields)


def merge(archive: Archive, keep_ref: str, duplicate_ref: str, *, reason: str) -> Event:
    """Merge the event ``duplicate_ref`` into ``keep_ref``; returns the kept event."""
    reason = require_reason(reason)
    keep = archive.get(keep_ref)
    duplicate_id = archive.resolve(duplicate_ref)
    duplicate = archive.stored_event(duplicate_id)
    assert duplicate is not None
    if duplicate.status is Status.MERGED:
        raise Conflict(f"was merged into {duplicate.merged_into} already", field="DUPLICATE", value=duplicate_id)
    if duplicate.id == keep.id:
        raise InvalidInput("is the event to keep", field="DUPLICATE", value=duplicate_ref,
                           accepted="the id of another event")
    if keep.status is not Status.ACTIVE:
        raise InvalidInput("is retracted: restore it first, or keep the other event", field="KEEP", value=keep.id)
    why = f"merged {duplicate.id} into {keep.id}: {reason}"
    keep_prov = Provenance(archive.author, archive.origin, why)
    drafts: list[Draft] = []
    changes: dict[str, Any] = {}
    for name in ("tags", "actors"):
        had: tuple[str, ...] = getattr(keep, name)
        # "Antitrust" joins "antitrust": the same value to every filter (case and accents ignored).
        known = {fold_text(value) for value in had}
        gained = []
        for value in clean_list(list(getattr(duplicate, name)), field=name):
            if fold_text(value) not in known:
                known.add(fold_text(value))
                gained.append(value)
        if gained:
            changes[name] = [*had, *gained]
    if changes:
        drafts.append(Draft(keep.id, Kind.REVISED, changes, keep_prov))
    for source in _new_sources(keep.sources, duplicate.sources):
        drafts.append(Draft(keep.id, Kind.SOURCED, {"source": source.to_dict()}, keep_prov))
    drafts.append(Draft(duplicate.id, Kind.MERGED, {"into": keep.id}, Provenance(archive.author, archive.origin, why)))
    archive.append(drafts)
    return archive.get(keep.id)


def _new_sources(kept: tuple[Source, ...], incoming: tuple[Source, ...]) -> Iterator[Source]:
    """Sources of the duplicate that the kept event lacks (the same URL counts as had)."""
    urls = {normal_url(s.url) for s in kept if s.url}
    for source in incoming:
        if source in kept or (source.url and normal_url(source.url) in urls):
            continue
        if source.url:
            urls.add(normal_url(source.url))
        yield source


def apply_edit(archive: Archive, event: Event, edit: Edit) -> Event | None:
    """Record what an edited file asks for, in one transaction: a revision and new sources.

    Returns the event after it, or None when nothing changed. The reason is required
    when anything changes.
    """
    if not edit.changes and not edit.new_sources:
        return None
    if not edit.reason:
        raise InvalidInput("is empty", field="reason", value="",
                           accepted="a short sentence saying why, on the reason = \"…\" line")
    prov = Provenance(archive.author, archive.origin, edit.reason)
    drafts: list[Draft] = []
    if edit.changes:
        current = event.fields
        payload = current.revised(**edit.changes).changes_from(current)
        if payload:
            drafts.append(Draft(event.id, Kind.REVISED, payload, prov))
    drafts += [Draft(event.id, Kind.SOURCED, {"source": s.to_dict()}, prov) for s in edit.new_sources]
    if not drafts:
        return None
    archive.append(drafts)
    return archive.get(event.id)
