"""The benchmark table and RESULTS.md: rows, ratios, the machine, the stage table.

Targets and why they are missed are in :mod:`targets`.
"""

from __future__ import annotations

import contextlib
import os
import platform
import sqlite3
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from harness import SIZE_CAPS, Measured


@dataclass
class Row:
    key: str
    operation: str
    n: int | None
    measured: Measured
    baseline_of: str | None = None
    """For baseline rows: the key of the chronicle row they are compared with."""
    rate_unit: str = "events/s"
    lower_is_better: bool = False
    """Latency rows (start-up, one query): the ratio is time over the baseline's time."""


@dataclass
class Suite:
    sizes: tuple[int, ...]
    data: Path
    rows: list[Row] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    stages: dict[int, dict[str, float]] = field(default_factory=dict)
    """Per size: the import's stages, µs per row (``import-stages``)."""

    def add(self, row: Row) -> None:
        self.rows.append(row)
        sys.stdout.write(format_row(row, self) + "\n")
        sys.stdout.flush()

    def find(self, key: str, n: int | None) -> Row | None:
        for row in self.rows:
            if row.key == key and row.n == n:
                return row
        return None


def rate(row: Row) -> float | None:
    m = row.measured
    if m.seconds is None or m.count is None or m.seconds <= 0:
        return None
    return m.count / m.seconds


def ratio_text(row: Row, suite: Suite) -> str:
    """Chronicle rows: ``0.41× plain sqlite3`` per baseline (rate over rate; for latency
    rows, time over time)."""
    if row.baseline_of is not None:
        return ""
    parts = []
    for other in suite.rows:
        if other.baseline_of == row.key and other.n == row.n:
            value = ratio(row, other)
            if value is not None:
                what = "time" if row.lower_is_better else "rate"
                steady = ratio(row, other, cpu=True)
                by_cpu = f" (CPU {steady:.2f}×)" if steady is not None else ""
                parts.append(f"{what} {value:.2f}×{by_cpu} {other.operation.removeprefix('↳ ')}")
    return "; ".join(parts)


def ratio(row: Row, baseline: Row, *, cpu: bool = False) -> float | None:
    """Rate over the baseline's rate (time over time for latency rows); by wall time, or
    by CPU time with ``cpu``."""
    ours = row.measured.cpu if cpu else row.measured.seconds
    theirs = baseline.measured.cpu if cpu else baseline.measured.seconds
    if not ours or not theirs or row.measured.count is None or baseline.measured.count is None:
        return None
    if row.lower_is_better:
        return ours / theirs
    return (row.measured.count / ours) / (baseline.measured.count / theirs)


def human_n(n: int | None) -> str:
    if n is None:
        return "—"
    if n >= 1_000_000 and n % 1_000_000 == 0:
        return f"{n // 1_000_000}M"
    if n >= 1000 and n % 1000 == 0:
        return f"{n // 1000}k"
    return str(n)


def human_time(seconds: float | None) -> str:
    if seconds is None:
        return "—"
    if seconds < 1:
        return f"{seconds * 1000:.2f} ms"
    return f"{seconds:.2f} s"


def human_rate(row: Row) -> str:
    value = rate(row)
    if value is None or (row.lower_is_better and row.measured.count in (None, 1)):
        return "—"
    unit = row.rate_unit
    if value >= 1_000_000:
        return f"{value / 1_000_000:.2f}M {unit}"
    if value >= 1000:
        return f"{value / 1000:.1f}k {unit}"
    return f"{value:.0f} {unit}"


def human_memory(kb: int | None) -> str:
    return "—" if not kb else f"{kb / 1024:.0f} MB"


HEADER = "| operation | N | time | rate | peak memory | ratio to baseline |\n|---|---:|---:|---:|---:|---|"


def format_row(row: Row, suite: Suite) -> str:
    m = row.measured
    if m.note and m.seconds is None:
        return f"| {row.operation} | {human_n(row.n)} | {m.note} | | | |"
    note = f" ({m.note})" if m.note else ""
    cpu = f" (CPU {human_time(m.cpu)})" if m.cpu is not None else ""
    return (
        f"| {row.operation}{note} | {human_n(row.n)} | {human_time(m.seconds)}{cpu} | {human_rate(row)} | "
        f"{human_memory(m.peak_kb)} | {ratio_text(row, suite)} |"
    )


# ---------------------------------------------------------------------------------------
# RESULTS.md


