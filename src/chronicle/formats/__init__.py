"""One module per file format. Each turns streams of model objects into bytes or back.

Formats know nothing of tables: exporters receive an iterator of
:class:`~chronicle.model.Event` (or of log :class:`~chronicle.model.Record`) and an
:class:`ExportContext`; importers return :class:`~chronicle.incoming.ImportItems` (the
parsed :class:`~chronicle.incoming.Incoming` items and their own counts of what they
left out). This module is the one registry the service finds formats through; a format
module is loaded only when its format is used (``importlib``, not to dodge a cycle —
formats never import the service modules — but so that ``chronicle add`` never pays for
jinja2 or icalendar).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from chronicle.errors import InvalidInput
from chronicle.incoming import Importer
from chronicle.model import Event, Record


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
#: ``chronicle export --format`` offers these (in this order) and ``jsonl``, the log.
EXPORTERS: dict[str, str] = {
    "html": "chronicle.formats.html:export_html",
    "ics": "chronicle.formats.ical:export_ical",
    "csv": "chronicle.formats.csv_format:export_csv",
    "json": "chronicle.formats.json_format:export_json",
}

#: File extensions of the default export paths.
EXTENSIONS = {"ics": "ics", "html": "html", "csv": "csv", "json": "json", "jsonl": "jsonl"}

Exporter = Callable[[Iterable[Event], TextIO, ExportContext, Mapping[str, Any]], ExportStats]


def _load(registry: dict[str, str], fmt: str, role: str) -> Any:
    """Import the module behind ``fmt`` only now: `chronicle add` never pays for it."""
    if fmt not in registry:
        raise InvalidInput(f"is not an {role} format", field="--format", value=fmt,
                           accepted=", ".join(sorted({*registry, "jsonl"})))
    module_name, _, function = registry[fmt].partition(":")
    return getattr(importlib.import_module(module_name), function)


def exporter(fmt: str) -> Exporter:
    return _load(EXPORTERS, fmt, "export")  # type: ignore[no-any-return]


#: ``format -> "module:function"``; each function is an :class:`~chronicle.incoming.Importer`.
#: ``chronicle import --format`` offers these and the :data:`LOG_READERS`.
#: ``jsonl`` (a log backup) is replayed record by record instead (:data:`LOG_READERS`).
IMPORTERS: dict[str, str] = {
    "toml": "chronicle.formats.seed:iter_seed_file",
    "ics": "chronicle.formats.ical:read_ical",
    "csv": "chronicle.formats.csv_import:read_csv",
    "json": "chronicle.formats.json_format:read_json",
}

#: ``format -> "module:function"``: ``(path, head) -> Iterator[Record]``, the records of a
#: backup that continue an archive whose head is ``head``.
LOG_READERS: dict[str, str] = {
    "jsonl": "chronicle.formats.log_jsonl:read_backup",
}

#: File extensions an import recognises, and the format each means.
IMPORT_EXTENSIONS = {"toml": "toml", "ics": "ics", "ical": "ics", "csv": "csv", "json": "json",
                     "jsonl": "jsonl", "ndjson": "jsonl", "tsv": "csv"}


def importer(fmt: str) -> Importer:
    return _load(IMPORTERS, fmt, "import")  # type: ignore[no-any-return]


def log_reader(fmt: str) -> Callable[[Path, Any, Iterable[Record]], Iterator[Record]]:
    return _load(LOG_READERS, fmt, "import")  # type: ignore[no-any-return]


def import_format(path: Path, given: str | None) -> str:
    """``--format``, else the file's extension."""
    if given:
        return given.lower()
    suffix = path.suffix.lower().lstrip(".")
    if suffix not in IMPORT_EXTENSIONS:
        raise InvalidInput(
            "has no known extension", field="file", value=str(path),
            accepted=".toml (seed), .ics, .csv, .json, .jsonl (log backup), or say --format",
        )
    return IMPORT_EXTENSIONS[suffix]


#: Every preset of ``chronicle import --preset`` (the one list of them): name → what it
#: reads, in one line. Each is the module of that name in :mod:`chronicle.formats.presets`,
#: loaded by :func:`chronicle.formats.presets.load` only when used; the names live here,
#: in the registry, so that the command line's choices cost no import.
PRESETS: dict[str, str] = {
    "ucdp": "UCDP Georeferenced Event Dataset (GED), CSV",
    "wikipedia": "Wikipedia Current Events Portal as structured by WikiTimes, JSON",
    "timelinejs": "a TimelineJS sheet (CSV, or its rows as JSON) or TimelineJS's own JSON",
}

#: The preset names, in the order above.
PRESET_NAMES: tuple[str, ...] = tuple(PRESETS)
