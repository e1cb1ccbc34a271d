"""How well and how fast ``chronicle duplicates`` finds planted duplicates.

A synthetic corpus of N events (titles of 5–11 words drawn, Zipf-like, from a 4,000-word
vocabulary plus place names, so unrelated events do share common words; dates over 30
years, 75% day / 20% month / 5% year precision; one source URL each) gets duplicates
planted for 3% of its events, each made as a second reporter would make it:

* the title reworded: words reordered, one or two replaced, a suffix changed
  ("arrest" → "arrested"), or a word dropped;
* the date shifted in precision (day → its month, or day → its year), or moved by a day;
* the same source URL half of the time, another outlet's URL otherwise.

It prints recall (planted pairs found), the false-pair rate (reported pairs that were
not planted) and the time :func:`chronicle.duplicates.find_duplicates` takes; with
``--archive`` it also times ``chronicle duplicates`` end to end on a SQLite archive.

    PYTHONPATH=src python benchmarks/duplicates_bench.py 100000
    PYTHONPATH=src python benchmarks/duplicates_bench.py 10000 --archive
"""

from __future__ import annotations

import argparse
import random
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from chronicle.dates import parse_span
from chronicle.duplicates import Candidate, day_number, find_duplicates

SEED = 15
SUFFIXES = ("ed", "s", "ing", "")
PLACES = ("Quito", "Guayaquil", "Cuenca", "Esmeraldas", "Manta", "Machala", "Loja", "Ibarra", "Tena",
          "Durán", "Bogotá", "Lima", "Caracas", "Panamá", "Washington", "Madrid", "Brussels", "Geneva")


def vocabulary(rng: random.Random, size: int = 4000) -> list[str]:
    letters = "abcdefghijklmnoprstuvy"
    found: dict[str, None] = {}
    while len(found) < size:
        found.setdefault("".join(rng.choice(letters) for _ in range(rng.randint(4, 10))), None)
    return list(found)


def make_corpus(n: int, share: float = 0.03, seed: int = SEED) -> tuple[list[tuple[str, str, str, str]], set[tuple[str, str]]]:
    """(id, title, date, url) rows and the planted (id, id) pairs, sorted within each pair."""
    rng = random.Random(seed)
    words = vocabulary(rng)
    weights = [1 / (rank + 1) ** 0.9 for rank in range(len(words))]
    start = datetime(1995, 1, 1, tzinfo=UTC)
    rows: list[tuple[str, str, str, str]] = []
    for number in range(n):
        title = " ".join(rng.choices(words, weights, k=rng.randint(4, 10))) + " in " + rng.choice(PLACES)
        day = start + timedelta(days=rng.randrange(30 * 365))
        kind = rng.random()
        date = day.strftime("%Y-%m-%d") if kind < 0.75 else day.strftime("%Y-%m") if kind < 0.95 else day.strftime("%Y")
        rows.append((f"e{number}", title, date, f"https://news{rng.randrange(40)}.example/{number}"))
    planted: set[tuple[str, str]] = set()
    for number in rng.sample(range(n), int(n * share)):
        event_id, title, date, url = rows[number]
        dup_words = title.split()
        rng.shuffle(dup_words)
        for _ in range(rng.randint(1, 2)):
            spot = rng.randrange(len(dup_words))
            change = rng.random()
            if change < 0.4:
                dup_words[spot] = rng.choice(words)
            elif change < 0.8:
                dup_words[spot] = dup_words[spot] + rng.choice(SUFFIXES)
            elif len(dup_words) > 4:
                del dup_words[spot]
        shift = rng.random()
        if shift < 0.35 and len(date) == 10:
            dup_date = date[:7]
        elif shift < 0.5:
            dup_date = date[:4]
        elif shift < 0.7 and len(date) == 10:
            dup_date = (datetime.fromisoformat(date) + timedelta(days=rng.choice((-1, 1)))).strftime("%Y-%m-%d")
        else:
            dup_date = date
        dup_url = url if rng.random() < 0.5 else f"https://other{rng.randrange(40)}.example/{number}"
        dup_id = f"d{number}"
        rows.append((dup_id, " ".join(dup_words), dup_date, dup_url))
        planted.add((min(event_id, dup_id), max(event_id, dup_id)))
    return rows, planted


def candidates(rows: list[tuple[str, str, str, str]]) -> list[Candidate]:
    found = []
    for event_id, title, date, url in rows:
        span = parse_span(date)
        found.append(Candidate(event_id, title, day_number(span.earliest_instant), day_number(span.latest_instant),
                               (url.split("//", 1)[1],)))
    return found


def measure(n: int) -> dict[str, float]:
    rows, planted = make_corpus(n)
    prepared = candidates(rows)
    started, started_cpu = time.perf_counter(), time.process_time()
    pairs = find_duplicates(prepared)
    seconds, cpu_seconds = time.perf_counter() - started, time.process_time() - started_cpu
    reported = {(p.first, p.second) for p in pairs}
    hits = len(reported & planted)
    return {
        "events": len(rows), "planted": len(planted), "reported": len(reported),
        "recall": hits / len(planted) if planted else 1.0,
        "false_pair_rate": (len(reported) - hits) / len(reported) if reported else 0.0,
        "seconds": seconds,
        "cpu_seconds": cpu_seconds,
    }


def end_to_end(n: int) -> float:
    """Seconds for ``chronicle duplicates`` on a SQLite archive of the corpus (import not timed)."""
    rows, _planted = make_corpus(n)
    with tempfile.TemporaryDirectory() as folder:
        csv_file = Path(folder) / "corpus.csv"
        with csv_file.open("w", encoding="utf-8") as out:
            import csv

            writer = csv.writer(out)
            writer.writerow(("id", "title", "date", "sources"))
            writer.writerows(rows)
        db = f"sqlite:///{folder}/events/chronicle.db"
        chronicle = [sys.executable, "-m", "chronicle", "--db", db]
        subprocess.run([*chronicle, "init", "--name", "bench"], check=True, capture_output=True)
        subprocess.run([*chronicle, "import", str(csv_file)], check=True, capture_output=True)
        started = time.perf_counter()
        subprocess.run([*chronicle, "duplicates", "--format", "json"], check=True, capture_output=True)
        return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("n", type=int, nargs="?", default=100_000, help="events before duplicates are planted")
    parser.add_argument("--archive", action="store_true", help="also time `chronicle duplicates` end to end")
    options = parser.parse_args()
    figures = measure(options.n)
    print(f"{figures['events']} events, {figures['planted']} planted pairs: "
          f"{figures['reported']} reported, recall {figures['recall']:.1%}, "
          f"false pairs {figures['false_pair_rate']:.1%}, find_duplicates {figures['seconds']:.2f} s "
          f"(CPU {figures['cpu_seconds']:.2f} s)")
    if options.archive:
        print(f"chronicle duplicates end to end: {end_to_end(options.n):.2f} s")


if __name__ == "__main__":
    main()
