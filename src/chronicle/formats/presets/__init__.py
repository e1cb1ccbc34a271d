"""Presets: converters written for one real dataset each, found by name.

The one list of presets is :data:`chronicle.formats.PRESETS` (in the format registry,
so that ``chronicle import --preset`` takes its choices from it without importing
this package); the readers (:mod:`chronicle.formats.csv_format`,
:mod:`chronicle.formats.json_format`) load a preset through :func:`load`, and
``tests/test_docs.py`` checks each is described in ``docs/importing.md``. A preset lives
in the module of its name in this package and defines ``PRESET``, a :class:`Preset`;
that module is imported only when the preset is used.

A new preset: a module here defining ``PRESET``, and its name and one line in
:data:`chronicle.formats.PRESETS`.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from chronicle.errors import InvalidInput
from chronicle.formats import PRESET_NAMES as NAMES
from chronicle.formats import PRESETS

if TYPE_CHECKING:
    from chronicle.formats.mapping import RowConverter

__all__ = ["NAMES", "PRESETS", "JsonDocument", "Preset", "load"]


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
