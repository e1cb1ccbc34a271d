"""The append-only log and the projections derived from it, behind one small interface.

Only this module (and :mod:`chronicle.dialects`) imports SQLAlchemy. Tables:

``log``
    One row per record, global gap-free ``seq``, ``hash = SHA-256(prev_hash + canonical
    JSON of the record)``. The database refuses UPDATE/DELETE on it (triggers).
``event_versions``
    The projection: one row per (event, record) holding the event's full state after
    that record, valid in transaction time from ``from_at`` until ``to_at`` (NULL =
    current). "Now" is ``to_seq IS NULL``; ``--as-of T`` is ``from_at <= T < to_at`` —
    a query, not a replay. Derived, so rebuildable from the log at any time.
``chronicle_meta``
    Archive name, description, schema and projection versions.
"""

from __future__ import annotations

import functools
import json
import os
import random
import sqlite3
import string
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Concatenate, ParamSpec, TypeVar
from urllib.parse import quote

from sqlalchemy import (
    BigInteger,
    Column,
    Connection,
    Index,
    Integer,
    MetaData,
    SmallInteger,
    String,
    Table,
    Text,
    and_,
    bindparam,
    func,
    insert,
    inspect,
    literal_column,
    or_,
    select,
    text,
    union_all,
    update,
)
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError

from chronicle import dialects, fulltext
from chronicle.dates import Span, bound_text, instant_from_bound_text
from chronicle.errors import (
    ArchiveExists,
    ArchiveNotFound,
    Conflict,
    SchemaMismatch,
    TamperedLog,
)
from chronicle.model import (
    GENESIS_HASH,
    NO_EVENT_KINDS,
    PAYLOAD_VERSION,
    Draft,
    Event,
    EventFields,
    Kind,
    Record,
    Status,
    chain_hash,
    fold_text,
)
from chronicle.projection import PROJECTION_VERSION, apply, event_from_doc, event_to_doc, load_doc
from chronicle.query import EventQuery

#: Version of the table layout; Alembic migrations move archives between versions
#: (``chronicle upgrade``, :mod:`chronicle.upgrade`). 1: the first layout; 2: the
#: database also refuses a log record that does not continue the chain; 3: wide events
#: indexed in timeline order; 4: no unique index on the hashes, none on ``to_seq``;
#: 5: the full-text index (:mod:`chronicle.fulltext`).
SCHEMA_VERSION = 5

#: From this many log records on, ``verify`` splits the log across the machine's cores.
VERIFY_SPLIT_AT = 50_000

#: How many times an append that another transaction rolled back is tried in all.
WRITE_ATTEMPTS = 5

#: Events spanning more than this many days are "wide": found through their own index,
#: so that date-range queries on everything else can walk the start-date index.
WIDE_DAYS = 400

_SeqType = BigInteger().with_variant(Integer(), "sqlite")

metadata = MetaData()

meta_table = Table(
    "chronicle_meta",
    metadata,
    Column("key", String(64), primary_key=True),
    Column("value", Text, nullable=False),
)

