"""The benchmark suite: chronicle beside what a user would otherwise reach for, in one run.

``make bench`` (10k, 100k and 1M events) or ``make bench-quick`` (10k and 100k) prints one
table — operation | N | time | rate | peak memory | ratio to baseline — and writes it to
``benchmarks/RESULTS.md`` with the machine, the versions and the date.

The suite is four modules: :mod:`harness` (child processes, whole commands, the
baselines), :mod:`operations` (chronicle's operations), :mod:`report` (the table and
RESULTS.md) and :mod:`targets`; this one runs them (``run.py --child OP --n N`` runs one
operation in a child process).
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))  # benchmarks/ is not a package

import synth
from harness import (
    CHRONICLE,
    FLOOR,
    FLOOR_TEXT,
    FULL_SIZES,
    HERE,
    QUICK_SIZES,
    SETTINGS,
    SINCE,
    SIZE_CAPS,
    SQLITE_UTILS,
    Measured,
    Paths,
    compile_chronicle,
    measure_child,
    measure_commands,
    remove_db,
    run_process,
    startup_imports,
)
from operations import OPERATIONS, bench_pg_url
from report import HEADER, Row, Suite, format_row, human_n, write_results
from targets import NUMBERED, TARGETS

#: What other scripts and the smoke test use from here (re-exported from the modules).
__all__ = ["HEADER", "SETTINGS", "SINCE", "SQLITE_UTILS", "TARGETS", "Measured", "Paths", "Suite", "add_event",
           "bench_size", "bench_startup", "compile_chronicle", "main", "measure_child", "remove_db", "run_process",
           "startup_imports", "synth"]


def bench_size(suite: Suite, n: int) -> None:
    paths = Paths(n, suite.data)
    started = time.perf_counter()
    fresh = not (suite.data / f"events-{n}.csv").exists()
    _ = paths.csv
    if fresh:
        suite.notes.append(f"generated the {human_n(n)} CSV in {time.perf_counter() - started:.1f} s (cached afterwards)")

    def child(key: str, operation: str, baseline_of: str | None = None, **kwargs: Any) -> Row | None:
        cap = SIZE_CAPS.get(key)
        if cap is not None and n > cap:
            return None
        row = Row(key, operation, n, measure_child(key, paths), baseline_of, **kwargs)
        suite.add(row)
        return row

    imported = child("import-chronicle", "import CSV → chronicle (hash chain, projection)")
    child("import-sqlite3", "↳ plain sqlite3 executemany, one transaction", "import-chronicle")
    if shutil.which(SQLITE_UTILS) and n <= SIZE_CAPS["import-sqlite-utils"]:
        target = suite.data / f"sqlite-utils-{n}.db"
        remove_db(target)
        seconds, peak, _, status, cpu = run_process(
            [SQLITE_UTILS, "insert", str(target), "events", str(paths.csv), "--csv"])
        remove_db(target)
        measured = Measured(seconds, n, peak, cpu=cpu) if status == 0 else Measured(note=f"failed (exit {status})")
        suite.add(Row("import-sqlite-utils", "↳ sqlite-utils insert --csv (whole process)", n, measured,
                      "import-chronicle"))
    child("import-eventsourcing", "↳ eventsourcing library, 1000 aggregates per save", "import-chronicle")
    if bench_pg_url():
        child("import-chronicle-pg", "import CSV → chronicle on PostgreSQL (COPY)")
        child("import-chronicle-sqlite-again", "↳ import CSV → chronicle on SQLite (the same, again)",
              "import-chronicle-pg")
    else:
        suite.notes.append("no PostgreSQL server: set CHRONICLE_BENCH_PG_URL to measure the PostgreSQL import")
    stages = child("import-stages", "import, stage by stage (see the table below)")
    if stages is not None and stages.measured.extra.get("stages"):
        suite.stages[n] = stages.measured.extra["stages"]

    if imported is None or imported.measured.seconds is None:
        suite.notes.append(f"{human_n(n)}: import failed, the other operations were skipped")
        return
    child("verify", "chronicle verify (chain + projection replay)", rate_unit="records/s", lower_is_better=True)
    child("read-log", "↳ read the log once (`chronicle log`'s path)", "verify", rate_unit="records/s")
    limited = child("show-limit", f"show --since {SINCE} --limit 50 (in-process query)", lower_is_better=True)
    if limited is not None and "plan" in limited.measured.extra:
        plan = "; ".join(limited.measured.extra["plan"])
        suite.notes.append(f"{human_n(n)}: query plan of `show --since {SINCE} --limit 50`: {plan}")
    child("show-limit-sqlite3", "↳ plain sqlite3, same query on an indexed column", "show-limit")
    child("show-full", f"show --since {SINCE} (all matching events)")
    child("show-full-sqlite3", "↳ plain sqlite3, same query on an indexed column", "show-full")
    child("export-csv", "export CSV")
    child("export-csv-baseline", "↳ sqlite3 + csv.writer, same rows", "export-csv")
    child("export-ics", "export iCalendar")
    child("export-ics-handwritten", "↳ hand-written RFC 5545 writer", "export-ics")
    child("export-ics-icalendar", "↳ icalendar library Calendar", "export-ics")
    child("export-html", "export HTML")
    child("export-html-jinja2", "↳ minimal jinja2 template, stream()", "export-html")
    add_event(suite, paths)


def add_event(suite: Suite, paths: Paths) -> None:
    """``chronicle add`` as a whole process into the archive of this size, vs the floor."""
    add = [CHRONICLE, "add", "Benchmark event", "--date", "2024-01-09",
           "--source", "https://news.example.org/bench", "--tag", "bench", "--allow-duplicate"]
    # Same title each time: the archive gives each its own id (benchmark-event-2, …);
    # --allow-duplicate, since a repeat is exactly what `add` otherwise refuses.
    measured, floor = measure_commands([add, FLOOR], cwd=paths.archive_dir)
    suite.add(Row("add", "chronicle add (whole process)", paths.n, measured, lower_is_better=True))
    suite.add(Row("floor", FLOOR_TEXT, paths.n, floor, "add", lower_is_better=True))


def bench_startup(suite: Suite) -> None:
    version, help_, floor = measure_commands([[CHRONICLE, "--version"], [CHRONICLE, "--help"], FLOOR])
    suite.add(Row("version", "chronicle --version (whole process)", None, version, lower_is_better=True))
    suite.add(Row("floor-version", FLOOR_TEXT, None, floor, "version", lower_is_better=True))
    suite.add(Row("help", "chronicle --help (whole process)", None, help_, lower_is_better=True))
    suite.add(Row("floor-help", FLOOR_TEXT, None, floor, "help", lower_is_better=True))
    heavy = startup_imports(["--help"])
    suite.notes.append(
        "`chronicle --help` imports " + (", ".join(heavy) if heavy else "none of jinja2, dateutil, icalendar, "
                                         "the exporters or SQLAlchemy")
        + " (`python -X importtime`)"
    )



def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="10k and 100k only")
    parser.add_argument("--sizes", help="comma-separated sizes, e.g. 10000,100000 (overrides --quick)")
    parser.add_argument("--data", type=Path, default=synth.DATA_DIR, help="cache of generated data")
    parser.add_argument("--results", type=Path, default=HERE / "RESULTS.md")
    parser.add_argument("--repeat", type=int, default=SETTINGS["repeat"],
                        help="rounds of whole-process timings (default %(default)s; the smoke test uses 1)")
    parser.add_argument("--json", type=Path, help="also write every row, machine-readable, here")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--n", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        outcome = OPERATIONS[args.child](Paths(args.n, args.data))
        sys.stdout.write(json.dumps(outcome) + "\n")
        return 0
    SETTINGS["repeat"] = args.repeat
    sizes = tuple(int(s) for s in args.sizes.split(",")) if args.sizes else (QUICK_SIZES if args.quick else FULL_SIZES)
    suite = Suite(sizes, args.data)
    command = "make bench-quick" if args.quick and not args.sizes else (
        "make bench" if not args.sizes else f"python benchmarks/run.py --sizes {args.sizes}")
    started = time.perf_counter()
    sys.stdout.write(HEADER + "\n")
    compile_chronicle()
    bench_startup(suite)
    for n in sizes:
        bench_size(suite, n)
    elapsed = time.perf_counter() - started
    verdicts = write_results(suite, command, elapsed, args.results, NUMBERED)
    if args.json is not None:
        args.json.write_text(json.dumps([
            {"key": row.key, "operation": row.operation, "n": row.n, "baseline_of": row.baseline_of,
             "seconds": row.measured.seconds, "cpu": row.measured.cpu, "count": row.measured.count,
             "peak_kb": row.measured.peak_kb,
             "note": row.measured.note, "extra": row.measured.extra}
            for row in suite.rows
        ], indent=1), encoding="utf-8")
    sys.stdout.write("\n" + HEADER + "\n" + "\n".join(format_row(row, suite) for row in suite.rows) + "\n")
    sys.stdout.write(f"\n{len(suite.rows)} rows in {elapsed / 60:.1f} min; wrote {args.results}\n")
    for text, met, detail in verdicts:
        mark = "—" if met is None else ("met" if met else "MISSED")
        sys.stdout.write(f"  [{mark}] {text}: {detail}\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
