"""The append-only log and the projections derived from it, behind one small interface.

Only this package imports SQLAlchemy. Its rooms, one job each:

``schema``      the tables, their indexes and the schema version
``rows``        records and events as table rows and back (canonical JSON, hash body, version row)
``writer``      the batch writer, the append paths, the one chain-link check
``queries``     the statements that find events and read records
``verify``      ``verify``: the log read once, split across cores by sequence range
``integrity``   every projected column compared with a replay; the projection rebuilt
``core``        :class:`Store`, which opens an archive and hands each job to its room
``dialects``    engines, connections and write locks on SQLite and PostgreSQL
``guards``      the triggers that make the database refuse to change the log
``hints``       SQLite planner hints
``failures``    database and file failures in one line
``upgrade``     ``chronicle upgrade`` and its Alembic ``migrations`` (loaded only by that command)

The names below are the store's public face; nothing outside this package uses a
private (``_``) name of it.
"""

from __future__ import annotations

from chronicle.store.core import Store
from chronicle.store.integrity import ProjectionReport, check_projection, repair_projection
from chronicle.store.queries import events_statement
from chronicle.store.rows import (
    AppendResult,
    Head,
    doc_json,
    payload_json,
    record_body_json,
    record_from_row,
    utc_now_text,
    version_row,
)
from chronicle.store.schema import (
    LOG_COLUMNS,
    SCHEMA_VERSION,
    VERSION_COLUMNS,
    WIDE_DAYS,
    log_table,
    meta_table,
    metadata,
    versions_table,
)
from chronicle.store.verify import VERIFY_SPLIT_AT
from chronicle.store.writer import WRITE_ATTEMPTS

__all__ = [
    "LOG_COLUMNS",
    "SCHEMA_VERSION",
    "VERIFY_SPLIT_AT",
    "VERSION_COLUMNS",
    "WIDE_DAYS",
    "WRITE_ATTEMPTS",
    "AppendResult",
    "Head",
    "ProjectionReport",
    "Store",
    "check_projection",
    "doc_json",
    "events_statement",
    "log_table",
    "meta_table",
    "metadata",
    "payload_json",
    "record_body_json",
    "record_from_row",
    "repair_projection",
    "utc_now_text",
    "version_row",
    "versions_table",
]
