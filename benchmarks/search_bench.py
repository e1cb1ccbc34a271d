"""Top 20 by relevance (``show --search Q --sort relevance --limit 20``) beside today's
substring scan (``show --text``) on the same SQLite archive of N synthetic events.

Three queries, chosen on the archive by their measured match rate: two words that match
at most 1% of the events, one word that matches at most 10%, and a two-word phrase. For
each it reports the match count, the median time of the ranked top 20 (FTS5 ``bm25``
with chronicle's filters: current versions, not retracted), and two substring baselines:

* ``--text`` over every event (``count``): what any ranking by a scan must read, and
  what the issue's "LIKE scan" figure measures;
* ``--text --limit 20``: the first 20 in timeline order — the scan can stop early, but
  it returns the *earliest* 20 matches, not the best;

and the floor: the bare FTS5 query on the same archive's index (``SELECT event_id …
MATCH ? ORDER BY bm25(…) LIMIT 20`` through :mod:`sqlite3`), i.e. what ranking costs
before chronicle joins the best candidates to their current versions.

    PYTHONPATH=src python benchmarks/search_bench.py 100000
    PYTHONPATH=src python benchmarks/search_bench.py 1000000      (accepted; not on shared machines)

The archive is imported once from the synthetic CSV (:mod:`synth`) and cached under
``benchmarks/data/``.
"""

from __future__ import annotations

import argparse
import sqlite3
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import synth  # noqa: E402

from chronicle.archive import Archive  # noqa: E402
from chronicle.query import EventQuery  # noqa: E402

#: Candidate queries: (kind, --search query, the same words for --text).
#: Candidate queries: (kind, --search query, the same words for --text). The synthetic
#: descriptions draw from a small vocabulary, so a common word is in about half of the
#: events; a place name is in about 3%.
CANDIDATES = [
    ("≤1%", "galapagos cocaine extradition", "galapagos cocaine extradition"),
    ("≤1%", "macas cocaine extradition", "macas cocaine extradition"),
    ("≤1%", "zamora prison riot", "zamora prison riot"),
    ("≤10%", "quito OR guayaquil", None),
    ("≤10%, one word", "quito", "quito"),
    ("phrase", '"cocaine seizure"', "cocaine seizure"),
    ("phrase", '"press freedom"', "press freedom"),
    ("common", "cocaine", "cocaine"),
]
#: The floor: the bare FTS5 top 20 by chronicle's own bm25 weights (title twice).
FLOOR_SQL = ("SELECT event_id FROM event_search WHERE event_search MATCH ? "
             "ORDER BY bm25(event_search, 0.0, 1.0, 2.0) LIMIT 20")
LIMITS = {"≤1%": 0.01, "≤10%": 0.10, "≤10%, one word": 0.10, "phrase": 1.0, "common": 1.0}


def archive_for(n: int, data: Path) -> Archive:
    """The cached archive of ``n`` synthetic events (imported from the CSV on first use)."""
    folder = data / f"search-archive-{n}"
    url = f"sqlite:///{folder / 'events' / 'chronicle.db'}"
    if not (folder / "events" / "chronicle.db").exists():
        from chronicle.importing import import_file

        csv_file = synth.csv_path(n, data)
        archive = Archive.init(folder, name=f"search-{n}")
        started = time.perf_counter()
        import_file(archive, csv_file, fmt="csv", options={})
        print(f"imported {n} events in {time.perf_counter() - started:.1f} s", file=sys.stderr)
        archive.close()
    return Archive.open(url)


def median_ms(function: Callable[[], object], repeat: int) -> str:
    """Median wall time and, in parentheses, median CPU time (steadier on a shared machine)."""
    wall, cpu = [], []
    for _ in range(repeat):
        started, started_cpu = time.perf_counter(), time.process_time()
        function()
        wall.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - started_cpu) * 1000)
    return f"{statistics.median(wall):.1f} ({statistics.median(cpu):.1f})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("n", type=int, nargs="?", default=100_000)
    parser.add_argument("--data", type=Path, default=synth.DATA_DIR)
    parser.add_argument("--repeat", type=int, default=7)
    options = parser.parse_args()
    archive = archive_for(options.n, options.data)
    total = archive.count()
    chosen: dict[str, tuple[str, str | None, int]] = {}
    for kind, search, words in CANDIDATES:
        if kind in chosen:
            continue
        matches = archive.count(EventQuery.parse(search=search))
        if 0 < matches <= LIMITS[kind] * total:
            chosen[kind] = (search, words, matches)
    print(f"{total} events on SQLite; median of {options.repeat} runs, milliseconds: wall (CPU)")
    print("| query | kind | matches | top 20 by relevance | bare FTS5 top 20 (floor) | --text, all matches "
          "| --text --limit 20 (timeline) |")
    print("|---|---|---:|---:|---:|---:|---:|")
    database = archive.url.removeprefix("sqlite:///")
    bare = sqlite3.connect(f"file:{database}?mode=ro", uri=True)
    for kind, (search, words, matches) in chosen.items():
        ranked = EventQuery.parse(search=search, sort="relevance", limit=20)
        top = median_ms(lambda q=ranked: list(archive.show(q)), options.repeat)  # type: ignore[misc]
        assert ranked.search is not None
        fts5 = ranked.search.fts5()
        floor = median_ms(lambda q=fts5: bare.execute(FLOOR_SQL, (q,)).fetchall(), options.repeat)  # type: ignore[misc]
        if words is None:  # --text has no OR
            scan_text, first_text = "no OR in --text", "–"
        else:
            scan_all = EventQuery.parse(text=words)
            scan_first = EventQuery.parse(text=words, limit=20)
            scan = median_ms(lambda q=scan_all: archive.count(q), max(3, options.repeat // 2))  # type: ignore[misc]
            first = median_ms(lambda q=scan_first: list(archive.show(q)), options.repeat)  # type: ignore[misc]
            scan_text, first_text = scan, first
        print(f"| `{search}` | {kind} | {matches} ({matches / total:.2%}) | {top} | {floor} | {scan_text} "
              f"| {first_text} |")
    bare.close()
    archive.close()


if __name__ == "__main__":
    main()
