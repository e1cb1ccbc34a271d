"""What each index costs a bulk import: CPU time of the inserts with and without it, and built after.

The rows of a real 100k import (``run.py --child import-chronicle``: log rows, version
rows, full-text rows) are written again, in batches of 2,000 in one transaction as the
writer does, into a new archive made by this chronicle (same tables, indexes, triggers
and pragmas), once with every index and once without each of them. SQLite runs inside
this process, so the CPU time (``time.process_time``) is the database's own work; the
Python side of the import is left out, which makes the differences stand out of the
noise of a shared machine. ``none`` drops every secondary index and writes no words;
after it, each index is built again alone and timed: its cost built after the load.

    PYTHONPATH=src python benchmarks/index_costs.py --n 100000 [--data DIR] [--repeat 3]

The primary keys (``log.seq``, the rowid; ``event_versions (event_id, from_seq)``) are
part of the tables and are not varied.
"""

from __future__ import annotations

import argparse
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import synth

HERE = Path(__file__).resolve().parent
BATCH = 2000

#: The secondary indexes a bulk import maintains, besides the primary keys.
INDEXES = ("ix_log_event", "ix_versions_current_id", "ix_versions_current_lo", "ix_versions_current_wide",
           "ix_versions_from_at")
VARIANTS = ("all", *(f"-{name}" for name in INDEXES), "-fulltext", "-chain_trigger", "none")


def source_rows(database: Path) -> dict[str, list[tuple[Any, ...]]]:
    con = sqlite3.connect(database)
    try:
        return {
            "log": con.execute("SELECT * FROM log ORDER BY seq").fetchall(),
            "event_versions": con.execute("SELECT * FROM event_versions ORDER BY from_seq").fetchall(),
            "event_search": con.execute("SELECT rowid, event_id, body, title FROM event_search").fetchall(),
        }
    finally:
        con.close()


def new_archive(folder: Path) -> Path:
    from chronicle.store import Store

    path = folder / "chronicle.db"
    Store.create(f"sqlite:///{path}", name="bench", description="").close()
    return path


def run_variant(variant: str, rows: dict[str, list[tuple[Any, ...]]]) -> tuple[float, dict[str, float]]:
    """CPU seconds to write every row with ``variant``'s index dropped; then each dropped
    index built again (seconds each)."""
    with tempfile.TemporaryDirectory(prefix="index-costs-") as folder:
        path = new_archive(Path(folder))
        con = sqlite3.connect(path, isolation_level=None)
        con.execute("PRAGMA synchronous=NORMAL")
        definitions = dict(con.execute("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL"))
        dropped = list(INDEXES) if variant == "none" else [variant[1:]] if variant[1:] in INDEXES else []
        for name in dropped:
            con.execute(f"DROP INDEX {name}")
        if variant == "-chain_trigger":
            con.execute("DROP TRIGGER log_chain")
        words = variant not in ("-fulltext", "none")
        log, versions, search = rows["log"], rows["event_versions"], rows["event_search"]
        started = time.process_time()
        con.execute("BEGIN IMMEDIATE")
        for start in range(0, len(log), BATCH):
            con.executemany(f"INSERT INTO log VALUES ({', '.join('?' * 11)})", log[start:start + BATCH])
            con.executemany(f"INSERT INTO event_versions VALUES ({', '.join('?' * 14)})",
                            versions[start:start + BATCH])
            if words:
                con.executemany("INSERT INTO event_search (rowid, event_id, body, title) VALUES (?, ?, ?, ?)",
                                search[start:start + BATCH])
        con.execute("COMMIT")
        cpu = time.process_time() - started
        built: dict[str, float] = {}
        for name in dropped:
            begun = time.process_time()
            con.execute(definitions[name])
            built[name] = time.process_time() - begun
        if variant == "none":
            begun = time.process_time()
            con.execute("BEGIN")
            con.executemany("INSERT INTO event_search (rowid, event_id, body, title) VALUES (?, ?, ?, ?)", search)
            con.execute("COMMIT")
            built["fulltext"] = time.process_time() - begun
        con.close()
    return cpu, built


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--data", type=Path, default=synth.DATA_DIR)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--only", help="comma-separated variants to run (default: all of them)")
    args = parser.parse_args()
    database = args.data / f"archive-{args.n}" / "events" / "chronicle.db"
    if not database.exists():
        subprocess.run([sys.executable, str(HERE / "run.py"), "--child", "import-chronicle", "--n", str(args.n),
                        "--data", str(args.data)], check=True, stdout=subprocess.DEVNULL)
    rows = source_rows(database)
    variants = args.only.split(",") if args.only else VARIANTS
    best: dict[str, float] = {}
    built_after: dict[str, float] = {}
    for _round in range(args.repeat):
        for variant in variants:
            cpu, built = run_variant(variant, rows)
            best[variant] = min(cpu, best.get(variant, cpu))
            for name, seconds in built.items():
                built_after[name] = min(seconds, built_after.get(name, seconds))
            sys.stderr.write(f"{variant}: {cpu:.2f} s\n")
    base = best.get("all")
    n = len(rows["log"])
    sys.stdout.write(f"{n} records; CPU seconds, best of {args.repeat}\n\n"
                     "| variant | inserts (CPU) | the index's cost, row by row | per row | built after the load |\n"
                     "|---|---:|---:|---:|---:|\n")
    for variant in variants:
        cpu = best[variant]
        cost = per_row = ""
        if base is not None and variant != "all":
            cost = f"{base - cpu:.2f} s ({(base - cpu) / base:.0%})"
            per_row = f"{(base - cpu) / n * 1e6:.1f} µs"
        name = variant[1:] if variant.startswith("-") else ""
        after = f"{built_after[name]:.2f} s" if name in built_after else ""
        sys.stdout.write(f"| {variant} | {cpu:.2f} s | {cost} | {per_row} | {after} |\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
