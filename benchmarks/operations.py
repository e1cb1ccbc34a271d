"""chronicle's operations as the benchmark suite times them, each in its own child process.

Each returns ``{"seconds", "cpu", "count", ...}`` for :func:`harness.measure_child`;
:data:`OPERATIONS` names them (and the baselines of :mod:`harness`) for ``run.py --child``.
"""

from __future__ import annotations

import csv
import gc
import json
import os
import shutil
import time
from collections.abc import Callable
from typing import Any

import synth
from harness import (
    SINCE,
    Paths,
    median_ms,
    op_export_csv_baseline,
    op_export_html_jinja2,
    op_export_ics_handwritten,
    op_export_ics_icalendar,
    op_import_eventsourcing,
    op_import_sqlite3,
    op_show_full_sqlite3,
    op_show_limit_sqlite3,
    remove_db,
    stopwatch,
)
from import_split import op_import_floors, op_import_split


def open_archive(paths: Paths) -> Any:
    from chronicle.archive import Archive

    return Archive.open(paths.archive_url, author="bench", origin="benchmark")


def op_import_chronicle(paths: Paths) -> dict[str, Any]:
    """Import the CSV into a new archive, as ``chronicle import FILE`` does."""
    from chronicle.archive import Archive
    from chronicle.importing import import_file

    shutil.rmtree(paths.archive_dir, ignore_errors=True)
    paths.archive_dir.mkdir(parents=True)
    archive = Archive.init(paths.archive_dir, name="bench", author="bench", origin="benchmark")
    result: dict[str, Any] = {}
    with stopwatch(result):
        report = import_file(archive, paths.csv, fmt="csv", options=csv_import_options())
    archive.close()
    result["count"] = report.new_events
    if report.new_events != paths.n:
        raise SystemExit(f"imported {report.new_events} of {paths.n} events")
    return result


def bench_pg_url() -> str | None:
    """The PostgreSQL server the PostgreSQL import runs on (``CHRONICLE_BENCH_PG_URL``, else
    the test suite's ``CHRONICLE_TEST_PG_URL``); None skips that row."""
    return os.environ.get("CHRONICLE_BENCH_PG_URL") or os.environ.get("CHRONICLE_TEST_PG_URL") or None


def op_import_chronicle_pg(paths: Paths) -> dict[str, Any]:
    """The same CSV import into a new archive on PostgreSQL (rows go in through COPY)."""
    import psycopg
    from sqlalchemy.engine import make_url

    from chronicle.archive import Archive
    from chronicle.importing import import_file

    server = make_url(bench_pg_url() or "")
    name = f"chronicle_bench_{paths.n}"
    admin = server.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name}")
        conn.execute(f"CREATE DATABASE {name}")
    url = server.set(database=name).render_as_string(hide_password=False)
    archive = Archive.init(url=url, name="bench", author="bench", origin="benchmark")
    result: dict[str, Any] = {}
    try:
        with stopwatch(result):
            report = import_file(archive, paths.csv, fmt="csv", options=csv_import_options())
    finally:
        archive.close()
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {name}")
    result["count"] = report.new_events
    return result


