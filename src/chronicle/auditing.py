"""Checking an archive, for the archive service: ``verify`` (the log's chain, then every
projected column against a replay of the log) and ``repair`` (rebuild the derived table
from the log when verify finds it wrong).

The log is never changed here: a repair only rebuilds ``event_versions``, and a damaged
log still fails the final verify. Below :mod:`chronicle.archive`, which delegates to it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from chronicle.errors import TamperedLog
from chronicle.query import EventQuery
from chronicle.store import Store
from chronicle.store.integrity import check_projection, repair_projection


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


def verify(store: Store, *, progress: Callable[[int], None] | None = None) -> VerifyReport:
    """Check the log's chain, then every projected column against a replay of the log."""
    head = store.verify(progress=progress)
    check_projection(store)
    return VerifyReport(head.count, head.hash, store.count(EventQuery(include_retracted=True)))


def repair(store: Store) -> RepairReport:
    """Rebuild the derived tables from the log if ``verify`` finds them wrong, then verify."""
    try:
        return RepairReport(verify(store), None, 0)
    except TamperedLog as error:
        found = error.describe()
    replayed = repair_projection(store)
    return RepairReport(verify(store), found, replayed)
