"""How chronicle connects to SQLite and PostgreSQL, and where the two differ in doing so.

The clearly marked place where chronicle speaks a dialect: how an engine is made (and a
file checked before SQLite touches it), how a writer takes the log's write lock (and how
long it waits for it), which errors mean "another writer got in the way", and how rows
reach the driver in bulk. Three neighbours hold the rest of what differs: the triggers
(:mod:`chronicle.store.guards`), the planner hints (:mod:`chronicle.store.hints`) and
failures in one line (:mod:`chronicle.store.failures`). The rest of the store is
portable SQLAlchemy Core.
"""

from __future__ import annotations

import importlib
import os
import sqlite3
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import Any, Literal
from urllib.parse import quote

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.pool import QueuePool

from chronicle.errors import ArchiveNotFound, DependencyMissing, InvalidInput, StorageError, os_failure

#: How long a writer waits for the write lock before giving up, in seconds.
DEFAULT_LOCK_TIMEOUT = 60.0
#: Key of the PostgreSQL advisory lock that serialises appends.
PG_LOCK_KEY = 7_421_019_517


def sqlite_path(url: str) -> Path | None:
    """The file of a ``sqlite:///`` URL, or None for other backends."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return None
    return Path(parsed.database) if parsed.database and parsed.database != ":memory:" else None


def display_url(url: str) -> str:
    """``url`` with any password masked, for messages."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:
        return url


def connection_problem(error: BaseException) -> str | None:
    """Why the database could not be reached at all (one line), or None if it was reached.

    A refused connection, a failed login or a database that does not exist are not "no
    archive here": the user must hear that the server or the URL is the problem.
    """
    original = getattr(error, "orig", error)
    state = getattr(original, "sqlstate", None)
    module = type(original).__module__
    unreachable = (
        (module.startswith("psycopg") and state is None)
        or (state is not None and (state[:2] in ("08", "28") or state == "3D000"))
        or (module == "sqlite3" and "unable to open database file" in str(original))
    )
    if not unreachable:
        return None
    lines = [line.strip() for line in str(original).splitlines() if line.strip()]
    if module == "sqlite3":
        return f"{lines[0]} (a missing folder, or a read-only file, folder or medium?)"
    return lines[0] if lines else type(original).__name__


def make_engine(url: str, *, must_exist: bool = True) -> Engine:
    """An engine for ``url``; refuses to conjure an empty SQLite file out of a typo.

    Inside :func:`read_only`, a SQLite archive is opened read-only (``mode=ro``): a
    command that only reads can never change the file, and works on read-only media.
    An existing file is looked at before SQLite touches it, so a folder, an empty file
    or another program's file is refused with one line and left exactly as it was.
    """
    try:
        parsed = make_url(url)
    except Exception:
        raise InvalidInput(
            "is not a database URL", field="--db", value=url,
            accepted="sqlite:///path/to/events/chronicle.db or postgresql+psycopg://user@host/db",
        ) from None
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        path = sqlite_path(url)
        if must_exist and path is not None and not path.exists():
            raise ArchiveNotFound(
                "no archive here; create one with `chronicle init`", field="--db", value=url,
            )
        if must_exist and path is not None:
            check_sqlite_file(path)
        if path is not None and _read_only.get():
            # QueuePool, as for any SQLite file (the default for "sqlite://" would be a
            # per-thread singleton that dispose() closes under a still-open stream).
            engine = create_engine("sqlite://", creator=lambda: _connect_read_only(path), poolclass=QueuePool)
            _configure_sqlite(engine, journal=False)
            return engine
        engine = create_engine(url, connect_args={"timeout": lock_timeout()})
        # WAL is chosen when the archive is created and stays in the file; switching an
        # existing file would change another program's database before we know it is ours.
        _configure_sqlite(engine, journal=not must_exist)
        return engine
    if backend == "postgresql":
        require_postgres_driver(url)
        if parsed.get_driver_name() not in ("psycopg",):
            parsed = parsed.set(drivername="postgresql+psycopg")
        return create_engine(parsed, pool_pre_ping=True)
    raise InvalidInput(
        "is not a supported database", field="--db", value=url,
        accepted="sqlite:///… or postgresql+psycopg://…",
    )