def op_import_stages(paths: Paths) -> dict[str, Any]:
    """Each stage of a CSV import timed alone over the same rows, beside its floor.

    Stages run in pipeline order, each fed the previous stage's output held in memory
    (so memory is not this row's point). Floors: ``csv.reader`` alone; ``json.dumps`` of
    the same payloads; ``hashlib.sha256`` of the same bytes; a plain ``executemany`` of
    the same log tuples into an index-free table.
    """
    import hashlib
    import sqlite3 as sqlite

    from chronicle.formats import csv_format
    from chronicle.formats.rows import SourceRow
    from chronicle.model import GENESIS_HASH, Draft, Kind, Provenance, Record, chain_hash
    from chronicle.projection import apply
    from chronicle.store import payload_json, record_body_json, version_row

    stages: dict[str, float] = {}

    def timed(name: str, function: Callable[[], Any]) -> Any:
        # CPU time: steadier than wall time when other work shares the machine. The
        # collector is off while a stage runs: holding every row's output in memory (as
        # this row does, and the streaming import does not) made it scan them again and
        # again, which doubled some stages' figures.
        gc.collect()
        gc.disable()
        started = time.process_time()
        try:
            value = function()
        finally:
            stages[name] = (time.process_time() - started) / paths.n * 1e6
            gc.enable()
        return value

    def read_rows() -> list[list[str]]:
        with open(paths.csv, encoding="utf-8", newline="") as handle:
            rows = list(csv.reader(handle))
        return rows[1:]

    cells = timed("1 CSV parsing (csv.reader) — floor: the same", read_rows)
    header = synth.CSV_COLUMNS
    index = {name: position for position, name in enumerate(header)}
    items = timed("2 validation: row → EventFields (dates, lists, sources, ids)", lambda: [
        csv_format.own_row(SourceRow(csv_format.CsvRow(n, row, index, "bench"), row).row)
        for n, row in enumerate(cells, start=2)])
    dates: dict[tuple[str, str], tuple[str, str]] = {}

    def floor_row(row: list[str]) -> tuple[Any, ...]:
        # What any importer must do with a row: trim, split the lists, decode the
        # sources cell, and find the date's bounds (a dict of the distinct dates).
        date = dates.get((row[1], row[2]))
        if date is None:
            date = dates[row[1], row[2]] = (row[1].strip(), row[2].strip())
        return (row[0].strip(), " ".join(row[3].split()), row[4].strip(), date,
                [t.strip() for t in row[5].split(";")], [a.strip() for a in row[6].split(";")],
                row[7].strip(), json.loads(row[8]) if row[8] else [])

    timed("2 floor: trim, split, json.loads of the sources cell, a dict of dates", lambda: [floor_row(r) for r in cells])
    payloads = timed("3a canonical payload dict (EventFields.payload)", lambda: [i.fields.payload() for i in items])
    texts = timed("3b canonical JSON of the payload", lambda: [payload_json(p) for p in payloads])
    dumps = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode
    timed("3b floor: json encoder alone on the same dicts", lambda: [dumps(p) for p in payloads])

    def chain() -> list[tuple[Any, ...]]:
        rows, prev = [], GENESIS_HASH
        for seq, (item, text) in enumerate(zip(items, texts, strict=True), start=1):
            body = record_body_json(seq, item.event_id, "recorded", text, "bench", "2026-01-01T00:00:00.000000Z",
                                    "benchmark", None, 1)
            digest = chain_hash(prev, body)
            rows.append((seq, item.event_id, "recorded", text, "bench", "2026-01-01T00:00:00.000000Z", "benchmark",
                         None, 1, prev, digest))
            prev = digest
        return rows

    log_rows = timed("4 record body + SHA-256 chain", chain)
    timed("4 floor: hashlib.sha256 alone on the same bodies",
          lambda: [hashlib.sha256(row[3].encode()).hexdigest() for row in log_rows])

    def fold() -> list[tuple[Any, ...]]:
        out = []
        for row, item in zip(log_rows, items, strict=True):
            record = Record(row[0], row[1], Kind.RECORDED, {}, "bench", row[5], "benchmark", None, row[9], row[10])
            out.append(tuple(version_row(apply(None, record, item.fields), record)))
        return out

    version_rows = timed("5 fold + projection row (bounds, search text, document JSON)", fold)
    compact = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode

    def floor_fold() -> list[tuple[Any, ...]]:
        # The projection row's floor: a document dict from the parsed values, its JSON,
        # the lower-cased search text (no Event object, no fold, no accents removed).
        out = []
        for row, payload in zip(log_rows, payloads, strict=True):
            doc = {"id": row[1], **payload, "status": "active", "revision": 1, "created_at": row[5],
                   "updated_at": row[5], "first_seq": row[0], "last_seq": row[0], "history": [
                       {"seq": row[0], "kind": "recorded", "recorded_at": row[5], "author": "bench"}]}
            search = " ".join((payload["title"], payload["description"], payload["place"] or "")).lower()
            out.append((row[1], row[0], None, row[5], None, payload["date"], payload["end"], search, compact(doc)))
        return out

    timed("5 floor: document dict + its JSON + lower-cased search text, from the payload", floor_fold)
    _ = Draft, Provenance  # (the importer's planning step is measured by the whole import)
    db = paths.data / f"stages-{paths.n}.db"
    remove_db(db)
    con = sqlite.connect(db, isolation_level=None)
    con.execute("PRAGMA journal_mode=WAL")
    con.execute("PRAGMA synchronous=NORMAL")
    from sqlalchemy import create_engine

    from chronicle.store import metadata
    engine = create_engine(f"sqlite:///{db}")
    metadata.create_all(engine)
    engine.dispose()
    con.execute("CREATE TABLE plain (a, b, c, d, e, f, g, h, i, j, k)")

    def insert(sql: str, rows: list[tuple[Any, ...]]) -> None:
        con.execute("BEGIN")
        for start in range(0, len(rows), 2000):
            con.executemany(sql, rows[start:start + 2000])
        con.execute("COMMIT")

    timed("6a log insert, with its indexes", lambda: insert(f"INSERT INTO log VALUES ({', '.join('?' * 11)})", log_rows))
    timed("6a floor: the same tuples into an index-free table",
          lambda: insert(f"INSERT INTO plain VALUES ({', '.join('?' * 11)})", log_rows))
    timed("6b projection insert, with its indexes",
          lambda: insert(f"INSERT INTO event_versions VALUES ({', '.join('?' * 14)})", version_rows))
    con.close()
    remove_db(db)
    return {"seconds": sum(stages.values()) * paths.n / 1e6, "count": paths.n, "stages": stages}


