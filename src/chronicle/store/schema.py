"""The tables, their indexes and the schema version: what an archive's database holds.

``log``
    One row per record, global gap-free ``seq``, ``hash = SHA-256(prev_hash + canonical
    JSON of the record)``. The database refuses UPDATE/DELETE on it (triggers,
    :mod:`chronicle.store.guards`).
``event_versions``
    The projection: one row per (event, record) holding the event's full state after
    that record, valid in transaction time from ``from_at`` until ``to_at`` (NULL =
    current). "Now" is ``to_seq IS NULL``; ``--as-of T`` is ``from_at <= T < to_at`` —
    a query, not a replay. Derived, so rebuildable from the log at any time.
``chronicle_meta``
    Archive name, description, schema and projection versions.

The full-text index (``event_search``) lives in :mod:`chronicle.fulltext`.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, Index, Integer, MetaData, SmallInteger, String, Table, Text, and_

#: Version of the table layout; Alembic migrations move archives between versions
#: (``chronicle upgrade``, :mod:`chronicle.store.upgrade`). 1: the first layout; 2: the
#: database also refuses a log record that does not continue the chain; 3: wide events
#: indexed in timeline order; 4: no unique index on the hashes, none on ``to_seq``;
#: 5: the full-text index (:mod:`chronicle.fulltext`).
SCHEMA_VERSION = 5

#: Events spanning more than this many days are "wide": found through their own index,
#: so that date-range queries on everything else can walk the start-date index.
WIDE_DAYS = 400

_SeqType = BigInteger().with_variant(Integer(), "sqlite")

metadata = MetaData()

meta_table = Table(
    "chronicle_meta",
    metadata,
    Column("key", String(64), primary_key=True),
    Column("value", Text, nullable=False),
)

log_table = Table(
    "log",
    metadata,
    Column("seq", _SeqType, primary_key=True, autoincrement=False),
    Column("event_id", String(100), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("payload", Text, nullable=False),
    Column("author", Text, nullable=False),
    Column("recorded_at", String(32), nullable=False),
    Column("origin", Text, nullable=False),
    Column("reason", Text),
    Column("v", SmallInteger, nullable=False),
    Column("prev_hash", String(64), nullable=False),
    # Not unique: the chain trigger and verify guard the hashes (schema 4).
    Column("hash", String(64), nullable=False),
    Index("ix_log_event", "event_id", "seq"),
)

versions_table = Table(
    "event_versions",
    metadata,
    Column("event_id", String(100), primary_key=True),
    Column("from_seq", _SeqType, primary_key=True, autoincrement=False),
    Column("to_seq", _SeqType),
    Column("from_at", String(32), nullable=False),
    Column("to_at", String(32)),
    # Bounds of BC and long years are longer than ISO's 19 characters (dates.bound_text).
    Column("lo", String(32), nullable=False),
    Column("hi", String(32), nullable=False),
    Column("precision", SmallInteger, nullable=False),
    Column("wide", SmallInteger, nullable=False),
    Column("status", String(16), nullable=False),
    Column("tags_key", Text, nullable=False),
    Column("actors_key", Text, nullable=False),
    Column("search", Text, nullable=False),
    Column("doc", Text, nullable=False),
)
_v = versions_table.c
#: The current versions: "now" (``to_seq IS NULL``).
current = _v.to_seq.is_(None)
# Partial indexes over the current versions. Their PostgreSQL spelling is attached by
# add_postgresql_where() when a PostgreSQL archive is created: naming a `postgresql_*`
# option here would load SQLAlchemy's whole PostgreSQL dialect (psycopg, asyncpg, …) on
# every start-up, SQLite included — most of what `chronicle add` spends over its floor.
Index("ix_versions_current_id", _v.event_id, unique=True, sqlite_where=current)
Index("ix_versions_current_lo", _v.lo, _v.precision, _v.event_id, sqlite_where=current)
Index("ix_versions_current_wide", _v.wide, _v.lo, _v.precision, _v.event_id, _v.hi,
      sqlite_where=and_(current, _v.wide == 1))
Index("ix_versions_from_at", _v.from_at, _v.lo)


def add_postgresql_where() -> None:
    """Give the partial indexes their condition on PostgreSQL too (the same as on SQLite)."""
    for index in versions_table.indexes:
        where = index.dialect_options["sqlite"]["where"]
        if where is not None and index.dialect_kwargs.get("postgresql_where") is None:
            index.dialect_kwargs["postgresql_where"] = where


#: Column order of the rows the batch writer writes (plain tuples, no per-row dicts).
LOG_COLUMNS = ("seq", "event_id", "kind", "payload", "author", "recorded_at", "origin", "reason", "v",
               "prev_hash", "hash")
VERSION_COLUMNS = ("event_id", "from_seq", "to_seq", "from_at", "to_at", "lo", "hi", "precision", "wide",
                   "status", "tags_key", "actors_key", "search", "doc")

#: Separates the folded values of ``tags_key`` and ``actors_key``.
SEP = "\x1f"
