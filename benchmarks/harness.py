"""How the benchmark suite measures: each operation in a child process, and the baselines.

Every chronicle figure is paired with a baseline measured in the same run on the same
synthetic data (:mod:`synth`), because this machine is shared and noisy and only ratios
are stable. Each measurement runs in its own child process (``run.py --child OP --n N``),
so its peak memory is that process's own maximum resident set (``os.wait4``), and one
operation's garbage never weighs on the next. The baselines — what a user would
otherwise reach for — are here too; chronicle's own operations are in
:mod:`operations`, the table and RESULTS.md in :mod:`report`.
"""

from __future__ import annotations

import contextlib
import csv
import importlib.util
import json
import os
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

import synth

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
BIN = Path(sys.executable).parent
CHRONICLE = str(BIN / "chronicle")
SQLITE_UTILS = str(BIN / "sqlite-utils")
FULL_SIZES = (10_000, 100_000, 1_000_000)
QUICK_SIZES = (10_000, 100_000)
#: Run only up to this size, to keep `make bench` under 20 minutes on 2 cores (said in
#: RESULTS.md): baselines that are not the target's reference at 1M (sqlite-utils,
#: eventsourcing — compared at 100k), the icalendar library (it builds the whole calendar in
#: memory), and HTML (the target is at 100k; nobody publishes a 1M-event page).
SIZE_CAPS = {
    # Holds every stage's output in memory (it times stages, not a stream).
    "import-stages": 100_000,
    "import-floors": 100_000,
    "import-sqlite-utils": 100_000,
    "import-eventsourcing": 100_000,
    "export-ics-icalendar": 100_000,
    "export-html": 100_000,
    "export-html-jinja2": 100_000,
}
SINCE = "2023"
PLAIN_COLUMNS = synth.CSV_COLUMNS


# ---------------------------------------------------------------------------------------
# Where things live for one size


@dataclass(frozen=True)
class Paths:
    n: int
    data: Path

    @property
    def csv(self) -> Path:
        return synth.csv_path(self.n, self.data)

    @property
    def archive_dir(self) -> Path:
        return self.data / f"archive-{self.n}"

    @property
    def archive_url(self) -> str:
        return f"sqlite:///{self.archive_dir / 'events' / 'chronicle.db'}"

    @property
    def plain_db(self) -> Path:
        """The plain-sqlite3 baseline's table of the same rows (also the readers' baseline)."""
        return self.data / f"plain-{self.n}.db"

    @property
    def out(self) -> Path:
        path = self.data / "out"
        path.mkdir(parents=True, exist_ok=True)
        return path


def remove_db(path: Path) -> None:
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(str(path) + suffix).unlink(missing_ok=True)


@contextlib.contextmanager
def stopwatch(result: dict[str, Any]) -> Iterator[None]:
    """Wall time (the figure) and this process's CPU time (steadier on a busy machine)."""
    start, cpu = time.perf_counter(), time.process_time()
    yield
    result["seconds"] = time.perf_counter() - start
    result["cpu"] = time.process_time() - cpu


# ---------------------------------------------------------------------------------------
# Measuring a child process, or whole commands


@dataclass
class Measured:
    seconds: float | None = None
    count: int | None = None
    peak_kb: int | None = None
    note: str = ""
    cpu: float | None = None
    """CPU seconds of the measured work (user + system)."""
    extra: dict[str, Any] = field(default_factory=dict)


def run_process(argv: list[str], *, cwd: Path | None = None,
                env: dict[str, str] | None = None) -> tuple[float, int, str, int, float]:
    """Run a process; returns (wall seconds, its own peak RSS in KiB, stdout, exit status,
    its CPU seconds).

    ``os.wait4`` gives this child's own resource usage, so each row's peak memory is the
    maximum of that process alone (``RUSAGE_CHILDREN`` would be the maximum of all so far).
    """
    with tempfile.TemporaryFile("w+", encoding="utf-8") as out, \
            tempfile.TemporaryFile("w+", encoding="utf-8") as err:
        start = time.perf_counter()
        process = subprocess.Popen(argv, cwd=cwd, env=env, stdout=out, stderr=err, text=True)
        _, wait_status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - start
        status = os.waitstatus_to_exitcode(wait_status)
        process.returncode = status
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read(), err.read()
    if status != 0:
        sys.stderr.write(f"{' '.join(argv[:4])}: exit {status}\n{stderr[-3000:]}\n")
        stdout = (stderr.strip().splitlines() or [""])[-1]
    return seconds, usage.ru_maxrss, stdout, status, usage.ru_utime + usage.ru_stime


def measure_child(operation: str, paths: Paths) -> Measured:
    argv = [sys.executable, str(HERE / "run.py"), "--child", operation,
            "--n", str(paths.n), "--data", str(paths.data)]
    _, peak, stdout, status, _ = run_process(argv)
    if status != 0:
        return Measured(note=f"failed (exit {status}: {stdout[:200]})")
    data = json.loads(stdout.strip().splitlines()[-1])
    return Measured(data.pop("seconds"), data.pop("count", None), peak, cpu=data.pop("cpu", None), extra=data)


