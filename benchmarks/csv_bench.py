"""CSV import and export speed and memory, side by side with plain baselines.

    .venv/bin/python benchmarks/csv_bench.py --rows 1000000

Every operation runs in its own child process (so its peak memory is its own) over the
same synthetic CSV (``benchmarks/synth.py``, cached under ``benchmarks/data/``):

- ``chronicle import FILE.csv`` (``import_file``: validation, hash chain, projections)
  vs. a plain ``sqlite3`` ``executemany`` of the same rows into one table in one
  transaction, and ``sqlite-utils insert --csv`` when it is installed;
- ``chronicle export --format csv`` of the imported archive vs. ``sqlite3`` + ``csv.writer``
  over the plain table's rows.

Prints a Markdown table (and ``--json`` the raw figures). Figures depend on the machine
and on what else runs on it; the ratios are the point.
"""

from __future__ import annotations

import argparse
import csv
import json
import resource
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import synth


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def op_import_chronicle(csv_path: Path, work: Path) -> dict[str, Any]:
    from chronicle.archive import Archive
    from chronicle.importing import import_file

    archive = Archive.init(work / "chronicle", name="bench", author="bench")
    start = time.perf_counter()
    report = import_file(archive, csv_path, fmt="csv")
    seconds = time.perf_counter() - start
    archive.close()
    return {"seconds": seconds, "rows": report.new_events}


def op_import_sqlite3(csv_path: Path, work: Path) -> dict[str, Any]:
    con = sqlite3.connect(work / "plain.db", isolation_level=None)
    con.execute("PRAGMA journal_mode=WAL")
    con.execute("PRAGMA synchronous=NORMAL")
    columns = ", ".join(f'"{c}" TEXT' for c in synth.CSV_COLUMNS)
    con.execute(f"CREATE TABLE events ({columns})")
    insert = f"INSERT INTO events VALUES ({', '.join('?' * len(synth.CSV_COLUMNS))})"
    start = time.perf_counter()
    rows = synth.insert_csv(con, csv_path, insert)
    seconds = time.perf_counter() - start
    con.close()
    return {"seconds": seconds, "rows": rows}


def op_import_sqlite_utils(csv_path: Path, work: Path) -> dict[str, Any]:
    tool = shutil.which("sqlite-utils") or str(Path(sys.executable).parent / "sqlite-utils")
    if not Path(tool).exists():
        return {"skipped": "sqlite-utils is not installed"}
    start = time.perf_counter()
    subprocess.run([tool, "insert", str(work / "sqlite_utils.db"), "events", str(csv_path), "--csv"],
                   check=True, capture_output=True)
    seconds = time.perf_counter() - start
    con = sqlite3.connect(work / "sqlite_utils.db")
    rows = con.execute("SELECT count(*) FROM events").fetchone()[0]
    con.close()
    # The work happens in the child; its peak is what the tool needed.
    child = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return {"seconds": seconds, "rows": rows, "peak_mb": child}


def op_export_chronicle(csv_path: Path, work: Path) -> dict[str, Any]:
    from chronicle.archive import Archive
    from chronicle.exporting import export
    from chronicle.query import EventQuery

    archive = Archive.open(f"sqlite:///{work / 'chronicle' / 'events' / 'chronicle.db'}")
    start = time.perf_counter()
    result = export(archive, "csv", EventQuery(), str(work / "export.csv"))
    seconds = time.perf_counter() - start
    archive.close()
    return {"seconds": seconds, "rows": result.stats.written}


def op_export_sqlite3(csv_path: Path, work: Path) -> dict[str, Any]:
    con = sqlite3.connect(work / "plain.db")
    rows = 0
    start = time.perf_counter()
    with open(work / "plain-export.csv", "w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(synth.CSV_COLUMNS)
        for row in con.execute("SELECT * FROM events ORDER BY rowid"):
            writer.writerow(row)
            rows += 1
    seconds = time.perf_counter() - start
    con.close()
    return {"seconds": seconds, "rows": rows}


OPERATIONS: dict[str, Callable[[Path, Path], dict[str, Any]]] = {
    "import chronicle": op_import_chronicle,
    "import sqlite3 executemany": op_import_sqlite3,
    "import sqlite-utils --csv": op_import_sqlite_utils,
    "export chronicle csv": op_export_chronicle,
    "export sqlite3 + csv.writer": op_export_sqlite3,
}


def cpu_seconds(who: int = resource.RUSAGE_SELF) -> float:
    usage = resource.getrusage(who)
    return usage.ru_utime + usage.ru_stime


def child(name: str, csv_path: Path, work: Path) -> None:
    before = cpu_seconds(), cpu_seconds(resource.RUSAGE_CHILDREN)
    result = OPERATIONS[name](csv_path, work)
    # CPU time as well as wall time: on a shared machine the CPU seconds are the steadier figure.
    result["cpu_seconds"] = cpu_seconds() - before[0] + cpu_seconds(resource.RUSAGE_CHILDREN) - before[1]
    result.setdefault("peak_mb", peak_mb())
    print(json.dumps(result))


def run(rows: int) -> dict[str, dict[str, Any]]:
    csv_path = synth.csv_path(rows)
    results: dict[str, dict[str, Any]] = {}
    with tempfile.TemporaryDirectory(prefix="csv-bench-") as temp:
        for name in OPERATIONS:
            done = subprocess.run([sys.executable, __file__, "--child", name, "--csv", str(csv_path),
                                   "--work", temp], capture_output=True, text=True, check=False)
            if done.returncode != 0:
                results[name] = {"skipped": f"failed: {done.stderr.strip().splitlines()[-1:]}"}
                continue
            results[name] = json.loads(done.stdout.strip().splitlines()[-1])
            figures = results[name]
            if "seconds" in figures:
                figures["rows_per_second"] = figures["rows"] / figures["seconds"]
                figures["rows_per_cpu_second"] = figures["rows"] / max(figures["cpu_seconds"], 1e-9)
            print(f"{name}: {figures}", file=sys.stderr)
    return results


def table(rows: int, results: dict[str, dict[str, Any]]) -> str:
    lines = [f"CSV benchmark, {rows:,} rows", "",
             "| operation | wall s | rows/s | × baseline | CPU s | rows/CPU s | × baseline | peak MB |",
             "|---|---:|---:|---:|---:|---:|---:|---:|"]
    baselines = {"import": results.get("import sqlite3 executemany", {}),
                 "export": results.get("export sqlite3 + csv.writer", {})}
    for name, figures in results.items():
        if "skipped" in figures:
            lines.append(f"| {name} | {figures['skipped']} | | | |")
            continue
        base = baselines[name.split()[0]]
        ratio = f"{figures['rows_per_second'] / base['rows_per_second']:.2f}" if base.get("rows_per_second") else ""
        cpu_ratio = (f"{figures['rows_per_cpu_second'] / base['rows_per_cpu_second']:.2f}"
                     if base.get("rows_per_cpu_second") else "")
        lines.append(f"| {name} | {figures['seconds']:.1f} | {figures['rows_per_second']:,.0f} | {ratio} | "
                     f"{figures['cpu_seconds']:.1f} | {figures['rows_per_cpu_second']:,.0f} | {cpu_ratio} | "
                     f"{figures['peak_mb']:.0f} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--json", action="store_true", help="print the raw figures as JSON too")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--csv", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--work", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.csv, args.work)
        return
    results = run(args.rows)
    print(table(args.rows, results))
    if args.json:
        print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
