"""What a forger with write access to the database does: edits the log under its
append-only triggers, then recomputes the hash chain so that no stored hash is broken.

Shared by the tamper tests (tests/test_integrity.py) and the mutation tests
(tests/test_mutants_integrity.py): only the other checks — links, sequence, time order,
the projection — can catch what these leave behind.
"""

from __future__ import annotations

from sqlalchemy import text

from chronicle.archive import Archive
from chronicle.model import chain_hash
from chronicle.store import record_body_json


def forge_sql(archive: Archive, statement: str, **params: object) -> None:
    """Run ``statement`` with the log's append-only triggers switched off for it."""
    engine = archive.store.engine
    with engine.begin() as conn:
        if engine.dialect.name == "sqlite":
            conn.execute(text("DROP TRIGGER IF EXISTS log_no_update"))
            conn.execute(text(statement), params)
        else:
            conn.execute(text("ALTER TABLE log DISABLE TRIGGER log_no_update"))
            conn.execute(text(statement), params)
            conn.execute(text("ALTER TABLE log ENABLE TRIGGER log_no_update"))


def rehash(archive: Archive, first: int) -> None:
    """Re-hash the chain from record ``first`` on, as a forger who recomputes hashes would."""
    with archive.store.engine.connect() as conn:
        rows = conn.execute(text("SELECT * FROM log ORDER BY seq")).mappings().all()
    prev = rows[first - 2]["hash"] if first > 1 else "0" * 64
    for row in rows[first - 1:]:
        body = record_body_json(int(row["seq"]), row["event_id"], row["kind"], row["payload"], row["author"],
                                row["recorded_at"], row["origin"], row["reason"], int(row["v"]))
        digest = chain_hash(prev, body)
        forge_sql(archive, "UPDATE log SET prev_hash = :prev, hash = :hash WHERE seq = :seq",
                  prev=prev, hash=digest, seq=int(row["seq"]))
        prev = digest
