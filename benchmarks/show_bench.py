"""``chronicle show --since 2023`` (all matches) stage by stage, beside plain sqlite3.

    PYTHONPATH=src python benchmarks/show_bench.py [N] [ROUNDS] [--data DIR] [--before SRC]

Needs the archive and the plain table of ``run.py --child import-chronicle --n N`` and
``--child import-sqlite3 --n N`` (same ``--data``). Each measurement runs in its own child
process, ROUNDS times in turn with the others (same conditions), and reports the median
CPU time (process time) of the timed part and the least, warm (each child runs it once
untimed first):

- ``plain``: the suite's baseline, the same query in plain sqlite3 (``op_show_full_sqlite3``);
- ``floor``: chronicle's own statement for the listing (from ``events_statement``, literal
  bounds) run through plain sqlite3, rows fetched and dropped: SQLite's part alone;
- ``fetch``: the same statement through SQLAlchemy (the store's engine), rows dropped;
- ``rows``: the store's listing stream (``Archive.listing``): the statement through
  SQLAlchemy, each row decoded into its listing fields;
- ``lines``: the same, each row formatted as its table line (``listing_line``), not written;
- ``command``: the whole ``chronicle show --since 2023`` through click, in-process, its
  output to a file;
- ``command-no-rows``: the same command with ``--limit 0``: what it costs whatever it
  lists (opening the archive, the aliases, click);
- ``command-before``: the same, with ``--before SRC`` (a ``src`` folder of another checkout)
  first on the path — the code this work started from.

Ratios are rate over rate (events per CPU second), as in ``run.py``: chronicle lists the
events whose span reaches 2023 (more rows than the plain table's ``date >= 2023``).
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))  # benchmarks/ is not a package
from harness import SINCE, Paths, op_show_full_sqlite3
from synth import DATA_DIR

STAGES = ("plain", "floor", "fetch", "rows", "lines", "command", "command-no-rows")
REPEAT = 7  # timed runs inside one child; the child reports their median and their least


def _timed(work: Callable[[], int]) -> dict[str, Any]:
    work()  # warm: the pages in the cache, the modules imported
    cpu: list[float] = []
    count = 0
    for _ in range(REPEAT):
        started = time.process_time()
        count = work()
        cpu.append(time.process_time() - started)
    return {"cpu": statistics.median(cpu), "min": min(cpu), "count": count}


def _archive(paths: Paths) -> Any:
    from chronicle.archive import Archive

    return Archive.open(paths.archive_url, author="bench", origin="benchmark")


def _query() -> Any:
    from chronicle.query import EventQuery

    return EventQuery.parse(since=SINCE)


def child_plain(paths: Paths) -> dict[str, Any]:
    def work() -> int:
        count: int = op_show_full_sqlite3(paths)["count"]
        return count

    return _timed(work)


def child_floor(paths: Paths) -> dict[str, Any]:
    from sqlalchemy.dialects import sqlite

    from chronicle.store.queries import LISTING, events_statement

    stmt = events_statement(_query(), columns=LISTING)
    sql = str(stmt.compile(dialect=sqlite.dialect(), compile_kwargs={"literal_binds": True}))
    db = paths.archive_url.removeprefix("sqlite:///")
    con = sqlite3.connect(db)

    def work() -> int:
        cursor = con.execute(sql)
        count = 0
        while rows := cursor.fetchmany(2000):
            count += len(rows)
        return count

    return _timed(work)


def child_fetch(paths: Paths) -> dict[str, Any]:
    from chronicle.store.queries import LISTING, events_statement

    archive = _archive(paths)
    stmt = events_statement(_query(), columns=LISTING)

    def work() -> int:
        with archive.store.engine.connect() as conn, conn.execution_options(yield_per=2000).execute(stmt) as rows:
            return sum(len(batch) for batch in rows.partitions())

    return _timed(work)


def child_rows(paths: Paths) -> dict[str, Any]:
    archive = _archive(paths)
    query = _query()
    return _timed(lambda: sum(1 for _ in archive.listing(query)))


def child_lines(paths: Paths) -> dict[str, Any]:
    from chronicle.cli.output import listing_line

    archive = _archive(paths)
    query = _query()
    return _timed(lambda: sum(1 for row in archive.listing(query) if listing_line(row, colour=False)))


def child_command(paths: Paths, *extra: str) -> dict[str, Any]:
    from chronicle.cli import main

    args = ["--db", paths.archive_url, "show", "--since", SINCE, *extra]
    with tempfile.TemporaryDirectory() as folder:
        target = Path(folder) / "show.txt"

        def work() -> int:
            saved = sys.stdout
            with open(target, "w", encoding="utf-8") as out:
                sys.stdout = out
                try:
                    main.main(args, standalone_mode=False)
                finally:
                    sys.stdout = saved
            return 0

        result = _timed(work)
        with open(target, encoding="utf-8") as written:  # counted once, untimed
            result["count"] = sum(1 for _ in written) or 1  # (no rows: 1, so that a rate can be printed)
        return result


CHILDREN: dict[str, Callable[[Paths], dict[str, Any]]] = {
    "plain": child_plain, "floor": child_floor, "fetch": child_fetch, "rows": child_rows, "lines": child_lines,
    "command": child_command, "command-before": child_command,
    "command-no-rows": lambda paths: child_command(paths, "--limit", "0"),
}


def run_child(name: str, paths: Paths, before: Path | None) -> dict[str, Any]:
    here = Path(__file__).resolve()
    src = str(before) if name == "command-before" and before is not None else str(here.parent.parent / "src")
    env = {**os.environ, "PYTHONPATH": src}
    out = subprocess.run(
        [sys.executable, str(here), str(paths.n), "--child", name, "--data", str(paths.data)],
        env=env, check=True, capture_output=True, text=True,
    ).stdout
    result: dict[str, Any] = json.loads(out.splitlines()[-1])
    return result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("n", nargs="?", type=int, default=100_000)
    parser.add_argument("rounds", nargs="?", type=int, default=3)
    parser.add_argument("--data", type=Path, default=DATA_DIR)
    parser.add_argument("--before", type=Path, help="a src folder of the code to compare with")
    parser.add_argument("--child")
    parser.add_argument("--only", help="comma-separated stages (plain is always run)")
    args = parser.parse_args()
    paths = Paths(args.n, args.data)
    if args.child:
        sys.stdout.write(json.dumps(CHILDREN[args.child](paths)) + "\n")
        return
    names = [*STAGES, *(["command-before"] if args.before else [])]
    if args.only:
        names = [name for name in names if name == "plain" or name in args.only.split(",")]
    cpu: dict[str, list[float]] = {name: [] for name in names}
    least: dict[str, list[float]] = {name: [] for name in names}
    counts: dict[str, int] = {}
    for round_ in range(args.rounds):
        for name in names:
            result = run_child(name, paths, args.before)
            cpu[name].append(result["cpu"])
            least[name].append(result["min"])
            counts[name] = result["count"]
            print(f"round {round_ + 1} {name}: CPU {result['cpu'] * 1000:.1f} ms (least {result['min'] * 1000:.1f}),"
                  f" {result['count']} rows", flush=True)
    print(f"load average {os.getloadavg()}")
    # Two estimates: the median, and the least (other work on the machine only ever adds).
    plain = counts["plain"] / statistics.median(cpu["plain"]), counts["plain"] / min(least["plain"])
    print(f"\n| stage | rows | CPU ms, median of {args.rounds} children × {REPEAT} | least | µs per row (median) "
          "| rate vs plain sqlite3: median | least |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for name in names:
        median, low = statistics.median(cpu[name]), min(least[name])
        print(f"| {name} | {counts[name]} | {median * 1000:.1f} | {low * 1000:.1f} | {median / counts[name] * 1e6:.2f}"
              f" | {counts[name] / median / plain[0]:.2f}× | {counts[name] / low / plain[1]:.2f}× |")


if __name__ == "__main__":
    main()
