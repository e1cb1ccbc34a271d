"""iCalendar export: chronicle's streaming writer beside two baselines, in one run.

    .venv/bin/python benchmarks/ical_bench.py            # 100,000 events (and 10,000)
    .venv/bin/python benchmarks/ical_bench.py --n 20000  # a quicker look

The synthetic archive (``synth.py``: the suite's deterministic events, 30% month/year
precision, 1–3 sources each) is built once and cached under ``benchmarks/data/``. Every
measurement runs in its own child process, so its peak resident memory is its own
(``ru_maxrss``), and every writer reads the *same* stream of events from the same archive
(``Archive.show``), so the ratios compare the writers, not the database:

- ``chronicle``: :func:`chronicle.formats.ical.export_ical`, everything it writes (log
  times, SEQUENCE, description with sources, categories, X-CHRONICLE-* round-trip data);
- ``handwritten``: a minimal RFC 5545 writer (escaping, folding, CRLF) writing only UID,
  DTSTAMP, DTSTART/DTEND, SUMMARY, DESCRIPTION and URL — the floor a writer can reach;
- ``icalendar``: the same minimal properties through ``icalendar.Calendar`` + ``to_ical``;
- ``read-only``: just iterating the events (what all three pay before writing a byte).

Speeds are events per second of the child's own CPU time (``time.process_time``): on a
shared, busy machine wall time swings by a factor of two between identical runs, CPU time
far less. Wall time is printed too.

``run.py`` (``make bench``) has its own export rows; this script is the one the iCalendar
section of the README quotes.
"""

from __future__ import annotations

import argparse
import io
import json
import resource
import subprocess
import sys
import time
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import synth  # noqa: E402  (benchmarks/ is not a package)

DATA = HERE / "data"
OPERATIONS = ("read-only", "handwritten", "chronicle", "icalendar")


def archive_url(n: int) -> str:
    return f"sqlite:///{DATA / f'ical-archive-{n}' / 'events' / 'chronicle.db'}"


def build_archive(n: int) -> None:
    """The synthetic archive of ``n`` events, imported once (cached)."""
    from chronicle.archive import Archive
    from chronicle.importing import import_items

    directory = DATA / f"ical-archive-{n}"
    if (directory / "events" / "chronicle.db").exists():
        return
    started = time.perf_counter()
    archive = Archive.init(directory, name="bench", description="Synthetic events", author="bench")
    import_items(archive, synth.incoming(synth.generate(n)), origin="benchmark", path="synthetic")  # type: ignore[arg-type]
    archive.close()
    print(f"built a {n:,}-event archive in {time.perf_counter() - started:.0f} s", file=sys.stderr)


# --- the baselines ---------------------------------------------------------------------


def _text(value: str) -> str:
    return value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")


def _fold(line: str) -> str:
    data = line.encode("utf-8")
    if len(data) <= 75:
        return line + "\r\n"
    parts = []
    start, limit = 0, 75
    while start < len(data):
        stop = min(start + limit, len(data))
        while stop < len(data) and (data[stop] & 0xC0) == 0x80:
            stop -= 1
        parts.append(data[start:stop].decode("utf-8"))
        start, limit = stop, 74
    return "\r\n ".join(parts) + "\r\n"


def _days(event: Any) -> tuple[str, str]:
    from datetime import timedelta

    span = event.span
    first = span.start.earliest_day
    last = (span.end or span.start).latest_day if not span.open_end else span.start.latest_day
    return first.strftime("%Y%m%d"), (last + timedelta(days=1)).strftime("%Y%m%d")


def write_by_hand(events: Iterable[Any], out: TextIO) -> int:
    out.write("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//bench//handwritten//EN\r\n")
    count = 0
    for event in events:
        start, stop = _days(event)
        out.write("BEGIN:VEVENT\r\n")
        out.write(f"UID:{event.id}@bench.example\r\nDTSTAMP:20260101T000000Z\r\n")
        out.write(f"DTSTART;VALUE=DATE:{start}\r\nDTEND;VALUE=DATE:{stop}\r\n")
        out.write(_fold(f"SUMMARY:{_text(event.title)}"))
        out.write(_fold(f"DESCRIPTION:{_text(event.description)}"))
        if event.sources:
            out.write(_fold(f"URL:{event.sources[0].url}"))
        out.write("END:VEVENT\r\n")
        count += 1
    out.write("END:VCALENDAR\r\n")
    return count


