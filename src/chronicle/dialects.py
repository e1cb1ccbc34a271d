"""Everything that differs between SQLite and PostgreSQL — and nothing else.

This is the one clearly marked place where chronicle speaks a dialect: how an engine is
made, how a writer takes the log's write lock (and how long it waits for it), which
errors mean "another writer got in the way", and the triggers that make the database
refuse UPDATE, DELETE (and TRUNCATE) on the log and any record that does not continue
the chain. The rest of the store is portable SQLAlchemy Core.
"""

from __future__ import annotations

import importlib
import os
import time
from pathlib import Path
from typing import Any, Literal

from sqlalchemy import ColumnElement, Connection, Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.visitors import InternalTraversal
from sqlalchemy.types import NullType

from chronicle.errors import ArchiveNotFound, DependencyMissing, InvalidInput

_APPEND_ONLY = "chronicle log is append-only"
_CHAIN = "chronicle log: a record must continue the chain"
_GENESIS = "0" * 64
#: How long a writer waits for the write lock before giving up, in seconds.
DEFAULT_LOCK_TIMEOUT = 60.0
#: Key of the PostgreSQL advisory lock that serialises appends.
_PG_LOCK_KEY = 7_421_019_517


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
    return lines[0] if lines else type(original).__name__


def make_engine(url: str, *, must_exist: bool = True) -> Engine:
    """An engine for ``url``; refuses to conjure an empty SQLite file out of a typo."""
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
        engine = create_engine(url, connect_args={"timeout": lock_timeout()})
        _configure_sqlite(engine)
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


def _configure_sqlite(engine: Engine) -> None:
    # pysqlite's own transaction handling would defer BEGIN until the first write,
    # which lets two writers read the same head and race. We issue BEGIN ourselves:
    # IMMEDIATE for writers (takes the write lock first), deferred for readers.
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
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
            f"SELECT pg_advisory_xact_lock({_PG_LOCK_KEY})"
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


def install_guards(conn: Connection) -> None:
    """Triggers that make the database itself refuse to change the log (schema 2)."""
    install_append_only_guards(conn)
    install_chain_guard(conn)


def install_chain_guard(conn: Connection) -> None:
    """A trigger that refuses a record that does not continue the chain (schema 2).

    A new row's ``prev_hash`` must be the hash of the row with ``seq - 1`` (the genesis
    hash for ``seq`` 1). With the primary key on ``seq`` this keeps the log one gap-free
    chain even against a writer that has INSERT rights but bypasses chronicle — the
    hashes themselves are still for ``verify`` to check. One indexed lookup per row.
    """
    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql(
            "CREATE TRIGGER IF NOT EXISTS log_chain BEFORE INSERT ON log "
            f"WHEN NEW.prev_hash IS NOT (CASE WHEN NEW.seq = 1 THEN '{_GENESIS}' "
            "ELSE (SELECT hash FROM log WHERE seq = NEW.seq - 1) END) "
            f"BEGIN SELECT RAISE(ABORT, '{_CHAIN}'); END"
        )
    elif conn.dialect.name == "postgresql":
        conn.exec_driver_sql(
            "CREATE OR REPLACE FUNCTION chronicle_log_chain() RETURNS trigger "
            "LANGUAGE plpgsql AS $$ BEGIN "
            f"IF NEW.prev_hash IS DISTINCT FROM (CASE WHEN NEW.seq = 1 THEN '{_GENESIS}' "
            "ELSE (SELECT l.hash FROM log l WHERE l.seq = NEW.seq - 1) END) THEN "
            f"RAISE EXCEPTION USING MESSAGE = '{_CHAIN} (record ' || NEW.seq || ')', "
            "ERRCODE = 'integrity_constraint_violation'; "
            "END IF; RETURN NEW; END $$"
        )
        conn.exec_driver_sql("DROP TRIGGER IF EXISTS log_chain ON log")
        conn.exec_driver_sql(
            "CREATE TRIGGER log_chain BEFORE INSERT ON log FOR EACH ROW EXECUTE FUNCTION chronicle_log_chain()"
        )


