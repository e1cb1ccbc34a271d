"""The real CSV import, split into stages that sum to the whole (``run.py --child import-split``).

The import runs through ``import_file`` as ``chronicle import`` does; the functions on
its path are wrapped, for this child process only, by timers that keep each stage's
*own* time (its time minus that of the timed stages it calls), so the stages add up to
the whole import by construction. The garbage collector's passes are a stage of their
own (``gc.callbacks``), taken out of whatever stage they interrupted.

The timers read ``time.perf_counter_ns`` (about 40 ns; ``process_time`` costs 0.45 µs,
which at ~25 timed calls a row would be a stage of its own): on a quiet machine a
single-threaded run's wall time and CPU time differ by the database's waits for the
disk. The child also reports the instrumented run's CPU time, so the timers' own
cost (wall with timers minus CPU without) can be judged beside the whole import.
"""

from __future__ import annotations

import gc
import shutil
import time
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from harness import Paths


class Split:
    """Own CPU time per stage: a stack of the running timed calls, each collecting its
    children's time and how many timed calls it made (for :meth:`corrected`)."""

    def __init__(self) -> None:
        self.own: dict[str, int] = {}
        self.calls: dict[str, int] = {}
        self.child_calls: dict[str, int] = {}
        self._children: list[list[int]] = []
        self._gc_started = 0

    def _done(self, name: str, elapsed: int) -> None:
        child, count = self._children.pop()
        self.own[name] = self.own.get(name, 0) + elapsed - child
        self.calls[name] = self.calls.get(name, 0) + 1
        self.child_calls[name] = self.child_calls.get(name, 0) + count
        if self._children:
            parent = self._children[-1]
            parent[0] += elapsed
            parent[1] += 1

    def wrap(self, name: str, function: Callable[..., Any]) -> Callable[..., Any]:
        clock = CLOCK
        children = self._children
        done = self._done

        def timed(*args: Any, **kwargs: Any) -> Any:
            children.append([0, 0])
            started = clock()
            try:
                return function(*args, **kwargs)
            finally:
                done(name, clock() - started)

        return timed

    def iterate(self, name: str, iterable: Iterable[Any]) -> Iterator[Any]:
        """``iterable``, each step (``next``) timed as ``name``."""
        clock = CLOCK
        children = self._children
        iterator = iter(iterable)
        while True:
            children.append([0, 0])
            started = clock()
            try:
                value = next(iterator)
            except StopIteration:
                self._done(name, clock() - started)
                return
            except BaseException:
                self._done(name, clock() - started)
                raise
            self._done(name, clock() - started)
            yield value

    def on_gc(self, phase: str, info: dict[str, Any]) -> None:
        if phase == "start":
            self._gc_started = CLOCK()
            return
        elapsed = CLOCK() - self._gc_started
        self.own["gc"] = self.own.get("gc", 0) + elapsed
        self.calls["gc"] = self.calls.get("gc", 0) + 1
        if self._children:
            self._children[-1][0] += elapsed

    def corrected(self, inside: float, outside: float) -> dict[str, int]:
        """Own time less the timers' cost: ``inside`` ns per call counted in the timed
        stage itself, ``outside`` ns per timed call counted in its caller."""
        return {name: round(ns - self.calls[name] * inside - self.child_calls.get(name, 0) * outside)
                if name != "gc" else ns for name, ns in self.own.items()}


#: CPU time of this process (a system call, ~0.45 µs: its cost is measured by
#: :func:`calibrate` and taken out of each stage).
CLOCK = time.process_time_ns


def calibrate(calls: int = 200_000) -> tuple[float, float]:
    """The timers' own cost per timed call: (counted inside the stage, counted in its caller).

    Measured as the real path uses them: a wrapped function called with positional and
    keyword arguments, and a wrapped generator stepped, half and half.
    """
    probe = Split()

    def nothing(first: Any, second: Any, *, third: Any = None) -> None:
        return None

    def steps() -> Iterator[int]:
        yield from range(calls)

    empty = probe.wrap("empty", nothing)

    def loop() -> None:
        for value in probe.iterate("empty", steps()):
            empty(value, value, third=value)

    def bare() -> None:
        for value in steps():
            nothing(value, value, third=value)

    started = CLOCK()
    bare()
    bare_ns = CLOCK() - started
    probe.wrap("loop", loop)()
    timed_calls = probe.calls["empty"]
    return probe.own["empty"] / timed_calls, max(0.0, (probe.own["loop"] - bare_ns) / timed_calls)


