"""The benchmark suite at 10k events, once: every operation runs and gives right answers.

``make bench`` measures; this only keeps its code paths working inside ``make test``.
It runs ``benchmarks/run.py`` as ``make bench`` does (child processes, baselines, the
table, RESULTS.md) on a temporary data folder, then checks what each operation did —
counts, files, query plans — never how fast.
"""

from __future__ import annotations

import csv
import json
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from chronicle.archive import Archive
from chronicle.dates import Precision, parse_span
from chronicle.query import EventQuery

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "benchmarks"
N = 10_000

sys.path.insert(0, str(BENCH))
import run as bench  # noqa: E402
import synth  # noqa: E402


@pytest.fixture(scope="module")
def suite(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """One run of the suite at 10k; its rows (run.py --json), RESULTS.md and data folder."""
    folder = tmp_path_factory.mktemp("bench")
    results, rows = folder / "RESULTS.md", folder / "rows.json"
    completed = subprocess.run(
        [sys.executable, str(BENCH / "run.py"), "--sizes", str(N), "--repeat", "1",
         "--data", str(folder / "data"), "--results", str(results), "--json", str(rows)],
        capture_output=True, text=True, timeout=600, check=False,
    )
    assert completed.returncode == 0, completed.stderr[-3000:]
    yield {
        "rows": {(row["key"], row["n"]): row for row in json.loads(rows.read_text(encoding="utf-8"))},
        "results": results.read_text(encoding="utf-8"),
        "stdout": completed.stdout,
        "data": folder / "data",
    }


def row(suite: dict[str, Any], key: str, n: int | None = N) -> dict[str, Any]:
    found: dict[str, Any] = suite["rows"][(key, n)]
    assert found["note"] == "", f"{key}: {found['note']}"
    return found


def test_synthetic_data_is_deterministic_and_shaped_like_the_spec() -> None:
    first = list(synth.generate(2000))
    assert first == list(synth.generate(2000)), "the same seed must give the same events"
    assert first != list(synth.generate(2000, seed=synth.SEED + 1))
    spans = [parse_span(e.date, e.end) for e in first]
    share = {p: sum(s.precision is p for s in spans) / len(spans) for p in Precision}
    assert abs(share[Precision.DAY] - 0.7) < 0.04
    assert abs(share[Precision.MONTH] - 0.2) < 0.04
    assert abs(share[Precision.YEAR] - 0.1) < 0.03
    assert 0.03 < sum(s.is_interval for s in spans) / len(spans) < 0.15
    assert sum(s.approximate or s.uncertain for s in spans) > 0.02 * len(spans)
    assert {len(e.sources) for e in first} == {1, 2, 3}
    assert min(len(e.title) for e in first) >= 25 and max(len(e.description) for e in first) <= 700


def test_csv_rows_round_trip(tmp_path: Path) -> None:
    path = synth.csv_path(300, tmp_path)
    assert list(synth.read_csv_events(path)) == list(synth.generate(300))
    with open(path, encoding="utf-8", newline="") as handle:
        assert next(csv.reader(handle)) == list(synth.CSV_COLUMNS)


def test_every_operation_ran(suite: dict[str, Any]) -> None:
    for (key, n), found in suite["rows"].items():
        assert found["note"] == "", f"{key} at {n}: {found['note']}"
        assert found["seconds"] > 0 and found["peak_kb"] > 0, key
    expected = {"import-chronicle", "import-sqlite3", "import-sqlite-utils", "import-eventsourcing", "verify",
                "read-log", "show-limit", "show-limit-sqlite3", "show-full", "show-full-sqlite3", "export-csv",
                "export-csv-baseline", "export-ics", "export-ics-handwritten", "export-ics-icalendar",
                "export-html", "export-html-jinja2", "add", "floor"}
    assert expected <= {key for key, n in suite["rows"] if n == N}
    assert {"version", "help", "floor-version", "floor-help"} <= {key for key, n in suite["rows"] if n is None}


def test_imports_store_every_event_once(suite: dict[str, Any]) -> None:
    for key in ("import-chronicle", "import-sqlite3", "import-sqlite-utils", "import-eventsourcing"):
        assert row(suite, key)["count"] == N, key
    archive = Archive.open(bench.Paths(N, suite["data"]).archive_url)
    try:
        # `chronicle add` ran too: a warm-up round and one measured (--repeat 1).
        assert row(suite, "add")["count"] == 1
        assert archive.count(EventQuery(text="benchmark event")) == 2
        assert archive.count(EventQuery()) == N + 2
        assert archive.verify().entries == N + 2
        first = next(synth.generate(1))
        stored = archive.get(first.id)
        assert (stored.title, stored.date, stored.end) == (first.title, first.date, first.end)
        assert [s.url for s in stored.sources] == [s.url for s in first.sources]
    finally:
        archive.close()


def test_verify_and_log_read_every_record(suite: dict[str, Any]) -> None:
    assert row(suite, "verify")["count"] == row(suite, "read-log")["count"] == N


def test_since_query_walks_indexes_and_agrees_with_brute_force(suite: dict[str, Any]) -> None:
    limited, full = row(suite, "show-limit"), row(suite, "show-full")
    plan = " ".join(limited["extra"]["plan"])
    # Two index ranges, both in timeline order (long events in their own index, the
    # rest by start date), merged: no scan, no sort.
    assert "SEARCH event_versions USING INDEX ix_versions_current_lo (lo>?)" in plan, plan
    assert "SEARCH event_versions USING INDEX ix_versions_current_wide (wide=? AND lo<?)" in plan, plan
    assert "TEMP B-TREE" not in plan, plan
    assert "SCAN" not in plan, plan
    assert limited["count"] == 50
    expected = sum(1 for e in synth.generate(N) if parse_span(e.date, e.end).latest >= parse_span("2023").earliest)
    assert full["count"] == expected
    plain = sqlite3.connect(bench.Paths(N, suite["data"]).plain_db)
    try:
        assert row(suite, "show-full-sqlite3")["count"] == plain.execute(
            'SELECT count(*) FROM events WHERE "date" >= ?', (bench.SINCE,)).fetchone()[0]
    finally:
        plain.close()


def test_exports_and_their_baselines_write_every_event(suite: dict[str, Any]) -> None:
    for key in ("export-csv", "export-ics", "export-html"):
        found = row(suite, key)
        assert found["count"] == N and found["extra"]["bytes"] > N * 100, key
    for key in ("export-csv-baseline", "export-ics-handwritten", "export-ics-icalendar", "export-html-jinja2"):
        assert row(suite, key)["count"] == N, key


def test_hand_written_calendar_baseline_is_valid_icalendar(suite: dict[str, Any], tmp_path: Path) -> None:
    import icalendar
    from ical_bench import write_by_hand

    archive = Archive.open(bench.Paths(N, suite["data"]).archive_url)
    try:
        events = list(archive.show(EventQuery(limit=200)))
    finally:
        archive.close()
    out = tmp_path / "hand.ics"
    with open(out, "w", encoding="utf-8", newline="") as handle:
        assert write_by_hand(iter(events), handle) == 200
    data = out.read_bytes()
    assert all(len(line) <= 75 for line in data.split(b"\r\n"))
    parsed = icalendar.Calendar.from_ical(data).walk("VEVENT")
    assert [str(e["SUMMARY"]) for e in parsed] == [e.title for e in events]
    assert [str(e["DESCRIPTION"]) for e in parsed] == [e.description for e in events]


def test_help_imports_nothing_heavy() -> None:
    assert bench.startup_imports(["--help"]) == []
    assert bench.startup_imports(["--version"]) == []


def test_results_file_has_the_table_and_every_target(suite: dict[str, Any]) -> None:
    text = suite["results"]
    assert bench.HEADER in text
    imported = next(line for line in text.splitlines() if line.startswith("| import CSV → chronicle"))
    assert "rate " in imported and "plain sqlite3 executemany" in imported and "eventsourcing" in imported
    for target in bench.TARGETS:
        assert target.text in text
    assert "machine:" in text and "Python " in text and "SQLite " in text
    assert bench.HEADER in suite["stdout"]
