"""The application service: what a user can do to an archive, in library form.

The CLI, the tests and any other program use this same API. Every change becomes a
:class:`~chronicle.model.Draft` appended to the log; nothing here touches SQL.
"""

from __future__ import annotations

import getpass
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from chronicle.claiming import claim_drafts, is_dispute, rank_draft
from chronicle.claims import Rank, find_claim, make_claim
from chronicle.errors import AmbiguousId, ArchiveNotFound, Conflict, InvalidInput, UnknownEvent
from chronicle.model import (
    Draft,
    Event,
    EventFields,
    Kind,
    Provenance,
    Record,
    Source,
    check_id,
    recorded_payload,
    slugify,
)
from chronicle.query import EventQuery
from chronicle.sources import (
    SOURCE_KINDS,
    SourceEntry,
    check_key,
    check_kind,
    entry_payload,
    fold_source,
    log_id,
)
from chronicle.store import AppendResult, Head, Store

ARCHIVE_DIR = "events"
ARCHIVE_FILE = "chronicle.db"


def default_author() -> str:
    """``CHRONICLE_AUTHOR``, else the operating-system user."""
    author = os.environ.get("CHRONICLE_AUTHOR", "").strip()
    if author:
        return author
    try:
        return getpass.getuser()
    except Exception:
        return "unknown"


def archive_url(directory: Path) -> str:
    return f"sqlite:///{(directory / ARCHIVE_DIR / ARCHIVE_FILE).resolve()}"


def locate(db: str | None, cwd: Path | None = None) -> str:
    """Find the archive like git finds a repository.

    ``--db URL`` / ``CHRONICLE_DB`` first; else the nearest ``events/chronicle.db`` in
    this directory or a parent.
    """
    if db:
        return db
    start = (cwd or Path.cwd()).resolve()
    for directory in (start, *start.parents):
        if (directory / ARCHIVE_DIR / ARCHIVE_FILE).is_file():
            return archive_url(directory)
    raise ArchiveNotFound(
        f"no archive in {start} or any parent directory; create one with "
        "`chronicle init` or point to one with --db URL / CHRONICLE_DB"
    )


@dataclass(frozen=True, slots=True)
class VerifyReport:
    entries: int
    head_hash: str
    events: int


