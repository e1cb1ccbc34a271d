"""Alembic's entry point: run the migrations on the connection the runner provides."""

from __future__ import annotations

from alembic import context

connection = context.config.attributes.get("connection")
if connection is None or context.is_offline_mode():
    raise RuntimeError("chronicle's migrations run through `chronicle upgrade`, on a live connection")

context.configure(connection=connection, target_metadata=None)
# The runner's transaction is already open (and holds the write lock): Alembic joins it,
# so every migration, the schema_version row and alembic_version commit together.
with context.begin_transaction():
    context.run_migrations()
