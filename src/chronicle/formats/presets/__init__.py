"""Presets: converters written for one real dataset each, found by name.

This is the one list of presets: ``chronicle import --preset`` takes its choices from
:data:`PRESETS`, the readers (:mod:`chronicle.formats.csv_format`,
:mod:`chronicle.formats.json_format`) load a preset through :func:`load`, and
``tests/test_docs.py`` checks each is described in ``docs/importing.md``. A preset lives
in the module of its name in this package and defines ``PRESET``, a :class:`Preset`;
that module is imported only when the preset is used, so the command line's ``--help``
pays for none of them.

A new preset: a module here defining ``PRESET``, and its name and one line in
:data:`PRESETS`.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from chronicle.errors import InvalidInput

if TYPE_CHECKING:
    from chronicle.formats.mapping import RowConverter

#: Every preset: name → what it reads, in one line.
PRESETS: dict[str, str] = {
    "ucdp": "UCDP Georeferenced Event Dataset (GED), CSV",
    "wikipedia": "Wikipedia Current Events Portal as structured by WikiTimes, JSON",
    "timelinejs": "a TimelineJS sheet (CSV, or its rows as JSON) or TimelineJS's own JSON",
}

#: The preset names, in the order above.
NAMES: tuple[str, ...] = tuple(PRESETS)


@dataclass(frozen=True, slots=True)
class JsonDocument:
    """A preset's own JSON document shape (rather than an array of rows)."""

    sections: Callable[[Any], Sequence[tuple[str, Sequence[Any]]] | None]
    """The document's parts in order, as ``(section, items)``; None when the document
    is not of this shape (it may then be an array of rows with :attr:`Preset.columns`)."""
    convert: RowConverter
    """Converts an item of the ``events`` section."""
    skipped: Mapping[str, str] = field(default_factory=dict)
    """Sections whose items are not events, and why (counted as skipped, with the reason)."""
    accepted: str = ""
    """What the preset reads, for the error when a document has neither shape."""


@dataclass(frozen=True, slots=True)
class Preset:
    """One dataset's converter, with what a file must hold for it."""

    name: str
    convert: RowConverter
    """Converts one row (of a CSV, or an object of a JSON array)."""
    columns: tuple[str, ...]
    """Columns a CSV file's header must have (its first is also how a JSON array of rows
    is recognised for a preset with its own :attr:`document`)."""
    document: JsonDocument | None = None


def load(name: str) -> Preset:
    """The preset called ``name``; an unknown name is one clear error listing the others."""
    if name not in PRESETS:
        raise InvalidInput("is not a preset", field="--preset", value=name, accepted=", ".join(NAMES))
    preset: Preset = importlib.import_module(f"{__name__}.{name}").PRESET
    return preset
