"""The application service: what a user can do to an archive, in library form.

The CLI, the tests and any other program use this same API (``chronicle.open``,
``chronicle.init`` and :class:`Archive`; docs/python-api.md). Every change becomes a
:class:`~chronicle.model.Draft` appended to the log; nothing here touches SQL.

This module is the facade: each method says what it does and hands the work to the
service module whose job it is — :mod:`chronicle.opening` (opening and creating),
:mod:`chronicle.recording` (adding, revising, citing, retracting), :mod:`chronicle.lookup`
(finding events), :mod:`chronicle.evidence` (claims and defined sources),
:mod:`chronicle.auditing` (verify, repair), :mod:`chronicle.importing` and
:mod:`chronicle.exporting` (files in and out), :mod:`chronicle.aliasing` (actor aliases).
Those import nothing of this module.

Longer than 400 lines because it is the whole public API in one place: every method is
a documented one-line delegation, and splitting the class would split the API.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar

from chronicle import aliasing, auditing, evidence, exporting, importing, lookup, opening, recording
from chronicle.aliases import ActorAliases, Alias
from chronicle.auditing import RepairReport, VerifyReport
from chronicle.claims import Rank
from chronicle.copying import CopyReport, copy_archive
from chronicle.evidence import ClaimResult
from chronicle.locating import ARCHIVE_DIR, ARCHIVE_FILE, archive_url, existing_url, locate, new_url
from chronicle.model import Draft, Event, EventFields, Kind, Provenance, Record, Source, check_author, recorded_payload
from chronicle.projection import ListingRow
from chronicle.query import EventQuery
from chronicle.recording import Names, Sources, as_sources, default_author, names, os_user, require_reason
from chronicle.sources import SourceEntry
from chronicle.store import AppendResult, Head, Store

T = TypeVar("T")

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
        """The archive at ``url`` (a database URL), checked to be one this version reads."""
        return cls(opening.open_store(url, author), author=author, origin=origin, os_user=os_user)

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
        store = opening.create_store(directory, url, name, description)
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
        options = importing.file_options(preset=preset, mapping=mapping, mapping_file=mapping_file,
                                         skip_invalid=skip_invalid, rejects=rejects, recurrences=recurrences,
                                         window=window)
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
        return self.store.event_docs(aliasing.with_aliases(self.store, query))

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
        return recording.record(self.store, self._prov, fields, event_id)

    def revise(self, ref: str, *, reason: str, **changes: Any) -> Event:
        """Change some fields of an event; only the fields that really change are recorded."""
        return recording.revise(self.store, self._prov, ref, reason, changes)

    def cite(self, ref: str, source: Source, *, reason: str | None = None) -> Event:
        """Add a source to an event."""
        return recording.cite(self.store, self._prov, ref, source, reason)

    def retract(self, ref: str, *, reason: str) -> Event:
        """Retract an event (it stays in the log and in ``history``), saying why."""
        return recording.set_status(self.store, self._prov, ref, Kind.RETRACTED, reason)

    def restore(self, ref: str, *, reason: str) -> Event:
        """Undo a retraction, saying why."""
        return recording.set_status(self.store, self._prov, ref, Kind.RESTORED, reason)

    def append(self, drafts: list[Draft]) -> AppendResult:
        return self.store.append(drafts)

    # -- reading -------------------------------------------------------------------

    def resolve(self, ref: str) -> str:
        """The full id of the one event whose id is ``ref`` or starts with it."""
        return lookup.resolve(self.store, ref)

    def stored_event(self, event_id: str) -> Event | None:
        """The event stored under exactly ``event_id`` (a merged duplicate as itself), or None."""
        return self.store.event(event_id)

    def get(self, ref: str, *, as_of: str | None = None, include_retracted: bool = True) -> Event:
        """The event ``ref`` names; a merged duplicate's id gives the event it was merged into."""
        return lookup.find(self.store, ref, as_of=as_of)

    def show(self, query: EventQuery = EventQuery()) -> Iterator[Event]:
        return self.store.events(aliasing.with_aliases(self.store, query))

    def show_docs(self, query: EventQuery = EventQuery()) -> Iterator[str]:
        """What :meth:`show` yields, as each event's stored JSON document (see
        :meth:`chronicle.store.Store.event_docs`): for output that needs nothing more."""
        return self.store.event_docs(aliasing.with_aliases(self.store, query))

    def listing(self, query: EventQuery = EventQuery()) -> Iterator[ListingRow]:
        """What a listing line shows of each event :meth:`show` yields (see
        :meth:`chronicle.store.Store.listing`)."""
        return self.store.listing(aliasing.with_aliases(self.store, query))

    def count(self, query: EventQuery = EventQuery()) -> int:
        return self.store.count(aliasing.with_aliases(self.store, query))

    def history(self, ref: str) -> Iterator[Record]:
        return self.store.records(event_id=self.resolve(ref))

    def log(self, *, after: int = 0, limit: int | None = None) -> Iterator[Record]:
        return self.store.records(after_seq=after, limit=limit)

    def head(self) -> Head:
        return self.store.head()

    def verify(self, *, progress: Callable[[int], None] | None = None) -> VerifyReport:
        """Check the log's chain, then every projected column against a replay of the log."""
        report = auditing.verify(self.store, progress=progress)
        aliasing.verify_aliases(self.store)
        return report

    def repair(self) -> RepairReport:
        """Rebuild the derived tables from the log if ``verify`` finds them wrong, then verify.

        Only event_versions is rebuilt; the log is never changed. A damaged log still
        fails the final ``verify`` (a :class:`~chronicle.errors.TamperedLog`).
        """
        return auditing.repair(self.store)

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
        return evidence.claim(self.store, self._prov, ref, field, value, sources, rank=rank, note=note,
                              reason=reason)

    def rank(self, ref: str, field: str, value: Any, rank: Rank | str, *, reason: str) -> Event:
        """Give one of the event's claims a new rank (``preferred`` makes it the shown value)."""
        return evidence.rank(self.store, self._prov, ref, field, value, rank, reason)

    def disputed(self, query: EventQuery = EventQuery()) -> Iterator[Event]:
        """Events whose claims disagree, in timeline order (the query's limit counts them)."""
        return lookup.disputed(self.store, aliasing.with_aliases(self.store, query))

    # -- sources as records (see chronicle.sources) ----------------------------------

    def add_source(self, key: str, source: Source, *, kind: str | None = None,
                   description: str | None = None, reason: str | None = None) -> SourceEntry:
        """Define a source once under ``key``; cite it afterwards as ``@KEY``."""
        return evidence.add_source(self.store, self._prov, key, source, kind=kind, description=description,
                                   reason=reason)

    def correct_source(self, key: str, *, reason: str, source: Source | None = None, kind: str | None = None,
                       description: str | None = None) -> SourceEntry:
        """A new version of a defined source (given fields replace the old ones), with a reason."""
        return evidence.correct_source(self.store, self._prov, key, reason=reason, source=source, kind=kind,
                                       description=description)

    def withdraw_source(self, key: str, *, reason: str) -> SourceEntry:
        """Stop ``@KEY`` from being cited; events that cite it keep their citation."""
        return evidence.withdraw_source(self.store, self._prov, key, reason=reason)

    def source_entry(self, key: str, *, include_withdrawn: bool = False) -> SourceEntry:
        """The defined source ``@KEY`` as it stands now."""
        return evidence.source_entry(self.store, key, include_withdrawn=include_withdrawn)

    def source_entries(self) -> list[SourceEntry]:
        """Every defined source, in the order they were defined (reads the whole log)."""
        return evidence.source_entries(self.store)

    # -- actor aliases (see chronicle.aliasing) --------------------------------------

    def actor_aliases(self) -> ActorAliases:
        return aliasing.actor_aliases(self.store)

    def alias_actor(self, name: str, canonical: str, *, reason: str) -> Alias:
        """Record that ``name`` is another name of the actor ``canonical``."""
        return aliasing.alias_actor(self.store, self._prov, name, canonical, reason=reason)

    def unalias_actor(self, name: str, *, reason: str) -> Alias:
        """Record that ``name`` is no longer an alias (it names an actor of its own again)."""
        return aliasing.unalias_actor(self.store, self._prov, name, reason=reason)


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
        name = opening.name_from_url(url)
    return Archive.init(url=url, name=name, description=description, author=author, origin=origin)


__all__ = [
    "ARCHIVE_DIR", "ARCHIVE_FILE", "Archive", "RepairReport", "VerifyReport", "archive_url", "as_sources",
    "default_author", "init_archive", "locate", "names", "open_archive", "os_user", "recorded_payload",
    "require_reason",
]
