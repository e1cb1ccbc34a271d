"""What an import did, item by item: the report, and the duplicates and older copies
it set aside, each with its reason (``chronicle import`` prints it; ``--summary json``
gives :meth:`ImportReport.to_dict`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from chronicle.errors import InvalidInput

DUPLICATE_POLICIES = ("error", "first", "last")
"""``--duplicates``: a key repeated inside one file refuses the import, or keeps its
first or its last occurrence (the others are named in the report)."""


@dataclass(frozen=True, slots=True)
class Duplicate:
    """An item whose key an earlier (or, with ``last``, a later) item of the same file has."""

    event_id: str
    where: str
    """The item set aside (``row 7``, or a calendar's ``FILE: VEVENT 3 (UID …)``)."""
    other: str
    """The occurrence it repeats: the one imported (``first``/``last``), or the first (``error``)."""
    kept: str
    """Which occurrence was imported: ``first``, ``last``, or ``none`` (``error``)."""


@dataclass(frozen=True, slots=True)
class Older:
    """An event left as it is because the file's copy is older than the archive's."""

    event_id: str
    where: str
    reason: str
    forced: bool = False
    """``--force``: recorded anyway."""


@dataclass(frozen=True, slots=True)
class ImportReport:
    """What an import did with every item of the file, each count with its reason."""

    path: str
    items: int
    """Items that are events (before duplicates and older copies are set aside)."""
    records: int
    new_events: int
    changed_events: int
    unchanged: int
    rejected: int = 0
    """Bad rows left out (``--skip-invalid``)."""
    skipped: int = 0
    """Rows that are deliberately not events (e.g. a TimelineJS title slide)."""
    skip_reasons: tuple[tuple[str, int], ...] = ()
    notes: tuple[tuple[str, int], ...] = ()
    """What was read differently from how the file says it, and how often."""
    duplicates: tuple[Duplicate, ...] = ()
    older: tuple[Older, ...] = ()
    rejects_path: str | None = None
    log_backup: bool = False
    """A JSONL log backup: ``records`` are the records that continued the archive's log
    (those it already holds are not appended again, so an older backup appends none)."""
    disputes: int = 0
    """Values that contradicted the archive's and became competing claims."""

    @property
    def read(self) -> int:
        """Every item of the file: events, skipped and rejected ones."""
        return self.items + self.skipped + self.rejected

    def to_dict(self) -> dict[str, Any]:
        """The report for scripts (``chronicle import --summary json``)."""
        return {
            "file": self.path, "read": self.read, "events": self.items, "new": self.new_events,
            "changed": self.changed_events, "unchanged": self.unchanged,
            "older": [{"id": o.event_id, "where": o.where, "reason": o.reason, "forced": o.forced}
                      for o in self.older],
            "duplicates": [{"id": d.event_id, "where": d.where, "other": d.other, "kept": d.kept}
                           for d in self.duplicates],
            "skipped": self.skipped,
            "skip_reasons": [{"reason": r, "count": n} for r, n in self.skip_reasons],
            "rejected": self.rejected, "rejects_file": self.rejects_path,
            "notes": [{"note": r, "count": n} for r, n in self.notes],
            "disputes": self.disputes, "records": self.records, "log_backup": self.log_backup,
        }


class DuplicateKeys(InvalidInput):
    """The same key more than once in one file, with ``--duplicates error``."""

    def __init__(self, found: Sequence[Duplicate]) -> None:
        shown = "; ".join(f"{d.where} repeats {d.other} (id {d.event_id})" for d in found[:5])
        more = f"; and {len(found) - 5} more" if len(found) > 5 else ""
        super().__init__(
            f"{len(found)} item{'s repeat' if len(found) > 1 else ' repeats'} a key already in this file: "
            f"{shown}{more}; nothing was imported",
            field="--duplicates", accepted="--duplicates first or --duplicates last to keep one of each",
        )
        self.duplicates = tuple(found)

