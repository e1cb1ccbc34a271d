"""Schema 5: the full-text index (``show --search``), filled from the current events.

Creates ``event_search`` — an FTS5 table on SQLite, a table with a generated, GIN-indexed
``tsvector`` on PostgreSQL (see :mod:`chronicle.fulltext`) — and indexes every event's
current version. The index is derived data, like ``event_versions``: the log and its
hashes are untouched, and ``verify`` checks the index against the events.
"""

from __future__ import annotations

from alembic import op

from chronicle import fulltext

revision = "schema5"
down_revision = "schema4"
branch_labels = None
depends_on = None


def upgrade() -> None:
    conn = op.get_bind()
    fulltext.create(conn)
    fulltext.fill(conn)
    op.execute("UPDATE chronicle_meta SET value = '5' WHERE key = 'schema_version'")


def downgrade() -> None:
    op.execute(f"DROP TABLE IF EXISTS {fulltext.TABLE}")
    op.execute("UPDATE chronicle_meta SET value = '4' WHERE key = 'schema_version'")
