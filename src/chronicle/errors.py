"""One error tree for the whole library.

Every error a user can cause is a :class:`ChronicleError` that names the offending
field and value and says what would have been accepted. The CLI translates these once
into a clean message and an exit status; the library never imports click.
"""

from __future__ import annotations

import errno


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
            parts.append(shown_value(self.value))
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


#: Longest value quoted whole in a message; longer ones are cut and their length given.
SHOWN_VALUE_LIMIT = 120


def shown_value(value: object) -> str:
    """``repr(value)`` for a message: one line (repr escapes newlines), at most about
    :data:`SHOWN_VALUE_LIMIT` characters — a 100,000-character value must not flood it."""
    text = repr(value)
    if len(text) <= SHOWN_VALUE_LIMIT:
        return text
    size = f"{len(value)} characters" if isinstance(value, str | bytes | list | tuple | dict) else "long"
    return f"{text[:SHOWN_VALUE_LIMIT - 20]}… ({size})"


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


class LikelyDuplicate(Conflict):
    """A new event looks like one the archive holds already (``--allow-duplicate`` records it)."""


class EditAborted(ChronicleError):
    """The user left the editor's file empty (or without a title): nothing is recorded."""


class ArchiveNotFound(ChronicleError):
    """No archive at the given URL or in this directory or its parents."""


class ArchiveExists(ChronicleError):
    """``init`` was asked to create an archive where one already is."""


class TamperedLog(ChronicleError):
    """The hash chain or the projections do not match the log."""

    def __init__(self, message: str, *, seq: int | None = None) -> None:
        self.seq = seq
        super().__init__(message)


class ProjectionMismatch(TamperedLog):
    """A version row of the projection that a replay of the log does not give.

    Names the event and, when a row exists but differs, the column; ``verify --repair``
    rebuilds the projection from the log.
    """

    def __init__(self, message: str, *, event_id: str, column: str | None, seq: int | None) -> None:
        self.event_id = event_id
        self.column = column
        super().__init__(message, seq=seq)


class SchemaMismatch(ChronicleError):
    """The archive's schema is older or newer than this chronicle understands."""


class DependencyMissing(ChronicleError):
    """An optional part of chronicle is not installed (e.g. PostgreSQL's driver)."""


class StorageError(ChronicleError):
    """The archive's database or a file could not be read or written (exit status 3).

    Not the user's input and not a bug: a full disk, a read-only file or folder, a
    damaged database, a server that went away, a lock held too long. The message names
    the file or URL, says what happened and what to do; the transaction in progress was
    rolled back, so nothing was half written.
    """

    exit_code = 3


#: What each ``errno`` of a failed read or write means, and what the user can do.
_OS_FAILURES: dict[str, tuple[str, str]] = {
    "ENOSPC": ("the disk is full", "free some space and run the command again"),
    "EDQUOT": ("the disk quota is used up", "free some space and run the command again"),
    "EFBIG": ("the file would exceed the size limit", "raise the limit (ulimit -f) or write elsewhere"),
    "EROFS": ("is on a read-only file system", "write somewhere else"),
    "EACCES": ("permission denied", "check the permissions of the file and its folder"),
    "EPERM": ("the operation is not permitted (an immutable or protected file?)",
              "check the file's attributes and permissions"),
    "EISDIR": ("is a directory", "give a file name"),
    "ENOTDIR": ("a part of the path is not a directory", "check the path"),
    "ENOENT": ("does not exist", "check the path"),
    "EIO": ("input/output error from the device", "check the disk"),
}


def os_failure(error: OSError, where: str | None = None) -> StorageError:
    """One clean line for an :class:`OSError` while reading or writing ``where``."""
    name = errno.errorcode.get(error.errno or 0, "")
    what, todo = _OS_FAILURES.get(name, (error.strerror or type(error).__name__, "check the file and run again"))
    place = where or (str(error.filename) if error.filename is not None else None)
    return StorageError(f"{what}; {todo}", where=place)
