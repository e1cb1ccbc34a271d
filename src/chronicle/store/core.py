"""The :class:`Store`: one archive's database, and the one object the service holds.

It opens and creates archives, keeps their metadata and schema checks, and hands each
job to its room: writing to :mod:`~chronicle.store.writer`, reading to
:mod:`~chronicle.store.queries`, checking to :mod:`~chronicle.store.verify`.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import TypeVar
from urllib.parse import quote

from sqlalchemy import insert, inspect, select
from sqlalchemy.exc import DBAPIError, OperationalError

from chronicle import fulltext
from chronicle.errors import ArchiveExists, ArchiveNotFound, SchemaMismatch
from chronicle.model import Draft, Event, Record
from chronicle.projection import PROJECTION_VERSION, ListingRow, event_from_doc, load_doc
from chronicle.query import EventQuery
from chronicle.store import dialects, guards, queries, writer
from chronicle.store.rows import AppendResult, Head, utc_now_text
from chronicle.store.schema import SCHEMA_VERSION, add_postgresql_where, meta_table, metadata, versions_table
from chronicle.store.verify import verify_log
from chronicle.store.writer import write_retried

T = TypeVar("T")


@contextmanager
def _reaching(url: str) -> Iterator[None]:
    """Turn "cannot reach the database at all" into a clean error (password masked)."""
    try:
        yield
    except DBAPIError as error:
        problem = dialects.connection_problem(error)
        if problem is None:
            raise
        raise ArchiveNotFound(f"cannot reach the database: {problem}", field="--db",
                              value=dialects.display_url(url)) from None


class Store:
    """One archive's database, chosen by URL (``sqlite:///…`` or ``postgresql+psycopg://…``)."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine = dialects.make_engine(url)
        self._meta: dict[str, str] | None = None

    # -- lifecycle ---------------------------------------------------------------

    @classmethod
    def create(cls, url: str, *, name: str, description: str) -> Store:
        """Create the tables, triggers and metadata of a new, empty archive."""
        path = dialects.sqlite_path(url)
        if path is not None:
            if path.exists():
                if not _holds_chronicle_meta(path):
                    raise ArchiveExists("a file that is not a chronicle archive is here already (left as it is); "
                                        "move it away, or create the archive in another folder",
                                        field="archive", value=str(path))
                raise ArchiveExists("an archive exists here already", field="archive", value=str(path))
            path.parent.mkdir(parents=True, exist_ok=True)
        engine = dialects.make_engine(url, must_exist=False)
        try:
            with _reaching(url), engine.begin() as conn:
                if inspect(conn).has_table("chronicle_meta"):
                    raise ArchiveExists("an archive exists here already", field="--db",
                                        value=dialects.display_url(url))
                if conn.dialect.name == "postgresql":
                    add_postgresql_where()
                metadata.create_all(conn)
                fulltext.create(conn)
                guards.install_guards(conn)
                conn.execute(insert(meta_table), [
                    {"key": "name", "value": name},
                    {"key": "description", "value": description},
                    {"key": "schema_version", "value": str(SCHEMA_VERSION)},
                    {"key": "projection_version", "value": str(PROJECTION_VERSION)},
                    {"key": "created_at", "value": utc_now_text()},
                ])
        finally:
            engine.dispose()
        return cls(url)

    def close(self) -> None:
        self.engine.dispose()

    def meta(self) -> dict[str, str]:
        """Archive metadata; raises if this URL holds no chronicle archive."""
        if self._meta is None:
            try:
                with _reaching(self.url), self.engine.connect() as conn:
                    rows = conn.execute(select(meta_table.c.key, meta_table.c.value)).all()
            except ArchiveNotFound:
                raise
            except OperationalError as error:
                raise ArchiveNotFound(_not_here(self.url), field="--db", value=dialects.display_url(self.url)) from error
            except Exception as error:
                if "does not exist" in str(error) or "no such table" in str(error):
                    raise ArchiveNotFound(_not_here(self.url), field="--db",
                                          value=dialects.display_url(self.url)) from error
                raise
            self._meta = {key: value for key, value in rows}
        return self._meta

    def forget_meta(self) -> None:
        """Drop the cached metadata, so the next :meth:`meta` reads it again (after a
        migration changed ``chronicle_meta`` under this store)."""
        self._meta = None

    def check_schema(self, *, writing: bool) -> None:
        """Refuse to work on a schema this version does not know how to handle."""
        found = int(self.meta().get("schema_version", "0"))
        if found < SCHEMA_VERSION:
            raise SchemaMismatch(
                f"the archive uses schema version {found}, this chronicle needs "
                f"{SCHEMA_VERSION}; run `chronicle upgrade` first",
                field="schema_version", value=found,
            )
        if found > SCHEMA_VERSION and writing:
            raise SchemaMismatch(
                f"the archive was written by a newer chronicle (schema {found}, this one "
                f"knows {SCHEMA_VERSION}); upgrade chronicle before writing to it",
                field="schema_version", value=found,
            )

    # -- writing -----------------------------------------------------------------

    @write_retried
    def append(
        self,
        drafts: Iterable[Draft],
        *,
        batch_size: int = 2000,
        now: Callable[[], datetime] | None = None,
        progress: Callable[[int], None] | None = None,
    ) -> AppendResult:
        """Append records in one transaction, all or nothing.

        Each record is folded into its event's state as it goes, so a draft that makes no
        sense (revising a missing event, recording an existing id, an invalid date)
        aborts the whole append and leaves the archive untouched. Rows are written in
        batches so that a million-row import keeps memory flat.
        """
        self.check_schema(writing=True)
        return writer.append(self.engine, drafts, batch_size=batch_size, now=now, progress=progress)

    @write_retried
    def append_planned(
        self,
        chunks: Iterable[Sequence[T]],
        plan: Callable[[Sequence[T], dict[str, Event]], Iterable[Draft]],
        *,
        key: Callable[[T], str],
        now: Callable[[], datetime] | None = None,
        progress: Callable[[int], None] | None = None,
    ) -> AppendResult:
        """Append what ``plan`` decides for each chunk of incoming items, in one transaction.

        ``plan`` sees the current state of the chunk's events *inside* the write
        transaction (including what earlier chunks wrote), which is what makes imports
        idempotent and re-imports of a corrected file record only the changes.
        """
        self.check_schema(writing=True)
        return writer.append_planned(self.engine, chunks, plan, key=key, now=now, progress=progress)

    @write_retried
    def append_records(self, records: Iterable[Record]) -> AppendResult:
        """Append records verbatim (a backup or a copy), checking every hash on the way.

        Each record must continue the chain exactly: its sequence number follows the
        head, its ``prev_hash`` is the head hash and its hash matches its content.
        """
        self.check_schema(writing=True)
        return writer.append_records(self.engine, records)

    @write_retried
    def rebuild_projection(self, *, only_if_stale: bool = False) -> int:
        """Throw the projection away and replay the whole log into it. Returns records replayed.

        With ``only_if_stale``, nothing happens (0) when, once the write lock is held,
        the projection turns out to be of this chronicle's version already — so that
        several processes opening a stale archive at once rebuild it only once.
        """
        replayed = writer.rebuild_projection(self.engine, only_if_stale=only_if_stale)
        self._meta = None
        return replayed or 0

    def projection_is_stale(self) -> bool:
        """True when the stored projection was built by another projection version."""
        return self.meta().get("projection_version") != str(PROJECTION_VERSION)

    def refresh_projection(self) -> int:
        """Rebuild the projection from the log if it is stale; returns records replayed (0: it was not).

        Projections are derived data, so a chronicle whose ``PROJECTION_VERSION``
        differs from the stored one rebuilds them rather than misread them. A role
        that may not rewrite the projection gets a :class:`SchemaMismatch` saying who can.
        """
        if not self.projection_is_stale() or int(self.meta().get("schema_version", "0")) > SCHEMA_VERSION:
            # A newer chronicle's archive is not ours to rewrite (we only read it).
            return 0
        try:
            return self.rebuild_projection(only_if_stale=True)
        except DBAPIError as error:
            if dialects.classify_write_failure(error) is not None:
                raise
            found = self.meta().get("projection_version", "none")
            raise SchemaMismatch(
                f"the projection was built by projection version {found}, this chronicle needs "
                f"{PROJECTION_VERSION}, and rebuilding it failed ({type(error.orig).__name__}); "
                "run `chronicle upgrade` as the archive's owner",
                field="projection_version", value=found,
            ) from None

    # -- reading -------------------------------------------------------------------

    def head(self) -> Head:
        with self.engine.connect() as conn:
            return queries.head_of(conn)

    def records(
        self,
        *,
        event_id: str | None = None,
        after_seq: int = 0,
        limit: int | None = None,
        batch_size: int = 5000,
    ) -> Iterator[Record]:
        """Log records in sequence order, streamed."""
        return queries.records(self.engine, event_id=event_id, after_seq=after_seq, limit=limit,
                               batch_size=batch_size)

    def resolve_prefix(self, prefix: str) -> list[str]:
        """Event ids starting with ``prefix`` (at most 11, enough to say "ambiguous")."""
        return queries.resolve_prefix(self.engine, prefix)

    def event(self, event_id: str, *, as_of: datetime | None = None) -> Event | None:
        """The event ``event_id`` as it stands now, or stood at transaction time ``as_of``."""
        stmt = select(versions_table.c.doc).where(versions_table.c.event_id == event_id).where(
            queries.valid_at(as_of))
        with self.engine.connect() as conn:
            doc = conn.execute(stmt).scalar()
        return None if doc is None else event_from_doc(json.loads(doc))

    def existing(self, ids: Iterable[str]) -> dict[str, Event]:
        """Current state of those of ``ids`` that exist."""
        with self.engine.connect() as conn:
            return queries.current_states(conn, list(ids))

    def events(self, query: EventQuery = EventQuery(), *, batch_size: int = 2000) -> Iterator[Event]:
        """Events matching ``query`` in timeline order, streamed from the database."""
        for doc in self.event_docs(query, batch_size=batch_size):
            yield event_from_doc(load_doc(doc))

    def event_docs(self, query: EventQuery = EventQuery(), *, batch_size: int = 2000) -> Iterator[str]:
        """The stored document of each matching event, as JSON text, in timeline order.

        Each is :func:`chronicle.projection.event_to_doc` of the event :meth:`events`
        would yield, exactly as the projection stored it: streamed in batches, nothing
        parsed or built per row. Readers that need no more than the document (CSV
        export, ``show``) turn it into their output directly — see
        :func:`chronicle.projection.event_json` and :func:`chronicle.projection.doc_dates`
        — and skip building an :class:`~chronicle.model.Event` per row.
        """
        return queries.event_docs(self.engine, query, batch_size=batch_size)

    def listing(self, query: EventQuery = EventQuery(), *, batch_size: int = 200) -> Iterator[ListingRow]:
        """What ``show``'s table prints of each matching event, in timeline order
        (:data:`chronicle.projection.ListingRow`): the id and status columns and the
        title and dates read from the head of the stored document, streamed in batches.

        Small batches: each row is read from its document as soon as it arrives, while the
        document is still in the processor's cache (2000 documents of a few KB are not:
        about a fifth more CPU per row at 100k)."""
        return queries.event_listing(self.engine, query, batch_size=batch_size)

    def count(self, query: EventQuery = EventQuery()) -> int:
        return queries.count_events(self.engine, query)

    def query_plan(self, query: EventQuery = EventQuery()) -> list[str]:
        """How the database runs :meth:`events` for ``query``: one line per step of
        ``EXPLAIN QUERY PLAN`` (SQLite) or ``EXPLAIN`` (PostgreSQL), for benchmarks."""
        return queries.query_plan(self.engine, query)

    # -- verification ----------------------------------------------------------------

    def verify(self, *, progress: Callable[[int], None] | None = None, workers: int | None = None) -> Head:
        """Check the hash chain and that every projected version equals a replay.

        The log is read once, split by sequence range across ``workers`` processes
        (default: one per core once the log holds ``VERIFY_SPLIT_AT`` records): each
        range checks its own records and links, and the seams between ranges — the
        link, the order in time and the sequence — are checked once here.
        Raises :class:`TamperedLog` naming the first bad sequence number.
        """
        return verify_log(self.engine, self.url, progress=progress, workers=workers)


def _holds_chronicle_meta(path: Path) -> bool:
    """Whether the SQLite file at ``path`` is a chronicle archive, looked at read-only."""
    try:
        connection = sqlite3.connect(f"file:{quote(str(path.resolve()))}?mode=ro", uri=True)
    except sqlite3.Error:
        return False
    try:
        found = connection.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'chronicle_meta'").fetchone()
    except sqlite3.Error:
        return False
    finally:
        connection.close()
    return found is not None


def _not_here(url: str) -> str:
    """"No archive here", saying so when the file is another program's SQLite database."""
    path = dialects.sqlite_path(url)
    if path is not None and path.is_file() and path.stat().st_size > 0:
        return ("no chronicle archive here: this SQLite database belongs to another program (left as it is); "
                "point --db at an archive, or create one elsewhere with `chronicle init`")
    return "no chronicle archive here; create one with `chronicle init`"
