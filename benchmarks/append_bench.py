"""Append throughput with 1 and 8 concurrent writers, on SQLite and on PostgreSQL.

    .venv/bin/python benchmarks/append_bench.py            # 2,000 appends per run
    .venv/bin/python benchmarks/append_bench.py --quick    # 400
    .venv/bin/python benchmarks/append_bench.py --appends 4000 --writers 1 2 8

Each writer is its own process and appends events one transaction at a time, through
``Archive.add`` — what a newsroom of people running ``chronicle add`` does, and the worst
case for throughput (an import appends thousands of records per transaction). The total
is the same for every writer count (8 writers × 250 = 1 writer × 2,000), released
together; the run takes the wall time from release to the last commit, and each writer
reports its own per-append latencies. Each run starts from an empty archive.

PostgreSQL: ``CHRONICLE_BENCH_PG_URL`` (an admin URL; a database is created and dropped
per run), else a throwaway server started here on 127.0.0.1 with ``fsync`` on and
``synchronous_commit=off`` — the same durability as chronicle's SQLite settings (WAL,
``synchronous=NORMAL``): a power cut may lose the last commits, never corrupt the log.
Without a server the PostgreSQL rows say why they are missing.

``run()`` returns the rows and ``markdown()`` formats them, for ``benchmarks/run.py``.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent

BENCH_SETTINGS = "-c synchronous_commit=off"


def child(url: str, name: str, count: int, go: Path) -> None:
    """One writer: wait for the go file, append ``count`` events, print latencies (ms)."""
    from chronicle.archive import Archive

    archive = Archive.open(url, author=name, origin="append benchmark")
    while not go.exists():
        time.sleep(0.002)
    latencies = []
    for i in range(count):
        started = time.perf_counter()
        archive.add(title=f"{name} event {i}", date="2025-05", unsourced=True,
                    tags=("benchmark",), description="An event appended by the benchmark.")
        latencies.append((time.perf_counter() - started) * 1000)
    archive.close()
    print(json.dumps({"latencies": latencies}))


def measure(url: str, writers: int, appends: int) -> dict[str, Any]:
    """Run ``writers`` processes appending ``appends`` events in all; returns one row."""
    from chronicle.archive import Archive

    Archive.init(url=url, name="bench", description="append benchmark", author="bench").close()
    per_writer = appends // writers
    with tempfile.TemporaryDirectory() as scratch:
        go = Path(scratch) / "go"
        procs = [
            subprocess.Popen([sys.executable, __file__, "--child", url, f"w{n}", str(per_writer), str(go)],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            for n in range(writers)
        ]
        time.sleep(1.0 + 0.2 * writers)  # let every child import and connect before the start
        started = time.perf_counter()
        go.touch()
        outcomes = [p.communicate(timeout=1800) for p in procs]
        elapsed = time.perf_counter() - started
    latencies: list[float] = []
    for (out, err), proc in zip(outcomes, procs, strict=True):
        if proc.returncode != 0:
            raise RuntimeError(f"a writer failed: {err.strip()[-1000:]}")
        latencies += json.loads(out)["latencies"]
    archive = Archive.open(url)
    report = archive.verify()
    archive.close()
    total = per_writer * writers
    assert report.entries == total, (report.entries, total)
    quantiles = statistics.quantiles(latencies, n=100)
    return {
        "writers": writers, "appends": total, "seconds": elapsed, "rate": total / elapsed,
        "p50_ms": quantiles[49], "p95_ms": quantiles[94],
    }


@contextmanager
def postgres_admin_url() -> Iterator[tuple[str | None, str]]:
    """An admin URL of a server to benchmark on, and how it was found (or why there is none)."""
    given = os.environ.get("CHRONICLE_BENCH_PG_URL")
    if given:
        yield given, "CHRONICLE_BENCH_PG_URL"
        return
    sys.path.insert(0, str(ROOT))
    from tests.pg_server import ServerUnavailable, start_server

    try:
        server = start_server(BENCH_SETTINGS)
    except ServerUnavailable as error:
        yield None, str(error)
        return
    try:
        yield server.url, "a throwaway server (fsync on, synchronous_commit=off)"
    finally:
        server.stop()


def _database(admin_url: str, name: str, *, drop: bool = False) -> str:
    import psycopg
    from sqlalchemy.engine import make_url

    admin = make_url(admin_url)
    with psycopg.connect(admin.set(drivername="postgresql").render_as_string(hide_password=False),
                         autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'.encode())
        if not drop:
            conn.execute(f'CREATE DATABASE "{name}"'.encode())
    return admin.set(drivername="postgresql+psycopg", database=name).render_as_string(hide_password=False)


def run(*, appends: int = 2000, writer_counts: Sequence[int] = (1, 8)) -> list[dict[str, Any]]:
    """Every (backend, writer count) pair; a backend that is missing gets a row saying why."""
    rows: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory() as scratch:
        for writers in writer_counts:
            url = f"sqlite:///{Path(scratch) / f'w{writers}' / 'events' / 'chronicle.db'}"
            rows.append({"backend": "sqlite", **measure(url, writers, appends)})
    with postgres_admin_url() as (admin, how):
        for writers in writer_counts:
            if admin is None:
                rows.append({"backend": "postgresql", "writers": writers, "missing": how})
                continue
            name = f"chronicle_append_bench_{writers}"
            url = _database(admin, name)
            try:
                rows.append({"backend": "postgresql", **measure(url, writers, appends), "server": how})
            finally:
                _database(admin, name, drop=True)
    return rows


def markdown(rows: list[dict[str, Any]]) -> str:
    lines = [
        "| backend | writers | appends | time | appends/s | p50 latency | p95 latency |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for row in rows:
        if "missing" in row:
            lines.append(f"| {row['backend']} | {row['writers']} | — | — | — | — | {row['missing']} |")
            continue
        lines.append(
            f"| {row['backend']} | {row['writers']} | {row['appends']:,} | {row['seconds']:.2f} s | "
            f"{row['rate']:,.0f} | {row['p50_ms']:.1f} ms | {row['p95_ms']:.1f} ms |"
        )
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--appends", type=int, default=2000, help="appends per run, split among the writers")
    parser.add_argument("--writers", type=int, nargs="+", default=[1, 8], help="writer counts to run")
    parser.add_argument("--quick", action="store_true", help="400 appends per run")
    parser.add_argument("--child", nargs=4, metavar=("URL", "NAME", "COUNT", "GO"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        url, name, count, go = args.child
        child(url, name, int(count), Path(go))
        return
    appends = 400 if args.quick else args.appends
    load_before = os.getloadavg()[0]
    table = markdown(run(appends=appends, writer_counts=args.writers))
    print(table, end="")
    # The figures mean little on a busy machine: say how busy it was.
    print(f"\n{os.cpu_count()} cores; load average {load_before:.1f} at the start, "
          f"{os.getloadavg()[0]:.1f} at the end")


if __name__ == "__main__":
    main()
