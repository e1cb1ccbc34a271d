"""Reading: the statements that find events (timeline order, filters, as-of) and read records.

Every statement here streams: readers get rows in batches from a server-side cursor,
so a million events never sit in memory at once.
"""

from __future__ import annotations

import json
import string
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, Engine, and_, func, literal_column, or_, select, text, union_all

from chronicle import fulltext
from chronicle.dates import bound_text, instant_from_bound_text
from chronicle.model import GENESIS_HASH, Event, Record, Status, fold_text
from chronicle.projection import ListingRow, event_from_doc, listing_row
from chronicle.query import EventQuery
from chronicle.store.hints import likely, unlikely
from chronicle.store.rows import Head, record_from_row, utc_now_text
from chronicle.store.schema import SEP, WIDE_DAYS, current, log_table, versions_table

_v = versions_table.c
_ASCII_UPPER = str.maketrans(string.ascii_lowercase, string.ascii_uppercase)
_ASCII_LOWER = str.maketrans(string.ascii_uppercase, string.ascii_lowercase)


def valid_at(as_of: datetime | None) -> Any:
    """The versions valid at transaction time ``as_of`` (naive UTC); None: the current ones."""
    if as_of is None:
        return current
    stamp = utc_now_text(as_of.replace(tzinfo=UTC))
    return and_(_v.from_at <= stamp, or_(_v.to_at.is_(None), _v.to_at > stamp))


def actor_matches(actor: str) -> Any:
    """An actor named ``actor``, or whose name holds its words as whole words, in order.

    ``--actor Mehta`` finds "Judge Amit Mehta"; ``--actor meh`` does not. Case and
    accents are ignored (the key is folded), like tags.
    """
    name = " ".join(fold_text(actor).split())
    return or_(*(_v.actors_key.contains(before + name + after, autoescape=True)
                 for before in (SEP, " ") for after in (SEP, " ")))


#: What :func:`events_statement` selects of each event, before the columns it orders by:
#: the stored document (every reader that builds events or their JSON) …
DOC = (_v.doc,)
#: … or what a listing line needs (:func:`event_listing`): the status column and the
#: document, whose head holds the title and dates (the event's id is an ordering column).
LISTING = (_v.status, _v.doc)