def _version(name: str) -> str:
    from importlib import metadata

    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "not installed"


def machine_lines() -> list[str]:
    cpu = platform.processor() or platform.machine()
    with contextlib.suppress(OSError), open("/proc/cpuinfo", encoding="utf-8") as handle:
        for line in handle:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    memory = ""
    with contextlib.suppress(OSError), open("/proc/meminfo", encoding="utf-8") as handle:
        kb = int(handle.readline().split()[1])
        memory = f", {kb / 1024 / 1024:.0f} GiB memory"
    packages = ["chronicle", "sqlalchemy", "click", "jinja2", "icalendar", "eventsourcing", "sqlite-utils"]
    return [
        f"- machine: {platform.system()} {platform.release()} {platform.machine()}, {cpu}, {os.cpu_count()} cores{memory}",
        f"- Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}; "
        + ", ".join(f"{p} {_version(p)}" for p in packages),
    ]


def write_results(suite: Suite, command: str, elapsed: float, path: Path,
                  targets: Sequence[tuple[int, Any]]) -> list[tuple[str, bool | None, str]]:
    """Write RESULTS.md; ``targets``: (issue number, :class:`targets.Target`) pairs."""
    largest = max(suite.sizes)
    verdicts = []
    for _, target in targets:
        met, detail = target.check(suite, largest)
        verdicts.append((target.text, met, detail))
    now = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    lines = [
        "# Benchmark results",
        "",
        f"Written by `{command}` on {now}; the whole run took {elapsed / 60:.1f} minutes. "
        "Each figure is measured in its own child process; its baselines run in the same "
        "run on the same synthetic data (`benchmarks/synth.py`, seeded). Peak memory is the "
        "child process's maximum resident set. Ratios are rate over rate (time over time "
        "for start-up and single-query rows, where lower is better). Each time is wall "
        "time, with the CPU time of the same work in parentheses; ratios in parentheses are "
        "by CPU time — steadier when other work shares the machine. The targets are judged "
        "on wall time, as the issue states them.",
        "",
        *machine_lines(),
        "",
        HEADER,
        *(format_row(row, suite) for row in suite.rows),
        "",
        "## Targets",
        "",
        "| issue | target | result | |",
        "|---|---|---|---|",
    ]
    for (issue, _), (text, met, detail) in zip(targets, verdicts, strict=True):
        mark = "—" if met is None else ("met" if met else "**missed**")
        lines.append(f"| #{issue} | {text} | {detail} | {mark} |")
    if suite.stages:
        sizes = sorted(suite.stages)
        names = list(suite.stages[sizes[-1]])
        lines += ["", "## Import, stage by stage (CPU µs per row; each stage timed alone, floors beside)", "",
                  "| stage | " + " | ".join(human_n(n) for n in sizes) + " |",
                  "|---|" + "---:|" * len(sizes)]
        for name in names:
            cells = [f"{suite.stages[n].get(name, float('nan')):.1f}" for n in sizes]
            lines.append(f"| {name} | " + " | ".join(cells) + " |")
    misses = [(t, d) for t, (_, met, d) in zip((t for _, t in targets), verdicts, strict=True) if met is False]
    if misses:
        lines += ["", "## Why the misses", ""]
        for target, detail in misses:
            lines.append(f"- **{target.text}** — {detail}. {target.why or 'See the notes below.'}")
    if suite.notes:
        lines += ["", "## Notes", "", *(f"- {note}" for note in suite.notes)]
    lines += [
        "",
        "Baselines: *plain sqlite3* inserts the CSV's text cells into one table (primary key on "
        "id), queries an index on its `date` text column, and its rows are what `csv.writer` "
        "streams; *sqlite-utils* is the `sqlite-utils insert DB events FILE --csv` command; "
        "*eventsourcing* saves one aggregate per event through its SQLite recorder; the "
        "iCalendar baselines are the iCalendar issue's own (`benchmarks/ical_bench.py`), fed "
        "the same Event stream as chronicle's exporter, so that ratio compares writers; the "
        "HTML baseline is the HTML issue's template (`benchmarks/html_bench.py`) over the "
        "stored documents read straight from sqlite3. "
        "Run only up to 100k (to keep the whole suite under 20 minutes on 2 cores): "
        + ", ".join(f"`{key}`" for key in SIZE_CAPS) + ".",
        "",
    ]
    path.write_text("\n".join(lines), encoding="utf-8")
    return verdicts


