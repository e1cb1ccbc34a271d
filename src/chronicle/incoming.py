"""The import contract: what a format reader hands the importer. Pure values, no I/O.

A reader (:mod:`chronicle.formats`) turns a file into :class:`Incoming` items — an event
as the file describes it, its fields already parsed into one
:class:`~chronicle.model.EventFields`, possibly with later :class:`Revision` s — and
counts what it left out. :mod:`chronicle.importing` decides what the items mean for an
archive. Formats import this module and the model, never the service modules.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from chronicle.claims import Claim
from chronicle.errors import InvalidInput
from chronicle.model import EventFields, Source


@dataclass(frozen=True, slots=True)
class Revision:
    """A later correction that the file itself records (e.g. a seed's source conflict)."""

    reason: str
    changes: dict[str, Any] = field(default_factory=dict)
    """A canonical ``revised`` payload (:func:`chronicle.model.revision_changes`)."""
    sources: tuple[Source, ...] = ()
    author: str | None = None


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

    def __iter__(self) -> Iterator[Incoming]: ...


class Importer(Protocol):
    """A format's import entry point (see :data:`chronicle.formats.IMPORTERS`)."""

    def __call__(self, path: Path, options: Mapping[str, Any], /) -> ImportItems: ...


class Items:
    """:class:`ImportItems` over items read whole (a seed, a calendar)."""

    def __init__(self, items: Iterable[Incoming], *, skipped: int = 0) -> None:
        self._items = items
        self.rejected = 0
        self.skipped = skipped

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
