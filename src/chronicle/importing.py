"""Bringing events in from files: idempotent, all-or-nothing, provenance on every record.

A format reader (:mod:`chronicle.formats`) turns a file into :class:`Incoming` items —
an event as the file describes it, possibly with later revisions.
:func:`~chronicle.reconciling.import_items` decides, against the archive's state inside
the write transaction, what that means:

- an event the archive does not have: record it (and its revisions);
- one it has, unchanged: nothing (so importing the same file twice adds nothing);
- one it has, changed in the file: one ``revised`` record with the changed fields and
  one ``sourced`` record per new source.

This module is the entry for a whole file (:func:`import_file`: the format, the
provenance origin with the file's SHA-256, a log backup's replay, the report);
:mod:`chronicle.reconciling` decides what each item means and
:mod:`chronicle.import_report` says what was done.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
from collections.abc import Callable, Generator, Iterable, Iterator, Mapping
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol

from chronicle.errors import InvalidInput
from chronicle.formats import import_format, importer, log_reader
from chronicle.import_report import DUPLICATE_POLICIES, Duplicate, DuplicateKeys, ImportReport, Older
from chronicle.incoming import FileVersion, ImportItems, Incoming, Revision, reject_unknown_keys
from chronicle.model import Record
from chronicle.reconciling import ItemsTarget, chunked, import_items
from chronicle.store import AppendResult, Head

__all__ = [
    "DUPLICATE_POLICIES", "Duplicate", "DuplicateKeys", "FileVersion", "ImportReport", "ImportTarget", "Incoming", "Older",
    "Revision", "chunked", "file_options", "import_file", "import_items", "reject_unknown_keys",
]


class ImportTarget(ItemsTarget, Protocol):
    """What an import needs of an archive; :class:`chronicle.archive.Archive` is one
    (this module is below the archive service, so it names no class of it)."""

    def head(self) -> Head: ...

    def record_origin(self, origin: str) -> str: ...

    def log(self, *, after: int = 0, limit: int | None = None) -> Iterator[Record]: ...

    def append_records(self, records: Iterable[Record]) -> AppendResult: ...


def file_origin(path: Path | str, digest: str) -> str:
    """The provenance origin of every record an import writes."""
    return f"import {path} sha256:{digest}"


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()



def file_options(
    *,
    preset: str | None = None,
    mapping: Mapping[str, str] | None = None,
    mapping_file: str | os.PathLike[str] | None = None,
    skip_invalid: bool = False,
    rejects: str | os.PathLike[str] | None = None,
    recurrences: str = "first",
    window: tuple[dt.date, dt.date] | None = None,
) -> dict[str, Any]:
    """A reader's options as ``chronicle import`` gives them, from the Python API's keywords
    (``mapping`` is ``{field: column}``, what ``--map FIELD=COLUMN`` says)."""
    if skip_invalid and rejects is None:
        raise InvalidInput("needs rejects= a path to say what was left out", field="skip_invalid", value=True)
    return {
        "preset": preset, "map": [f"{name}={column}" for name, column in (mapping or {}).items()],
        "mapping_file": Path(mapping_file) if mapping_file is not None else None,
        "skip_invalid": skip_invalid, "rejects": Path(rejects) if rejects is not None else None,
        "recurrences": recurrences, "window": window,
    }


def import_file(
    archive: ImportTarget,
    path: Path,
    *,
    fmt: str | None = None,
    label: str | None = None,
    options: dict[str, Any] | None = None,
    progress: Callable[[int], None] | None = None,
    now: Callable[[], datetime] | None = None,
    duplicates: str = "error",
    force: bool = False,
) -> ImportReport:
    """Import one file, all or nothing; every record points at the file and its SHA-256.

    A file in which the format (or preset) recognises no event at all is refused,
    saying what it found instead: an import never reports success for nothing.
    """
    fmt = import_format(path, fmt)
    if not path.is_file():
        raise InvalidInput("does not exist or is not a file", field="file", value=str(path))
    shown = label or str(path)
    origin = archive.record_origin(file_origin(shown, sha256_file(path)))
    if fmt == "jsonl":
        head = archive.head()
        # The archive's own records, compared with the backup's first ones; closed here
        # (not whenever collected) when a difference stops the replay early.
        stored = archive.log(limit=head.count)
        try:
            result = archive.append_records(log_reader(fmt)(path, head, stored))
        finally:
            if isinstance(stored, Generator):
                stored.close()
        return ImportReport(shown, result.count, result.count, 0, 0, 0, log_backup=True)
    options = dict(options or {})
    if fmt != "ics" and (options.get("recurrences") not in (None, "first") or options.get("window")):
        raise InvalidInput("applies to iCalendar files only", field="--recurrences",
                           value=options.get("recurrences"), where=shown)
    items = importer(fmt)(path, dict(options, origin=origin, label=shown))
    report = import_items(archive, items, origin=origin, path=shown, progress=progress, now=now,
                          duplicates=duplicates, force=force)
    if report.items == 0:
        raise InvalidInput(f"0 events in {shown}: {_nothing_found(items)}", accepted=_ACCEPTED.get(fmt))
    rejects = options.get("rejects")
    return replace(
        report, rejected=items.rejected, skipped=items.skipped,
        skip_reasons=tuple(sorted(items.skip_reasons.items(), key=lambda pair: (-pair[1], pair[0]))),
        notes=tuple(sorted(items.notes.items(), key=lambda pair: (-pair[1], pair[0]))),
        rejects_path=str(rejects) if rejects is not None and items.rejected else None,
    )


_ACCEPTED = {
    "ics": "VEVENT components with a DTSTART",
    "csv": "rows with a title and a date (chronicle's columns, --map or a --preset)",
    "json": "a list of event objects (chronicle's export, --map or a --preset)",
    "toml": "[[events]] tables",
}


def _nothing_found(items: ImportItems) -> str:
    """Why an import found no event, from the reader's own counts."""
    parts = [f"{count} skipped ({reason})" for reason, count in items.skip_reasons.items()]
    if items.rejected:
        parts.append(f"{items.rejected} rejected")
    return "; ".join(parts) if parts else "the file holds no items"
