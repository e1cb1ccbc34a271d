"""Every projected column checked against a replay of the log, and the projection rebuilt.

:meth:`chronicle.store.Store.verify` checks the log (sequence, links, hashes, time
order) and each projected document. But queries and exports do not read the document
alone: ``show --since`` reads ``lo``/``hi``, ``--text`` reads ``search``, ``--tag``
reads ``tags_key``, every filter reads ``status`` and ``to_seq``, ``--as-of`` reads
``from_at``/``to_at``. A row whose document is right but whose ``status`` says
"retracted" hides the event everywhere while the documents all verify. So this module
replays the log event by event and compares *every* column of every version row with
what the write path would have stored, naming the event and the column that differ.

The event_versions table is derived data: :func:`repair_projection` throws it away
and replays the log into it. The log itself is never "repaired" — a damaged log is
reported, and only a backup can stand in for it.

A room of the store (it reads the tables), kept apart from the write path
(:mod:`chronicle.store.writer`) so that the two can change independently; both build
a version row with :func:`chronicle.store.rows.version_row`.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, exists, select

from chronicle.errors import ProjectionMismatch
from chronicle.model import NO_EVENT_KINDS, Event, Record
from chronicle.projection import apply, event_from_doc
from chronicle.store.core import Store
from chronicle.store.rows import record_from_row, version_row
from chronicle.store.schema import log_table, versions_table

_v = versions_table.c
_log = log_table.c

#: Every column of ``event_versions``, in table order: all of them are checked.
COLUMNS: tuple[str, ...] = tuple(column.name for column in versions_table.columns)
_LOG_WIDTH = len(log_table.columns)
_INTEGERS = frozenset({"from_seq", "to_seq", "precision", "wide"})


@dataclass(frozen=True, slots=True)
class ProjectionReport:
    """What a projection check looked at."""

    records: int
    """Log records replayed."""
    versions: int
    """Version rows compared, column by column."""


def check_projection(store: Store, *, progress: Callable[[int], None] | None = None) -> ProjectionReport:
    """Replay the log event by event and compare every column of every version row.

    Raises :class:`ProjectionMismatch` naming the event, the record and the column of
    the first difference, a version row the log does not explain (stray), or a
    record without its version row (missing).
    """
    stmt = (
        select(log_table, *(c.label(f"v_{c.name}") for c in versions_table.columns))
        .select_from(log_table.outerjoin(versions_table, and_(
            _v.event_id == _log.event_id, _v.from_seq == _log.seq,
        )))
        .order_by(_log.event_id, _log.seq)
    )
    records = 0
    with store.engine.connect() as conn:
        with conn.execution_options(yield_per=5000).execute(stmt) as rows:
            event_id: str | None = None
            state: Event | None = None
            pending: tuple[dict[str, Any], dict[str, Any]] | None = None  # (expected, stored)
            for row in rows:
                record = record_from_row(row)
                if record.kind in NO_EVENT_KINDS:
                    # A defined source's records (``@KEY``) and actor aliases have no event projection.
                    if row.v_event_id is not None:
                        raise ProjectionMismatch(
                            f"source {record.event_id}: record {record.seq} has a version row "
                            "(a stray row in event_versions)",
                            event_id=record.event_id, column=None, seq=record.seq,
                        )
                    continue
                if record.event_id != event_id:
                    if pending is not None:
                        _compare(*pending)
                    event_id, state, pending = record.event_id, None, None
                if row.v_event_id is None:
                    raise ProjectionMismatch(
                        f"event {record.event_id}: record {record.seq} has no version row "
                        "(missing from event_versions)",
                        event_id=record.event_id, column=None, seq=record.seq,
                    )
                try:
                    state = apply(state, record)
                except Exception as error:
                    raise ProjectionMismatch(
                        f"event {record.event_id}: record {record.seq} cannot be replayed ({error})",
                        event_id=record.event_id, column=None, seq=record.seq,
                    ) from None
                expected = _expected_row(state, record)
                if pending is not None:
                    # The previous version was current until this record.
                    pending[0]["to_seq"] = record.seq
                    pending[0]["to_at"] = record.recorded_at
                    _compare(*pending)
                stored = dict(zip(COLUMNS, row[_LOG_WIDTH:], strict=True))
                pending = (expected, stored)
                records += 1
                if progress is not None and records % 10000 == 0:
                    progress(records)
            if pending is not None:
                _compare(*pending)
        stray = conn.execute(
            select(_v.event_id, _v.from_seq)
            .where(~exists().where(_log.seq == _v.from_seq, _log.event_id == _v.event_id))
            .order_by(_v.from_seq, _v.event_id).limit(1)
        ).first()
    if stray is not None:
        raise ProjectionMismatch(
            f"event {stray.event_id}: version row from record {stray.from_seq} is not in the log "
            "(a stray row in event_versions)",
            event_id=stray.event_id, column=None, seq=int(stray.from_seq),
        )
    return ProjectionReport(records, records)


def _expected_row(state: Event, record: Record) -> dict[str, Any]:
    """The version row the write path stores for ``state`` after ``record``, by column name."""
    row: Any = version_row(state, record)
    # The write path builds it as a dict, or positionally in table column order.
    return dict(row) if isinstance(row, dict) else dict(zip(COLUMNS, row, strict=True))


def _compare(expected: dict[str, Any], stored: dict[str, Any]) -> None:
    for name in COLUMNS:
        want, found = expected[name], stored[name]
        if name in _INTEGERS and found is not None:
            found = int(found)
        if want == found:
            continue
        if name == "doc" and _same_doc(want, found):
            continue
        event_id, seq = expected["event_id"], expected["from_seq"]
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