def patch(split: Split, owner: Any, attribute: str, name: str) -> None:
    setattr(owner, attribute, split.wrap(name, getattr(owner, attribute)))


def instrument(split: Split) -> Callable[..., Any]:
    """Wrap the import's path; returns the timed ``import_file``."""
    from sqlalchemy.engine import default

    from chronicle import fulltext, importing, reconciling
    from chronicle.fields import EventFields
    from chronicle.formats import csv_import, mapping
    from chronicle.formats.rows import RowStream
    from chronicle.store import dialects, queries, rows, writer

    patch(split, importing, "sha256_file", "0 the file's SHA-256 (provenance)")
    stream_iter = RowStream.__iter__

    def timed_stream(self: Any) -> Iterator[Any]:
        source = self._rows
        self._rows = lambda: split.iterate("1 CSV reading (csv.reader, row objects)", source())
        try:
            yield from split.iterate("2 row → Incoming: the reader's loop", stream_iter(self))
        finally:
            self._rows = source

    RowStream.__iter__ = timed_stream  # type: ignore[method-assign]
    patch(split, RowStream, "_one", "2 row → Incoming: cells, lists (own_row)")
    patch(split, csv_import, "decode_sources", "2 row → Incoming: sources cell")
    patch(split, csv_import, "build", "2 row → Incoming: id, Incoming (build)")
    parse = EventFields.parse.__func__  # type: ignore[attr-defined]
    EventFields.parse = classmethod(split.wrap("2 row → Incoming: EventFields.parse (dates, text, lists)", parse))  # type: ignore[method-assign, assignment]
    _ = mapping
    chunked = reconciling.chunked
    reconciling.chunked = lambda items, size: split.iterate("3 chunking", chunked(items, size))  # type: ignore[assignment]
    patch(split, queries, "current_states", "3 planning: which events exist (a query per chunk)")
    append_planned = writer.append_planned

    def timed_append_planned(engine: Any, chunks: Any, plan: Any, **kwargs: Any) -> Any:
        def timed_plan(chunk: Any, existing: Any) -> Iterator[Any]:
            return split.iterate("3 planning: duplicates, drafts (reconciling.plan)", plan(chunk, existing))
        return append_planned(engine, chunks, timed_plan, **kwargs)

    writer.append_planned = split.wrap("9 the writer's loop, lock, head", timed_append_planned)
    patch(split, reconciling, "_plan_item", "3 planning: one item's drafts (_plan_item)")
    payload = EventFields.payload
    EventFields.payload = split.wrap("3 planning: the payload dict (EventFields.payload)", payload)  # type: ignore[method-assign]
    patch(split, writer.BatchWriter, "add", "4 record: Record, log tuple (BatchWriter.add)")
    patch(split, writer, "utc_now_text", "4 record: the clock's stamp")
    patch(split, writer, "payload_json", "4 record: canonical JSON of the payload")
    patch(split, writer, "fields_payload_json", "4 record: canonical JSON of the payload")
    patch(split, writer, "record_body_json", "4 record: the hashed body's JSON")
    patch(split, writer, "chain_hash", "4 record: SHA-256 chain")
    patch(split, writer.BatchWriter, "_project", "5 projection: bookkeeping (_project)")
    patch(split, writer, "apply", "5 projection: fold (apply → Event)")
    patch(split, writer, "version_row", "5 projection row: assembling it")
    patch(split, rows, "span_columns", "5 projection row: date bounds")
    patch(split, rows, "key_text", "5 projection row: tags/actors keys (joining)")
    patch(split, rows, "fold_text", "5 projection row: fold_text (search text, keys)")
    patch(split, rows, "event_to_doc", "5 projection row: document dict")
    patch(split, rows, "doc_json", "5 projection row: document JSON")
    patch(split, writer.BatchWriter, "flush", "6 flush: bookkeeping")
    insert_rows = dialects.insert_rows
    log_insert = split.wrap("6 log insert (executemany)", insert_rows)
    versions_insert = split.wrap("6 projection insert (executemany)", insert_rows)
    dialects.insert_rows = lambda conn, table, *a: (  # type: ignore[assignment]
        log_insert if table == "log" else versions_insert)(conn, table, *a)
    patch(split, fulltext, "index", "7 full-text: rows to FTS5 (insert)")
    patch(split, fulltext, "indexed_row", "7 full-text: index text (words)")
    patch(split, writer.BatchWriter, "_defer_indexes", "8 drop the deferred indexes")
    patch(split, writer.BatchWriter, "finish", "8 build the deferred indexes again")
    patch(split, default.DefaultDialect, "do_commit", "9 commit")
    return split.wrap("0 import_file: origin, report", importing.import_file)