def events_statement(query: EventQuery, *, columns: tuple[Any, ...] = DOC, candidates: int | None = None) -> Any:
    """The events of ``query`` in timeline order, as a statement the database can stream.

    Each row is ``columns`` (:data:`DOC` or :data:`LISTING`), then ``lo``, ``precision``
    and ``event_id`` (the timeline order, which a union can only sort by selected columns).

    ``--since`` is an interval-overlap test (``hi >= since``), which no single B-tree
    range answers; it is split into two disjoint parts that each are an index range
    (see :data:`~chronicle.store.schema.WIDE_DAYS`), merged in timeline order:

    - events starting on or after ``since - WIDE_DAYS`` whose end reaches ``since``: a
      range of the start-date index, read in order (``LIMIT`` stops it early);
    - wide events starting before that whose end reaches ``since``: a range of the
      wide events' end-date index.

    Without the planner hints (:func:`chronicle.store.hints.likely` …), SQLite takes
    ``to_seq IS NULL`` for a selective key and sorts every current version in a
    temporary B-tree before returning the first row: a full scan, and no streaming.

    With ``candidates`` (a relevance-ranked search), only the index's best that many
    matches are joined to their events (see :func:`event_docs`).
    """
    valid = likely(current) if query.as_of is None else valid_at(query.as_of)
    ranked = query.search is not None and query.sort == "relevance"

    def part(*conditions: Any, lo: Any = _v.lo) -> Any:
        stmt = select(*columns, _v.lo, _v.precision, _v.event_id).where(valid, *conditions)
        if query.search is not None and not ranked:
            stmt = stmt.where(_v.event_id.in_(fulltext.matching_ids(query.search)))
        if not query.include_retracted:
            stmt = stmt.where(_v.status == Status.ACTIVE.value)
        else:
            # A merged duplicate is part of the event it was merged into, never an event of its own.
            stmt = stmt.where(_v.status != Status.MERGED.value)
        if query.until is not None:
            stmt = stmt.where(lo <= query.until)
        for tag in query.tags:
            stmt = stmt.where(_v.tags_key.contains(SEP + fold_text(tag) + SEP, autoescape=True))
        if query.any_tags:
            stmt = stmt.where(or_(*(_v.tags_key.contains(SEP + fold_text(tag) + SEP, autoescape=True)
                                    for tag in query.any_tags)))
        for group in query.actor_names or tuple((actor,) for actor in query.actors):
            stmt = stmt.where(or_(*(actor_matches(name) for name in group)))
        if query.text:
            for word in fold_text(query.text).split():
                stmt = stmt.where(_v.search.contains(word, autoescape=True))
        return stmt

    if ranked:
        # Best match first: the index drives, each match is joined to its current version.
        assert query.search is not None
        ranking = fulltext.ranked(query.search, limit=candidates)
        stmt = part(*(() if query.since is None else (_v.hi >= query.since,)))
        stmt = stmt.select_from(fulltext.ranked_join(ranking, versions_table, ranking.c.event_id == _v.event_id))
        if candidates is not None:
            stmt = stmt.add_columns(ranking.c.score, ranking.c.worst, ranking.c.found)
        stmt = stmt.order_by(ranking.c.score, _v.lo, _v.precision, _v.event_id)
    elif query.since is None:
        stmt = part()
        stmt = stmt.order_by(_v.lo, _v.precision, _v.event_id)
    else:
        # Non-wide events span at most WIDE_DAYS, so one that reaches --since started
        # at most that long before it.
        window = bound_text(instant_from_bound_text(query.since).shifted(days=-(WIDE_DAYS + 1)))
        starts_late = part(_v.lo >= window, _v.hi >= query.since)
        # A literal 1, so that SQLite can prove the wide index's condition (wide = 1).
        # That index holds the start and the end: it is walked in timeline order and
        # the end is checked inside it, so LIMIT stops it after a few entries.
        reaches_back = part(unlikely(_v.wide == literal_column("1")), _v.lo < window, _v.hi >= query.since)
        union = union_all(reaches_back, starts_late)
        selected = union.selected_columns
        stmt = union.order_by(selected.lo, selected.precision, selected.event_id)
    if query.limit is not None:
        stmt = stmt.limit(query.limit)
    return stmt


def event_docs(engine: Engine, query: EventQuery, *, batch_size: int) -> Iterator[str]:
    """The stored document of each event of ``query``, as JSON text (see :meth:`Store.event_docs`)."""
    for batch in _batches(engine, query, DOC, batch_size=batch_size, first_only=True):
        yield from batch


def event_listing(engine: Engine, query: EventQuery, *, batch_size: int) -> Iterator[ListingRow]:
    """What a listing line shows of each event of ``query`` (see :meth:`Store.listing`)."""
    row_of = listing_row
    for batch in _batches(engine, query, LISTING, batch_size=batch_size):
        for status, doc, _, _, event_id in batch:
            yield row_of(event_id, status, doc)


def _batches(engine: Engine, query: EventQuery, columns: tuple[Any, ...], *, batch_size: int,
             first_only: bool = False) -> Iterator[Any]:
    """The rows of :func:`events_statement`, a batch (a sequence of tuples) at a time;
    ``first_only``: each row's first column alone (no Row object per event)."""
    if query.search is not None and query.sort == "relevance" and query.limit:
        # Best matches first, cheaply: join only the index's best few to their events.
        # They are the true top when they are every match, or when enough pass the other
        # filters and the last scores better than any match left out (on a tie, timeline
        # order decides: a tied match left out could come first). Else the full ranking
        # below decides. (Reading limit + 10 first saves 3 ms of CPU at 1M events, but a
        # tie at the cut, common for a place name, then ranks twice: 34 → 82 ms.)
        candidates = query.limit * 5 + 50
        with engine.connect() as conn:
            rows = conn.execute(events_statement(query, columns=columns, candidates=candidates)).all()
        if rows and (rows[-1].found < candidates or (len(rows) == query.limit and rows[-1].score < rows[-1].worst)):
            # Without the ranking's own three columns, as the full statement gives them.
            width = len(columns) + 3
            yield [row[0] for row in rows] if first_only else [tuple(row[:width]) for row in rows]
            return
    stmt = events_statement(query, columns=columns)
    with engine.connect() as conn, conn.execution_options(yield_per=batch_size).execute(stmt) as result:
        # Whole batches: no fetch call per event.
        yield from (result.scalars() if first_only else result).partitions()


