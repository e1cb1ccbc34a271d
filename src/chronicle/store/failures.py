"""Database and file failures in one clean line each: a full disk, a damaged file, a lost server.

The CLI asks :func:`storage_failure` once for any error that is not already a chronicle
error; SQLite's messages and PostgreSQL's SQLSTATEs are read here and nowhere else.
"""

from __future__ import annotations

from sqlalchemy.exc import DBAPIError

from chronicle.errors import ChronicleError, StorageError, os_failure


def storage_failure(error: BaseException, where: str | None = None) -> StorageError | None:
    """One clean line for a database or file failure (or anything it was caused by), else None.

    The CLI calls this once for any error that is not already a chronicle error, and
    for "no archive here" errors whose cause was in fact a storage failure (a full disk
    must not read as "no archive"). ``where``: the archive's URL (password masked) or file.
    """
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        found = _classify(current, where)
        if found is not None:
            return found
        current = current.__cause__ or current.__context__
    return None


#: SQLite messages (lower case, as a substring) → what happened; what to do.
_SQLITE_FAILURES = (
    ("database or disk is full", "the disk is full (or the database hit its size limit)",
     "free some space and run the command again; nothing was written"),
    ("disk i/o error", "the disk reported an input/output error (full, failing, or over a file-size limit)",
     "check the disk and free space, then run again; nothing was written"),
    ("attempt to write a readonly database", "is read-only",
     "check the permissions of the file and its folder (or the medium); reading still works"),
    ("file is not a database", "is damaged: it is not a valid database",
     "restore it from a backup (one made by `chronicle export --format jsonl`, replayed by `chronicle import`)"),
    ("database disk image is malformed", "is damaged (a corrupt page)",
     "restore it from a backup (one made by `chronicle export --format jsonl`, replayed by `chronicle import`)"),
    ("unable to open database file", "cannot be opened",
     "check that the path exists and that you may read (and write) the file and its folder"),
    ("database is locked", "is locked by another writer",
     "try again, or wait longer with CHRONICLE_LOCK_TIMEOUT=SECONDS"),
)

#: PostgreSQL SQLSTATE (exact, or its two-letter class) → what happened; what to do.
_PG_FAILURES = {
    "53100": ("the database server's disk is full", "free space on the server, then run again; nothing was written"),
    "53": ("the database server ran out of resources", "check the server, then run again; nothing was written"),
    "57P01": ("the database server shut down", "start it again, then run the command again; nothing was written"),
    "57P": ("the database server is not available", "start it again, then run the command again"),
    "08": ("the connection to the database server was lost",
           "check that the server is running, then run again; nothing was written"),
    "25006": ("is read-only (a read-only transaction or standby server)", "use a writable server or role"),
    "42501": ("permission denied", "ask the archive's owner for the rights this command needs"),
    "55P03": ("the write lock was not granted in time", "try again, or wait longer with CHRONICLE_LOCK_TIMEOUT"),
    "57014": ("the statement was cancelled (timeout)", "try again"),
    "XX001": ("is damaged (a corrupt data page)", "restore it from a backup"),
}


def _classify(error: BaseException, where: str | None) -> StorageError | None:
    if isinstance(error, StorageError):
        return error
    if isinstance(error, ChronicleError):
        return None
    if isinstance(error, DBAPIError):
        return _classify(error.orig, where) if error.orig is not None else None
    if isinstance(error, OSError) and not isinstance(error, BrokenPipeError) and error.errno is not None:
        return os_failure(error, str(error.filename) if error.filename is not None else where)
    module = type(error).__module__
    if module == "sqlite3":
        message = str(error).lower()
        for needle, what, todo in _SQLITE_FAILURES:
            if needle in message:
                return StorageError(f"{what}; {todo}", where=where)
        return None
    if module.startswith("psycopg"):
        state = getattr(error, "sqlstate", None)
        if state is None:
            first = next((line.strip() for line in str(error).splitlines() if line.strip()), "")
            # No SQLSTATE: the connection itself failed or broke (server gone, refused).
            return StorageError(f"the database server could not be reached or went away ({first}); "
                                "check that it is running, then run again; nothing was written", where=where)
        for key in (state, state[:3], state[:2]):
            if key in _PG_FAILURES:
                what, todo = _PG_FAILURES[key]
                return StorageError(f"{what}; {todo}", where=where)
    return None