def op_import_split(paths: Paths) -> dict[str, Any]:
    """The import of ``run.py --child import-chronicle``, its stages timed on the way."""
    from chronicle.archive import Archive

    split = Split()
    import_file = instrument(split)
    shutil.rmtree(paths.archive_dir, ignore_errors=True)
    paths.archive_dir.mkdir(parents=True)
    archive = Archive.init(paths.archive_dir, name="bench", author="bench", origin="benchmark")
    inside, outside = calibrate()
    gc.callbacks.append(split.on_gc)
    cpu, wall = time.process_time(), time.perf_counter_ns()
    try:
        report = import_file(archive, paths.csv, fmt="csv", options={})
    finally:
        wall = time.perf_counter_ns() - wall
        cpu = time.process_time() - cpu
        gc.callbacks.remove(split.on_gc)
    archive.close()
    if report.new_events != paths.n:
        raise SystemExit(f"imported {report.new_events} of {paths.n} events")
    per_row = {name: ns / paths.n / 1000 for name, ns in sorted(split.corrected(inside, outside).items())}
    return {"seconds": wall / 1e9, "cpu": cpu, "count": paths.n, "stages": per_row,
            "calls": dict(sorted(split.calls.items())), "timed_sum_us": sum(per_row.values()),
            "timer_ns": [inside, outside], "timers_us": (sum(split.own.values()) / 1000 / paths.n)
            - sum(per_row.values())}