def write_with_icalendar(events: Iterable[Any], out: TextIO) -> int:
    import icalendar

    calendar = icalendar.Calendar()
    calendar.add("prodid", "-//bench//icalendar//EN")
    calendar.add("version", "2.0")
    count = 0
    for event in events:
        span = event.span
        item = icalendar.Event()
        item.add("uid", f"{event.id}@bench.example")
        item.add("dtstamp", datetime(2026, 1, 1, tzinfo=UTC))
        item.add("dtstart", span.start.earliest_day)
        item.add("dtend", datetime.strptime(_days(event)[1], "%Y%m%d").date())
        item.add("summary", event.title)
        item.add("description", event.description)
        if event.sources:
            item.add("url", event.sources[0].url)
        calendar.add_component(item)
        count += 1
    out.write(calendar.to_ical().decode("utf-8"))
    return count


# --- one measurement, in a child process --------------------------------------------------


def child(operation: str, n: int) -> dict[str, Any]:
    from chronicle.archive import Archive
    from chronicle.exporting import context
    from chronicle.formats.ical import export_ical
    from chronicle.query import EventQuery

    archive = Archive.open(archive_url(n))
    query = EventQuery()
    target = DATA / "out" / f"ical-{operation}-{n}.ics"
    target.parent.mkdir(parents=True, exist_ok=True)
    ctx = context(archive, query)
    started, started_cpu = time.perf_counter(), time.process_time()
    with open(target, "w", encoding="utf-8", newline="", buffering=io.DEFAULT_BUFFER_SIZE * 16) as out:
        events = archive.show(query)
        if operation == "read-only":
            count = sum(1 for _ in events)
        elif operation == "handwritten":
            count = write_by_hand(events, out)
        elif operation == "icalendar":
            count = write_with_icalendar(events, out)
        else:
            count = export_ical(events, out, ctx, {"imprecise": "span"}).written
    seconds, cpu = time.perf_counter() - started, time.process_time() - started_cpu
    archive.close()
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    return {"operation": operation, "n": n, "count": count, "seconds": seconds, "cpu": cpu,
            "bytes": target.stat().st_size, "peak_mib": peak_kib / 1024}


def run_child(operation: str, n: int) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, __file__, "--child", operation, "--n", str(n)],
        capture_output=True, text=True, check=False,
    )
    if done.returncode != 0:
        raise SystemExit(f"{operation} on {n:,} events failed:\n{done.stderr}")
    return json.loads(done.stdout)  # type: ignore[no-any-return]


def measure_all(sizes: Iterable[int], repeat: int) -> dict[tuple[str, int], dict[str, Any]]:
    """Median time and largest peak memory of ``repeat`` child runs per (operation, size).

    The rounds are interleaved (every writer once, then again…), so a busy spell on this
    shared machine weighs on all writers alike and the ratios stay fair.
    """
    runs: dict[tuple[str, int], list[dict[str, Any]]] = {}
    for _ in range(repeat):
        for size in sizes:
            for operation in OPERATIONS:
                runs.setdefault((operation, size), []).append(run_child(operation, size))
    results = {}
    for key, found in runs.items():
        found.sort(key=lambda run: run["cpu"])
        median = dict(found[len(found) // 2])
        median["seconds"] = sorted(run["seconds"] for run in found)[len(found) // 2]
        median["peak_mib"] = max(run["peak_mib"] for run in found)
        results[key] = median
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=100_000, help="events in the big archive (default 100,000)")
    parser.add_argument("--repeat", type=int, default=3, help="child runs per figure (median time)")
    parser.add_argument("--child", choices=OPERATIONS, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.child, args.n)))
        return
    small = max(args.n // 10, 1)
    for size in (small, args.n):
        build_archive(size)
    results = measure_all((small, args.n), args.repeat)
    big = {op: results[(op, args.n)] for op in OPERATIONS}
    print(f"iCalendar export of {args.n:,} synthetic events (median of {args.repeat} runs each)")
    print("events/s = per second of the process's own CPU time, which a busy machine disturbs far")
    print("less than wall time (also shown)\n")
    print("| writer | events/s (CPU) | CPU time | wall time | file | peak RSS | peak RSS at N/10 |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for op in OPERATIONS:
        row = big[op]
        print(f"| {op} | {row['count'] / row['cpu']:,.0f} | {row['cpu']:.2f} s | {row['seconds']:.2f} s "
              f"| {row['bytes'] / 1e6:.1f} MB | {row['peak_mib']:.0f} MiB "
              f"| {results[(op, small)]['peak_mib']:.0f} MiB |")
    for baseline in ("handwritten", "icalendar"):
        print(f"\nchronicle / {baseline}: {big[baseline]['cpu'] / big['chronicle']['cpu']:.2f}× the speed")
    # The writers alone, with the shared cost of reading the events taken out.
    read = big["read-only"]["cpu"]
    own = {op: big[op]["cpu"] - read for op in ("handwritten", "chronicle", "icalendar")}
    print(f"writing only (CPU time minus read-only): chronicle {own['chronicle']:.2f} s, "
          f"handwritten {own['handwritten']:.2f} s, icalendar {own['icalendar']:.2f} s")


if __name__ == "__main__":
    main()