log_table = Table(
    "log",
    metadata,
    Column("seq", _SeqType, primary_key=True, autoincrement=False),
    Column("event_id", String(100), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("payload", Text, nullable=False),
    Column("author", Text, nullable=False),
    Column("recorded_at", String(32), nullable=False),
    Column("origin", Text, nullable=False),
    Column("reason", Text),
    Column("v", SmallInteger, nullable=False),
    Column("prev_hash", String(64), nullable=False),
    # Not unique: the chain trigger and verify guard the hashes (schema 4).
    Column("hash", String(64), nullable=False),
    Index("ix_log_event", "event_id", "seq"),
)

versions_table = Table(
    "event_versions",
    metadata,
    Column("event_id", String(100), primary_key=True),
    Column("from_seq", _SeqType, primary_key=True, autoincrement=False),
    Column("to_seq", _SeqType),
    Column("from_at", String(32), nullable=False),
    Column("to_at", String(32)),
    # Bounds of BC and long years are longer than ISO's 19 characters (dates.bound_text).
    Column("lo", String(32), nullable=False),
    Column("hi", String(32), nullable=False),
    Column("precision", SmallInteger, nullable=False),
    Column("wide", SmallInteger, nullable=False),
    Column("status", String(16), nullable=False),
    Column("tags_key", Text, nullable=False),
    Column("actors_key", Text, nullable=False),
    Column("search", Text, nullable=False),
    Column("doc", Text, nullable=False),
)
_v = versions_table.c
_current = _v.to_seq.is_(None)
# Partial indexes over the current versions. Their PostgreSQL spelling is attached by
# _add_postgresql_where() when a PostgreSQL archive is created: naming a `postgresql_*`
# option here would load SQLAlchemy's whole PostgreSQL dialect (psycopg, asyncpg, …) on
# every start-up, SQLite included — most of what `chronicle add` spends over its floor.
Index("ix_versions_current_id", _v.event_id, unique=True, sqlite_where=_current)
Index("ix_versions_current_lo", _v.lo, _v.precision, _v.event_id, sqlite_where=_current)
Index("ix_versions_current_wide", _v.wide, _v.lo, _v.precision, _v.event_id, _v.hi,
      sqlite_where=and_(_current, _v.wide == 1))


def _add_postgresql_where() -> None:
    """Give the partial indexes their condition on PostgreSQL too (the same as on SQLite)."""
    for index in versions_table.indexes:
        where = index.dialect_options["sqlite"]["where"]
        if where is not None and index.dialect_kwargs.get("postgresql_where") is None:
            index.dialect_kwargs["postgresql_where"] = where

Index("ix_versions_from_at", _v.from_at, _v.lo)

_SEP = "\x1f"
_ASCII_UPPER = str.maketrans(string.ascii_lowercase, string.ascii_uppercase)
_ASCII_LOWER = str.maketrans(string.ascii_uppercase, string.ascii_lowercase)
T = TypeVar("T")
P = ParamSpec("P")
R = TypeVar("R")


def _write_retried(method: Callable[Concatenate[Store, P], R]) -> Callable[Concatenate[Store, P], R]:
    """Run an append again (bounded) when the database rolled it back because of another writer.

    Only a replayable input (a list or tuple of drafts/records/chunks) is retried: a
    one-shot iterator is partly consumed, so then the writer fails with a clear
    :class:`Conflict` instead. A write lock not granted within the lock timeout is a
    ``Conflict`` at once — the writer already waited that long. Nothing is ever half
    written: each attempt is one transaction.
    """

    @functools.wraps(method)
    def wrapper(store: Store, /, *args: P.args, **kwargs: P.kwargs) -> R:
        replayable = bool(args) and isinstance(args[0], Sequence)
        attempts = WRITE_ATTEMPTS if replayable else 1
        for attempt in range(1, attempts + 1):
            try:
                return method(store, *args, **kwargs)
            except DBAPIError as error:
                failure = dialects.classify_write_failure(error)
                if failure is None:
                    raise
                if failure == "busy":
                    raise Conflict(
                        f"the archive is busy: another writer held the write lock for more than "
                        f"{dialects.lock_timeout():g} s; nothing was written — try again "
                        "(CHRONICLE_LOCK_TIMEOUT sets how long to wait)",
                    ) from None
                if attempt == attempts:
                    raise Conflict(
                        f"other writers kept getting in the way (the database rolled the write "
                        f"back {attempt} time(s)); nothing was written — try again "
                        "(imports can simply be run again)",
                    ) from None
                time.sleep(random.uniform(0.01, 0.05) * 2**attempt)
        raise AssertionError("unreachable")

    return wrapper


@dataclass(frozen=True, slots=True)
class Head:
    """The log's size and the hash of its newest record (genesis hash when empty)."""

    count: int
    hash: str
    recorded_at: str | None


@dataclass(frozen=True, slots=True)
class AppendResult:
    count: int
    first_seq: int | None
    head: Head


def utc_now_text(now: datetime | None = None) -> str:
    """UTC, ISO 8601 with microseconds and ``Z`` (the form every ``recorded_at`` has)."""
    moment = (now or datetime.now(UTC)).astimezone(UTC)
    # isoformat is several times cheaper than strftime, and this runs once per record.
    return moment.replace(tzinfo=None).isoformat(timespec="microseconds") + "Z"


def record_body_json(
    seq: int, event_id: str, kind: str, payload_json: str, author: str,
    recorded_at: str, origin: str, reason: str | None, version: int,
) -> str:
    """Canonical JSON of a record's hashed body, built without re-parsing the payload.

    Equal, byte for byte, to ``canonical_json(record.hashed_body())`` (tested), but
    cheap enough to run over a million stored records in ``verify``.
    """
    dump = _dump_str
    return (
        f'{{"author":{dump(author)},"event_id":{dump(event_id)},"kind":{dump(kind)},'
        f'"origin":{dump(origin)},"payload":{payload_json},'
        f'"reason":{"null" if reason is None else dump(reason)},'
        f'"recorded_at":{dump(recorded_at)},"seq":{seq},"v":{version}}}'
    )


#: ``json.dumps(value, ensure_ascii=False)`` of a string, without building an encoder per
#: call (the same C function ``json.dumps`` ends in; a hot path at a million records).
_dump_str: Callable[[str], str] = json.encoder.encode_basestring
#: ``canonical_json``'s encoder, built once (``json.dumps`` with options builds one per call).
_payload_json: Callable[[dict[str, Any]], str] = json.JSONEncoder(
    sort_keys=True, separators=(",", ":"), ensure_ascii=False,
).encode
#: The projection documents' encoder (compact, UTF-8, in :func:`event_to_doc`'s key order).
_doc_json: Callable[[dict[str, Any]], str] = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


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
                    _add_postgresql_where()
                metadata.create_all(conn)
                fulltext.create(conn)
                dialects.install_guards(conn)
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

    @contextmanager
    def _writer(self) -> Iterator[Connection]:
        with self.engine.connect().execution_options(**dialects.write_options()) as conn, conn.begin():
            dialects.lock_for_append(conn)
            yield conn

    @_write_retried
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
        clock = now or (lambda: datetime.now(UTC))
        try:
            with self._writer() as conn:
                head = self._head(conn)
                writer = _BatchWriter(conn, head, batch_size)
                for draft in drafts:
                    stamp = utc_now_text(clock())
                    writer.add(draft, stamp)
                    if progress is not None and writer.count % 1000 == 0:
                        progress(writer.count)
                writer.flush()
                result = AppendResult(writer.count, writer.first_seq, self._head(conn))
        except IntegrityError as error:
            raise Conflict(
                "the write conflicts with the archive (an event id exists already, "
                "or another writer got there first)",
                field="id", value=_conflicting_id(error),
            ) from None
        return result

    @_write_retried
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
        clock = now or (lambda: datetime.now(UTC))
        try:
            with self._writer() as conn:
                writer = _BatchWriter(conn, self._head(conn), 2000)
                seen = 0
                for chunk in chunks:
                    writer.flush()
                    existing = _current_states(conn, [key(item) for item in chunk])
                    for draft in plan(chunk, existing):
                        writer.add(draft, utc_now_text(clock()))
                    seen += len(chunk)
                    if progress is not None:
                        progress(seen)
                writer.flush()
                return AppendResult(writer.count, writer.first_seq, self._head(conn))
        except IntegrityError as error:
            raise Conflict(
                "the write conflicts with the archive (an event id exists already)",
                field="id", value=_conflicting_id(error),
            ) from None

    @_write_retried
    def append_records(self, records: Iterable[Record]) -> AppendResult:
        """Append records verbatim (a backup or a copy), checking every hash on the way.

        Each record must continue the chain exactly: its sequence number follows the
        head, its ``prev_hash`` is the head hash and its hash matches its content.
        """
        self.check_schema(writing=True)
        with self._writer() as conn:
            head = self._head(conn)
            writer = _BatchWriter(conn, head, 2000)
            for record in records:
                expected = writer.seq + 1
                if record.seq != expected:
                    raise TamperedLog(f"expected record {expected}, found {record.seq}", seq=record.seq)
                if record.prev_hash != writer.prev_hash:
                    raise TamperedLog(f"record {record.seq}: previous-hash link is broken", seq=record.seq)
                body = record_body_json(
                    record.seq, record.event_id, record.kind.value, _payload_json(record.payload),
                    record.author, record.recorded_at, record.origin, record.reason, record.version,
                )
                if chain_hash(record.prev_hash, body) != record.hash:
                    raise TamperedLog(f"record {record.seq}: content does not match its hash", seq=record.seq)
                if record.recorded_at < writer.last_at:
                    raise TamperedLog(f"record {record.seq}: recorded before its predecessor", seq=record.seq)
                writer.add_verbatim(record)
            writer.flush()
            return AppendResult(writer.count, writer.first_seq, self._head(conn))

    # -- reading the log -----------------------------------------------------------

    def head(self) -> Head:
        with self.engine.connect() as conn:
            return self._head(conn)

    @staticmethod
    def _head(conn: Connection) -> Head:
        row = conn.execute(
            select(log_table.c.seq, log_table.c.hash, log_table.c.recorded_at)
            .order_by(log_table.c.seq.desc()).limit(1)
        ).first()
        if row is None:
            return Head(0, GENESIS_HASH, None)
        return Head(int(row.seq), row.hash, row.recorded_at)

    def records(
        self,
        *,
        event_id: str | None = None,
        after_seq: int = 0,
        limit: int | None = None,
        batch_size: int = 5000,
    ) -> Iterator[Record]:
        """Log records in sequence order, streamed."""
        stmt = select(log_table).where(log_table.c.seq > after_seq).order_by(log_table.c.seq)
        if event_id is not None:
            stmt = stmt.where(log_table.c.event_id == event_id)
        if limit is not None:
            stmt = stmt.limit(limit)
        # ``with`` on the result: a reader that stops early (``next(log())``) closes
        # PostgreSQL's server-side cursor now, not whenever the generator is collected.
        with self.engine.connect() as conn, conn.execution_options(yield_per=batch_size).execute(stmt) as rows:
            for row in rows:
                yield _record_from_row(row)

    # -- reading events --------------------------------------------------------------

    def resolve_prefix(self, prefix: str) -> list[str]:
        """Event ids starting with ``prefix`` (at most 11, enough to say "ambiguous")."""
        stmt = (
            select(_v.event_id).where(dialects.likely(_current))
            .where(_v.event_id.startswith(prefix, autoescape=True))
            .order_by(_v.event_id).limit(11)
        )
        if self.engine.dialect.name == "sqlite":
            # SQLite's LIKE ignores ASCII case, so no index can serve it and every current
            # version would be read. Every match lies in this range (upper case sorts
            # first), which the id index walks; LIKE still decides.
            stmt = stmt.where(
                _v.event_id >= prefix.translate(_ASCII_UPPER),
                _v.event_id < prefix.translate(_ASCII_LOWER) + "\U0010ffff",
            )
        with self.engine.connect() as conn:
            return list(conn.execute(stmt).scalars())

    def event(self, event_id: str, *, as_of: datetime | None = None) -> Event | None:
        stmt = select(_v.doc).where(_v.event_id == event_id).where(_valid_at(as_of))
        with self.engine.connect() as conn:
            doc = conn.execute(stmt).scalar()
        return None if doc is None else event_from_doc(json.loads(doc))

    def existing(self, ids: Iterable[str]) -> dict[str, Event]:
        """Current state of those of ``ids`` that exist."""
        with self.engine.connect() as conn:
            return _current_states(conn, list(ids))

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
        if query.search is not None and query.sort == "relevance" and query.limit:
            # Best matches first, cheaply: join only the index's best few to their events.
            # Enough of them passing the other filters are the true top (every other match
            # scores lower); too few, and the full ranking below decides.
            fast = _events_statement(query, candidates=query.limit * 5 + 50)
            with self.engine.connect() as conn:
                docs = list(conn.execute(fast).scalars())
            if len(docs) == query.limit:
                yield from docs
                return
        stmt = _events_statement(query)
        with self.engine.connect() as conn, conn.execution_options(yield_per=batch_size).execute(stmt) as result:
            # Whole batches of the one column: no Row object and no fetch call per event.
            for batch in result.scalars("doc").partitions():
                yield from batch

    def count(self, query: EventQuery = EventQuery()) -> int:
        stmt = select(func.count()).select_from(
            _events_statement(EventQuery(**{**_query_fields(query), "limit": None})).subquery()
        )
        with self.engine.connect() as conn:
            return int(conn.execute(stmt).scalar_one())

    def query_plan(self, query: EventQuery = EventQuery()) -> list[str]:
        """How the database runs :meth:`events` for ``query``: one line per step of
        ``EXPLAIN QUERY PLAN`` (SQLite) or ``EXPLAIN`` (PostgreSQL), for benchmarks."""
        with self.engine.connect() as conn:
            compiled = _events_statement(query).compile(conn, compile_kwargs={"literal_binds": True})
            explain = "EXPLAIN QUERY PLAN " if conn.dialect.name == "sqlite" else "EXPLAIN "
            rows = conn.execute(text(explain + str(compiled))).all()
        return [str(row[-1]) for row in rows]

    # -- verification ----------------------------------------------------------------

    def verify(self, *, progress: Callable[[int], None] | None = None, workers: int | None = None) -> Head:
        """Check the hash chain and that every projected version equals a replay.

        The log is read once, split by sequence range across ``workers`` processes
        (default: one per core once the log holds :data:`VERIFY_SPLIT_AT` records): each
        range checks its own records and links, and the seams between ranges — the
        link, the order in time and the sequence — are checked once here.
        Raises :class:`TamperedLog` naming the first bad sequence number.
        """
        with self.engine.connect() as conn:
            last = int(conn.execute(select(func.max(log_table.c.seq))).scalar() or 0)
        if workers is None:
            workers = (os.cpu_count() or 1) if last >= VERIFY_SPLIT_AT else 1
        workers = max(1, min(workers, last))
        bounds = [(1 + last * i // workers, last * (i + 1) // workers) for i in range(workers)]
        if workers == 1:
            parts = [self._verify_range(1, last, progress)]
        else:
            # Only a large verify needs child processes; importing multiprocessing here
            # keeps its dozen modules out of every other command's start-up (`add`).
            import multiprocessing

            methods = multiprocessing.get_all_start_methods()
            context = multiprocessing.get_context("fork" if "fork" in methods else "spawn")
            self.engine.dispose()  # no pooled connection is carried into the children
            with context.Pool(workers) as pool:
                parts = pool.starmap(_verify_range_in_child, [(self.url, lo, hi) for lo, hi in bounds])
            if progress is not None:
                progress(last)
        expected_prev, last_at, count = GENESIS_HASH, "", 0
        for (lo, _hi), part in zip(bounds, parts, strict=True):
            if part.first_seq is not None:
                if part.first_seq != count + 1:
                    raise TamperedLog(f"sequence gap: expected {count + 1}, found {part.first_seq}", seq=count + 1)
                if part.first_prev != expected_prev:
                    raise TamperedLog(f"record {lo}: previous-hash link is broken", seq=lo)
                if part.first_at is not None and part.first_at < last_at:
                    raise TamperedLog(f"record {lo}: recorded before its predecessor", seq=lo)
            if part.error is not None:
                raise TamperedLog(part.error[1], seq=part.error[0])
            if part.first_seq is not None:
                count, expected_prev, last_at = part.last_seq or count, part.last_hash, part.last_at
        with self.engine.connect() as conn:
            version_count = conn.execute(select(func.count()).select_from(versions_table)).scalar_one()
        event_records = count - sum(part.source_records for part in parts)
        if version_count != event_records:
            raise TamperedLog(
                f"projection holds {version_count} versions for {event_records} event records",
                seq=count + 1 if version_count > event_records else None,
            )
        with self.engine.connect() as conn:
            problem = fulltext.mismatch(conn)
        if problem is not None:
            raise TamperedLog(f"{problem}; `chronicle upgrade --rebuild` rebuilds it from the log")
        return Head(count, expected_prev, last_at or None)

    def _verify_range(self, lo: int, hi: int, progress: Callable[[int], None] | None = None) -> _RangeCheck:
        """Check records ``lo``..``hi``: their links among themselves, hashes, order in time
        and projected versions. What links this range to the one before is left to the caller."""
        prev_version = versions_table.alias("prev_version")
        stmt = (
            select(log_table, _v.doc.label("doc"), _v.to_seq.label("to_seq"),
                   prev_version.c.doc.label("prev_doc"))
            .select_from(
                log_table.outerjoin(versions_table, and_(
                    _v.from_seq == log_table.c.seq, _v.event_id == log_table.c.event_id,
                )).outerjoin(prev_version, and_(
                    prev_version.c.to_seq == log_table.c.seq,
                    prev_version.c.event_id == log_table.c.event_id,
                ))
            )
            .where(log_table.c.seq >= lo, log_table.c.seq <= hi)
            .order_by(log_table.c.seq)
        )
        check = _RangeCheck()
        # ``with`` on the result: a TamperedLog raised mid-stream closes PostgreSQL's cursor.
        try:
            with self.engine.connect() as conn, conn.execution_options(yield_per=5000).execute(stmt) as rows:
                self._check_rows(rows, check, lo, progress)
        except TamperedLog as error:
            check.error = (error.seq, error.message)
        return check

    def _check_rows(self, rows: Iterable[Any], check: _RangeCheck, lo: int,
                    progress: Callable[[int], None] | None) -> None:
        expected_seq = lo - 1
        expected_prev: str | None = None
        last_at = ""
        for row in rows:
            expected_seq += 1
            seq = int(row.seq)
            if expected_prev is None:
                check.first_seq, check.first_prev, check.first_at = seq, row.prev_hash, row.recorded_at
                expected_seq = seq
            elif seq != expected_seq:
                raise TamperedLog(f"sequence gap: expected {expected_seq}, found {seq}", seq=expected_seq)
            elif row.prev_hash != expected_prev:
                raise TamperedLog(f"record {seq}: previous-hash link is broken", seq=seq)
            body = record_body_json(
                seq, row.event_id, row.kind, row.payload, row.author,
                row.recorded_at, row.origin, row.reason, int(row.v),
            )
            if chain_hash(row.prev_hash, body) != row.hash:
                raise TamperedLog(f"record {seq}: content does not match its hash", seq=seq)
            if row.recorded_at < last_at:
                raise TamperedLog(f"record {seq}: recorded before its predecessor", seq=seq)
            last_at = row.recorded_at
            expected_prev = row.hash
            check.last_seq, check.last_hash, check.last_at = seq, row.hash, row.recorded_at
            if row.kind in _NO_EVENT_KIND_VALUES:
                check.source_records += 1
            else:
                self._verify_projection(row)
            if progress is not None and seq % 10000 == 0:
                progress(seq)

    @staticmethod
    def _verify_projection(row: Any) -> None:
        seq = int(row.seq)
        if row.doc is None:
            raise TamperedLog(f"record {seq}: no projected version", seq=seq)
        record = _record_from_row(row)
        try:
            previous = event_from_doc(json.loads(row.prev_doc)) if row.prev_doc is not None else None
        except Exception:  # a document that is not one (tests/test_verify_documents.py)
            raise TamperedLog(f"record {seq}: the previous projected version cannot be read", seq=seq) from None
        if (previous is None) != (record.kind is Kind.RECORDED):
            raise TamperedLog(f"record {seq}: projection chain is broken", seq=seq)
        try:
            replayed = apply(previous, record)
        except Exception as error:
            raise TamperedLog(f"record {seq}: cannot be replayed ({error})", seq=seq) from None
        # The projection stores ``_doc_json(event_to_doc(event))``: the same document is
        # the common case and the cheap check (parsing beats serialising); any other
        # document is compared as an event.
        try:
            stored = json.loads(row.doc)
            same = event_to_doc(replayed) == stored or replayed == event_from_doc(stored)
        except Exception:  # a document that is not one (tests/test_verify_documents.py)
            same = False
        if not same:
            raise TamperedLog(f"record {seq}: projection differs from a replay of the log", seq=seq)

    @_write_retried
    def rebuild_projection(self, *, only_if_stale: bool = False) -> int:
        """Throw the projection away and replay the whole log into it. Returns records replayed.

        With ``only_if_stale``, nothing happens (0) when, once the write lock is held,
        the projection turns out to be of this chronicle's version already — so that
        several processes opening a stale archive at once rebuild it only once.
        """
        with self._writer() as conn:
            version_row = select(meta_table.c.value).where(meta_table.c.key == "projection_version")
            if only_if_stale and conn.execute(version_row).scalar() == str(PROJECTION_VERSION):
                self._meta = None
                return 0
            conn.execute(versions_table.delete())
            fulltext.clear(conn)
            writer = _BatchWriter(conn, Head(0, GENESIS_HASH, None), 2000, replay=True)
            stmt = select(log_table).order_by(log_table.c.seq)
            # The log is read on a second connection, streamed; the writer's own
            # connection holds the lock and receives the batches.
            with self.engine.connect() as reader, reader.execution_options(yield_per=5000).execute(stmt) as rows:
                for row in rows:
                    writer.replay(_record_from_row(row))
            writer.flush()
            changed = conn.execute(
                update(meta_table).where(meta_table.c.key == "projection_version")
                .values(value=str(PROJECTION_VERSION))
            )
            if changed.rowcount == 0:
                conn.execute(insert(meta_table), {"key": "projection_version", "value": str(PROJECTION_VERSION)})
            self._meta = None
            return writer.count

    def projection_is_stale(self) -> bool:
        """True when the stored projection was built by another projection version."""
        return self.meta().get("projection_version") != str(PROJECTION_VERSION)

    def refresh_projection(self) -> int:
        """Rebuild the projection from the log if it is stale; returns records replayed (0: it was not).

        Projections are derived data, so a chronicle whose :data:`PROJECTION_VERSION`
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


@dataclass(slots=True)
class _RangeCheck:
    """What one sequence range of ``verify`` found: its ends (for the seams) or its first error."""

    first_seq: int | None = None
    first_prev: str | None = None
    first_at: str | None = None
    last_seq: int | None = None
    last_hash: str = GENESIS_HASH
    last_at: str = ""
    error: tuple[int | None, str] | None = None
    """``(seq, message)`` of the first bad record of the range."""
    source_records: int = 0
    """Records of sources (``@KEY``), which have no event projection (:mod:`chronicle.sources`)."""


def _verify_range_in_child(url: str, lo: int, hi: int) -> _RangeCheck:
    """One worker's share of ``verify``, on its own connection; errors come back as data."""
    store = Store(url)
    try:
        return store._verify_range(lo, hi)
    finally:
        store.close()


#: Column order of the rows :class:`_BatchWriter` writes (plain tuples, no per-row dicts).
LOG_COLUMNS = ("seq", "event_id", "kind", "payload", "author", "recorded_at", "origin", "reason", "v",
               "prev_hash", "hash")
VERSION_COLUMNS = ("event_id", "from_seq", "to_seq", "from_at", "to_at", "lo", "hi", "precision", "wide",
                   "status", "tags_key", "actors_key", "search", "doc")
_TO_SEQ = VERSION_COLUMNS.index("to_seq")
_TO_AT = VERSION_COLUMNS.index("to_at")


class _BatchWriter:
    """Turns drafts into log rows and projection versions, flushed in batches.

    Each record is serialised once, hashed once, folded once (from the draft's parsed
    fields when it has them) and becomes one log row and one version row, both plain
    sequences handed to the driver in batches (:func:`chronicle.dialects.insert_rows`).
    """

    def __init__(self, conn: Connection, head: Head, batch_size: int, *, replay: bool = False) -> None:
        self.conn = conn
        self.seq = head.count
        self.prev_hash = head.hash
        self.last_at = head.recorded_at or ""
        self.batch_size = batch_size
        self.replay_mode = replay
        self.count = 0
        self.first_seq: int | None = None
        self._log_rows: list[tuple[Any, ...]] = []
        self._new_versions: dict[str, list[Any]] = {}
        self._closed_versions: list[dict[str, Any]] = []
        self._pending_rows: list[list[Any]] = []
        self._states: dict[str, Event] = {}

    def add(self, draft: Draft, stamp: str) -> Record:
        self.seq += 1
        # Transaction time never runs backwards, so as-of queries are well defined
        # even when writers' clocks disagree.
        if stamp < self.last_at:
            stamp = self.last_at
        payload_json = _payload_json(draft.payload)
        prov = draft.provenance
        kind = draft.kind.value
        body = record_body_json(
            self.seq, draft.event_id, kind, payload_json, prov.author,
            stamp, prov.origin, prov.reason, PAYLOAD_VERSION,
        )
        digest = chain_hash(self.prev_hash, body)
        record = Record(
            seq=self.seq, event_id=draft.event_id, kind=draft.kind, payload=draft.payload,
            author=prov.author, recorded_at=stamp, origin=prov.origin, reason=prov.reason,
            prev_hash=self.prev_hash, hash=digest,
        )
        self._log_rows.append((
            self.seq, draft.event_id, kind, payload_json, prov.author, stamp, prov.origin, prov.reason,
            PAYLOAD_VERSION, self.prev_hash, digest,
        ))
        self.prev_hash = digest
        self.last_at = stamp
        self._project(record, draft.fields)
        return record

    def add_verbatim(self, record: Record) -> None:
        self._log_rows.append((
            record.seq, record.event_id, record.kind.value, _payload_json(record.payload), record.author,
            record.recorded_at, record.origin, record.reason, record.version, record.prev_hash, record.hash,
        ))
        self.seq = record.seq
        self.prev_hash = record.hash
        self.last_at = record.recorded_at
        self._project(record)

    def replay(self, record: Record) -> None:
        self.seq = record.seq
        self._project(record)

    def _project(self, record: Record, fields: EventFields | None = None) -> None:
        if self.first_seq is None:
            self.first_seq = record.seq
        if record.kind in NO_EVENT_KINDS:
            # A source's records (``@KEY``) and actor aliases (``~actors``) have no event projection.
            self.count += 1
            return
        # A new event may only clash with one recorded earlier in this batch; the unique
        # index on current versions catches clashes with what is already stored.
        fresh = record.kind is Kind.RECORDED
        state = self._states.get(record.event_id) if fresh else self._state(record.event_id)
        new_state = apply(state, record, fields)
        pending = self._new_versions.get(record.event_id)
        if pending is not None:
            pending[_TO_SEQ] = record.seq
            pending[_TO_AT] = record.recorded_at
        elif state is not None:
            self._closed_versions.append({
                "b_event_id": record.event_id, "b_to_seq": record.seq, "b_to_at": record.recorded_at,
            })
        row = _version_row(new_state, record)
        self._pending_rows.append(row)
        self._new_versions[record.event_id] = row
        self._states[record.event_id] = new_state
        self.count += 1
        if len(self._pending_rows) >= self.batch_size:
            self.flush()

    def _state(self, event_id: str) -> Event | None:
        if event_id in self._states:
            return self._states[event_id]
        doc = self.conn.execute(
            select(_v.doc).where(_v.event_id == event_id).where(_current)
        ).scalar()
        return None if doc is None else event_from_doc(json.loads(doc))

    def flush(self) -> None:
        if self._closed_versions:
            self.conn.execute(
                update(versions_table)
                .where(_v.event_id == bindparam("b_event_id"))
                .where(_current)
                .values(to_seq=bindparam("b_to_seq"), to_at=bindparam("b_to_at")),
                self._closed_versions,
            )
        if self._log_rows and not self.replay_mode:
            dialects.insert_rows(self.conn, "log", LOG_COLUMNS, self._log_rows)
        if self._pending_rows:
            dialects.insert_rows(self.conn, "event_versions", VERSION_COLUMNS, [tuple(r) for r in self._pending_rows])
        fulltext.index(self.conn, self._states.values())
        self._log_rows.clear()
        self._closed_versions.clear()
        self._pending_rows.clear()
        self._new_versions.clear()
        self._states.clear()


@functools.lru_cache(maxsize=16384)
def _span_columns(span: Span) -> tuple[str, str, int, int]:
    """``lo``, ``hi``, ``precision`` and ``wide`` of a span (dates repeat; spans are immutable)."""
    lo, hi = span.earliest_instant, span.latest_instant
    return bound_text(lo), bound_text(hi), int(span.precision), 1 if hi - lo > timedelta(days=WIDE_DAYS) else 0


def _version_row(event: Event, record: Record) -> list[Any]:
    """The projection row of ``event`` after ``record``, in :data:`VERSION_COLUMNS` order."""
    lo, hi, precision, wide = _span_columns(event.span)
    return [
        event.id, record.seq, None, record.recorded_at, None, lo, hi, precision, wide,
        event.status.value, _key(event.tags), _key(event.actors),
        fold_text(" ".join((event.title, event.description, event.place or "", *event.tags, *event.actors))),
        _doc_json(event_to_doc(event)),
    ]


def _current_states(conn: Connection, ids: list[str]) -> dict[str, Event]:
    found: dict[str, Event] = {}
    for start in range(0, len(ids), 500):
        # likely(): otherwise SQLite, guessing that few versions are current, reads every
        # current version for each chunk — an import would take quadratic time.
        stmt = select(_v.doc).where(dialects.likely(_current)).where(_v.event_id.in_(ids[start:start + 500]))
        for doc in conn.execute(stmt).scalars():
            event = event_from_doc(json.loads(doc))
            found[event.id] = event
    return found


def _actor_matches(actor: str) -> Any:
    """An actor named ``actor``, or whose name holds its words as whole words, in order.

    ``--actor Mehta`` finds "Judge Amit Mehta"; ``--actor meh`` does not. Case and
    accents are ignored (the key is folded), like tags.
    """
    name = " ".join(fold_text(actor).split())
    return or_(*(_v.actors_key.contains(before + name + after, autoescape=True)
                 for before in (_SEP, " ") for after in (_SEP, " ")))


def _key(values: tuple[str, ...]) -> str:
    """Tags as ``␟a␟b␟``, so that one tag matches with a LIKE and nothing else does."""
    return _SEP + _SEP.join(fold_text(v) for v in values) + _SEP if values else ""


def _valid_at(as_of: datetime | None) -> Any:
    if as_of is None:
        return _current
    stamp = utc_now_text(as_of.replace(tzinfo=UTC))
    return and_(_v.from_at <= stamp, or_(_v.to_at.is_(None), _v.to_at > stamp))


def _events_statement(query: EventQuery, *, candidates: int | None = None) -> Any:
    """The events of ``query`` in timeline order, as a statement the database can stream.

    ``--since`` is an interval-overlap test (``hi >= since``), which no single B-tree
    range answers; it is split into two disjoint parts that each are an index range
    (see :data:`WIDE_DAYS`), merged in timeline order:

    - events starting on or after ``since - WIDE_DAYS`` whose end reaches ``since``: a
      range of the start-date index, read in order (``LIMIT`` stops it early);
    - wide events starting before that whose end reaches ``since``: a range of the
      wide events' end-date index.

    Without the planner hints (:func:`chronicle.dialects.likely` …), SQLite takes
    ``to_seq IS NULL`` for a selective key and sorts every current version in a
    temporary B-tree before returning the first row: a full scan, and no streaming.
    """
    valid = dialects.likely(_current) if query.as_of is None else _valid_at(query.as_of)
    ranked = query.search is not None and query.sort == "relevance"

    def part(*conditions: Any, lo: Any = _v.lo) -> Any:
        stmt = select(_v.doc, _v.lo, _v.precision, _v.event_id).where(valid, *conditions)
        if query.search is not None and not ranked:
            stmt = stmt.where(_v.event_id.in_(fulltext.matching_ids(query.search)))
        if not query.include_retracted:
            stmt = stmt.where(_v.status == Status.ACTIVE.value)
        else:
            # A merged duplicate is part of the event it was merged into, never an event of its own.
            stmt = stmt.where(_v.status != Status.MERGED.value)
        if query.until is not None:
            stmt = stmt.where(lo <= query.until)
        for tag in query.tags:
            stmt = stmt.where(_v.tags_key.contains(_SEP + fold_text(tag) + _SEP, autoescape=True))
        if query.any_tags:
            stmt = stmt.where(or_(*(_v.tags_key.contains(_SEP + fold_text(tag) + _SEP, autoescape=True)
                                    for tag in query.any_tags)))
        for group in query.actor_names or tuple((actor,) for actor in query.actors):
            stmt = stmt.where(or_(*(_actor_matches(name) for name in group)))
        if query.text:
            for word in fold_text(query.text).split():
                stmt = stmt.where(_v.search.contains(word, autoescape=True))
        return stmt

    if ranked:
        # Best match first: the index drives, each match is joined to its current version.
        assert query.search is not None
        # With ``candidates``, only the index's best that many (see Store.event_docs).
        ranking = fulltext.ranked(query.search, limit=candidates)
        stmt = part(*(() if query.since is None else (_v.hi >= query.since,)))
        stmt = stmt.select_from(fulltext.ranked_join(ranking, versions_table, ranking.c.event_id == _v.event_id))
        stmt = stmt.order_by(ranking.c.score, _v.lo, _v.precision, _v.event_id)
    elif query.since is None:
        stmt = part()
        stmt = stmt.order_by(_v.lo, _v.precision, _v.event_id)
    else:
        # Non-wide events span at most WIDE_DAYS, so one that reaches --since started
        # at most that long before it.
        window = bound_text(instant_from_bound_text(query.since).shifted(days=-(WIDE_DAYS + 1)))
        starts_late = part(_v.lo >= window, _v.hi >= query.since)
        # A literal 1, so that SQLite can prove the wide index's condition (wide = 1).
        # That index holds the start and the end: it is walked in timeline order and
        # the end is checked inside it, so LIMIT stops it after a few entries.
        reaches_back = part(dialects.unlikely(_v.wide == literal_column("1")),
                            _v.lo < window, _v.hi >= query.since)
        union = union_all(reaches_back, starts_late)
        columns = union.selected_columns
        stmt = union.order_by(columns.lo, columns.precision, columns.event_id)
    if query.limit is not None:
        stmt = stmt.limit(query.limit)
    return stmt


def _query_fields(query: EventQuery) -> dict[str, Any]:
    return {name: getattr(query, name) for name in EventQuery.__slots__}


_NO_EVENT_KIND_VALUES = frozenset(kind.value for kind in NO_EVENT_KINDS)

#: ``Kind(value)`` without the enum machinery, for reading a million log rows.
_KINDS = {kind.value: kind for kind in Kind}


def _record_from_row(row: Any) -> Record:
    return Record(
        seq=int(row.seq), event_id=row.event_id, kind=_KINDS.get(row.kind) or Kind(row.kind),
        payload=json.loads(row.payload), author=row.author, recorded_at=row.recorded_at,
        origin=row.origin, reason=row.reason, prev_hash=row.prev_hash, hash=row.hash,
        version=int(row.v),
    )


def _conflicting_id(error: IntegrityError) -> str | None:
    params = error.params
    if isinstance(params, dict):
        return str(params.get("event_id"))
    return None


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
