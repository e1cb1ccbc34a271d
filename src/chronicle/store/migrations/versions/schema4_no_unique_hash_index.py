"""Schema 4: no unique index on the log's hashes, no index on ``to_seq``.

A unique index over random SHA-256 values is the costliest index a bulk import
maintains (every insert lands on a random page), and it guards nothing the schema does
not already guard: the chain trigger (schema 2) makes each record's ``prev_hash`` the
hash of the record before it, the primary key keeps ``seq`` gap-free and unique, and
``verify`` recomputes every hash. ``ix_versions_to_seq`` served no query: current
versions are found through the partial indexes, a version's successor through the
primary key. The log's rows and hashes are copied unchanged. The projection's ``lo``/``hi`` bounds
widen from 19 to 32 characters: a BC or long year's sortable bound text is longer than
ISO's (``dates.bound_text``); SQLite ignores the length, PostgreSQL's varchar does not.

On SQLite a table constraint cannot be dropped, so the log is rebuilt: copied into a
new table without it, the old one dropped (its triggers and indexes with it), the new
one renamed and its index and guards created again — in the upgrade's one transaction.
"""

from __future__ import annotations

from alembic import op

from chronicle.store import guards

revision = "schema4"
down_revision = "schema3"
branch_labels = None
depends_on = None

_LOG_COLUMNS = (
    "seq INTEGER NOT NULL, event_id VARCHAR(100) NOT NULL, kind VARCHAR(16) NOT NULL, "
    "payload TEXT NOT NULL, author TEXT NOT NULL, recorded_at VARCHAR(32) NOT NULL, "
    "origin TEXT NOT NULL, reason TEXT, v SMALLINT NOT NULL, prev_hash VARCHAR(64) NOT NULL, "
    "hash VARCHAR(64) NOT NULL"
)
_ALL = "seq, event_id, kind, payload, author, recorded_at, origin, reason, v, prev_hash, hash"


def upgrade() -> None:
    conn = op.get_bind()
    if conn.dialect.name == "postgresql":
        op.execute("ALTER TABLE log DROP CONSTRAINT IF EXISTS log_hash_key")
        op.execute("ALTER TABLE event_versions ALTER COLUMN lo TYPE VARCHAR(32), ALTER COLUMN hi TYPE VARCHAR(32)")
    else:
        op.execute(f"CREATE TABLE log_schema4 ({_LOG_COLUMNS}, PRIMARY KEY (seq))")
        op.execute(f"INSERT INTO log_schema4 ({_ALL}) SELECT {_ALL} FROM log ORDER BY seq")
        op.execute("DROP TABLE log")
        op.execute("ALTER TABLE log_schema4 RENAME TO log")
        op.execute("CREATE INDEX ix_log_event ON log (event_id, seq)")
        guards.install_guards(conn)
    op.execute("DROP INDEX IF EXISTS ix_versions_to_seq")
    op.execute("UPDATE chronicle_meta SET value = '4' WHERE key = 'schema_version'")


def downgrade() -> None:
    op.execute("CREATE INDEX ix_versions_to_seq ON event_versions (to_seq)")
    op.execute("CREATE UNIQUE INDEX ix_log_hash ON log (hash)")
    op.execute("UPDATE chronicle_meta SET value = '3' WHERE key = 'schema_version'")
