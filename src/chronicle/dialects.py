"""Everything that differs between SQLite and PostgreSQL — and nothing else.

This is the one clearly marked place where chronicle speaks a dialect: how an engine is
made, how a writer takes the log's write lock, and the triggers that make the database
refuse UPDATE, DELETE (and TRUNCATE) on the log. The rest of the store is portable
SQLAlchemy Core.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.engine import make_url

from chronicle.errors import ArchiveNotFound, InvalidInput

_APPEND_ONLY = "chronicle log is append-only"
#: Key of the PostgreSQL advisory lock that serialises appends.
_PG_LOCK_KEY = 7_421_019_517


def sqlite_path(url: str) -> Path | None:
    """The file of a ``sqlite:///`` URL, or None for other backends."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return None
    return Path(parsed.database) if parsed.database and parsed.database != ":memory:" else None


def make_engine(url: str, *, must_exist: bool = True) -> Engine:
    """An engine for ``url``; refuses to conjure an empty SQLite file out of a typo."""
    try:
        parsed = make_url(url)
    except Exception:  # noqa: BLE001 - any parse failure is the user's URL
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
        engine = create_engine(url, connect_args={"timeout": 60})
        _configure_sqlite(engine)
        return engine
    if backend == "postgresql":
        if parsed.get_driver_name() not in ("psycopg",):
            parsed = parsed.set(drivername="postgresql+psycopg")
        return create_engine(parsed, pool_pre_ping=True)
    raise InvalidInput(
        "is not a supported database", field="--db", value=url,
        accepted="sqlite:///… or postgresql+psycopg://…",
    )


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
        immediate = conn.get_execution_options().get("chronicle_write", False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def lock_for_append(conn: Connection) -> None:
    """Serialise appends: one writer at a time computes the next sequence and hash.

    SQLite already holds its write lock (BEGIN IMMEDIATE). PostgreSQL takes a
    transaction-scoped advisory lock, so sequence numbers are handed out in commit
    order and a reader following the log never skips a record committed late.
    """
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_LOCK_KEY})


def install_guards(conn: Connection) -> None:
    """Triggers that make the database itself refuse to change the log."""
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


def write_options() -> dict[str, Any]:
    """Execution options for a connection that will append."""
    return {"chronicle_write": True}
