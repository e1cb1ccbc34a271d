"""The write path: records appended in batches, each serialised, hashed and projected once.

Holds the one check of a chain link (:func:`check_link`) — sequence, previous hash,
content hash, order in time — that both a verbatim append (a backup, a copy) and
``verify`` (:mod:`chronicle.store.verify`) run, so the two can never disagree.
"""

from __future__ import annotations

import functools
import json
import random
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any, Concatenate, ParamSpec, TypeVar

from sqlalchemy import Connection, Engine, insert, select, update
from sqlalchemy.exc import DBAPIError, IntegrityError

from chronicle import fulltext
from chronicle.errors import Conflict, TamperedLog
from chronicle.model import GENESIS_HASH, NO_EVENT_KINDS, PAYLOAD_VERSION, Draft, Event, EventFields, Kind, Record, chain_hash
from chronicle.projection import PROJECTION_VERSION, apply, event_from_doc
from chronicle.store import dialects, queries
from chronicle.store.rows import (
    AppendResult,
    Head,
    payload_json,
    record_body_json,
    record_from_row,
    utc_now_text,
    version_row,
)
from chronicle.store.schema import LOG_COLUMNS, VERSION_COLUMNS, current, log_table, meta_table, versions_table

#: How many times an append that another transaction rolled back is tried in all.
WRITE_ATTEMPTS = 5

#: When one append has written this many records, and no fewer than the archive held
#: before it, a SQLite writer drops the secondary indexes and builds them again after
#: the rows are in, in the same transaction: building an index once from sorted keys is
#: much cheaper than keeping it in order row by row (benchmarks/index_costs.py; the
#: figures are in benchmarks/RESULTS.md). A failed or killed append rolls the drop back
#: with everything else. Not on PostgreSQL: there DROP INDEX locks every reader out of
#: the table until the import commits, and rows arrive through COPY already.
DEFER_INDEXES_AT = 10_000

#: The indexes built after the load. Not ``ix_versions_current_id``: it is unique, and
#: is what refuses an event id that exists already, while the import runs.
DEFERRABLE_INDEXES = ("ix_log_event", "ix_versions_current_lo", "ix_versions_current_wide", "ix_versions_from_at")

_v = versions_table.c
_TO_SEQ = VERSION_COLUMNS.index("to_seq")
_TO_AT = VERSION_COLUMNS.index("to_at")
S = TypeVar("S")
T = TypeVar("T")
P = ParamSpec("P")
R = TypeVar("R")


def write_retried(method: Callable[Concatenate[S, P], R]) -> Callable[Concatenate[S, P], R]:
    """Run an append again (bounded) when the database rolled it back because of another writer.

    Only a replayable input (a list or tuple of drafts/records/chunks) is retried: a
    one-shot iterator is partly consumed, so then the writer fails with a clear
    :class:`Conflict` instead. A write lock not granted within the lock timeout is a
    ``Conflict`` at once — the writer already waited that long. Nothing is ever half
    written: each attempt is one transaction.
    """

    @functools.wraps(method)
    def wrapper(store: S, /, *args: P.args, **kwargs: P.kwargs) -> R:
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


def check_link(
    seq: int, prev_hash: str, recorded_at: str, *, expected_seq: int, expected_prev: str, last_at: str,
    body: str | None = None, digest: str | None = None,
) -> None:
    """Raise :class:`TamperedLog` unless a record continues the chain where it stands.

    The chain stands at record ``expected_seq - 1``, whose hash is ``expected_prev``
    and which was recorded at ``last_at``. The record must have the next sequence
    number, link to that hash, hash to ``digest`` (when its canonical ``body`` is
    given) and not be recorded before its predecessor — checked in that order, so the
    first broken rule is the one named.
    """
    if seq != expected_seq:
        raise TamperedLog(f"sequence gap: expected {expected_seq}, found {seq}", seq=expected_seq)
    if prev_hash != expected_prev:
        raise TamperedLog(f"record {seq}: previous-hash link is broken", seq=seq)
    if body is not None and chain_hash(prev_hash, body) != digest:
        raise TamperedLog(f"record {seq}: content does not match its hash", seq=seq)
    if recorded_at < last_at:
        raise TamperedLog(f"record {seq}: recorded before its predecessor", seq=seq)


@contextmanager
def writing(engine: Engine) -> Iterator[Connection]:
    """A connection in a write transaction that holds the log's write lock."""
    with engine.connect().execution_options(**dialects.write_options()) as conn, conn.begin():
        dialects.lock_for_append(conn)
        yield conn


