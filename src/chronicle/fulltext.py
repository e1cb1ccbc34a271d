"""The full-text index: part of the projection, kept beside ``event_versions``.

One row per event, holding the words of its *current* version (see
:func:`chronicle.search.index_text`): written by the store's batch writer whenever an
event's current version changes, refilled when the projection is rebuilt from the log,
and compared with the events by ``verify``. It is keyed by the event's first sequence
number (stable for its life, unique), so replacing an event's words is a delete and an
insert by key.

Each backend uses its own engine behind one query contract (:mod:`chronicle.search`):

* SQLite: an FTS5 table, ``tokenize='unicode61 remove_diacritics 2'``, ranked by
  ``bm25`` with the title weighing twice;
* PostgreSQL: a table with a stored, generated ``tsvector`` (GIN index) built with the
  ``chronicle_search`` text-search configuration — a copy of ``simple`` (no stemming,
  no stop words, like FTS5) that also runs ``unaccent`` when the extension can be
  installed; ranked by ``ts_rank`` with title words weighted ``A``.

Both receive words already folded and split by :func:`chronicle.search.words`, so
they index the same words; the database's own tokenizer only sees plain words.
Like :mod:`chronicle.store.dialects`, this module belongs to the store: it speaks SQL.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable
from typing import Any

from sqlalchemy import (
    Column,
    ColumnElement,
    Connection,
    MetaData,
    String,
    Table,
    Text,
    bindparam,
    literal_column,
    text,
)
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.selectable import Join
from sqlalchemy.sql.visitors import InternalTraversal
from sqlalchemy.types import Float, NullType

from chronicle.ids import LETTERS_TO_ASCII
from chronicle.model import Event
from chronicle.projection import event_from_doc
from chronicle.search import SearchQuery, index_text

TABLE = "event_search"
CONFIG = "chronicle_search"

search_table = Table(
    TABLE,
    MetaData(),  # not the store's metadata: created by create(), per dialect
    Column("event_id", String(100)),
    Column("body", Text),
    Column("title", Text),
)

_SQLITE_DDL = (
    f"CREATE VIRTUAL TABLE {TABLE} USING fts5("
    "event_id UNINDEXED, body, title, tokenize = 'unicode61 remove_diacritics 2')"
)
_PG_DDL = (
    f"CREATE TABLE {TABLE} ("
    " seq BIGINT PRIMARY KEY,"
    " event_id VARCHAR(100) NOT NULL,"
    " body TEXT NOT NULL,"
    " title TEXT NOT NULL,"
    f" doc tsvector GENERATED ALWAYS AS (setweight(setweight(to_tsvector('{CONFIG}', body), 'B'),"
    f" 'A', tsvector_to_array(to_tsvector('{CONFIG}', title)))) STORED)",
    f"CREATE INDEX ix_{TABLE}_doc ON {TABLE} USING gin (doc)",
    f"CREATE INDEX ix_{TABLE}_event ON {TABLE} (event_id)",
)


def create(conn: Connection) -> None:
    """Create the (empty) index of a new archive, or of one being upgraded."""
    if conn.dialect.name == "sqlite":
        conn.execute(text(_SQLITE_DDL))
        return
    _create_pg_config(conn)
    for statement in _PG_DDL:
        conn.execute(text(statement))


def _create_pg_config(conn: Connection) -> None:
    """``chronicle_search``: ``simple`` plus ``unaccent`` if this role may install it.

    The words arrive folded already, so without ``unaccent`` results are the same; it
    is there for text that reaches the configuration some other way (a user's SQL).
    """
    exists = conn.execute(text("SELECT 1 FROM pg_ts_config WHERE cfgname = :name"), {"name": CONFIG}).first()
    if exists:
        return
    conn.execute(text(f"CREATE TEXT SEARCH CONFIGURATION {CONFIG} (COPY = simple)"))
    try:
        with conn.begin_nested():
            conn.execute(text("CREATE EXTENSION IF NOT EXISTS unaccent"))
            conn.execute(text(
                f"ALTER TEXT SEARCH CONFIGURATION {CONFIG} "
                "ALTER MAPPING FOR hword, hword_part, word WITH unaccent, simple"
            ))
    except Exception:  # no unaccent for this role: plain `simple` it stays
        pass


def _key(conn: Connection) -> str:
    return "rowid" if conn.dialect.name == "sqlite" else "seq"


def indexed_row(event: Event) -> tuple[int, str, str, str]:
    """The index row of an event's current version: ``(key, event_id, body, title)``.

    The key is the event's first sequence number. The writer stores exactly this
    (:func:`index`) and ``verify`` compares the stored row with it for each replayed
    event (:mod:`chronicle.store.integrity`), so the two cannot disagree.
    """
    body, title = index_text(event)
    return event.first_seq, event.id, body, title


def folded_words(folded: str) -> list[str]:
    """:func:`chronicle.search.words` of text already folded: ``words(t) ==
    folded_words(fold_text(t))`` (tests/test_verify_first_version.py holds the two
    equal). ``verify`` folds an event's texts once for its version row and its index
    row alike (:mod:`chronicle.store.firstversion`)."""
    if folded.isascii():
        return folded.encode("ascii").translate(_ASCII_BREAKS).decode("ascii").split()
    return [word for word in _WORD_BREAK.split(folded.translate(LETTERS_TO_ASCII)) if word]


#: As in :mod:`chronicle.search`: every ASCII byte that is not a letter or digit breaks a word.
_ASCII_BREAKS = bytes(byte if chr(byte).isascii() and chr(byte).isalnum() else ord(" ") for byte in range(256))
_WORD_BREAK = re.compile(r"[\W_]+")


def key_column(dialect_name: str) -> ColumnElement[Any]:
    """The index's key column (an event's first sequence number): ``rowid`` on FTS5,
    ``seq`` on PostgreSQL; for joining the index to the log by record."""
    return literal_column(f"{TABLE}.{'rowid' if dialect_name == 'sqlite' else 'seq'}")


def _rows(events: Iterable[Event]) -> list[dict[str, Any]]:
    rows = []
    for event in events:
        seq, event_id, body, title = indexed_row(event)
        rows.append({"seq": seq, "event_id": event_id, "body": body, "title": title})
    return rows


def index(conn: Connection, events: Iterable[Event]) -> None:
    """Make the index hold the words of these events' current versions.

    The rows go to the driver's own ``executemany`` as plain tuples (no parameter dict
    per row, no SQLAlchemy parameter processing): it runs for every event an import
    writes, and the dict path cost about twice the insert itself.
    """
    rows: list[tuple[int, str, str, str]] = []
    earlier: list[tuple[int]] = []
    for event in events:
        row = indexed_row(event)
        rows.append(row)
        if event.revision > 1:
            earlier.append((row[0],))
    if not rows:
        return
    key = _key(conn)
    mark = "?" if conn.dialect.name == "sqlite" else "%s"
    # An event on its first record has no words indexed yet (the common case of an import).
    if earlier:
        conn.exec_driver_sql(f"DELETE FROM {TABLE} WHERE {key} = {mark}", earlier)
    conn.exec_driver_sql(
        f"INSERT INTO {TABLE} ({key}, event_id, body, title) VALUES ({mark}, {mark}, {mark}, {mark})", rows,
    )


def clear(conn: Connection) -> None:
    """Empty the index (the projection is about to be rebuilt from the log)."""
    conn.execute(text(f"DELETE FROM {TABLE}"))


def fill(conn: Connection, *, batch_size: int = 2000) -> int:
    """Index every event's current version (for an archive that had no index); returns how many.

    Pages through the current versions by id on the writing connection itself, so it
    runs inside a migration's transaction.
    """
    page = text(
        "SELECT event_id, doc FROM event_versions WHERE to_seq IS NULL AND event_id > :after "
        "ORDER BY event_id LIMIT :size"
    )
    count, after = 0, ""
    while rows := conn.execute(page, {"after": after, "size": batch_size}).all():
        index(conn, [event_from_doc(json.loads(doc)) for _event_id, doc in rows])
        count += len(rows)
        after = rows[-1][0]
    return count


def mismatch(conn: Connection) -> str | None:
    """Why the index does not hold exactly the current events' words (None: it does).

    A serial check on its own (``verify`` checks the index inside its parallel replay
    instead, event by event: :mod:`chronicle.store.integrity`).

    Compared as an order-independent digest of both sides, streamed: memory stays flat
    at a million events.
    """
    expected = _Digest()
    stmt = text("SELECT doc FROM event_versions WHERE to_seq IS NULL")
    for (doc,) in conn.execution_options(yield_per=5000).execute(stmt):
        for row in _rows([event_from_doc(json.loads(doc))]):
            expected.add(row["seq"], row["event_id"], row["body"], row["title"])
    found = _Digest()
    stored = text(f"SELECT {_key(conn)}, event_id, body, title FROM {TABLE}")
    for seq, event_id, body, title in conn.execution_options(yield_per=5000).execute(stored):
        found.add(int(seq), event_id, body, title)
    if found.count != expected.count:
        return f"the search index holds {found.count} events, the projection {expected.count}"
    if found.total != expected.total:
        return "the search index differs from the events' current text"
    return None


class _Digest:
    def __init__(self) -> None:
        self.count = 0
        self.total = 0

    def add(self, seq: int, event_id: str, body: str, title: str) -> None:
        digest = hashlib.blake2b(f"{seq}\x1f{event_id}\x1f{body}\x1f{title}".encode(), digest_size=16).digest()
        self.count += 1
        self.total = (self.total + int.from_bytes(digest)) % (1 << 128)


# -- query elements: compiled per dialect, so the store's statements stay portable ------


class _SearchElement(ColumnElement[Any]):
    inherit_cache = True
    _traverse_internals = [  # noqa: RUF012 - SQLAlchemy's cache-key declaration
        ("fts5", InternalTraversal.dp_clauseelement), ("tsquery", InternalTraversal.dp_clauseelement),
    ]

    def __init__(self, query: SearchQuery) -> None:
        self.fts5 = bindparam(None, query.fts5(), type_=String())
        self.tsquery = bindparam(None, query.tsquery(), type_=String())


class Matches(_SearchElement):
    """True for the index rows that match ``query`` (needs ``event_search`` in FROM)."""

    inherit_cache = True
    # Not Boolean: SQLite would be sent ``MATCH ? = 1``, which FTS5 refuses.
    type = NullType()


class Score(_SearchElement):
    """Relevance of a matching row: lower is better, on both backends (for ORDER BY)."""

    inherit_cache = True
    type = Float()


@compiles(Matches, "sqlite")
def _matches_sqlite(element: Matches, compiler: Any, **kwargs: Any) -> str:
    return f"{TABLE} MATCH {compiler.process(element.fts5, **kwargs)}"


@compiles(Matches)
def _matches_pg(element: Matches, compiler: Any, **kwargs: Any) -> str:
    return f"{TABLE}.doc @@ to_tsquery('{CONFIG}', {compiler.process(element.tsquery, **kwargs)})"


@compiles(Score, "sqlite")
def _score_sqlite(element: Score, compiler: Any, **kwargs: Any) -> str:
    # bm25 is negative, better matches lower; columns: event_id (unindexed), body, title.
    return f"bm25({TABLE}, 0.0, 1.0, 2.0)"


@compiles(Score)
def _score_pg(element: Score, compiler: Any, **kwargs: Any) -> str:
    return f"-ts_rank({TABLE}.doc, to_tsquery('{CONFIG}', {compiler.process(element.tsquery, **kwargs)}))"


def ranked(query: SearchQuery, *, limit: int | None = None) -> Any:
    """A subquery of matching ``event_id`` with their ``score`` (lower is better).

    With ``limit``, only the best that many (the engine keeps a top-k heap, no full
    sort), and two more columns that say whether they are enough: ``found``, how many
    there are (fewer than ``limit``: every match), and ``worst``, the score of the last
    one — a match left out scores no better.
    """
    from sqlalchemy import func, select

    score = Score(query)
    stmt = select(search_table.c.event_id, score.label("score")).where(Matches(query))
    if limit is None:
        return stmt.subquery("ranked")
    best = stmt.order_by(score).limit(limit).subquery("best")
    return select(
        best.c.event_id, best.c.score,
        func.max(best.c.score).over().label("worst"), func.count().over().label("found"),
    ).subquery("ranked")


class _RankedFirst(Join):
    """``ranked JOIN event_versions ON …`` in which the ranking is the outer loop."""

    inherit_cache = True


@compiles(_RankedFirst, "sqlite")
def _ranked_first_sqlite(element: _RankedFirst, compiler: Any, **kwargs: Any) -> str:
    # CROSS JOIN: SQLite keeps the tables in the order written and then runs the ranking
    # subquery as a co-routine; as a plain JOIN it materialises it first, which costs 2–3×
    # the ranking itself (300k events, `quito`: 46 ms of CPU against 17 ms; the join and
    # the 20 documents are the same). Same rows, same order (benchmarks/RESULTS.md).
    kwargs = {k: v for k, v in kwargs.items() if k != "asfrom"}
    assert element.onclause is not None
    return str(
        compiler.process(element.left, asfrom=True, **kwargs)
        + " CROSS JOIN "
        + compiler.process(element.right, asfrom=True, **kwargs)
        + " ON "
        + compiler.process(element.onclause, **kwargs)
    )


def ranked_join(ranking: Any, versions: Any, onclause: Any) -> Any:
    """``ranking`` (from :func:`ranked`) joined to the versions, the ranking read first:
    for ``select(…).select_from(…)`` where the best matches drive the query."""
    return _RankedFirst(ranking, versions, onclause)


def matching_ids(query: SearchQuery) -> Any:
    """``SELECT event_id FROM event_search WHERE <matches query>``, for an ``IN`` filter."""
    from sqlalchemy import select

    return select(search_table.c.event_id).where(Matches(query))