class Archive:
    """One archive, opened for a given author and origin (the command or file)."""

    def __init__(self, store: Store, *, author: str | None = None, origin: str = "chronicle") -> None:
        self.store = store
        self.author = author or default_author()
        self.origin = origin

    @classmethod
    def open(cls, url: str, *, author: str | None = None, origin: str = "chronicle") -> Archive:
        store = Store(url)
        try:
            store.check_schema(writing=False)
            store.refresh_projection()
        except BaseException:
            store.close()  # no pooled connection outlives a refusal
            raise
        return cls(store, author=author, origin=origin)

    @classmethod
    def init(
        cls,
        directory: Path | None = None,
        *,
        url: str | None = None,
        name: str | None = None,
        description: str = "",
        author: str | None = None,
        origin: str = "chronicle init",
    ) -> Archive:
        """Create an archive under ``directory/events/`` (or at ``url``)."""
        directory = (directory or Path.cwd()).resolve()
        name = name if name is not None else directory.name
        name = slugify(name) if name.strip() else ""
        if not name:
            raise InvalidInput("is empty", field="--name", value=name, accepted="a short name, e.g. ecuador-security")
        store = Store.create(url or archive_url(directory), name=name, description=description)
        if url is None:
            (directory / "exports").mkdir(exist_ok=True)
        return cls(store, author=author, origin=origin)

    def close(self) -> None:
        self.store.close()

    @property
    def name(self) -> str:
        return self.store.meta().get("name", "chronicle")

    @property
    def description(self) -> str:
        return self.store.meta().get("description", "")

    def _prov(self, reason: str | None = None) -> Provenance:
        return Provenance(author=self.author, origin=self.origin, reason=reason)

    # -- writing -----------------------------------------------------------------

    def add(
        self,
        *,
        title: str,
        date: str,
        end: str | None = None,
        description: str = "",
        tags: tuple[str, ...] | list[str] = (),
        actors: tuple[str, ...] | list[str] = (),
        place: str | None = None,
        sources: tuple[Source, ...] | list[Source] = (),
        unsourced: bool = False,
        event_id: str | None = None,
    ) -> str:
        """Record a new event; returns its id. A source is required unless ``unsourced``."""
        fields = EventFields.parse(
            title=title, date=date, end=end, description=description, tags=tags,
            actors=actors, place=place, sources=sources, unsourced=unsourced,
        )
        payload = fields.payload()
        if event_id is not None:
            new_id = check_id(event_id)
            if self.store.existing([new_id]):
                raise InvalidInput("is taken by another event", field="--id", value=new_id)
        else:
            new_id = self._free_id(slugify(fields.title))
        for _attempt in range(3):
            try:
                self.store.append([Draft(new_id, Kind.RECORDED, payload, self._prov(), fields)])
                return new_id
            except Conflict:
                # Another writer took the id we chose between choosing and appending
                # (two `add`s of one title at once): choose again. An --id the user
                # chose is theirs, so that conflict stands.
                if event_id is not None or not self.store.existing([new_id]):
                    raise
                new_id = self._free_id(slugify(fields.title))
        raise Conflict("other writers kept taking the chosen id", field="id", value=new_id)

    def _free_id(self, base: str) -> str:
        taken = set(self.store.resolve_prefix(base))
        if base not in taken:
            return base
        number = 2
        while True:
            candidate = f"{base}-{number}"
            if candidate not in taken and not self.store.existing([candidate]):
                return candidate
            number += 1

    def revise(self, ref: str, *, reason: str, **changes: Any) -> Event:
        """Change some fields of an event; only the fields that really change are recorded."""
        reason = require_reason(reason)
        event = self.get(ref)
        current = event.fields
        revised = current.revised(**changes)
        payload = revised.changes_from(current)
        if not payload:
            raise InvalidInput(
                "nothing would change", field="revise", value=event.id,
                accepted="at least one of --title, --date, --end, --description, --tag, --actor, --place with a new value",
            )
        return self._append_one(Draft(event.id, Kind.REVISED, payload, self._prov(reason), revised))

    def cite(self, ref: str, source: Source, *, reason: str | None = None) -> Event:
        """Add a source to an event."""
        event = self.get(ref)
        return self._append_one(Draft(event.id, Kind.SOURCED, {"source": source.to_dict()}, self._prov(reason)))

    def retract(self, ref: str, *, reason: str) -> Event:
        event = self.get(ref)
        return self._append_one(Draft(event.id, Kind.RETRACTED, {}, self._prov(require_reason(reason))))

    def restore(self, ref: str, *, reason: str) -> Event:
        event = self.get(ref, include_retracted=True)
        return self._append_one(Draft(event.id, Kind.RESTORED, {}, self._prov(require_reason(reason))))

    def _append_one(self, draft: Draft) -> Event:
        self.store.append([draft])
        event = self.store.event(draft.event_id)
        assert event is not None
        return event

    def append(self, drafts: list[Draft]) -> AppendResult:
        return self.store.append(drafts)

    # -- reading -------------------------------------------------------------------

    def resolve(self, ref: str) -> str:
        """The full id of the one event whose id is ``ref`` or starts with it."""
        ref = ref.strip()
        if not ref:
            raise UnknownEvent("is empty", field="id", value=ref)
        matches = self.store.resolve_prefix(ref)
        if ref in matches:
            return ref
        if not matches:
            raise UnknownEvent("no event has this id", field="id", value=ref, accepted="an id shown by `chronicle show`")
        if len(matches) > 1:
            shown = ", ".join(matches[:10]) + (", …" if len(matches) > 10 else "")
            raise AmbiguousId(f"matches several events: {shown}", field="id", value=ref, accepted="a longer prefix")
        return matches[0]

    def get(self, ref: str, *, as_of: str | None = None, include_retracted: bool = True) -> Event:
        event_id = self.resolve(ref)
        moment = EventQuery.parse(as_of=as_of).as_of if as_of else None
        event = self.store.event(event_id, as_of=moment)
        if event is None:
            raise UnknownEvent("did not exist at that time", field="id", value=event_id)
        return event

    def show(self, query: EventQuery = EventQuery()) -> Iterator[Event]:
        return self.store.events(query)

    def count(self, query: EventQuery = EventQuery()) -> int:
        return self.store.count(query)

    def history(self, ref: str) -> Iterator[Record]:
        return self.store.records(event_id=self.resolve(ref))

    def log(self, *, after: int = 0, limit: int | None = None) -> Iterator[Record]:
        return self.store.records(after_seq=after, limit=limit)

    def head(self) -> Head:
        return self.store.head()

    def verify(self, *, progress: Callable[[int], None] | None = None) -> VerifyReport:
        head = self.store.verify(progress=progress)
        return VerifyReport(head.count, head.hash, self.store.count(EventQuery(include_retracted=True)))

    # -- claims (see chronicle.claims) ----------------------------------------------

    def claim(
        self,
        ref: str,
        field: str,
        value: Any,
        sources: tuple[Source, ...] | list[Source],
        *,
        rank: Rank | str | None = None,
        note: str | None = None,
        reason: str | None = None,
    ) -> ClaimResult:
        """Record that ``sources`` give ``value`` for the event's ``field`` (a new claim
        is ``normal`` unless ``rank`` says otherwise).

        The first claim on a field also records the field's present value as a claim
        with the event's sources. A claim is never silently dropped: if it contradicts
        the present value the result says it is a dispute.
        """
        if not sources:
            raise InvalidInput("a claim needs a source", field="--source", value=None,
                               accepted="--source URL or --source @KEY")
        event = self.get(ref)
        claim = make_claim(field, value, sources, rank=rank or Rank.NORMAL, note=note)
        # Without a rank, a value already claimed keeps its rank: the call adds support.
        drafts = claim_drafts(event, claim, self._prov(reason), keep_rank=rank is None)
        if not drafts:
            raise Conflict("this claim is already recorded with these sources", field=field, value=claim.display())
        dispute = is_dispute(event, claim)
        self.store.append(drafts)
        updated = self.store.event(event.id)
        assert updated is not None
        return ClaimResult(updated, dispute)

    def rank(self, ref: str, field: str, value: Any, rank: Rank | str, *, reason: str) -> Event:
        """Give one of the event's claims a new rank (``preferred`` makes it the shown value)."""
        why = require_reason(reason)
        event = self.get(ref)
        chosen = rank if isinstance(rank, Rank) else Rank.parse(rank)
        draft = rank_draft(event, field, value, chosen, self._prov(why))
        if find_claim(event.claims, field, make_claim(field, value).value) is None:
            shown = ", ".join(c.display() for c in event.claims if c.field == field) or "none"
            raise InvalidInput("is not one of the event's claims", field=f"--{field}", value=value,
                               accepted=f"a claimed value ({shown})")
        return self._append_one(draft)

    def disputed(self, query: EventQuery = EventQuery()) -> Iterator[Event]:
        """Events whose claims disagree, in timeline order (the query's limit counts them)."""
        wanted = query.limit
        unlimited = replace(query, limit=None)
        found = 0
        for event in self.store.events(unlimited):
            if wanted is not None and found >= wanted:
                return
            if event.disputed:
                found += 1
                yield event

    # -- sources as records (see chronicle.sources) ----------------------------------

    def add_source(self, key: str, source: Source, *, kind: str | None = None,
                   description: str | None = None, reason: str | None = None) -> SourceEntry:
        """Define a source once under ``key``; cite it afterwards as ``@KEY``."""
        key = check_key(key)
        payload = entry_payload(source, check_kind(kind), (description or "").strip() or None)
        return self._append_source(key, Kind.SOURCE_ADDED, payload, reason)

    def correct_source(self, key: str, *, reason: str, source: Source | None = None, kind: str | None = None,
                       description: str | None = None) -> SourceEntry:
        """A new version of a defined source (given fields replace the old ones), with a reason."""
        why = require_reason(reason)
        entry = self.source_entry(key, include_withdrawn=True)
        payload = entry_payload(source or entry.source, check_kind(kind) if kind else entry.kind,
                                (description.strip() or None) if description is not None else entry.description)
        return self._append_source(entry.key, Kind.SOURCE_CORRECTED, payload, why)

    def withdraw_source(self, key: str, *, reason: str) -> SourceEntry:
        """Stop ``@KEY`` from being cited; events that cite it keep their citation."""
        why = require_reason(reason)
        entry = self.source_entry(key, include_withdrawn=True)
        return self._append_source(entry.key, Kind.SOURCE_WITHDRAWN, {}, why)

    def source_entry(self, key: str, *, include_withdrawn: bool = False) -> SourceEntry:
        """The defined source ``@KEY`` as it stands now."""
        key = check_key(key, field="source")
        entry: SourceEntry | None = None
        for record in self.store.records(event_id=log_id(key)):
            entry = fold_source(entry, record)
        if entry is None:
            raise UnknownEvent("no source has this key", field="source", value="@" + key,
                               accepted="a key from `chronicle source list`, or define it with `chronicle source add`")
        if entry.withdrawn and not include_withdrawn:
            raise InvalidInput(f"was withdrawn ({entry.reason})", field="source", value="@" + key,
                               accepted="another source")
        return entry

    def source_entries(self) -> list[SourceEntry]:
        """Every defined source, in the order they were defined (reads the whole log)."""
        entries: dict[str, SourceEntry] = {}
        for record in self.store.records():
            if record.kind in SOURCE_KINDS:
                key = record.event_id.removeprefix("@")
                entries[key] = fold_source(entries.get(key), record)
        return list(entries.values())

    def _append_source(self, key: str, kind: Kind, payload: dict[str, Any], reason: str | None) -> SourceEntry:
        current: SourceEntry | None = None
        for record in self.store.records(event_id=log_id(key)):
            current = fold_source(current, record)
        draft = Draft(log_id(key), kind, payload, self._prov(reason))
        result = fold_source(current, Record(
            seq=0, event_id=draft.event_id, kind=kind, payload=payload, author=self.author, recorded_at="",
            origin=self.origin, reason=reason, prev_hash="", hash="",
        ))
        self.store.append([draft])
        return result


@dataclass(frozen=True, slots=True)
class ClaimResult:
    event: Event
    dispute: bool
    """The claim contradicts the value the event had: sources now disagree."""


def require_reason(reason: str | None) -> str:
    text = (reason or "").strip()
    if not text:
        raise InvalidInput("is required", field="--reason", value=reason, accepted="a short sentence saying why")
    return text


__all__ = [
    "ARCHIVE_DIR", "ARCHIVE_FILE", "Archive", "VerifyReport", "archive_url", "default_author", "locate",
    "recorded_payload", "require_reason",
]
