"""One error tree for the whole library.

Every error a user can cause is a :class:`ChronicleError` that names the offending
field and value and says what would have been accepted. The CLI translates these once
into a clean message and an exit status; the library never imports click.
"""

from __future__ import annotations


class ChronicleError(Exception):
    """Base of every error chronicle raises on purpose.

    ``exit_code`` follows click's convention: 2 for usage errors, 1 for the rest.
    """

    exit_code = 1

    def __init__(
        self,
        message: str,
        *,
        field: str | None = None,
        value: object = None,
        accepted: str | None = None,
        where: str | None = None,
    ) -> None:
        self.message = message
        self.where = where
        self.field = field
        self.value = value
        self.accepted = accepted
        super().__init__(self.describe())

    def describe(self) -> str:
        """The one line a user sees: field, value, problem and what is accepted."""
        parts = []
        if self.field:
            parts.append(f"{self.field}")
        if self.value is not None:
            parts.append(f"{self.value!r}")
        head = ": ".join(parts)
        text = f"{head}: {self.message}" if head else self.message
        if self.where:
            text = f"{self.where}: {text}"
        if self.accepted:
            text += f" (accepted: {self.accepted})"
        return text


    def located(self, where: str) -> ChronicleError:
        """The same error, said to have happened at ``where`` (a file and row, say)."""
        if self.where and self.where.startswith(where):
            return self
        self.where = f"{where}: {self.where}" if self.where else where
        self.args = (self.describe(),)
        return self


class InvalidInput(ChronicleError):
    """A value given by the user (option, seed file, import row) is not acceptable."""

    exit_code = 2


class BadDate(InvalidInput):
    """A date string that chronicle cannot read honestly."""


class UnknownEvent(ChronicleError):
    """No event has this id (or id prefix)."""


class AmbiguousId(ChronicleError):
    """An id prefix matches more than one event."""


class Conflict(ChronicleError):
    """A write lost a race or would duplicate something that exists."""


class ArchiveNotFound(ChronicleError):
    """No archive at the given URL or in this directory or its parents."""


class ArchiveExists(ChronicleError):
    """``init`` was asked to create an archive where one already is."""


class TamperedLog(ChronicleError):
    """The hash chain or the projections do not match the log."""

    def __init__(self, message: str, *, seq: int | None = None) -> None:
        self.seq = seq
        super().__init__(message)


class SchemaMismatch(ChronicleError):
    """The archive's schema is older or newer than this chronicle understands."""


class DependencyMissing(ChronicleError):
    """An optional part of chronicle is not installed (e.g. PostgreSQL's driver)."""