def count_events(engine: Engine, query: EventQuery) -> int:
    """How many events ``query`` finds, whatever its limit."""
    fields = {name: getattr(query, name) for name in EventQuery.__slots__}
    stmt = select(func.count()).select_from(events_statement(EventQuery(**{**fields, "limit": None})).subquery())
    with engine.connect() as conn:
        return int(conn.execute(stmt).scalar_one())


def query_plan(engine: Engine, query: EventQuery) -> list[str]:
    """How the database runs the statement of ``query``, one line per step."""
    with engine.connect() as conn:
        compiled = events_statement(query).compile(conn, compile_kwargs={"literal_binds": True})
        explain = "EXPLAIN QUERY PLAN " if conn.dialect.name == "sqlite" else "EXPLAIN "
        rows = conn.execute(text(explain + str(compiled))).all()
    return [str(row[-1]) for row in rows]


def resolve_prefix(engine: Engine, prefix: str) -> list[str]:
    """Current event ids starting with ``prefix`` (at most 11, enough to say "ambiguous")."""
    stmt = (
        select(_v.event_id).where(likely(current))
        .where(_v.event_id.startswith(prefix, autoescape=True))
        .order_by(_v.event_id).limit(11)
    )
    if engine.dialect.name == "sqlite":
        # SQLite's LIKE ignores ASCII case, so no index can serve it and every current
        # version would be read. Every match lies in this range (upper case sorts
        # first), which the id index walks; LIKE still decides.
        stmt = stmt.where(
            _v.event_id >= prefix.translate(_ASCII_UPPER),
            _v.event_id < prefix.translate(_ASCII_LOWER) + "\U0010ffff",
        )
    with engine.connect() as conn:
        return list(conn.execute(stmt).scalars())


def records(
    engine: Engine, *, event_id: str | None, after_seq: int, limit: int | None, batch_size: int,
) -> Iterator[Record]:
    """Log records in sequence order, streamed."""
    stmt = select(log_table).where(log_table.c.seq > after_seq).order_by(log_table.c.seq)
    if event_id is not None:
        stmt = stmt.where(log_table.c.event_id == event_id)
    if limit is not None:
        stmt = stmt.limit(limit)
    # ``with`` on the result: a reader that stops early (``next(log())``) closes
    # PostgreSQL's server-side cursor now, not whenever the generator is collected.
    with engine.connect() as conn, conn.execution_options(yield_per=batch_size).execute(stmt) as rows:
        for row in rows:
            yield record_from_row(row)


def head_of(conn: Connection) -> Head:
    """The log's head as ``conn`` sees it."""
    row = conn.execute(
        select(log_table.c.seq, log_table.c.hash, log_table.c.recorded_at)
        .order_by(log_table.c.seq.desc()).limit(1)
    ).first()
    if row is None:
        return Head(0, GENESIS_HASH, None)
    return Head(int(row.seq), row.hash, row.recorded_at)


def current_states(conn: Connection, ids: list[str]) -> dict[str, Event]:
    """The current state of those of ``ids`` that exist."""
    found: dict[str, Event] = {}
    for start in range(0, len(ids), 500):
        # likely(): otherwise SQLite, guessing that few versions are current, reads every
        # current version for each chunk — an import would take quadratic time.
        stmt = select(_v.doc).where(likely(current)).where(_v.event_id.in_(ids[start:start + 500]))
        for doc in conn.execute(stmt).scalars():
            event = event_from_doc(json.loads(doc))
            found[event.id] = event
    return found