def append(
    engine: Engine, drafts: Iterable[Draft], *, batch_size: int, now: Callable[[], datetime] | None,
    progress: Callable[[int], None] | None,
) -> AppendResult:
    """Append records in one transaction, all or nothing (see :meth:`Store.append`)."""
    clock = now or (lambda: datetime.now(UTC))
    try:
        with writing(engine) as conn:
            writer = BatchWriter(conn, queries.head_of(conn), batch_size)
            for draft in drafts:
                writer.add(draft, utc_now_text(clock()))
                if progress is not None and writer.count % 1000 == 0:
                    progress(writer.count)
            writer.finish()
            return AppendResult(writer.count, writer.first_seq, queries.head_of(conn))
    except IntegrityError as error:
        raise Conflict(
            "the write conflicts with the archive (an event id exists already, "
            "or another writer got there first)",
            field="id", value=_conflicting_id(error),
        ) from None


def append_planned(
    engine: Engine, chunks: Iterable[Sequence[T]], plan: Callable[[Sequence[T], dict[str, Event]], Iterable[Draft]],
    *, key: Callable[[T], str], now: Callable[[], datetime] | None, progress: Callable[[int], None] | None,
) -> AppendResult:
    """Append what ``plan`` decides for each chunk, in one transaction (see :meth:`Store.append_planned`)."""
    clock = now or (lambda: datetime.now(UTC))
    try:
        with writing(engine) as conn:
            writer = BatchWriter(conn, queries.head_of(conn), 2000)
            seen = 0
            for chunk in chunks:
                writer.flush()
                existing = queries.current_states(conn, [key(item) for item in chunk])
                for draft in plan(chunk, existing):
                    writer.add(draft, utc_now_text(clock()))
                seen += len(chunk)
                if progress is not None:
                    progress(seen)
            writer.finish()
            return AppendResult(writer.count, writer.first_seq, queries.head_of(conn))
    except IntegrityError as error:
        raise Conflict(
            "the write conflicts with the archive (an event id exists already)",
            field="id", value=_conflicting_id(error),
        ) from None


def append_records(engine: Engine, records: Iterable[Record]) -> AppendResult:
    """Append records verbatim, each checked by :func:`check_link` (see :meth:`Store.append_records`)."""
    with writing(engine) as conn:
        writer = BatchWriter(conn, queries.head_of(conn), 2000)
        for record in records:
            stored_payload = payload_json(record.payload)
            body = record_body_json(
                record.seq, record.event_id, record.kind.value, stored_payload,
                record.author, record.recorded_at, record.origin, record.reason, record.version,
            )
            check_link(record.seq, record.prev_hash, record.recorded_at, expected_seq=writer.seq + 1,
                       expected_prev=writer.prev_hash, last_at=writer.last_at, body=body, digest=record.hash)
            writer.add_verbatim(record, stored_payload)
        writer.finish()
        return AppendResult(writer.count, writer.first_seq, queries.head_of(conn))


def rebuild_projection(engine: Engine, *, only_if_stale: bool) -> int | None:
    """Replay the whole log into an emptied projection; None when ``only_if_stale`` found it current."""
    with writing(engine) as conn:
        version_row_stmt = select(meta_table.c.value).where(meta_table.c.key == "projection_version")
        if only_if_stale and conn.execute(version_row_stmt).scalar() == str(PROJECTION_VERSION):
            return None
        conn.execute(versions_table.delete())
        fulltext.clear(conn)
        writer = BatchWriter(conn, Head(0, GENESIS_HASH, None), 2000, replay=True)
        stmt = select(log_table).order_by(log_table.c.seq)
        # The log is read on a second connection, streamed; the writer's own
        # connection holds the lock and receives the batches.
        with engine.connect() as reader, reader.execution_options(yield_per=5000).execute(stmt) as rows:
            for row in rows:
                writer.replay(record_from_row(row))
        writer.finish()
        changed = conn.execute(
            update(meta_table).where(meta_table.c.key == "projection_version")
            .values(value=str(PROJECTION_VERSION))
        )
        if changed.rowcount == 0:
            conn.execute(insert(meta_table), {"key": "projection_version", "value": str(PROJECTION_VERSION)})
        return writer.count


def _conflicting_id(error: IntegrityError) -> str | None:
    params = error.params
    if isinstance(params, dict):
        return str(params.get("event_id"))
    return None


