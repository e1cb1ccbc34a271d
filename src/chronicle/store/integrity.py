"""Every projected column checked against a replay of the log, and the projection rebuilt.

:meth:`chronicle.store.Store.verify` checks the log (sequence, links, hashes, time
order) and that every record has its version row, without replaying anything. This
module is the replay, done once: queries and exports do not read the document alone
(``show --since`` reads ``lo``/``hi``, ``--text`` reads ``search``, ``--tag`` reads
``tags_key``, every filter reads ``status`` and ``to_seq``, ``--as-of`` reads
``from_at``/``to_at``; a row whose document is right but whose ``status`` says
"retracted" hides the event everywhere), so it replays the log event by event and
compares *every* column of every version row — the document included — with what the
write path would have stored, naming the event and the column that differ; and, in the
same pass, each event's row of the full-text index against the words of its replayed
current version (:func:`chronicle.fulltext.indexed_row`, what the writer stores).
``chronicle verify`` (:meth:`chronicle.archive.Archive.verify`) runs both. An event's
first version is worked out straight from its payload
(:func:`chronicle.store.firstversion.first_version`, the same rows); the Event itself is
built only when a later record of the event needs it.

The event_versions table is derived data: :func:`repair_projection` throws it away
and replays the log into it. The log itself is never "repaired" — a damaged log is
reported, and only a backup can stand in for it.

A room of the store (it reads the tables), kept apart from the write path
(:mod:`chronicle.store.writer`) so that the two can change independently; both build
a version row with :func:`chronicle.store.rows.version_row`.
"""

from __future__ import annotations

import itertools
import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import orjson
from sqlalchemy import Connection, Engine, Select, and_, exists, func, select

from chronicle import fulltext
from chronicle.errors import ProjectionMismatch
from chronicle.model import Event, Kind
from chronicle.projection import apply, event_from_doc
from chronicle.store import dialects
from chronicle.store.core import Store
from chronicle.store.firstversion import first_version
from chronicle.store.rows import NO_EVENT_KIND_VALUES, record_from_row, version_row
from chronicle.store.schema import log_table, versions_table
from chronicle.store.verify import VERIFY_SPLIT_AT

_v = versions_table.c
_log = log_table.c
_s = fulltext.search_table.c
_SEARCH_FIELDS = ("key", "event_id", "body", "title")
_REBUILD = "; `chronicle upgrade --rebuild` rebuilds it from the log"

#: Every column of ``event_versions``, in table order: all of them are checked.
COLUMNS: tuple[str, ...] = tuple(column.name for column in versions_table.columns)
_LOG_WIDTH = len(log_table.columns)
_ROW_WIDTH = _LOG_WIDTH + len(COLUMNS)  # then the event's search row, if keyed on this record
_INTEGER_INDEXES = frozenset(COLUMNS.index(name) for name in ("from_seq", "to_seq", "precision", "wide"))
_TO_SEQ = COLUMNS.index("to_seq")
_TO_AT = COLUMNS.index("to_at")
_V_FIRST = _LOG_WIDTH  # the version row's first column: None when the record has none
_RECORDED = Kind.RECORDED.value


@dataclass(frozen=True, slots=True)
class ProjectionReport:
    """What a projection check looked at."""

    records: int
    """Log records replayed."""
    versions: int
    """Version rows compared, column by column."""


def check_projection(
    store: Store, *, progress: Callable[[int], None] | None = None, workers: int | None = None,
) -> ProjectionReport:
    """Replay the log event by event and compare every column of every version row.

    Raises :class:`ProjectionMismatch` naming the event, the record and the column of
    the first difference (in event id order), a version row the log does not explain
    (stray), or a record without its version row (missing).

    The events are split into ranges of ids across ``workers`` processes (default: one
    per core once the log holds ``VERIFY_SPLIT_AT`` records); an event never straddles
    two ranges, and the first range with a difference names it, as one pass would.
    """
    with store.engine.connect() as conn:
        total = int(conn.execute(select(func.count()).select_from(log_table)).scalar_one())
        if workers is None:
            workers = (os.cpu_count() or 1) if total >= VERIFY_SPLIT_AT else 1
        cuts = _range_cuts(conn, total, max(1, min(workers, total)))
        stray = conn.execute(
            select(_v.event_id, _v.from_seq)
            .where(~exists().where(_log.seq == _v.from_seq, _log.event_id == _v.event_id))
            .order_by(_v.from_seq, _v.event_id).limit(1)
        ).first()
        key = fulltext.key_column(conn.dialect.name)
        stray_search = conn.execute(
            select(_s.event_id, key).where(~exists().where(_log.seq == key)).limit(1)
        ).first()
    bounds = list(itertools.pairwise([None, *cuts, None]))
    if len(bounds) == 1:
        parts: list[_RangeResult] = [_check_range(store.engine, None, None, progress)]
    else:
        # Only a large check needs child processes; importing multiprocessing here
        # keeps its dozen modules out of every other command's start-up (`add`).
        import multiprocessing

        methods = multiprocessing.get_all_start_methods()
        context = multiprocessing.get_context("fork" if "fork" in methods else "spawn")
        store.engine.dispose()  # no pooled connection is carried into the children
        with context.Pool(len(bounds)) as pool:
            parts = pool.starmap(_check_range_in_child, [(store.url, lo, hi) for lo, hi in bounds])
    records = 0
    for part in parts:
        if isinstance(part, tuple):
            message, event_id, column, seq = part
            raise ProjectionMismatch(message, event_id=event_id, column=column, seq=seq)
        records += part
    if progress is not None:
        progress(records)
    if stray is not None:
        raise ProjectionMismatch(
            f"event {stray.event_id}: version row from record {stray.from_seq} is not in the log "
            "(a stray row in event_versions)",
            event_id=stray.event_id, column=None, seq=int(stray.from_seq),
        )
    if stray_search is not None:
        # Rows keyed on a record are checked in the ranges; this one's key is no record at all.
        raise ProjectionMismatch(
            f"event {stray_search[0]}: its row in the search index is keyed {stray_search[1]}, "
            f"which is no record of the log (a stray row in {fulltext.TABLE}){_REBUILD}",
            event_id=stray_search[0], column=None, seq=int(stray_search[1]),
        )
    return ProjectionReport(records, records)


