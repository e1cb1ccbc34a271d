"""Export an archive's events (or its log) to a file or stream, in any registered format.

The file is written next to its destination and renamed into place at the end, so a
failed export never leaves half a calendar where a good one was.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol, TextIO

from chronicle import __version__
from chronicle.atomicfile import atomic_text
from chronicle.formats import EXTENSIONS, ExportContext, ExportStats, exporter
from chronicle.formats.controls import ControlFree
from chronicle.model import Event, Record
from chronicle.projection import reading_documents
from chronicle.query import EventQuery
from chronicle.store import Head, dialects


class ExportSource(Protocol):
    """What an export reads of an archive; :class:`chronicle.archive.Archive` is one
    (this module is below the archive service, so it names no class of it)."""

    @property
    def name(self) -> str: ...

    @property
    def description(self) -> str: ...

    @property
    def url(self) -> str: ...

    def head(self) -> Head: ...

    def count(self, query: EventQuery = ...) -> int: ...

    def show(self, query: EventQuery = ...) -> Iterator[Event]: ...

    def event_docs(self, query: EventQuery = ...) -> Iterator[str]: ...

    def log(self, *, after: int = 0, limit: int | None = None) -> Iterator[Record]: ...


@dataclass(frozen=True, slots=True)
class ExportResult:
    path: str
    """Where it went; ``-`` for standard output."""
    stats: ExportStats


def default_path(archive: ExportSource, fmt: str, root: Path | None = None) -> Path:
    """``exports/<archive-name>.<ext>`` beside the archive's ``events/`` folder."""
    base = root or _archive_root(archive) or Path.cwd()
    return base / "exports" / f"{archive.name}.{EXTENSIONS[fmt]}"


def _archive_root(archive: ExportSource) -> Path | None:
    path = dialects.sqlite_path(archive.url)
    return path.parent.parent if path is not None else None


def context(archive: ExportSource, query: EventQuery) -> ExportContext:
    head = archive.head()
    return ExportContext(
        name=archive.name,
        description=archive.description,
        filters=query.describe(),
        count=archive.count(query),
        head_seq=head.count,
        head_hash=head.hash,
        as_of=head.recorded_at,
        version=__version__,
    )


def export(
    archive: ExportSource,
    fmt: str,
    query: EventQuery,
    output: str | None = None,
    options: Mapping[str, Any] | None = None,
) -> ExportResult:
    """Write ``fmt`` to ``output`` (a path, ``-`` for stdout, None for the default path)."""
    options = dict(options or {})
    target = output or str(default_path(archive, fmt))
    # CSV: rows straight from the stored documents (same bytes as from Events, ~2× faster).
    stream: Iterator[Any] = (archive.log() if fmt == "jsonl" else archive.event_docs(query) if fmt == "csv"
                             else archive.show(query))
    try:
        with _open_output(target) as out, reading_documents():
            if fmt == "jsonl":
                from chronicle.formats.log_jsonl import export_log

                stats = export_log(stream, out, context(archive, query), options)
            elif fmt == "csv":
                from chronicle.formats.csv_format import export_csv_docs

                # No context: a CSV file has no header to put it in, and its count alone
                # (every matching row read once more) is ~3 s of a 1M-row export.
                stats = export_csv_docs(stream, out, None, options)
            else:
                write = exporter(fmt)
                # A page people open: no NUL or escape sequence from the archive reaches it.
                page = ControlFree(out) if fmt == "html" else out
                stats = write(stream, page, context(archive, query), options)  # type: ignore[arg-type]
    finally:
        # An export stopped half-way hands its database connection back now.
        getattr(stream, "close", lambda: None)()
    return ExportResult(target, stats)


@contextmanager
def _open_output(target: str) -> Iterator[TextIO]:
    if target == "-":
        with open(sys.stdout.fileno(), "w", encoding="utf-8", newline="", closefd=False) as stream:
            yield stream
        return
    with atomic_text(Path(target)) as stream:
        yield stream
