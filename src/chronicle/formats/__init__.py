"""One module per file format. Each turns streams of model objects into bytes or back.

Formats know nothing of tables: exporters receive an iterator of
:class:`~chronicle.model.Event` (or of log :class:`~chronicle.model.Record`) and an
:class:`ExportContext`; importers yield :class:`~chronicle.importing.Incoming` items.
Modules are loaded only when their format is used, so ``chronicle add`` never pays for
jinja2 or icalendar.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, TextIO

from chronicle.errors import InvalidInput
from chronicle.model import Event


@dataclass(frozen=True, slots=True)
class ExportContext:
    """What an export says about itself; derived from the log so output is deterministic."""

    name: str
    """The archive's short name (also the default file name)."""
    description: str
    filters: str
    """The query in words ("since 2023-01-01, tag politics" or "all events")."""
    count: int
    """How many events the export will contain."""
    head_seq: int
    head_hash: str
    """The log head this export reflects (compare with ``chronicle verify``)."""
    as_of: str | None
    """Time of the newest log record, ISO UTC: the export's "generated" moment."""
    version: str
    """chronicle's version, for PRODID/generator lines."""


@dataclass(frozen=True, slots=True)
class ExportStats:
    written: int
    """Events written."""
    skipped: int = 0
    """Events left out by a policy (e.g. ``--imprecise skip``); said on stderr."""
    note: str | None = None


#: ``format -> "module:function"``; the function is
#: ``(events: Iterable[Event], out: TextIO, ctx: ExportContext, options: Mapping) -> ExportStats``.
EXPORTERS: dict[str, str] = {
    "ics": "chronicle.formats.ical:export_ical",
    "html": "chronicle.formats.html:export_html",
    "csv": "chronicle.formats.csv_format:export_csv",
    "json": "chronicle.formats.json_format:export_json",
}

#: File extensions of the default export paths.
EXTENSIONS = {"ics": "ics", "html": "html", "csv": "csv", "json": "json", "jsonl": "jsonl"}

Exporter = Callable[[Iterable[Event], TextIO, ExportContext, Mapping[str, Any]], ExportStats]


def exporter(fmt: str) -> Exporter:
    if fmt not in EXPORTERS:
        raise InvalidInput("is not an export format", field="--format", value=fmt,
                           accepted=", ".join(sorted([*EXPORTERS, "jsonl"])))
    module_name, _, function = EXPORTERS[fmt].partition(":")
    module = importlib.import_module(module_name)
    return getattr(module, function)  # type: ignore[no-any-return]


#: ``format -> "module:function"``; the function is
#: ``(path: Path, options: Mapping) -> Iterable[Incoming]``. ``jsonl`` (a log backup) is
#: replayed record by record instead, see :func:`chronicle.importing.import_file`.
IMPORTERS: dict[str, str] = {
    "toml": "chronicle.formats.seed:iter_seed_file",
    "ics": "chronicle.formats.ical:read_ical",
    "csv": "chronicle.formats.csv_format:read_csv",
    "json": "chronicle.formats.json_format:read_json",
}


def importer(fmt: str) -> Callable[..., Iterable[Any]]:
    if fmt not in IMPORTERS:
        raise InvalidInput("is not an import format", field="--format", value=fmt,
                           accepted=", ".join(sorted([*IMPORTERS, "jsonl"])))
    module_name, _, function = IMPORTERS[fmt].partition(":")
    module = importlib.import_module(module_name)
    return getattr(module, function)  # type: ignore[no-any-return]
