"""Reconciling a file's items with the archive, inside the write transaction.

:func:`import_items` decides, against the archive's state as each batch is appended,
what every :class:`~chronicle.incoming.Incoming` item means:

- an event the archive does not have: record it (and its revisions);
- one it has, unchanged: nothing (so importing the same file twice adds nothing);
- one it has, changed in the file: one ``revised`` record with the changed fields and
  one ``sourced`` record per new source; contradicting values become claims;
- a key repeated in the file, or a copy older than the archive's: set aside, reported.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import replace
from datetime import datetime
from itertools import islice
from typing import Protocol

from chronicle.claiming import claim_drafts, plan_import_claims
from chronicle.errors import ChronicleError, InvalidInput
from chronicle.import_report import DUPLICATE_POLICIES, Duplicate, DuplicateKeys, ImportReport, Older
from chronicle.incoming import Incoming, Revision
from chronicle.model import Draft, Event, Kind, Provenance, Record, check_author, check_id
from chronicle.projection import apply
from chronicle.store import AppendResult


class ItemsTarget(Protocol):
    """What :func:`import_items` needs of an archive (:class:`chronicle.archive.Archive`
    is one; this module is below the archive service, so it names no class of it)."""

    @property
    def author(self) -> str: ...

    def append_planned(
        self,
        chunks: Iterable[Sequence[Incoming]],
        plan: Callable[[Sequence[Incoming], dict[str, Event]], Iterable[Draft]],
        *,
        key: Callable[[Incoming], str],
        now: Callable[[], datetime] | None = None,
        progress: Callable[[int], None] | None = None,
    ) -> AppendResult: ...


def chunked(items: Iterable[Incoming], size: int) -> Iterator[list[Incoming]]:
    iterator = iter(items)
    while chunk := list(islice(iterator, size)):
        yield chunk


def import_items(
    archive: ItemsTarget,
    items: Iterable[Incoming],
    *,
    origin: str,
    path: str,
    chunk_size: int = 1000,
    progress: Callable[[int], None] | None = None,
    now: Callable[[], datetime] | None = None,
    duplicates: str = "error",
    force: bool = False,
) -> ImportReport:
    """Append what ``items`` mean for the archive, all or nothing.

    A key repeated inside ``items`` is a duplicate, never a revision: ``duplicates``
    says whether that refuses the import (``error``, naming every repeat), or which
    occurrence is imported (``first``, ``last``; ``last`` reads ``items`` twice, so they
    must be re-iterable, as every :class:`ImportItems` is). An item whose file says it
    is older than the archive's state (:class:`FileVersion`) is left out and reported,
    unless ``force``. ``now`` is the clock for the records' times (tests pin it for
    byte-identical exports).
    """
    if duplicates not in DUPLICATE_POLICIES:
        raise InvalidInput("is not a duplicates policy", field="--duplicates", value=duplicates,
                           accepted=", ".join(DUPLICATE_POLICIES))
    counts = {"items": 0, "new": 0, "changed": 0, "unchanged": 0, "disputes": 0}
    found: list[Duplicate] = []
    older: list[Older] = []
    # Where each key first appeared (``last``: last appears): a row number, which is
    # small, or the item's own locator.
    first_at: dict[str, int | str] = {}
    last_index: dict[str, int] = {}
    last_where: dict[str, int | str] = {}
    unit = "row"
    if duplicates == "last":
        for index, item in enumerate(items):
            last_index[item.event_id] = index
            last_where[item.event_id], unit = _place(item)

    def is_repeat(index: int, item: Incoming) -> bool:
        """Whether ``item`` is set aside as a duplicate (and note it if so).

        A first occurrence costs a dict lookup; where it is is worked out into words
        only when a repeat is found (both are in the same file, so the repeat says
        what the file calls an item)."""
        nonlocal unit
        event_id = item.event_id
        if duplicates == "last":
            keep = last_index.get(event_id, index)
            if keep == index:
                return False
            here, unit = _place(item)
            found.append(Duplicate(event_id, _locator(here, unit), _locator(last_where[event_id], unit), "last"))
            return True
        first = first_at.get(event_id)
        if first is None:
            first_at[event_id] = item.row if item.row is not None else item.where
            return False
        here, unit = _place(item)
        found.append(Duplicate(event_id, _locator(here, unit), _locator(first, unit),
                               "first" if duplicates == "first" else "none"))
        return True

    def plan(chunk: Sequence[Incoming], existing: dict[str, Event]) -> Iterator[Draft]:
        states = dict(existing)
        # Drafts of this chunk not yet folded into ``states``. The store folds (and so
        # checks) every draft as it appends it; the preview here is only needed when a
        # later item of the same chunk names the same event, so it is computed then.
        unfolded: dict[str, list[Draft]] = {}

        def state_of(event_id: str) -> Event | None:
            state = states.get(event_id)
            for draft in unfolded.pop(event_id, ()):
                state = _preview(state, draft)
            if state is not None:
                states[event_id] = state
            return state

        for item in chunk:
            index = counts["items"]
            counts["items"] += 1
            if is_repeat(index, item):
                continue
            current = state_of(item.event_id)
            try:
                drafts = list(_plan_item(item, current, archive.author, origin, counts))
            except ChronicleError as error:
                raise error.located(item.where) from None
            if drafts and current is not None and item.version is not None:
                why = item.version.older_than(current)
                if why is not None:
                    older.append(Older(item.event_id, item.where, why, forced=force))
                    if not force:
                        continue
            if not drafts:
                counts["unchanged"] += 1
            elif drafts[0].kind is Kind.RECORDED:
                counts["new"] += 1
            else:
                counts["changed"] += 1
            if drafts and item.version is not None:
                drafts = item.version.noted(drafts)
            if drafts:
                waiting = unfolded.get(item.event_id)
                if waiting is None:
                    unfolded[item.event_id] = drafts
                else:
                    waiting.extend(drafts)
            yield from drafts

    def chunks() -> Iterator[list[Incoming]]:
        yield from chunked(items, chunk_size)
        # Still inside the write transaction: raising here writes nothing.
        if duplicates == "error" and found:
            raise DuplicateKeys(found)

    result: AppendResult = archive.append_planned(
        chunks(), plan, key=lambda item: item.event_id, progress=progress, now=now,
    )
    return ImportReport(
        path=path, items=counts["items"], records=result.count, new_events=counts["new"],
        changed_events=counts["changed"], unchanged=counts["unchanged"],
        duplicates=tuple(found), older=tuple(older), disputes=counts["disputes"],
    )


def _locator(where: int | str, unit: str = "row") -> str:
    return f"{unit} {where}" if isinstance(where, int) else where


def _place(item: Incoming) -> tuple[int | str, str]:
    """Where ``item`` is, kept small (a number) for the duplicate check, and what its
    file calls one (``row``, or ``item`` for JSON); else its own locator."""
    if item.row is None:
        return item.where, ""
    return item.row, "item" if item.where.endswith(f"item {item.row}") else "row"


def _plan_item(item: Incoming, current: Event | None, default_author: str, origin: str,
               counts: dict[str, int] | None = None) -> Iterator[Draft]:
    check_id(item.event_id, field="id")
    author = check_author(item.author, field="author") if item.author else default_author
    if item.row is not None:
        origin = f"{origin} row {item.row}"
    if current is None:
        yield Draft(item.event_id, Kind.RECORDED, item.fields.payload(), Provenance(author, origin), item.fields)
        for revision in item.revisions:
            yield from _revision_drafts(item.event_id, revision, author, origin)
        if item.claims:
            state = _preview(None, Draft(item.event_id, Kind.RECORDED, item.fields.payload(), Provenance(author, origin)))
            assert state is not None
            for claim in item.claims:
                drafts = claim_drafts(state, claim, Provenance(author, origin), with_base=False)
                for draft in drafts:
                    state = _preview(state, draft) or state
                yield from drafts
        return
    # The archive has this event: bring it to what the file now says, recording only
    # what differs. A file that never changed yields nothing.
    desired = item.fields
    sources = list(desired.sources)
    for revision in item.revisions:
        desired = desired.with_changes(revision.changes)
        sources.extend(s for s in revision.sources if s not in sources)
    # Values that contradict the archive's become competing claims, not revisions; a
    # field that has claims changes only by claims.
    found = plan_import_claims(current, desired, item.claims, sources, Provenance(author, origin))
    if found.handled:
        desired = replace(
            desired,
            span=current.span if "date" in found.handled else desired.span,
            title=current.title if "title" in found.handled else desired.title,
            place=current.place if "place" in found.handled else desired.place,
            actors=current.actors if "actors" in found.handled else desired.actors,
        )
    if counts is not None:
        counts["disputes"] += found.disputes
    changes = desired.changes_from(current.fields)
    if changes:
        yield Draft(item.event_id, Kind.REVISED, changes,
                    Provenance(author, origin, f"re-imported: the file changed {', '.join(sorted(changes))}"), desired)
    for source in sources:
        if source not in current.sources:
            yield Draft(item.event_id, Kind.SOURCED, {"source": source.to_dict()},
                        Provenance(author, origin, "re-imported: the file cites a new source"))
    yield from found.drafts


def _revision_drafts(event_id: str, revision: Revision, author: str, origin: str) -> Iterator[Draft]:
    prov = Provenance(check_author(revision.author, field="author") if revision.author else author,
                      origin, revision.reason)
    for source in revision.sources:
        yield Draft(event_id, Kind.SOURCED, {"source": source.to_dict()}, prov)
    if revision.changes:
        yield Draft(event_id, Kind.REVISED, dict(revision.changes), prov)


def _preview(state: Event | None, draft: Draft) -> Event | None:
    """The state after ``draft``, so later items in the same chunk compare against it."""
    record = Record(
        seq=0, event_id=draft.event_id, kind=draft.kind, payload=draft.payload,
        author=draft.provenance.author, recorded_at="", origin=draft.provenance.origin,
        reason=draft.provenance.reason, prev_hash="", hash="",
    )
    return apply(state, record)

