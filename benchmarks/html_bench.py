"""HTML export benchmark: time, size, memory and Chromium layout of the timeline page.

    .venv/bin/python benchmarks/html_bench.py            # 10,000 and 100,000 events
    .venv/bin/python benchmarks/html_bench.py --sizes 10000 --repeat 1

For each size it builds (once, cached under ``benchmarks/data/html/``) an archive of the
deterministic synthetic events of :mod:`synth`, then measures, each in its own child
process so that peak memory is that process's own maximum resident set (``os.wait4``):

* ``export``: ``chronicle.exporting.export(archive, "html", …)`` — the real exporter;
* ``baseline``: a minimal jinja2 template rendered with ``stream()`` over the *same rows*
  (the archive's current event documents, read with plain ``sqlite3`` in the same order),
  written to a file — what "just loop over the rows in jinja2" costs.

The two alternate ``--repeat`` times and the best time of each is kept (the machine is
shared, so the minimum is the least noisy figure). The ratio is baseline time / export
time: 1.0 means as fast as the minimal template, the target is ≥ 0.7 at 100,000 events.

For the smallest size it also opens the page in headless Chromium (Debian's ``chromium``
and ``chromedriver``) and reads the Navigation Timing and Paint Timing entries: when the
document was parsed and laid out (``domContentLoaded``, ``load``), when it first painted,
the time a forced full layout takes, and how long one keystroke in the filter takes until
the next frame.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import synth  # noqa: E402  (benchmarks/ is not a package)

DATA = HERE / "data" / "html"
SIZE_BUDGET_BYTES_PER_EVENT = 1600
"""The size budget stated in the README: 16 MB for 10,000 synthetic events."""

BASELINE_TEMPLATE = """<!doctype html>
<html><head><meta charset="utf-8"><title>timeline</title></head><body><ol>
{% for e in events %}<li id="{{ e.id }}"><time>{{ e.date }}</time> <h3>{{ e.title }}</h3>
<p>{{ e.description }}</p><p>{% for t in e.tags %}<span>{{ t }}</span> {% endfor %}</p>
<ul>{% for s in e.sources %}<li><a href="{{ s.url }}">{{ s.publisher }}: {{ s.title }}</a></li>{% endfor %}</ul></li>
{% endfor %}</ol></body></html>
"""


def archive_dir(n: int) -> Path:
    return DATA / f"archive-{n}"


def database(n: int) -> Path:
    return archive_dir(n) / "events" / "chronicle.db"


def build(n: int) -> None:
    """The synthetic archive of ``n`` events (cached: built once per size)."""
    from chronicle.archive import Archive
    from chronicle.importing import import_items

    if database(n).exists():
        return
    shutil.rmtree(archive_dir(n), ignore_errors=True)
    archive_dir(n).mkdir(parents=True)
    archive = Archive.init(archive_dir(n), name=f"synthetic-{n}", description="Synthetic benchmark events.",
                           author="bench", origin="benchmark")
    started = time.perf_counter()
    report = import_items(archive, synth.incoming(synth.generate(n), "benchmark"), origin="benchmark",
                          path="synth")
    archive.close()
    print(f"built {report.new_events:,} events in {time.perf_counter() - started:.1f} s", file=sys.stderr)


# -- child processes -------------------------------------------------------------------


def child_export(n: int, target: Path) -> dict[str, Any]:
    from chronicle.archive import Archive
    from chronicle.exporting import export
    from chronicle.query import EventQuery

    archive = Archive.open(f"sqlite:///{database(n)}")
    started = time.perf_counter()
    result = export(archive, "html", EventQuery(), str(target))
    seconds = time.perf_counter() - started
    archive.close()
    return {"seconds": seconds, "count": result.stats.written, "bytes": target.stat().st_size}


def child_baseline(n: int, target: Path) -> dict[str, Any]:
    import jinja2

    def rows() -> Any:
        return synth.stored_docs(database(n))

    started = time.perf_counter()
    env = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined)
    count = 0

    def counted() -> Any:
        nonlocal count
        for row in rows():
            count += 1
            yield row

    with open(target, "w", encoding="utf-8", newline="") as out:
        for chunk in env.from_string(BASELINE_TEMPLATE).stream(events=counted()):
            out.write(chunk)
    return {"seconds": time.perf_counter() - started, "count": count, "bytes": target.stat().st_size}


def run_child(kind: str, n: int, target: Path) -> dict[str, Any]:
    """Run one measurement in a fresh interpreter; add its peak RSS (KiB → MiB)."""
    argv = [sys.executable, str(Path(__file__).resolve()), "--child", kind, str(n), str(target)]
    with tempfile.TemporaryFile("w+") as out:
        process = subprocess.Popen(argv, stdout=out, stderr=subprocess.PIPE, text=True)
        _, status, usage = os.wait4(process.pid, 0)
        if os.waitstatus_to_exitcode(status) != 0:
            raise SystemExit(f"{kind} {n} failed: {process.stderr.read() if process.stderr else ''}")
        out.seek(0)
        result: dict[str, Any] = json.loads(out.read())
    result["peak_mib"] = usage.ru_maxrss / 1024
    return result


# -- Chromium -------------------------------------------------------------------------------


def chromium_timing(page: Path) -> dict[str, float] | None:
    """Navigation/paint timing of ``page`` in headless Chromium, or None when it is missing."""
    chromium, driver = shutil.which("chromium"), shutil.which("chromedriver")
    if not (chromium and driver):
        return None
    from selenium import webdriver
    from selenium.webdriver.chrome.options import Options
    from selenium.webdriver.chrome.service import Service

    profile = tempfile.mkdtemp(prefix="chronicle-bench-")
    options = Options()
    options.binary_location = chromium
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--disable-dev-shm-usage", f"--user-data-dir={profile}", "--window-size=1280,900"):
        options.add_argument(flag)
    browser = webdriver.Chrome(service=Service(driver), options=options)
    try:
        browser.get(page.as_uri())
        timing: dict[str, float] = browser.execute_script("""
            const nav = performance.getEntriesByType('navigation')[0];
            const paint = performance.getEntriesByType('paint').find(p => p.name === 'first-contentful-paint');
            const t0 = performance.now();
            document.body.getBoundingClientRect();
            const h = document.documentElement.scrollHeight;
            return {domContentLoaded: nav.domContentLoadedEventEnd, load: nav.loadEventEnd,
                    firstContentfulPaint: paint ? paint.startTime : -1,
                    forcedLayout: performance.now() - t0, height: h,
                    domNodes: document.getElementsByTagName('*').length};
        """)
        keystrokes = []
        for words in ("police", "police raid", ""):
            keystrokes.append(browser.execute_async_script("""
                const done = arguments[arguments.length - 1];
                const box = document.getElementById('f-text');
                const t0 = performance.now();
                box.value = arguments[0];
                box.dispatchEvent(new Event('input'));
                requestAnimationFrame(() => requestAnimationFrame(() => done(performance.now() - t0)));
            """, words))
        timing["filterKeystroke"] = max(keystrokes)
        return timing
    finally:
        browser.quit()
        shutil.rmtree(profile, ignore_errors=True)


# -- main ----------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--child", nargs=3, metavar=("KIND", "N", "TARGET"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        kind, n, target = args.child[0], int(args.child[1]), Path(args.child[2])
        result = child_export(n, target) if kind == "export" else child_baseline(n, target)
        print(json.dumps(result))
        return

    out = DATA / "out"
    out.mkdir(parents=True, exist_ok=True)
    lines = [
        "| events | export | baseline (minimal jinja2 stream) | ratio | export size | per event "
        "| export peak RSS | baseline peak RSS |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    pages: dict[int, Path] = {}
    for n in args.sizes:
        build(n)
        page, plain = out / f"chronicle-{n}.html", out / f"baseline-{n}.html"
        best: dict[str, dict[str, Any]] = {}
        for _ in range(args.repeat):
            for kind, target in (("export", page), ("baseline", plain)):
                result = run_child(kind, n, target)
                if kind not in best or result["seconds"] < best[kind]["seconds"]:
                    best[kind] = {**result, "peak_mib": max(result["peak_mib"], best.get(kind, {}).get("peak_mib", 0))}
        exp, base = best["export"], best["baseline"]
        assert exp["count"] == base["count"] == n, (exp, base)
        per_event = exp["bytes"] / n
        lines.append(
            f"| {n:,} | {exp['seconds']:.2f} s | {base['seconds']:.2f} s | {base['seconds'] / exp['seconds']:.2f}× "
            f"| {exp['bytes'] / 1e6:.1f} MB | {per_event:,.0f} B (budget {SIZE_BUDGET_BYTES_PER_EVENT:,}) "
            f"| {exp['peak_mib']:.0f} MiB | {base['peak_mib']:.0f} MiB |"
        )
        pages[n] = page
        print(lines[-1], file=sys.stderr)
    print("\n".join(lines))
    smallest = min(pages)
    timing = chromium_timing(pages[smallest])
    if timing is None:
        print("\nChromium: not installed (Debian: chromium chromium-driver), layout not measured")
    else:
        print(
            f"\nChromium, {smallest:,} events ({timing['domNodes']:,} elements): DOMContentLoaded "
            f"{timing['domContentLoaded']:.0f} ms, load {timing['load']:.0f} ms, first contentful paint "
            f"{timing['firstContentfulPaint']:.0f} ms, forced full layout {timing['forcedLayout']:.1f} ms, "
            f"slowest filter keystroke to next frame {timing['filterKeystroke']:.0f} ms"
        )


if __name__ == "__main__":
    main()