def require_postgres_driver(url: str) -> None:
    """Raise a one-line :class:`DependencyMissing` unless psycopg 3 can be loaded.

    The PostgreSQL driver is an extra (``pip install 'chronicle[postgres]'``): a SQLite
    user never needs it, and without this check SQLAlchemy would fail with a traceback.
    """
    try:
        importlib.import_module("psycopg")
    except ImportError as error:
        missing = getattr(error, "name", None) == "psycopg"
        problem = "is not installed" if missing else f"cannot be loaded ({str(error).splitlines()[0]})"
        raise DependencyMissing(
            f"PostgreSQL archives need the psycopg driver, which {problem}; "
            "install it with: pip install 'chronicle[postgres]'",
            field="--db", value=display_url(url),
        ) from None


#: True while opening an archive for a command that only reads (see :func:`read_only`).
_read_only: ContextVar[bool] = ContextVar("chronicle_read_only", default=False)

#: The first 16 bytes of every SQLite 3 database file.
_SQLITE_HEADER = b"SQLite format 3\x00"


@contextmanager
def read_only() -> Iterator[None]:
    """SQLite engines made inside this block open their file read-only (``mode=ro``)."""
    token = _read_only.set(True)
    try:
        yield
    finally:
        _read_only.reset(token)


def check_sqlite_file(path: Path) -> None:
    """Refuse, without changing it, a path that cannot be a chronicle archive.

    SQLite would happily "open" a 0-byte file (and grow it to 4 KB on the first
    statement) or fail deep inside a query on a random file; one look at the header
    gives the user a clear line instead.
    """
    where = str(path)
    if path.is_dir():
        raise StorageError("is a directory, not an archive file; point --db at events/chronicle.db",
                           where=where)
    try:
        with open(path, "rb") as stream:
            header = stream.read(len(_SQLITE_HEADER))
    except OSError as error:
        raise os_failure(error, where) from None
    if not header:
        raise ArchiveNotFound("no chronicle archive here; create one with `chronicle init` "
                              "(this file is empty, 0 bytes, and was left as it is)", where=where)
    if header != _SQLITE_HEADER:
        raise StorageError("is not a SQLite database (not a chronicle archive); left as it is — "
                           "point --db at an archive, or restore the archive from a backup", where=where)


def _connect_read_only(path: Path) -> sqlite3.Connection:
    """A read-only connection; on read-only media (no ``-shm`` can be made), an immutable one."""
    uri = f"file:{quote(str(path.resolve()))}"
    timeout = lock_timeout()
    connection = sqlite3.connect(f"{uri}?mode=ro", uri=True, timeout=timeout, check_same_thread=False)
    try:
        connection.execute("PRAGMA schema_version").fetchone()
        return connection
    except sqlite3.OperationalError as error:
        connection.close()
        if "unable to open" not in str(error) and "readonly" not in str(error):
            raise
    # A WAL archive on a read-only folder: nobody can be writing to it, so reading it
    # as immutable is exact (SQLite then needs no -shm file).
    return sqlite3.connect(f"{uri}?mode=ro&immutable=1", uri=True, timeout=timeout, check_same_thread=False)


def _configure_sqlite(engine: Engine, *, journal: bool = True) -> None:
    # pysqlite's own transaction handling would defer BEGIN until the first write,
    # which lets two writers read the same head and race. We issue BEGIN ourselves:
    # IMMEDIATE for writers (takes the write lock first), deferred for readers.
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        if journal:
            cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        if conn.get_execution_options().get("chronicle_write", False):
            _begin_immediate(conn)
        else:
            conn.exec_driver_sql("BEGIN")


#: While a writer waits for SQLite's write lock, it asks again this often (seconds).
_SQLITE_POLL_MS = 2


def _begin_immediate(conn: Connection) -> None:
    """``BEGIN IMMEDIATE``, asking again every few milliseconds until :func:`lock_timeout`.

    SQLite's own busy handler sleeps longer and longer between tries (up to 100 ms), so
    with several writers a released lock can sit idle while everyone sleeps: polling
    briefly hands it over within milliseconds.
    """
    deadline = time.monotonic() + lock_timeout()
    conn.exec_driver_sql(f"PRAGMA busy_timeout = {_SQLITE_POLL_MS}")
    try:
        while True:
            try:
                conn.exec_driver_sql("BEGIN IMMEDIATE")
                return
            except DBAPIError as error:
                if classify_write_failure(error) != "busy" or time.monotonic() >= deadline:
                    raise
    finally:
        conn.exec_driver_sql(f"PRAGMA busy_timeout = {int(lock_timeout() * 1000)}")


