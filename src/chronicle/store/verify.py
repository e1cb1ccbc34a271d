"""``verify``: the whole log read once, split by sequence range across the machine's cores.

Each range checks its records' links among themselves, their hashes, their order in
time, and that each event record has its version row, linked to the version before it;
the seams between ranges are checked once, by the same
:func:`chronicle.store.writer.check_link` a verbatim append runs. Nothing is replayed
here: the replay, once, and the comparison of every projected column is
:func:`chronicle.store.integrity.check_projection` (``chronicle verify`` runs both).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, and_, func, select

from chronicle.errors import TamperedLog
from chronicle.model import GENESIS_HASH, Kind
from chronicle.store import dialects
from chronicle.store.rows import NO_EVENT_KIND_VALUES, Head, record_body_json
from chronicle.store.schema import log_table, versions_table
from chronicle.store.writer import check_link

#: From this many log records on, ``verify`` splits the log across the machine's cores.
VERIFY_SPLIT_AT = 50_000

_v = versions_table.c


@dataclass(slots=True)
class RangeCheck:
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


def verify_log(engine: Engine, url: str, *, progress: Callable[[int], None] | None, workers: int | None) -> Head:
    """Check the hash chain and that every projected version equals a replay (see :meth:`Store.verify`)."""
    with engine.connect() as conn:
        last = int(conn.execute(select(func.max(log_table.c.seq))).scalar() or 0)
    if workers is None:
        workers = (os.cpu_count() or 1) if last >= VERIFY_SPLIT_AT else 1
    workers = max(1, min(workers, last))
    bounds = [(1 + last * i // workers, last * (i + 1) // workers) for i in range(workers)]
    if workers == 1:
        parts = [verify_range(engine, 1, last, progress)]
    else:
        # Only a large verify needs child processes; importing multiprocessing here
        # keeps its dozen modules out of every other command's start-up (`add`).
        import multiprocessing

        methods = multiprocessing.get_all_start_methods()
        context = multiprocessing.get_context("fork" if "fork" in methods else "spawn")
        engine.dispose()  # no pooled connection is carried into the children
        with context.Pool(workers) as pool:
            parts = pool.starmap(verify_range_in_child, [(url, lo, hi) for lo, hi in bounds])
        if progress is not None:
            progress(last)
    expected_prev, last_at, count = GENESIS_HASH, "", 0
    for part in parts:
        if part.first_seq is not None:
            assert part.first_prev is not None and part.first_at is not None
            # The seam: the range's first record continues the chain where the previous range ended.
            check_link(part.first_seq, part.first_prev, part.first_at, expected_seq=count + 1,
                       expected_prev=expected_prev, last_at=last_at)
        if part.error is not None:
            raise TamperedLog(part.error[1], seq=part.error[0])
        if part.first_seq is not None:
            count, expected_prev, last_at = part.last_seq or count, part.last_hash, part.last_at
    with engine.connect() as conn:
        version_count = conn.execute(select(func.count()).select_from(versions_table)).scalar_one()
    event_records = count - sum(part.source_records for part in parts)
    if version_count != event_records:
        raise TamperedLog(
            f"projection holds {version_count} versions for {event_records} event records",
            seq=count + 1 if version_count > event_records else None,
        )
    return Head(count, expected_prev, last_at or None)


def verify_range_in_child(url: str, lo: int, hi: int) -> RangeCheck:
    """One worker's share of ``verify``, on its own engine; errors come back as data."""
    engine = dialects.make_engine(url)
    try:
        return verify_range(engine, lo, hi)
    finally:
        engine.dispose()


def verify_range(engine: Engine, lo: int, hi: int, progress: Callable[[int], None] | None = None) -> RangeCheck:
    """Check records ``lo``..``hi``: their links among themselves, hashes, order in time
    and version rows. What links this range to the one before is left to the caller."""
    prev_version = versions_table.alias("prev_version")
    stmt = (
        select(log_table.c.seq, log_table.c.event_id, log_table.c.kind, log_table.c.payload, log_table.c.author,
               log_table.c.recorded_at, log_table.c.origin, log_table.c.reason, log_table.c.v,
               log_table.c.prev_hash, log_table.c.hash,
               _v.from_seq.label("version"), prev_version.c.from_seq.label("previous"))
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
    check = RangeCheck()
    # ``with`` on the result: a TamperedLog raised mid-stream closes PostgreSQL's cursor.
    try:
        with engine.connect() as conn, conn.execution_options(yield_per=5000).execute(stmt) as result:
            _check_rows(result, check, progress)
    except TamperedLog as error:
        check.error = (error.seq, error.message)
    return check


def _check_rows(rows: Iterable[Any], check: RangeCheck, progress: Callable[[int], None] | None) -> None:
    expected_prev: str | None = None
    expected_seq = 0
    last_at = ""
    recorded = Kind.RECORDED.value
    for (raw_seq, event_id, kind, payload, author, recorded_at, origin, reason, v, prev_hash, digest,
         version, previous) in rows:
        seq = int(raw_seq)
        if expected_prev is None:
            # The range's first record: its link to the range before is the caller's seam.
            check.first_seq, check.first_prev, check.first_at = seq, prev_hash, recorded_at
            expected_seq, expected_prev = seq, prev_hash
        body = record_body_json(seq, event_id, kind, payload, author, recorded_at, origin, reason, int(v))
        check_link(seq, prev_hash, recorded_at, expected_seq=expected_seq, expected_prev=expected_prev,
                   last_at=last_at, body=body, digest=digest)
        expected_seq = seq + 1
        last_at = recorded_at
        expected_prev = digest
        if kind in NO_EVENT_KIND_VALUES:
            check.source_records += 1
        elif version is None:
            raise TamperedLog(f"record {seq}: no projected version", seq=seq)
        elif (previous is None) != (kind == recorded):
            # A new event has no version before it; every later record closes one.
            raise TamperedLog(f"record {seq}: projection chain is broken", seq=seq)
        if progress is not None and seq % 10000 == 0:
            progress(seq)
    if expected_prev is not None:
        check.last_seq, check.last_hash, check.last_at = expected_seq - 1, expected_prev, last_at
