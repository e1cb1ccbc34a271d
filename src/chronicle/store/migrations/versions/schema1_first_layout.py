"""Schema 1: the first layout (log, event_versions, chronicle_meta; append-only triggers).

The baseline. Archives of schema 1 were created whole by ``Store.create`` and are
stamped with this revision on their first ``chronicle upgrade``; it creates nothing.
"""

from __future__ import annotations

revision = "schema1"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Nothing to do: schema-1 archives already have this layout."""


def downgrade() -> None:
    raise NotImplementedError("schema 1 is the first layout; there is nothing below it")
