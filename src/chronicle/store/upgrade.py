"""Bring an archive made by an older chronicle up to this one: ``chronicle upgrade``.

Three kinds of version are at play, and each is handled where it lives:

* the **schema** (table layout, triggers): ``chronicle_meta.schema_version``; moved
  forward by the Alembic migrations shipped in :mod:`chronicle.store.migrations`, all in one
  transaction that holds the log's write lock, so no writer appends halfway through;
* the **projection** (``event_versions``): ``chronicle_meta.projection_version``;
  derived data, so a different version is simply rebuilt from the log;
* the **record payloads**: each record's ``v``; never rewritten (the hashes cover
  them) — :func:`chronicle.projection.upcast` reads older payloads as current ones.

The log itself is never touched: the head hash is the same before and after.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from sqlalchemy.exc import DBAPIError

from chronicle.errors import SchemaMismatch
from chronicle.store import dialects
from chronicle.store.core import Store
from chronicle.store.schema import SCHEMA_VERSION

#: The migrations directory inside the installed package.
MIGRATIONS = Path(__file__).resolve().parent / "migrations"


@dataclass(frozen=True, slots=True)
class UpgradeReport:
    """What ``upgrade`` found and did."""

    schema_before: int
    schema_after: int
    projection_before: str | None
    #: Records replayed into a rebuilt projection (0: the projection was current).
    replayed: int

    @property
    def changed(self) -> bool:
        return self.schema_before != self.schema_after or self.replayed > 0


def revision_for(schema_version: int) -> str:
    """The Alembic revision that stands for a schema version."""
    return f"schema{schema_version}"


def alembic_config(connection: object) -> Config:
    """An Alembic configuration that runs the packaged migrations on ``connection``."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


def upgrade_archive(url: str, *, rebuild: bool = False) -> UpgradeReport:
    """Migrate the archive at ``url`` to :data:`SCHEMA_VERSION` and rebuild a stale projection.

    With ``rebuild``, the projection (and the search index) is rebuilt from the log
    even when it is current — the repair for a projection ``verify`` found damaged.

    Refuses an archive written by a newer chronicle. Safe to run again: an archive
    that is current is left as it is.
    """
    store = Store(url)
    try:
        meta = store.meta()
        before = int(meta.get("schema_version", "0"))
        projection_before = meta.get("projection_version")
        if before > SCHEMA_VERSION:
            raise SchemaMismatch(
                f"the archive was written by a newer chronicle (schema {before}, this one knows "
                f"{SCHEMA_VERSION}); upgrade chronicle itself instead",
                field="schema_version", value=before,
            )
        if before < 1:
            raise SchemaMismatch("the archive names no schema version chronicle knows",
                                 field="schema_version", value=meta.get("schema_version"))
        if before < SCHEMA_VERSION:
            _migrate(store, before)
        store.forget_meta()  # the migrations changed chronicle_meta underneath the cache
        after = int(store.meta().get("schema_version", "0"))
        replayed = store.rebuild_projection() if rebuild else store.refresh_projection()
        return UpgradeReport(before, after, projection_before, replayed)
    finally:
        store.close()


def _migrate(store: Store, found: int) -> None:
    try:
        with store.engine.connect().execution_options(**dialects.write_options()) as conn, conn.begin():
            # Writers wait while the schema changes under them.
            dialects.lock_for_append(conn)
            config = alembic_config(conn)
            if MigrationContext.configure(conn).get_current_revision() is None:
                # Never upgraded before: chronicle_meta says where the archive stands.
                command.stamp(config, revision_for(found))
            command.upgrade(config, revision_for(SCHEMA_VERSION))
    except DBAPIError as error:
        if dialects.classify_write_failure(error) == "busy":
            raise
        # One transaction: a failed step (typically a role that may not change tables)
        # leaves the archive exactly as it was.
        reason = str(error.orig).strip().splitlines()[0] if error.orig is not None else str(error)
        raise SchemaMismatch(
            f"the upgrade failed and changed nothing ({reason}); run `chronicle upgrade` "
            "as the role that owns the archive's tables",
            field="schema_version", value=found,
        ) from None