def csv_import_options() -> dict[str, Any]:
    """How the synthetic CSV's columns map onto chronicle's fields, for the CSV importer."""
    return {}


def op_read_log(paths: Paths) -> dict[str, Any]:
    """Baseline of verify: read the whole log once, as ``chronicle log`` does."""
    archive = open_archive(paths)
    result: dict[str, Any] = {}
    with stopwatch(result):
        result["count"] = sum(1 for _ in archive.log())
    archive.close()
    return result


def op_verify(paths: Paths) -> dict[str, Any]:
    archive = open_archive(paths)
    result: dict[str, Any] = {}
    with stopwatch(result):
        report = archive.verify()
    archive.close()
    result["count"] = report.entries
    return result


def op_show_limit(paths: Paths) -> dict[str, Any]:
    """``show --since 2023 --limit 50`` in-process (median of 30, warm), and its query plan."""
    from chronicle.query import EventQuery

    archive = open_archive(paths)
    query = EventQuery.parse(since=SINCE, limit=50)
    result = median_ms(lambda: sum(1 for _ in archive.show(query)))
    result["plan"] = query_plan(archive, query)
    archive.close()
    return result


def query_plan(archive: Any, query: Any) -> list[str]:
    """SQLite's EXPLAIN QUERY PLAN of the statement behind ``archive.show(query)``."""
    plan: list[str] = archive.query_plan(query)
    return plan


def op_show_full(paths: Paths) -> dict[str, Any]:
    """A full ``show --since 2023`` as the command does it: the listing rows of the
    matching events streamed from the store, each written as its table line (to a null
    device, so the terminal is not what is timed)."""
    from chronicle.cli.output import listing_line
    from chronicle.query import EventQuery

    archive = open_archive(paths)
    result: dict[str, Any] = {}
    count = 0
    with open(os.devnull, "w", encoding="utf-8") as sink, stopwatch(result):
        write = sink.write
        for row in archive.listing(EventQuery.parse(since=SINCE)):
            write(listing_line(row, colour=False) + "\n")
            count += 1
    archive.close()
    result["count"] = count
    return result


def export_op(paths: Paths, fmt: str, suffix: str) -> dict[str, Any]:
    from chronicle.exporting import export
    from chronicle.query import EventQuery

    archive = open_archive(paths)
    target = paths.out / f"chronicle-{paths.n}.{suffix}"
    result: dict[str, Any] = {}
    with stopwatch(result):
        outcome = export(archive, fmt, EventQuery(), str(target))
    archive.close()
    result["count"] = outcome.stats.written
    result["bytes"] = target.stat().st_size
    return result


def op_export_csv(paths: Paths) -> dict[str, Any]:
    return export_op(paths, "csv", "csv")


def op_export_ics(paths: Paths) -> dict[str, Any]:
    return export_op(paths, "ics", "ics")


def op_export_html(paths: Paths) -> dict[str, Any]:
    return export_op(paths, "html", "html")


OPERATIONS: dict[str, Callable[[Paths], dict[str, Any]]] = {
    "import-chronicle-sqlite-again": op_import_chronicle,
    "import-chronicle": op_import_chronicle,
    "import-chronicle-pg": op_import_chronicle_pg,
    "import-stages": op_import_stages,
    "import-split": op_import_split,
    "import-floors": op_import_floors,
    "import-sqlite3": op_import_sqlite3,
    "import-eventsourcing": op_import_eventsourcing,
    "read-log": op_read_log,
    "verify": op_verify,
    "show-limit": op_show_limit,
    "show-limit-sqlite3": op_show_limit_sqlite3,
    "show-full": op_show_full,
    "show-full-sqlite3": op_show_full_sqlite3,
    "export-csv": op_export_csv,
    "export-csv-baseline": op_export_csv_baseline,
    "export-ics": op_export_ics,
    "export-ics-handwritten": op_export_ics_handwritten,
    "export-ics-icalendar": op_export_ics_icalendar,
    "export-html": op_export_html,
    "export-html-jinja2": op_export_html_jinja2,
}
