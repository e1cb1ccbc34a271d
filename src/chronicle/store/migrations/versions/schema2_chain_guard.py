"""Schema 2: the database refuses a log record that does not continue the chain.

A BEFORE INSERT trigger on ``log`` requires ``prev_hash`` to be the hash of record
``seq - 1`` (the genesis hash for record 1). Existing records are untouched, so the
head hash stays what it was.
"""

from __future__ import annotations

from alembic import op

from chronicle.store import guards

revision = "schema2"
down_revision = "schema1"
branch_labels = None
depends_on = None


def upgrade() -> None:
    guards.install_chain_guard(op.get_bind())
    op.execute("UPDATE chronicle_meta SET value = '2' WHERE key = 'schema_version'")


def downgrade() -> None:
    bind = op.get_bind()
    op.execute("DROP TRIGGER IF EXISTS log_chain" + (" ON log" if bind.dialect.name == "postgresql" else ""))
    if bind.dialect.name == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS chronicle_log_chain()")
    op.execute("UPDATE chronicle_meta SET value = '1' WHERE key = 'schema_version'")
