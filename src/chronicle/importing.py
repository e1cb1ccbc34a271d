"""Bringing events in from files: idempotent, all-or-nothing, provenance on every record.

A format reader (:mod:`chronicle.formats`) turns a file into :class:`Incoming` items —
an event as the file describes it, possibly with later revisions. :func:`import_items`
decides, against the archive's state inside the write transaction, what that means:

- an event the archive does not have: record it (and its revisions);
- one it has, unchanged: nothing (so importing the same file twice adds nothing);
- one it has, changed in the file: one ``revised`` record with the changed fields and
  one ``sourced`` record per new source.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from itertools import islice
from pathlib import Path
from typing import Any

from chronicle.archive import Archive
from chronicle.claiming import claim_drafts, plan_import_claims
from chronicle.errors import ChronicleError, InvalidInput
from chronicle.formats import import_format, importer, log_reader
from chronicle.incoming import Incoming, Revision, reject_unknown_keys
from chronicle.model import Draft, Event, Kind, Provenance, Record, check_id
from chronicle.projection import apply
from chronicle.store import AppendResult

__all__ = ["ImportReport", "Incoming", "Revision", "import_file", "import_items", "reject_unknown_keys"]


@dataclass(frozen=True, slots=True)
class ImportReport:
    path: str
    items: int
    records: int
    new_events: int
    changed_events: int
    unchanged: int
    rejected: int = 0
    skipped: int = 0
    """Rows that are deliberately not events (e.g. a TimelineJS title slide)."""
    disputes: int = 0
    """Values that contradicted the archive's and became competing claims."""


def file_origin(path: Path | str, digest: str) -> str:
    """The provenance origin of every record an import writes."""
    return f"import {path} sha256:{digest}"


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def chunked(items: Iterable[Incoming], size: int) -> Iterator[list[Incoming]]:
    iterator = iter(items)
    while chunk := list(islice(iterator, size)):
        yield chunk


def import_items(
    archive: Archive,
    items: Iterable[Incoming],
    *,
    origin: str,
    path: str,
    chunk_size: int = 1000,
    progress: Callable[[int], None] | None = None,
    now: Callable[[], datetime] | None = None,
) -> ImportReport:
    """Append what ``items`` mean for the archive, all or nothing.

    ``now`` is the clock for the records' times (tests pin it for byte-identical exports).
    """
    counts = {"items": 0, "new": 0, "changed": 0, "unchanged": 0, "disputes": 0}

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
            counts["items"] += 1
            current = state_of(item.event_id)
            try:
                drafts = list(_plan_item(item, current, archive.author, origin, counts))
            except ChronicleError as error:
                raise error.located(item.where) from None
            if not drafts:
                counts["unchanged"] += 1
            elif drafts[0].kind is Kind.RECORDED:
                counts["new"] += 1
            else:
                counts["changed"] += 1
            if drafts:
                unfolded.setdefault(item.event_id, []).extend(drafts)
            yield from drafts

    result: AppendResult = archive.store.append_planned(
        chunked(items, chunk_size), plan, key=lambda item: item.event_id, progress=progress, now=now,
    )
    return ImportReport(
        path=path, items=counts["items"], records=result.count, new_events=counts["new"],
        changed_events=counts["changed"], unchanged=counts["unchanged"], disputes=counts["disputes"],
    )


def _plan_item(item: Incoming, current: Event | None, default_author: str, origin: str,
               counts: dict[str, int] | None = None) -> Iterator[Draft]:
    check_id(item.event_id, field="id")
    author = item.author or default_author
    if item.row is not None:
        origin = f"{origin} row {item.row}"
    if current is None:
        yield Draft(item.event_id, Kind.RECORDED, item.fields.payload(), Provenance(author, origin))
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
                    Provenance(author, origin, f"re-imported: the file changed {', '.join(sorted(changes))}"))
    for source in sources:
        if source not in current.sources:
            yield Draft(item.event_id, Kind.SOURCED, {"source": source.to_dict()},
                        Provenance(author, origin, "re-imported: the file cites a new source"))
    yield from found.drafts


def _revision_drafts(event_id: str, revision: Revision, author: str, origin: str) -> Iterator[Draft]:
    prov = Provenance(revision.author or author, origin, revision.reason)
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


def import_file(
    archive: Archive,
    path: Path,
    *,
    fmt: str | None = None,
    label: str | None = None,
    options: dict[str, Any] | None = None,
    progress: Callable[[int], None] | None = None,
    now: Callable[[], datetime] | None = None,
) -> ImportReport:
    """Import one file, all or nothing; every record points at the file and its SHA-256."""
    fmt = import_format(path, fmt)
    if not path.is_file():
        raise InvalidInput("does not exist or is not a file", field="file", value=str(path))
    shown = label or str(path)
    origin = file_origin(shown, sha256_file(path))
    if fmt == "jsonl":
        result = archive.store.append_records(log_reader(fmt)(path, archive.head()))
        return ImportReport(shown, result.count, result.count, 0, 0, 0)
    items = importer(fmt)(path, dict(options or {}, origin=origin, label=shown))
    report = import_items(archive, items, origin=origin, path=shown, progress=progress, now=now)
    return ImportReport(
        path=report.path, items=report.items, records=report.records, new_events=report.new_events,
        changed_events=report.changed_events, unchanged=report.unchanged,
        rejected=items.rejected, skipped=items.skipped, disputes=report.disputes,
    )