def lock_timeout() -> float:
    """Seconds a writer waits for the write lock: ``CHRONICLE_LOCK_TIMEOUT``, else 60."""
    raw = os.environ.get("CHRONICLE_LOCK_TIMEOUT", "").strip()
    try:
        seconds = float(raw) if raw else DEFAULT_LOCK_TIMEOUT
    except ValueError:
        raise InvalidInput("is not a number of seconds", field="CHRONICLE_LOCK_TIMEOUT", value=raw) from None
    if seconds <= 0:
        raise InvalidInput("must be more than 0 seconds", field="CHRONICLE_LOCK_TIMEOUT", value=raw)
    return seconds


def lock_for_append(conn: Connection) -> None:
    """Serialise appends: one writer at a time computes the next sequence and hash.

    SQLite already holds its write lock (BEGIN IMMEDIATE, waiting up to the busy
    timeout). PostgreSQL takes a transaction-scoped advisory lock, waiting at most
    :func:`lock_timeout`, so sequence numbers are handed out in commit order and a
    reader following the log never skips a record committed late.

    The writer's transaction is forced to READ COMMITTED first: under a database whose
    default is REPEATABLE READ or SERIALIZABLE, the snapshot would be taken by the lock
    statement itself — *before* waiting — and the writer would read a stale head.
    Under READ COMMITTED, the next statement sees everything committed by the writer
    that held the lock before.
    """
    if conn.dialect.name == "postgresql":
        # One round trip for the three: every append pays it.
        conn.exec_driver_sql(
            "SET TRANSACTION ISOLATION LEVEL READ COMMITTED; "
            f"SET LOCAL lock_timeout = '{int(lock_timeout() * 1000)}ms'; "
            f"SELECT pg_advisory_xact_lock({PG_LOCK_KEY})"
        )


WriteFailure = Literal["retry", "busy"]


def classify_write_failure(error: BaseException) -> WriteFailure | None:
    """What a database error during an append means for the writer.

    ``"retry"``: the database rolled the transaction back because of another
    transaction (PostgreSQL serialization failure or deadlock) — running it again is
    safe. ``"busy"``: the write lock was not granted within :func:`lock_timeout`
    (SQLite ``database is locked``, PostgreSQL ``lock_not_available``). ``None``:
    anything else, which is not ours to interpret.
    """
    original = getattr(error, "orig", error)
    state = getattr(original, "sqlstate", None)
    if state in ("40001", "40P01"):
        return "retry"
    if state == "55P03":
        return "busy"
    message = str(original).lower()
    if "database is locked" in message or "database is busy" in message:
        return "busy"
    return None


def write_options() -> dict[str, Any]:
    """Execution options for a connection that will append."""
    return {"chronicle_write": True}


def insert_rows(conn: Connection, table: str, columns: Sequence[str], rows: Sequence[tuple[Any, ...]]) -> None:
    """Insert ``rows`` (plain sequences in ``columns`` order) into ``table``, in the
    connection's transaction, with the least per-row work the driver allows.

    SQLite: one ``executemany`` of the rows as they are (no per-row parameter dicts).
    PostgreSQL: ``COPY … FROM STDIN`` through psycopg (the row triggers still run, so
    the chain guard still checks every record). Driver errors are raised as SQLAlchemy's
    (``IntegrityError`` …), as any other statement's would be.
    """
    names = ", ".join(columns)
    if conn.dialect.name != "postgresql":
        marks = ", ".join("?" * len(columns))
        conn.exec_driver_sql(f"INSERT INTO {table} ({names}) VALUES ({marks})", list(rows))
        return
    statement = f"COPY {table} ({names}) FROM STDIN"
    driver: Any = conn.connection.dbapi_connection
    try:
        with driver.cursor() as cursor, cursor.copy(statement) as copy:
            write = copy.write_row
            for row in rows:
                write(row)
    except conn.dialect.loaded_dbapi.Error as error:
        raise DBAPIError.instance(statement, None, error, conn.dialect.loaded_dbapi.Error,
                                  dialect=conn.dialect) from error



def execute_rows(conn: Connection, statement: str, rows: Sequence[tuple[Any, ...]]) -> None:
    """Run ``statement`` (written with ``?`` placeholders) once per row, through the
    driver's own ``executemany``: plain tuples, no per-row parameter dicts or SQLAlchemy
    parameter processing. psycopg spells the placeholders ``%s``."""
    if conn.dialect.name == "postgresql":
        statement = statement.replace("?", "%s")
    conn.exec_driver_sql(statement, list(rows))