class BatchWriter:
    """Turns drafts into log rows and projection versions, flushed in batches.

    Each record is serialised once, hashed once, folded once (from the draft's parsed
    fields when it has them) and becomes one log row and one version row, both plain
    sequences handed to the driver in batches (:func:`chronicle.store.dialects.insert_rows`).
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
        self._held_before = head.count
        self._defer_decided = False
        self._deferred: list[str] | None = None
        """The statements that build the indexes dropped for this append again (None: none dropped)."""
        self._log_rows: list[tuple[Any, ...]] = []
        self._new_versions: dict[str, list[Any]] = {}
        self._closed_versions: list[tuple[int, str, str]] = []
        self._pending_rows: list[list[Any]] = []
        self._states: dict[str, Event] = {}

    def add(self, draft: Draft, stamp: str) -> Record:
        """Append ``draft`` as the next record, recorded at ``stamp`` (or at its predecessor's
        time, if the clock ran backwards)."""
        self.seq += 1
        # Transaction time never runs backwards, so as-of queries are well defined
        # even when writers' clocks disagree.
        if stamp < self.last_at:
            stamp = self.last_at
        stored_payload = payload_json(draft.payload)
        prov = draft.provenance
        kind = draft.kind.value
        body = record_body_json(
            self.seq, draft.event_id, kind, stored_payload, prov.author,
            stamp, prov.origin, prov.reason, PAYLOAD_VERSION,
        )
        digest = chain_hash(self.prev_hash, body)
        record = Record(
            seq=self.seq, event_id=draft.event_id, kind=draft.kind, payload=draft.payload,
            author=prov.author, recorded_at=stamp, origin=prov.origin, reason=prov.reason,
            prev_hash=self.prev_hash, hash=digest,
        )
        self._log_rows.append((
            self.seq, draft.event_id, kind, stored_payload, prov.author, stamp, prov.origin, prov.reason,
            PAYLOAD_VERSION, self.prev_hash, digest,
        ))
        self.prev_hash = digest
        self.last_at = stamp
        self._project(record, draft.fields)
        return record

    def add_verbatim(self, record: Record, stored_payload: str) -> None:
        """Append a record that was checked already, as it is (``stored_payload``: its payload's JSON)."""
        self._log_rows.append((
            record.seq, record.event_id, record.kind.value, stored_payload, record.author,
            record.recorded_at, record.origin, record.reason, record.version, record.prev_hash, record.hash,
        ))
        self.seq = record.seq
        self.prev_hash = record.hash
        self.last_at = record.recorded_at
        self._project(record)

    def replay(self, record: Record) -> None:
        """Project a stored record again (the log row exists already)."""
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
            self._closed_versions.append((record.seq, record.recorded_at, record.event_id))
        row = version_row(new_state, record)
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
            select(_v.doc).where(_v.event_id == event_id).where(current)
        ).scalar()
        return None if doc is None else event_from_doc(json.loads(doc))

    def finish(self) -> None:
        """Write what is pending and build again any index dropped for this append."""
        self.flush()
        if self._deferred:
            for statement in self._deferred:
                self.conn.exec_driver_sql(statement)
        self._deferred = None

    def _defer_indexes(self) -> None:
        """Drop the secondary indexes until :meth:`finish`, keeping their exact definitions."""
        # A replay writes no log rows: the log's index stays as it is.
        tables = "('event_versions')" if self.replay_mode else "('log', 'event_versions')"
        found = self.conn.exec_driver_sql(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL "
            f"AND tbl_name IN {tables} ORDER BY name"
        ).all()
        self._deferred = []
        for name, statement in found:
            if name in DEFERRABLE_INDEXES:
                self.conn.exec_driver_sql(f'DROP INDEX "{name}"')
                self._deferred.append(statement)

    def flush(self) -> None:
        """Write what is pending: close superseded versions, insert log and version rows,
        index the words of the events this batch touched."""
        if not self._defer_decided and self.count >= DEFER_INDEXES_AT:
            # Decided once, early: an append that has by now written at least as many records
            # as the archive held is a bulk load; into a larger archive, rebuilding its indexes
            # would cost more than keeping them saves.
            self._defer_decided = True
            if self.count >= self._held_before and self.conn.dialect.name == "sqlite":
                self._defer_indexes()
        if self._closed_versions:
            dialects.execute_rows(
                self.conn,
                "UPDATE event_versions SET to_seq = ?, to_at = ? WHERE event_id = ? AND to_seq IS NULL",
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
