"""The import contract: what a format reader hands the importer. Pure values, no I/O.

A reader (:mod:`chronicle.formats`) turns a file into :class:`Incoming` items — an event
as the file describes it, its fields already parsed into one
:class:`~chronicle.model.EventFields`, possibly with later :class:`Revision` s — and
counts what it left out. :mod:`chronicle.importing` decides what the items mean for an
archive. Formats import this module and the model, never the service modules.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Protocol

from chronicle.claims import Claim
from chronicle.errors import InvalidInput
from chronicle.model import Draft, Event, EventFields, Source


@dataclass(frozen=True, slots=True)
class Revision:
    """A later correction that the file itself records (e.g. a seed's source conflict)."""

    reason: str
    changes: dict[str, Any] = field(default_factory=dict)
    """A canonical ``revised`` payload (:func:`chronicle.model.revision_changes`)."""
    sources: tuple[Source, ...] = ()
    author: str | None = None


@dataclass(frozen=True, slots=True)
class FileVersion:
    """How new the file says its copy of an event is, in terms the archive can compare.

    A re-import that would take an event back to an older copy (an old export imported
    after the event was corrected) is refused per event unless forced. chronicle's own
    files give the number of records the copy reflects (:attr:`revision`). A foreign
    calendar gives its own ``SEQUENCE`` and ``LAST-MODIFIED``, which mean nothing to the
    archive's records; so each record an import writes from a changed copy (``SEQUENCE``
    1 or more: RFC 5545 raises it with every significant change) says which copy it was,
    in its reason (:meth:`noted`: "calendar copy SEQUENCE 3, LAST-MODIFIED …"), and the
    next import compares with the latest copy the event's history names. A calendar's
    first version of an event (``SEQUENCE`` 0, nothing is older by sequence) is recorded
    exactly as before — the golden logs pin those records byte for byte — so two
    ``SEQUENCE`` 0 copies are not ordered by ``LAST-MODIFIED`` unless one is noted.
    """

    revision: int | None = None
    """How many records the copy reflects, comparable with :attr:`Event.revision`
    (chronicle's JSON ``revision``, its CSV ``revision_count``; chronicle's own iCalendar ``SEQUENCE`` + 1)."""
    sequence: int | None = None
    """A foreign calendar's ``SEQUENCE`` (0 when it gives only ``LAST-MODIFIED``)."""
    last_modified: str | None = None
    """A foreign calendar's ``LAST-MODIFIED``, ISO 8601 UTC with ``Z``."""

    def older_than(self, current: Event) -> str | None:
        """Why the file's copy is older than the archive's state (``None``: it is not)."""
        if self.revision is not None:
            if self.revision < current.revision:
                return f"the file's copy is revision {self.revision}, the archive holds revision {current.revision}"
            return None
        held = _held_copy(current)
        if held is None or self.sequence is None:
            return None
        sequence, modified = held
        if self.sequence < sequence or (
            self.sequence == sequence and self.last_modified and modified and self.last_modified < modified
        ):
            return f"the file's copy is {self._words()}, the archive holds {_copy_words(sequence, modified)}"
        return None

    def noted(self, drafts: list[Draft]) -> list[Draft]:
        """``drafts`` with a foreign copy's version said in each reason (unchanged for chronicle's own files)."""
        if not self.sequence:
            return drafts
        note = f"{_COPY} {self._words()}"
        return [replace(d, provenance=replace(d.provenance, reason=f"{d.provenance.reason}; {note}"
                                              if d.provenance.reason else note)) for d in drafts]

    def _words(self) -> str:
        return _copy_words(self.sequence or 0, self.last_modified)


_COPY = "calendar copy"
_HELD = re.compile(r"calendar copy SEQUENCE (?P<sequence>[0-9]+)(?:, LAST-MODIFIED (?P<modified>[0-9TZ:.-]+))?")


def _copy_words(sequence: int, modified: str | None) -> str:
    return f"SEQUENCE {sequence}" + (f", LAST-MODIFIED {modified}" if modified else "")


def _held_copy(current: Event) -> tuple[int, str | None] | None:
    """The calendar copy the archive's latest import of ``current`` came from, if any."""
    for entry in reversed(current.history):
        found = _HELD.search(entry.reason or "")
        if found is not None:
            return int(found.group("sequence")), found.group("modified")
    return None


@dataclass(frozen=True, slots=True)
class Incoming:
    """One event as a file describes it. ``where`` locates it in the file for errors."""

    event_id: str
    fields: EventFields
    """Parsed and validated once, by the reader."""
    where: str
    revisions: tuple[Revision, ...] = ()
    author: str | None = None
    row: int | None = None
    """The row (or item) of the file it came from; recorded in each record's origin."""
    version: FileVersion | None = None
    """How new the file says this copy is (None: the file does not say)."""
    claims: tuple[Claim, ...] = ()
    """What each source says, where the file lists claims (see :mod:`chronicle.claims`)."""


class ImportItems(Protocol):
    """What every importer returns: the items, and its own counts of what it left out.

    The counts are final once iteration has finished.
    """

    rejected: int
    """Bad rows left out (``--skip-invalid``)."""
    skipped: int
    """Items that are deliberately not events (a title slide, a cancelled calendar event)."""
    skip_reasons: dict[str, int]
    """Why items were skipped: reason -> how many."""
    notes: dict[str, int]
    """What the reader read differently from how the file says it (an unknown time
    zone read as floating time, a bad end dropped): note -> how many items."""

    def __iter__(self) -> Iterator[Incoming]: ...


class Importer(Protocol):
    """A format's import entry point (see :data:`chronicle.formats.IMPORTERS`)."""

    def __call__(self, path: Path, options: Mapping[str, Any], /) -> ImportItems: ...


class Items:
    """:class:`ImportItems` over items read whole (a seed, a calendar)."""

    def __init__(self, items: Iterable[Incoming], *, skip_reasons: Mapping[str, int] | None = None,
                 notes: Mapping[str, int] | None = None) -> None:
        self._items = items
        self.rejected = 0
        self.skip_reasons = dict(skip_reasons or {})
        self.skipped = sum(self.skip_reasons.values())
        self.notes = dict(notes or {})

    def __iter__(self) -> Iterator[Incoming]:
        return iter(self._items)


def reject_unknown_keys(data: Mapping[str, Any], allowed: Iterable[str], *, where: str) -> None:
    """Refuse a key the format does not define, naming it and the keys it does."""
    unknown = sorted(set(data) - set(allowed))
    if unknown:
        raise InvalidInput(
            "unknown key", field=unknown[0], value=data[unknown[0]],
            accepted=", ".join(sorted(allowed)), where=where,
        )