def op_import_floors(paths: Paths) -> dict[str, Any]:
    """Each stage's floor, measured alone on the same data (µs a row, CPU, collector off).

    Run after ``import-split`` (or ``import-chronicle``) at the same size: the database
    floors insert the very rows that import wrote (read back from its archive) with
    plain ``sqlite3``, into tables with no index and no trigger, in one WAL transaction
    as the import does; the commit floor is that transaction's commit.
    """
    import csv
    import hashlib
    import json
    import sqlite3

    import orjson
    from harness import remove_db

    floors: dict[str, float] = {}
    n = paths.n

    def timed(name: str, function: Callable[[], Any]) -> Any:
        gc.collect()
        gc.disable()
        started = time.process_time()
        try:
            return function()
        finally:
            floors[name] = (time.process_time() - started) / n * 1e6
            gc.enable()

    def read_rows() -> list[list[str]]:
        with open(paths.csv, encoding="utf-8", newline="") as handle:
            return list(csv.reader(handle))[1:]

    cells = timed("1 csv.reader alone", read_rows)
    dates: dict[tuple[str, str], tuple[str, str]] = {}

    def floor_row(row: list[str]) -> tuple[Any, ...]:
        date = dates.get((row[1], row[2]))
        if date is None:
            date = dates[row[1], row[2]] = (row[1].strip(), row[2].strip())
        return (row[0].strip(), " ".join(row[3].split()), row[4].strip(), date,
                [t.strip() for t in row[5].split(";")], [a.strip() for a in row[6].split(";")],
                row[7].strip(), orjson.loads(row[8]) if row[8] else [])

    timed("2 trim, split, orjson of the sources cell, a dict of dates", lambda: [floor_row(r) for r in cells])

    def plan_floor() -> int:
        seen: set[str] = set()
        fresh = 0
        for row in cells:
            if row[0] not in seen:
                seen.add(row[0])
                fresh += 1
        return fresh

    timed("3 a set lookup per id (duplicates; the archive's states are one query a chunk)", plan_floor)
    archive = next(p for p in (paths.archive_dir / "events").iterdir() if p.suffix == ".db")
    source = sqlite3.connect(archive)
    log_rows = source.execute("SELECT * FROM log ORDER BY seq").fetchall()
    version_rows = source.execute("SELECT * FROM event_versions ORDER BY from_seq").fetchall()
    search_rows = source.execute("SELECT rowid, event_id, body, title FROM event_search ORDER BY rowid").fetchall()
    source.close()
    payloads = [orjson.loads(row[3]) for row in log_rows]
    timed("4 orjson of the same payloads, sorted keys", lambda: [orjson.dumps(p, option=orjson.OPT_SORT_KEYS)
                                                                 for p in payloads])
    bodies = [row[3].encode() for row in log_rows]
    timed("4 hashlib.sha256 of the same payloads", lambda: [hashlib.sha256(b).hexdigest() for b in bodies])
    docs = [json.loads(row[13]) for row in version_rows]
    timed("5 orjson of the same documents", lambda: [orjson.dumps(d) for d in docs])
    texts = [(d["title"], d["description"], d["place"] or "", *d["tags"], *d["actors"]) for d in docs]
    timed("5 lower-cased search text (join + str.lower)", lambda: [" ".join(t).lower() for t in texts])
    timed("7 index words (lower + split, title apart)", lambda: [
        (" ".join(" ".join(t).lower().split()), " ".join(t[0].lower().split())) for t in texts])
    db = paths.data / f"floors-{n}.db"
    remove_db(db)
    con = sqlite3.connect(db, isolation_level=None)
    con.execute("PRAGMA journal_mode=WAL")
    con.execute("PRAGMA synchronous=NORMAL")
    con.execute(f"CREATE TABLE log_plain ({', '.join(f'c{i}' for i in range(11))})")
    con.execute(f"CREATE TABLE versions_plain ({', '.join(f'c{i}' for i in range(14))})")
    con.execute("CREATE VIRTUAL TABLE search_plain USING fts5(event_id UNINDEXED, body, title, "
                "tokenize = 'unicode61 remove_diacritics 2')")

    def insert(sql: str, rows: list[Any]) -> None:
        for start in range(0, len(rows), 2000):
            con.executemany(sql, rows[start:start + 2000])

    con.execute("BEGIN")
    timed("6 log rows, index-free table, no trigger",
          lambda: insert(f"INSERT INTO log_plain VALUES ({', '.join('?' * 11)})", log_rows))
    timed("6 projection rows, index-free table",
          lambda: insert(f"INSERT INTO versions_plain VALUES ({', '.join('?' * 14)})", version_rows))
    timed("7 the same rows into a bare FTS5 table",
          lambda: insert("INSERT INTO search_plain (rowid, event_id, body, title) VALUES (?, ?, ?, ?)", search_rows))
    timed("8 the deferred indexes built on the plain tables", lambda: [con.execute(sql) for sql in (
        "CREATE INDEX f1 ON log_plain (c1, c0)", "CREATE INDEX f2 ON versions_plain (c5, c7, c0) WHERE c2 IS NULL",
        "CREATE INDEX f3 ON versions_plain (c8, c5, c7, c0, c6) WHERE c2 IS NULL AND c8 = 1",
        "CREATE INDEX f4 ON versions_plain (c3, c5)")])
    timed("9 commit of that transaction (WAL, its checkpoint)", lambda: con.execute("COMMIT"))
    con.close()
    remove_db(db)
    total = sum(floors.values()) * n / 1e6
    return {"seconds": total, "cpu": total, "count": n, "floors": floors}