def install_append_only_guards(conn: Connection) -> None:
    """Triggers that refuse UPDATE and DELETE (and TRUNCATE on PostgreSQL) on the log (schema 1)."""
    if conn.dialect.name == "sqlite":
        for action in ("UPDATE", "DELETE"):
            conn.exec_driver_sql(
                f"CREATE TRIGGER IF NOT EXISTS log_no_{action.lower()} BEFORE {action} ON log "
                f"BEGIN SELECT RAISE(ABORT, '{_APPEND_ONLY}'); END"
            )
    elif conn.dialect.name == "postgresql":
        conn.exec_driver_sql(
            "CREATE OR REPLACE FUNCTION chronicle_log_append_only() RETURNS trigger "
            "LANGUAGE plpgsql AS $$ BEGIN "
            f"RAISE EXCEPTION '{_APPEND_ONLY}' USING ERRCODE = 'restrict_violation'; "
            "END $$"
        )
        for name, action, level in (
            ("log_no_update", "UPDATE", "ROW"),
            ("log_no_delete", "DELETE", "ROW"),
            ("log_no_truncate", "TRUNCATE", "STATEMENT"),
        ):
            conn.exec_driver_sql(f"DROP TRIGGER IF EXISTS {name} ON log")
            conn.exec_driver_sql(
                f"CREATE TRIGGER {name} BEFORE {action} ON log FOR EACH {level} "
                "EXECUTE FUNCTION chronicle_log_append_only()"
            )


def is_append_only_violation(error: BaseException) -> bool:
    return _APPEND_ONLY in str(error)


def is_chain_violation(error: BaseException) -> bool:
    return _CHAIN in str(error)


def write_options() -> dict[str, Any]:
    """Execution options for a connection that will append."""
    return {"chronicle_write": True}


class _OnSQLite(ColumnElement[Any]):
    """``clause`` as it is, but wrapped in ``template`` when compiled for SQLite."""

    inherit_cache = True
    _traverse_internals = [  # noqa: RUF012 - SQLAlchemy's cache-key declaration
        ("clause", InternalTraversal.dp_clauseelement), ("template", InternalTraversal.dp_string),
    ]

    def __init__(self, clause: ColumnElement[Any], template: str, type_: Any) -> None:
        self.clause = clause
        self.template = template
        self.type = type_


@compiles(_OnSQLite)
def _plain(element: _OnSQLite, compiler: Any, **kwargs: Any) -> str:
    return str(compiler.process(element.clause, **kwargs))


@compiles(_OnSQLite, "sqlite")
def _wrapped(element: _OnSQLite, compiler: Any, **kwargs: Any) -> str:
    return element.template.format(compiler.process(element.clause, **kwargs))


# Planner hints, for SQLite only (PostgreSQL keeps statistics and plans these well).
# SQLite's planner has no statistics unless someone runs ANALYZE, and guesses that an
# equality (``to_seq IS NULL``, ``wide = 1``) picks few rows. The hints keep its partial
# indexes usable — the marked terms still imply the indexes' conditions.


def likely(condition: ColumnElement[bool]) -> ColumnElement[Any]:
    """A condition true for most rows (SQLite ``likely()``): no index is chosen for it."""
    return _OnSQLite(condition, "likely({})", NullType())


def unlikely(condition: ColumnElement[bool]) -> ColumnElement[Any]:
    """A condition true for few rows (SQLite ``unlikely()``): its index is preferred."""
    return _OnSQLite(condition, "unlikely({})", NullType())


def unindexed(column: ColumnElement[Any]) -> ColumnElement[Any]:
    """A column that must not drive the choice of index here (SQLite's unary ``+``)."""
    return _OnSQLite(column, "+{}", column.type)
