"""The application service: what a user can do to an archive, in library form.

The CLI, the tests and any other program use this same API. Every change becomes a
:class:`~chronicle.model.Draft` appended to the log; nothing here touches SQL.
"""

from __future__ import annotations

import datetime as dt
import getpass
import os
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar

from chronicle import exporting, importing
from chronicle.aliases import ALIAS_LOG_ID, ActorAliases, Alias, alias_payload, fold_aliases, name_key
from chronicle.claiming import claim_drafts, is_dispute, rank_draft
from chronicle.claims import Rank, find_claim, make_claim
from chronicle.copying import CopyReport, copy_archive
from chronicle.errors import AmbiguousId, Conflict, InvalidInput, TamperedLog, UnknownEvent
from chronicle.ids import id_from_title
from chronicle.integrity import check_projection, repair_projection
from chronicle.locating import ARCHIVE_DIR, ARCHIVE_FILE, archive_url, existing_url, locate, new_url
from chronicle.model import (
    AUTHOR_MAX,
    Draft,
    Event,
    EventFields,
    Kind,
    Provenance,
    Record,
    Source,
    check_author,
    check_id,
    make_source,
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

T = TypeVar("T")

#: How many candidate ids (``slug``, ``slug-2``, …) ``add`` looks up at a time.
_ID_BATCH = 50


def default_author() -> str:
    """``CHRONICLE_AUTHOR``, else the operating-system user."""
    author = os.environ.get("CHRONICLE_AUTHOR", "").strip()
    if author:
        return author
    try:
        return getpass.getuser()
    except Exception:
        return "unknown"


def os_user() -> str:
    """The operating-system user running this process, cleaned to one short line.

    Recorded beside the author by the command line (see :class:`Archive`'s ``os_user``),
    because ``--author`` is a claim anyone can make.
    """
    try:
        name = getpass.getuser()
    except Exception:
        return "unknown"
    cleaned = "".join(char if char.isprintable() else "?" for char in name).strip()
    return cleaned[:AUTHOR_MAX] or "unknown"


@dataclass(frozen=True, slots=True)
class VerifyReport:
    entries: int
    head_hash: str
    events: int


@dataclass(frozen=True, slots=True)
class RepairReport:
    verified: VerifyReport
    """The archive's ``verify`` after the repair."""
    found: str | None
    """What the first ``verify`` found wrong (None: nothing, and nothing was rebuilt)."""
    replayed: int
    """Log records replayed into the rebuilt event_versions table."""


class Archive:
    """One archive, opened for a given author and origin (the command or file).

    ``os_user``, when given (the command line gives :func:`os_user`), is written into
    the origin of every record this archive object appends — ``… (OS user alice)`` —
    so that each record says which account ran the command, whatever ``--author``
    claims. It goes into the origin text rather than a field of its own because the
    log's format and every existing hash must not change; library callers that pin
    their records byte for byte (the golden logs) leave it out.
    """

    def __init__(self, store: Store, *, author: str | None = None, origin: str = "chronicle",
                 os_user: str | None = None) -> None:
        self.store = store
        self.author = check_author(author or default_author())
        self.origin = origin
        self.os_user = os_user

    @classmethod
    def open(cls, url: str, *, author: str | None = None, origin: str = "chronicle",
             os_user: str | None = None) -> Archive:
        if author:
            check_author(author)  # before touching the database
        store = Store(url)
        try:
            store.check_schema(writing=False)
            store.refresh_projection()
        except BaseException:
            store.close()  # no pooled connection outlives a refusal
            raise
        return cls(store, author=author, origin=origin, os_user=os_user)

    def record_origin(self, origin: str) -> str:
        """``origin`` as a record stores it: with the OS user, when this archive knows it."""
        return origin if self.os_user is None else f"{origin} (OS user {self.os_user})"

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

    # -- the Python API's conveniences (docs/python-api.md) --------------------------

    def __enter__(self) -> Archive:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    @property
    def url(self) -> str:
        """The database URL this archive is stored at."""
        return self.store.url

    def events(
        self,
        *,
        since: str | None = None,
        until: str | None = None,
        tags: Names = (),
        actors: Names = (),
        text: str | None = None,
        as_of: str | None = None,
        include_retracted: bool = False,
        limit: int | None = None,
    ) -> Iterator[Event]:
        """Events in timeline order, streamed; the filters of ``chronicle show`` (dates
        as it accepts them: ``2023``, ``Oct 2023``, ``2024-01-09``), all combined."""
        return self.show(EventQuery.parse(
            since=since, until=until, tags=names(tags), actors=names(actors), text=text,
            as_of=as_of, include_retracted=include_retracted, limit=limit,
        ))

    def event(self, ref: str, *, as_of: str | None = None) -> Event:
        """One event (by id or unique id prefix), as it stands now or stood ``as_of``."""
        return self.get(ref, as_of=as_of)

    def import_file(
        self,
        path: str | os.PathLike[str],
        *,
        format: str | None = None,
        preset: str | None = None,
        mapping: Mapping[str, str] | None = None,
        mapping_file: str | os.PathLike[str] | None = None,
        skip_invalid: bool = False,
        rejects: str | os.PathLike[str] | None = None,
        recurrences: str = "first",
        window: tuple[dt.date, dt.date] | None = None,
        duplicates: str = "error",
        force: bool = False,
        progress: Callable[[int], None] | None = None,
    ) -> importing.ImportReport:
        """Import one file, all or nothing, as ``chronicle import`` does; ``mapping``
        is ``{field: column}`` (``--map``)."""
        if skip_invalid and rejects is None:
            raise InvalidInput("needs rejects= a path to say what was left out", field="skip_invalid", value=True)
        options = {
            "preset": preset, "map": [f"{name}={column}" for name, column in (mapping or {}).items()],
            "mapping_file": Path(mapping_file) if mapping_file is not None else None,
            "skip_invalid": skip_invalid, "rejects": Path(rejects) if rejects is not None else None,
            "recurrences": recurrences, "window": window,
        }
        return importing.import_file(self, Path(path), fmt=format, options=options, progress=progress,
                                     duplicates=duplicates, force=force)

    def export(
        self,
        format: str,
        path: str | os.PathLike[str] | None = None,
        *,
        since: str | None = None,
        until: str | None = None,
        tags: Names = (),
        actors: Names = (),
        text: str | None = None,
        as_of: str | None = None,
        include_retracted: bool | None = None,
        limit: int | None = None,
        **options: Any,
    ) -> exporting.ExportResult:
        """Write the events (``jsonl``: the whole log) as ``format`` to ``path`` (``-``:
        stdout; None: ``exports/<name>.<ext>``), as ``chronicle export`` does.

        ``options`` are the format's: ``imprecise``, ``template_dir``, ``excel``, ``raw``,
        ``sources_file``. An ``ics`` export keeps retracted events (as cancelled) unless
        ``include_retracted=False``; the others leave them out unless it is True.
        """
        if include_retracted is None:
            include_retracted = format == "ics"
        query = EventQuery.parse(
            since=since, until=until, tags=names(tags), actors=names(actors), text=text,
            as_of=as_of, include_retracted=include_retracted, limit=limit,
        )
        return exporting.export(self, format, query, os.fspath(path) if path is not None else None, options)

    def copy_to(self, target: str, *, progress: Callable[[int], None] | None = None) -> CopyReport:
        """Copy the whole log (and name, description) to another database or folder."""
        return copy_archive(self.store, target, progress=progress)

    def append_planned(
        self,
        chunks: Iterable[Sequence[T]],
        plan: Callable[[Sequence[T], dict[str, Event]], Iterable[Draft]],
        *,
        key: Callable[[T], str],
        now: Callable[[], datetime] | None = None,
        progress: Callable[[int], None] | None = None,
    ) -> AppendResult:
        """Append what ``plan`` makes of each chunk, given the chunk's events as they
        stand, in one transaction (what an import does)."""
        return self.store.append_planned(chunks, plan, key=key, now=now, progress=progress)

    def append_records(self, records: Iterable[Record]) -> AppendResult:
        """Continue the log with finished records (a backup's, a copy's), each checked."""
        return self.store.append_records(records)

    def event_docs(self, query: EventQuery = EventQuery()) -> Iterator[str]:
        """The stored JSON of the events ``query`` selects, for exporters that want speed."""
        return self.store.event_docs(self.with_aliases(query))

    def query_plan(self, query: EventQuery = EventQuery()) -> list[str]:
        """How the database runs ``query`` (for benchmarks)."""
        return self.store.query_plan(query)

    def _prov(self, reason: str | None = None) -> Provenance:
        return Provenance(author=self.author, origin=self.record_origin(self.origin), reason=reason)

    # -- writing -----------------------------------------------------------------

    def add(
        self,
        title: str,
        *,
        date: str,
        end: str | None = None,
        description: str = "",
        tags: Names = (),
        actors: Names = (),
        place: str | None = None,
        sources: Sources = (),
        unsourced: bool = False,
        event_id: str | None = None,
    ) -> str:
        """Record a new event; returns its id. A source (a URL or a :class:`Source`) is
        required unless ``unsourced``; dates take every form ``chronicle add`` takes."""
        fields = EventFields.parse(
            title=title, date=date, end=end, description=description, tags=names(tags),
            actors=names(actors), place=place, sources=as_sources(sources), unsourced=unsourced,
        )
        payload = fields.payload()
        if event_id is not None:
            new_id = check_id(event_id)
            if self.store.existing([new_id]):
                raise InvalidInput("is taken by another event", field="--id", value=new_id)
            self.store.append([Draft(new_id, Kind.RECORDED, payload, self._prov(), fields)])
            return new_id
        return self._record_under_free_id(id_from_title(fields.title), payload, fields)

    def _record_under_free_id(self, base: str, payload: dict[str, Any], fields: EventFields) -> str:
        """Record a new event under ``base``, or the first of ``base-2``, ``base-3``… that is free.

        The id is chosen inside the write transaction, with the write lock held
        (:meth:`Store.append_planned` shows the plan the stored state of each batch of
        candidates): no other writer can take it between choosing and appending, so
        any number of adds of one title at once all succeed, each with its own id.
        """
        chosen: list[str] = []

        def candidates() -> Iterator[list[str]]:
            start = 1
            while not chosen:
                yield [base if n == 1 else f"{base}-{n}" for n in range(start, start + _ID_BATCH)]
                start += _ID_BATCH

        def plan(batch: Sequence[str], existing: dict[str, Event]) -> list[Draft]:
            free = next((candidate for candidate in batch if candidate not in existing), None)
            if free is None:
                return []
            chosen.append(free)
            return [Draft(free, Kind.RECORDED, payload, self._prov(), fields)]

        self.store.append_planned(candidates(), plan, key=lambda candidate: candidate)
        return chosen[0]

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

    def stored_event(self, event_id: str) -> Event | None:
        """The event stored under exactly ``event_id`` (a merged duplicate as itself), or None."""
        return self.store.event(event_id)

    def get(self, ref: str, *, as_of: str | None = None, include_retracted: bool = True) -> Event:
        """The event ``ref`` names; a merged duplicate's id gives the event it was merged into."""
        event_id = self.resolve(ref)
        moment = EventQuery.parse(as_of=as_of).as_of if as_of else None
        event = self.store.event(event_id, as_of=moment)
        for _hop in range(20):  # merges chain (a into b, b into c); a cycle cannot, but stay finite
            if event is None or event.merged_into is None:
                break
            event = self.store.event(event.merged_into, as_of=moment)
        if event is None:
            raise UnknownEvent("did not exist at that time", field="id", value=event_id)
        return event

    def show(self, query: EventQuery = EventQuery()) -> Iterator[Event]:
        return self.store.events(self.with_aliases(query))

    def show_docs(self, query: EventQuery = EventQuery()) -> Iterator[str]:
        """What :meth:`show` yields, as each event's stored JSON document (see
        :meth:`chronicle.store.Store.event_docs`): for output that needs nothing more."""
        return self.store.event_docs(self.with_aliases(query))

    def count(self, query: EventQuery = EventQuery()) -> int:
        return self.store.count(self.with_aliases(query))

    def history(self, ref: str) -> Iterator[Record]:
        return self.store.records(event_id=self.resolve(ref))

    def log(self, *, after: int = 0, limit: int | None = None) -> Iterator[Record]:
        return self.store.records(after_seq=after, limit=limit)

    def head(self) -> Head:
        return self.store.head()

    def verify(self, *, progress: Callable[[int], None] | None = None) -> VerifyReport:
        """Check the log's chain, then every projected column against a replay of the log."""
        head = self.store.verify(progress=progress)
        check_projection(self.store)
        self._verify_aliases()
        return VerifyReport(head.count, head.hash, self.store.count(EventQuery(include_retracted=True)))

    def repair(self) -> RepairReport:
        """Rebuild the derived tables from the log if ``verify`` finds them wrong, then verify.

        Only event_versions is rebuilt; the log is never changed. A damaged log still
        fails the final ``verify`` (a :class:`~chronicle.errors.TamperedLog`).
        """
        try:
            return RepairReport(self.verify(), None, 0)
        except TamperedLog as error:
            found = error.describe()
        replayed = repair_projection(self.store)
        return RepairReport(self.verify(), found, replayed)

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
        unlimited = replace(self.with_aliases(query), limit=None)
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


    # -- actor aliases (see chronicle.aliases) -----------------------------------------

    def actor_aliases(self) -> ActorAliases:
        """The alias groups as the log's ``~actors`` records make them (one indexed read)."""
        return fold_aliases(self.store.records(event_id=ALIAS_LOG_ID))

    def alias_actor(self, name: str, canonical: str, *, reason: str) -> Alias:
        """Record that ``name`` is another name of the actor ``canonical``."""
        why = require_reason(reason)
        payload = alias_payload(name, canonical)
        aliases = self.actor_aliases()
        aliases.check_alias(payload["name"], payload["canonical"])
        # An alias of an alias names the same actor: record the group's canonical name.
        payload["canonical"] = aliases.canonical(payload["canonical"])
        self.store.append([Draft(ALIAS_LOG_ID, Kind.ALIASED, payload, self._prov(why))])
        return self.actor_aliases().aliases[name_key(payload["name"])]

    def unalias_actor(self, name: str, *, reason: str) -> Alias:
        """Record that ``name`` is no longer an alias (it names an actor of its own again)."""
        why = require_reason(reason)
        aliases = self.actor_aliases()
        aliases.check_unalias(name)
        removed = aliases.aliases[name_key(name)]
        self.store.append([Draft(ALIAS_LOG_ID, Kind.UNALIASED, {"name": removed.name}, self._prov(why))])
        return removed

    def with_aliases(self, query: EventQuery) -> EventQuery:
        """``query`` with each ``--actor`` standing for every name of its alias groups."""
        if not query.actors or query.actor_names:
            return query
        aliases = self.actor_aliases()
        if not aliases:
            return query
        return replace(query, actor_names=tuple(aliases.expand(actor) for actor in query.actors))

    def _verify_aliases(self) -> None:
        try:
            self.actor_aliases()
        except (InvalidInput, Conflict) as error:
            raise TamperedLog(f"actor aliases ({ALIAS_LOG_ID}) do not replay: {error}") from None


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


Names = tuple[str, ...] | list[str] | str
"""Tags or actors: several, or one as a plain string."""
Sources = Sequence[Source | str] | Source | str
"""Sources: several, or one; each a :class:`Source` or just its URL."""


def names(value: Names) -> tuple[str, ...]:
    """One name or several, as a tuple (a plain string is one name, not its letters)."""
    return (value,) if isinstance(value, str) else tuple(value)


def as_sources(value: Sources) -> tuple[Source, ...]:
    """Sources given as :class:`Source` values or URLs, as :class:`Source` values."""
    items = (value,) if isinstance(value, (str, Source)) else tuple(value)
    return tuple(item if isinstance(item, Source) else make_source(item) for item in items)


def open_archive(
    path_or_url: str | os.PathLike[str] | None = None, *, author: str | None = None, origin: str = "python",
) -> Archive:
    """``chronicle.open``: the archive at a URL, in a folder (the nearest
    ``events/chronicle.db`` in it or a parent, as the CLI finds one) or an archive file;
    None: ``CHRONICLE_DB``, else the nearest one from the current folder."""
    url = locate(os.environ.get("CHRONICLE_DB")) if path_or_url is None else existing_url(path_or_url)
    return Archive.open(url, author=author, origin=origin)


def init_archive(
    path_or_url: str | os.PathLike[str],
    *,
    name: str | None = None,
    description: str = "",
    author: str | None = None,
    origin: str = "python",
) -> Archive:
    """``chronicle.init``: create an archive in a folder (under ``events/``, beside an
    ``exports/`` folder) or at a database URL. ``name`` defaults to the folder's name
    (for a URL: the database's)."""
    url, directory = new_url(path_or_url)
    if directory is not None:
        directory.mkdir(parents=True, exist_ok=True)
        return Archive.init(directory, name=name, description=description, author=author, origin=origin)
    if name is None:
        parts = url.split("?", 1)[0].rstrip("/").split("/")
        # A folder's events/chronicle.db is named after the folder, as `chronicle init` names it.
        name = parts[-3] if parts[-2:] == [ARCHIVE_DIR, ARCHIVE_FILE] and len(parts) > 2 else parts[-1]
        name = name.removesuffix(".db")
    return Archive.init(url=url, name=name, description=description, author=author, origin=origin)


__all__ = [
    "ARCHIVE_DIR", "ARCHIVE_FILE", "Archive", "RepairReport", "VerifyReport", "archive_url", "as_sources",
    "default_author", "init_archive", "locate", "names", "open_archive", "os_user", "recorded_payload",
    "require_reason",
]