def measure_commands(argvs: list[list[str]], *, cwd: Path | None = None, repeat: int | None = None) -> list[Measured]:
    """Median wall time of whole processes (start-up included) and their peak memory.

    The commands take turns, round after round, so that a burst of load from another
    process on this shared machine weighs on all of them alike; the first round only
    warms the disk cache.
    """
    rounds = SETTINGS["repeat"] if repeat is None else repeat
    env = {**os.environ, "CHRONICLE_AUTHOR": "bench", "NO_COLOR": "1"}
    env.pop("CHRONICLE_DB", None)
    times: list[list[float]] = [[] for _ in argvs]
    cpus: list[list[float]] = [[] for _ in argvs]
    peaks: list[list[int]] = [[] for _ in argvs]
    for index in range(rounds + 1):
        for number, argv in enumerate(argvs):
            seconds, peak, _, status, cpu = run_process(argv, cwd=cwd, env=env)
            if status != 0:
                failed = Measured(note=f"failed (exit {status})")
                return [failed for _ in argvs]
            if index or not rounds:
                times[number].append(seconds)
                cpus[number].append(cpu)
                peaks[number].append(peak)
    return [Measured(statistics.median(t), 1, max(p), cpu=statistics.median(c))
            for t, c, p in zip(times, cpus, peaks, strict=True)]


def median_ms(function: Callable[[], int], repeat: int = 30) -> dict[str, Any]:
    """Median wall and CPU time of ``repeat`` warm calls, and what the call counted."""
    count = function()  # warm the cache and the statement compilers
    times, cpus = [], []
    for _ in range(repeat):
        start, cpu = time.perf_counter(), time.process_time()
        function()
        times.append(time.perf_counter() - start)
        cpus.append(time.process_time() - cpu)
    return {"seconds": statistics.median(times), "cpu": statistics.median(cpus), "count": count}


#: ``repeat``: rounds of whole-process measurements (``--repeat``).
SETTINGS = {"repeat": 9}



FLOOR = [sys.executable, "-c", "import click, sqlalchemy"]
FLOOR_TEXT = '↳ python -c "import click, sqlalchemy"'




def compile_chronicle() -> None:
    """Byte-compile chronicle's modules once before any whole process is timed.

    An installed chronicle has its ``.pyc`` files (pip compiles at install), as click and
    SQLAlchemy in the floor have theirs; a source tree run with PYTHONDONTWRITEBYTECODE
    set (as this machine's shells are) would otherwise compile ~10k lines of chronicle
    in every ``chronicle add``, which is no part of its start-up.
    """
    import compileall

    spec = importlib.util.find_spec("chronicle")
    if spec is not None and spec.origin is not None:
        compileall.compile_dir(str(Path(spec.origin).parent), quiet=1)


def startup_imports(args: list[str]) -> list[str]:
    """Heavy modules that ``chronicle ARGS`` imports on its way (``python -X importtime``)."""
    code = "import sys; from chronicle.cli import main; sys.argv = ['chronicle', *sys.argv[1:]]; main()"
    result = subprocess.run([sys.executable, "-X", "importtime", "-c", code, *args],
                            capture_output=True, text=True, check=False)
    heavy = ("jinja2", "dateutil", "icalendar", "chronicle.formats.", "sqlalchemy")
    found = []
    for line in result.stderr.splitlines():
        name = line.rsplit("|", 1)[-1].strip()
        if any(name == h or name.startswith(h if h.endswith(".") else h + ".") for h in heavy):
            top = name if name.startswith("chronicle.formats.") else name.split(".")[0]
            if top not in found:
                found.append(top)
    return found


# ---------------------------------------------------------------------------------------
# Baselines, each run in a child process like chronicle's operations


def op_import_sqlite3(paths: Paths) -> dict[str, Any]:
    """Baseline: the same CSV rows, ``executemany`` into one plain table in one transaction."""
    remove_db(paths.plain_db)
    con = sqlite3.connect(paths.plain_db, isolation_level=None)
    con.execute("PRAGMA journal_mode=WAL")
    con.execute("PRAGMA synchronous=NORMAL")
    columns = ", ".join(f'"{c}" TEXT' for c in PLAIN_COLUMNS)
    con.execute(f'CREATE TABLE events ({columns.replace(chr(34) + "id" + chr(34) + " TEXT", "id TEXT PRIMARY KEY")})')
    insert = f"INSERT INTO events VALUES ({', '.join('?' * len(PLAIN_COLUMNS))})"
    result: dict[str, Any] = {"count": 0}
    with stopwatch(result):
        result["count"] = synth.insert_csv(con, paths.csv, insert)
    # Not timed: the index the readers' baselines query ("the same query on an indexed column").
    con.execute('CREATE INDEX ix_date ON events ("date")')
    con.close()
    return result


