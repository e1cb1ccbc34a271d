"""Rows in, events out: the bad-row policy shared by the CSV and JSON readers.

By default an import is all or nothing: at the first bad row the reader keeps reading
only to count the other bad rows, then raises one error naming the file, row, column,
value and reason, and how many other rows are bad. Nothing is written, because the
error is raised inside the import's transaction.

With ``--skip-invalid --rejects PATH`` bad rows are left out and written to PATH (a CSV:
row, column, value, reason, then the row's own cells), and the good rows are imported.
The stream counts what it rejected and skipped; :func:`chronicle.importing.import_file`
puts those counts in the import report (the :class:`~chronicle.incoming.ImportItems` protocol).
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from chronicle.errors import ChronicleError, InvalidInput
from chronicle.formats.mapping import Row, Skip
from chronicle.incoming import Incoming


@dataclass(slots=True)
class SourceRow:
    """A row as read, before conversion: the row, its raw cells for the rejects file,
    and a problem found while reading it (a ragged row, say)."""

    row: Row
    cells: Sequence[str]
    problem: ChronicleError | None = None


class RowStream:
    """An iterable of :class:`Incoming` that applies the bad-row policy as it streams."""

    def __init__(
        self,
        rows: Callable[[], Iterator[SourceRow]],
        convert: Callable[[Row], Incoming | Skip],
        *,
        label: str,
        header: Sequence[str],
        skip_invalid: bool = False,
        rejects: Path | None = None,
    ) -> None:
        self._rows = rows
        self._convert = convert
        self.label = label
        self.header = list(header)
        self.skip_invalid = skip_invalid
        self.rejects_path = rejects
        self.rejected = 0
        """Bad rows left out (``--skip-invalid``)."""
        self.skipped = 0
        """Rows that are not events (a title slide), left out with a reason."""
        self.skip_reasons: dict[str, int] = {}

    def __iter__(self) -> Iterator[Incoming]:
        rejects: Any = None
        handle: IO[str] | None = None
        if self.skip_invalid and self.rejects_path is not None:
            self.rejects_path.parent.mkdir(parents=True, exist_ok=True)
            handle = open(self.rejects_path, "w", encoding="utf-8", newline="")  # noqa: SIM115 - closed below
            rejects = csv.writer(handle, lineterminator="\r\n")
            rejects.writerow(["row", "column", "value", "reason", *self.header])
        try:
            rows = self._rows()
            for source in rows:
                try:
                    result = self._one(source)
                except ChronicleError as error:
                    if not self.skip_invalid:
                        raise self._first_of_many(error, source, rows) from None
                    self.rejected += 1
                    if rejects is not None:
                        value = "" if error.value is None else str(error.value)
                        rejects.writerow([source.row.number, error.field or "", value,
                                          _reason(error), *source.cells])
                    continue
                if isinstance(result, Skip):
                    self.skipped += 1
                    self.skip_reasons[result.reason] = self.skip_reasons.get(result.reason, 0) + 1
                    continue
                yield result
        finally:
            if handle is not None:
                handle.close()

    def _one(self, source: SourceRow) -> Incoming | Skip:
        if source.problem is not None:
            raise source.problem
        return self._convert(source.row)

    def _first_of_many(self, error: ChronicleError, source: SourceRow, rest: Iterator[SourceRow]) -> ChronicleError:
        """The first bad row's error, saying how many other rows are bad."""
        others = 0
        try:
            for later in rest:
                try:
                    self._one(later)
                except ChronicleError:
                    others += 1
        except ChronicleError:
            pass  # the rest of the file cannot be read; the first error is the one to fix
        where = source.row.where
        message = error.message
        if others:
            message += (f" — and {others} other row{'s are' if others > 1 else ' is'} bad"
                        " (import the good rows with --skip-invalid --rejects PATH)")
        return InvalidInput(message, field=error.field, value=error.value, accepted=error.accepted, where=where)


def _reason(error: ChronicleError) -> str:
    return error.message + (f" (accepted: {error.accepted})" if error.accepted else "")