#: What one range of the check found: records replayed, or its first difference as
#: ``(message, event_id, column, seq)`` (an exception does not cross processes intact).
_RangeResult = int | tuple[str, str, str | None, int | None]


def _range_cuts(conn: Connection, total: int, workers: int) -> list[str]:
    """Event ids that split the log, in id order, into ``workers`` ranges of about equal size."""
    cuts: list[str] = []
    for part in range(1, workers):
        cut = conn.execute(
            select(_log.event_id).order_by(_log.event_id).limit(1).offset(total * part // workers)
        ).scalar()
        if cut is not None and (not cuts or cut > cuts[-1]):
            cuts.append(cut)
    return cuts


def _check_range_in_child(url: str, lo: str | None, hi: str | None) -> _RangeResult:
    """One worker's share of the check, on its own engine; a difference comes back as data
    (``(message, event_id, column, seq)``)."""
    engine = dialects.make_engine(url)
    try:
        return _check_range(engine, lo, hi)
    except ProjectionMismatch as mismatch:
        return (mismatch.message, mismatch.event_id, mismatch.column, mismatch.seq)
    finally:
        engine.dispose()


def _check_range(engine: Engine, lo: str | None, hi: str | None,
                 progress: Callable[[int], None] | None = None) -> int:
    """Check the events with ids from ``lo`` (included) to ``hi`` (excluded); records replayed.

    Each record comes with its version row and with the search-index row keyed on it
    (an event's row is keyed on its first record), so the index is checked against the
    replayed state in the same pass, without parsing any stored document again."""
    stmt = range_statement(engine.dialect.name, lo, hi)
    records = 0
    with engine.connect() as conn, conn.execution_options(yield_per=5000).execute(stmt) as rows:
        event_id: str | None = None
        state: Event | None = None
        first: Any = None  # the event's first row, while its state is not needed (see below)
        want_search: tuple[int, str, str, str] | None = None  # its search row, so replayed
        pending: tuple[list[Any], tuple[Any, ...]] | None = None  # (expected, stored)
        searched: tuple[Any, ...] | None = None  # the event's stored search row
        for row in rows:
            kind = row[2]
            if kind in NO_EVENT_KIND_VALUES:
                # A defined source's records (``@KEY``) and actor aliases have no event projection.
                if row[_V_FIRST] is not None:
                    raise ProjectionMismatch(
                        f"source {row[1]}: record {row[0]} has a version row "
                        "(a stray row in event_versions)",
                        event_id=row[1], column=None, seq=int(row[0]),
                    )
                if row[_ROW_WIDTH] is not None:
                    _stray_search(row, int(row[0]))
                continue
            seq = int(row[0])
            if row[1] != event_id:
                if pending is not None:
                    _compare(*pending)
                if event_id is not None:
                    _compare_search(want_search if state is None else fulltext.indexed_row(state), searched)
                event_id, state, first, pending, want_search = row[1], None, None, None, None
                searched = tuple(row[_ROW_WIDTH:]) if row[_ROW_WIDTH] is not None else None
            elif row[_ROW_WIDTH] is not None:
                _stray_search(row, seq)  # keyed on a later record of the event
            if row[_V_FIRST] is None:
                raise ProjectionMismatch(
                    f"event {row[1]}: record {seq} has no version row (missing from event_versions)",
                    event_id=row[1], column=None, seq=seq,
                )
            # Most events have one record: their rows come straight from the payload, and
            # the Event is built only if a later record needs it (a replay all the same).
            quick = (first_version(seq, row[1], _payload(row[3]), row[5], row[4], row[7])
                     if kind == _RECORDED and state is None and first is None else None)
            if quick is not None:
                first, (expected, want_search) = row, quick
            else:
                record = record_from_row(row)
                try:
                    if first is not None:
                        state, first = apply(None, record_from_row(first)), None
                    state = apply(state, record)
                except Exception as error:
                    raise ProjectionMismatch(
                        f"event {record.event_id}: record {record.seq} cannot be replayed ({error})",
                        event_id=record.event_id, column=None, seq=record.seq,
                    ) from None
                expected = version_row(state, record)
            if pending is not None:
                # The previous version was current until this record.
                pending[0][_TO_SEQ] = seq
                pending[0][_TO_AT] = row[5]
                _compare(*pending)
            pending = (expected, tuple(row[_LOG_WIDTH:_ROW_WIDTH]))
            records += 1
            if progress is not None and records % 10000 == 0:
                progress(records)
        if pending is not None:
            _compare(*pending)
        if event_id is not None:
            _compare_search(want_search if state is None else fulltext.indexed_row(state), searched)
    return records


def _payload(text: str) -> Any:
    """A payload parsed by orjson for :func:`first_version` (None where orjson refuses
    the text: the record is then replayed the long way, through ``json``). Where the two
    parsers differ on what they accept — an integer beyond 64 bits becomes a float —
    the value is a number, which ``first_version`` never takes."""
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:
        return None


def range_statement(dialect_name: str, lo: str | None = None, hi: str | None = None) -> Select[Any]:
    """What one range of the check reads: each log record of the events with ids from
    ``lo`` to ``hi``, in event order, with its version row and the search row keyed on it
    (outer joins: a missing row reads as NULLs)."""
    key = fulltext.key_column(dialect_name)
    stmt = (
        select(log_table, *(c.label(f"v_{c.name}") for c in versions_table.columns),
               key.label("s_key"), _s.event_id.label("s_event_id"), _s.body.label("s_body"),
               _s.title.label("s_title"))
        .select_from(log_table.outerjoin(versions_table, and_(
            _v.event_id == _log.event_id, _v.from_seq == _log.seq,
        )).outerjoin(fulltext.search_table, key == _log.seq))
        .order_by(_log.event_id, _log.seq)
    )
    if lo is not None:
        stmt = stmt.where(_log.event_id >= lo)
    if hi is not None:
        stmt = stmt.where(_log.event_id < hi)
    return stmt


def _compare_search(want: tuple[int, str, str, str] | None, stored: tuple[Any, ...] | None) -> None:
    """Raise unless the event's stored search row is ``want`` (:func:`fulltext.indexed_row`
    of its replayed state)."""
    assert want is not None
    first_seq, event_id = want[0], want[1]
    if stored is None:
        raise ProjectionMismatch(
            f"event {event_id}: no row in the search index for its first record {first_seq} "
            f"(missing from {fulltext.TABLE}){_REBUILD}",
            event_id=event_id, column=None, seq=first_seq,
        )
    found = (int(stored[0]), *stored[1:])
    if found == want:
        return
    for name, expected, value in zip(_SEARCH_FIELDS, want, found, strict=True):
        if expected != value:
            raise ProjectionMismatch(
                f"event {event_id}: its row in the search index has {name} = {_shown(value)}, "
                f"a replay of the log gives {_shown(expected)}{_REBUILD}",
                event_id=event_id, column=f"{fulltext.TABLE}.{name}", seq=first_seq,
            )


def _stray_search(row: Any, seq: int) -> None:
    """A search row keyed on a record that starts no event: the index has no such row."""
    raise ProjectionMismatch(
        f"event {row.s_event_id}: its row in the search index is keyed on record {seq}, "
        f"which starts no event (a stray row in {fulltext.TABLE}){_REBUILD}",
        event_id=str(row.s_event_id), column=None, seq=seq,
    )


def _compare(expected: list[Any], stored: tuple[Any, ...]) -> None:
    """Raise unless the stored row (in :data:`COLUMNS` order) is the expected one.

    Equal rows, the common case, are one list comparison; a difference is then looked
    for column by column, and equal documents serialised differently are let pass."""
    if expected == list(stored):
        return
    for index, name in enumerate(COLUMNS):
        want, found = expected[index], stored[index]
        if index in _INTEGER_INDEXES and found is not None:
            found = int(found)
        if want == found:
            continue
        if name == "doc" and _same_doc(want, found):
            continue
        event_id, seq = expected[0], expected[1]
        raise ProjectionMismatch(
            f"event {event_id}: the version from record {seq} has {name} = {_shown(found)}, "
            f"a replay of the log gives {_shown(want)}",
            event_id=event_id, column=name, seq=seq,
        )


def _same_doc(want: str, found: str) -> bool:
    """Equal documents serialised differently (key order, escapes) are the same event."""
    try:
        return event_from_doc(json.loads(want)) == event_from_doc(json.loads(found))
    except Exception:
        return False


def _shown(value: Any, limit: int = 60) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[:limit] + "…"


def repair_projection(store: Store) -> int:
    """Throw event_versions away and replay the whole log into it; returns records replayed.

    Only derived data is rebuilt. The log is read, never written: if it is damaged,
    the rebuild either fails on the record that cannot be replayed or the following
    ``verify`` names it.
    """
    return store.rebuild_projection()


__all__ = ["COLUMNS", "ProjectionMismatch", "ProjectionReport", "check_projection", "repair_projection"]