def op_import_eventsourcing(paths: Paths) -> dict[str, Any]:
    """Baseline: the peer event store saving the same events as aggregates, 1000 per save."""
    os.environ.setdefault("PERSISTENCE_MODULE", "eventsourcing.sqlite")
    db = paths.data / f"eventsourcing-{paths.n}.db"
    remove_db(db)
    from eventsourcing.application import Application
    from eventsourcing.domain import Aggregate

    class TimelineEvent(Aggregate):
        def __init__(self, title: str, date: str, end: str | None, description: str,
                     tags: list[str], actors: list[str], place: str, sources: list[dict[str, str]]) -> None:
            self.title, self.date, self.end, self.description = title, date, end, description
            self.tags, self.actors, self.place, self.sources = tags, actors, place, sources

    app: Any = Application(env={"PERSISTENCE_MODULE": "eventsourcing.sqlite", "SQLITE_DBNAME": str(db)})
    result: dict[str, Any] = {"count": 0}
    with stopwatch(result):
        batch: list[Any] = []
        for event in synth.read_csv_events(paths.csv):
            batch.append(TimelineEvent(
                event.title, event.date, event.end, event.description, list(event.tags),
                list(event.actors), event.place, json.loads(synth.sources_json(event)),
            ))
            if len(batch) >= 1000:
                app.save(*batch)
                result["count"] += len(batch)
                batch.clear()
        app.save(*batch)
        result["count"] += len(batch)
    app.close()
    remove_db(db)
    return result


def op_show_limit_sqlite3(paths: Paths) -> dict[str, Any]:
    con = sqlite3.connect(paths.plain_db)
    sql = 'SELECT * FROM events WHERE "date" >= ? ORDER BY "date" LIMIT 50'
    result = median_ms(lambda: len(con.execute(sql, (SINCE,)).fetchall()))
    con.close()
    return result


def op_show_full_sqlite3(paths: Paths) -> dict[str, Any]:
    con = sqlite3.connect(paths.plain_db)
    result: dict[str, Any] = {}
    with stopwatch(result):
        cursor = con.execute('SELECT * FROM events WHERE "date" >= ? ORDER BY "date"', (SINCE,))
        result["count"] = sum(1 for _ in cursor)
    con.close()
    return result


def _baseline_export(paths: Paths, name: str, write: Callable[[TextIO], int]) -> dict[str, Any]:
    target = paths.out / f"{name}-{paths.n}"
    result: dict[str, Any] = {}
    with stopwatch(result), open(target, "w", encoding="utf-8", newline="") as out:
        result["count"] = write(out)
    result["bytes"] = target.stat().st_size
    return result


def op_export_csv_baseline(paths: Paths) -> dict[str, Any]:
    """Baseline: ``csv.writer`` streaming the same rows straight from a sqlite3 cursor."""
    def write(out: TextIO) -> int:
        con = sqlite3.connect(paths.plain_db)
        writer = csv.writer(out)
        writer.writerow(PLAIN_COLUMNS)
        cursor = con.execute('SELECT * FROM events ORDER BY "date"')
        count = 0
        while rows := cursor.fetchmany(2000):
            writer.writerows(rows)
            count += len(rows)
        con.close()
        return count

    return _baseline_export(paths, "plain-csv", write)


def _archive_events(paths: Paths) -> Iterator[Any]:
    """The same stream of events chronicle's exporters get (``Archive.show``)."""
    from chronicle.archive import Archive
    from chronicle.query import EventQuery

    archive = Archive.open(paths.archive_url, author="bench", origin="benchmark")
    try:
        yield from archive.show(EventQuery())
    finally:
        archive.close()


def op_export_ics_handwritten(paths: Paths) -> dict[str, Any]:
    """Baseline: the iCalendar issue's minimal hand-written RFC 5545 writer
    (``ical_bench.write_by_hand``), over the same events chronicle's exporter reads."""
    from ical_bench import write_by_hand

    return _baseline_export(paths, "handwritten-ics", lambda out: write_by_hand(_archive_events(paths), out))


def op_export_ics_icalendar(paths: Paths) -> dict[str, Any]:
    """Baseline: the same minimal calendar built with the ``icalendar`` library
    (``ical_bench.write_with_icalendar``), over the same events."""
    from ical_bench import write_with_icalendar

    return _baseline_export(paths, "icalendar-ics", lambda out: write_with_icalendar(_archive_events(paths), out))


def op_export_html_jinja2(paths: Paths) -> dict[str, Any]:
    """Baseline: the HTML issue's minimal jinja2 template (``html_bench.BASELINE_TEMPLATE``)
    rendered with ``stream()`` over the same rows, read as JSON straight from sqlite3."""
    import jinja2
    from html_bench import BASELINE_TEMPLATE

    def rows() -> Iterator[Any]:
        return synth.stored_docs(paths.archive_dir / "events" / "chronicle.db")

    def write(out: TextIO) -> int:
        env = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined)
        counted = _Counter(rows())
        for chunk in env.from_string(BASELINE_TEMPLATE).stream(events=counted):
            out.write(chunk)
        return counted.count

    return _baseline_export(paths, "jinja2-html", write)


class _Counter:
    def __init__(self, items: Iterator[Any]) -> None:
        self.items = items
        self.count = 0

    def __iter__(self) -> Iterator[Any]:
        for item in self.items:
            self.count += 1
            yield item


