"""Triggers that make the database itself refuse to change the log or break its chain.

Installed when an archive is created (and by the schema 2 and 4 migrations); the one
place where their SQL, per dialect, is written.
"""

from __future__ import annotations

from sqlalchemy import Connection

from chronicle.model import GENESIS_HASH

_APPEND_ONLY = "chronicle log is append-only"
_CHAIN = "chronicle log: a record must continue the chain"
_GENESIS = GENESIS_HASH


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
