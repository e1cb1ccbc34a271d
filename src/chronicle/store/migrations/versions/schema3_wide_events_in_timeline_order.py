"""Schema 3: long events are indexed by start *and* end, in timeline order.

``show --since X`` reads events that started long before X but are still running
(intervals over 400 days, ongoing events) through a partial index of those "wide"
events. Schema 2 indexed them by end date only, so every wide event reaching X was read
and sorted before the first row came back (about 30 ms at a million events). Keyed by
(wide, start, precision, id, end) — the equality on its first column makes SQLite
choose it over the start-date index of all events — the index is walked in timeline order, the end is checked
inside it, and ``--limit`` stops it after a few entries. Only an index changes: the log
and its hashes are untouched.
"""

from __future__ import annotations

from alembic import op

revision = "schema3"
down_revision = "schema2"
branch_labels = None
depends_on = None

_WHERE = "to_seq IS NULL AND wide = 1"


def upgrade() -> None:
    op.execute("DROP INDEX IF EXISTS ix_versions_current_wide")
    op.execute(f"CREATE INDEX ix_versions_current_wide ON event_versions (wide, lo, precision, event_id, hi) WHERE {_WHERE}")
    op.execute("UPDATE chronicle_meta SET value = '3' WHERE key = 'schema_version'")


def downgrade() -> None:
    op.execute("DROP INDEX IF EXISTS ix_versions_current_wide")
    op.execute(f"CREATE INDEX ix_versions_current_wide ON event_versions (hi) WHERE {_WHERE}")
    op.execute("UPDATE chronicle_meta SET value = '2' WHERE key = 'schema_version'")
