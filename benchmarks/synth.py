"""Deterministic synthetic archives for the benchmark suite.

The same seed and size always give the same events, byte for byte, so every figure in
``RESULTS.md`` can be reproduced and chronicle and its baselines read the *same* data.
The shape follows real incident datasets: titles of about 30–110 characters, descriptions of
80–700, 70% day / 20% month / 10% year precision, about 8% intervals (a few still
going on), about 5% approximate or uncertain dates, 0–3 tags, 0–3 actors, a place, and
1–3 sources each.

Generated CSV files are cached under ``benchmarks/data/`` (git-ignored).
"""

from __future__ import annotations

import calendar
import csv
import json
import random
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from chronicle.incoming import Incoming

SEED = 20231109
DATA_DIR = Path(__file__).resolve().parent / "data"

#: Columns of the synthetic CSV: chronicle's own CSV columns (``chronicle import`` reads
#: them with no options); the export-only ones (bounds, counts) are left out.
CSV_COLUMNS = ("id", "date", "end", "title", "description", "tags", "actors", "place", "sources")
#: Separator of several values in one cell (tags, actors), as chronicle's CSV writes them.
MULTI = "; "

_VOCABULARY = (
    "armed forces police prison riot gang attack president decree state emergency curfew "
    "assembly election runoff candidate minister port cocaine seizure extradition court "
    "judge prosecutor mayor killed wounded protest strike oil pipeline province coast "
    "highlands border militia clash kidnapping extortion bombing television station "
    "hostages release raid operation arrests smuggling network investigation report "
    "human rights commission amnesty referendum constitutional reform security crisis "
    "economy dollar budget loan fund energy blackout drought hydro dam water supply "
    "cabinet resignation impeachment trial verdict sentence appeal hearing testimony "
    "witness journalist press freedom censorship internet shutdown university students "
    "teachers unions farmers indigenous confederation march capital highway blockade"
)
_WORDS = tuple(_VOCABULARY.split())
_PLACES = (
    "Quito", "Guayaquil", "Cuenca", "Esmeraldas", "Manta", "Machala", "Portoviejo",
    "Santo Domingo", "Ambato", "Riobamba", "Loja", "Ibarra", "Latacunga", "Babahoyo",
    "Quevedo", "Durán", "Milagro", "Sucumbíos", "Orellana", "Galápagos", "Tulcán",
    "Nueva Loja", "Puyo", "Tena", "Macas", "Zamora", "Azogues", "Guaranda",
)
_TAGS = (
    "security", "politics", "elections", "prisons", "justice", "economy", "energy",
    "protests", "media", "human-rights", "drugs", "military", "police", "borders",
    "corruption", "health", "education", "environment", "migration", "diplomacy",
)
_PUBLISHERS = (
    "Reuters", "AP", "AFP", "El Universo", "El Comercio", "Primicias", "GK", "BBC Mundo",
    "InSight Crime", "Human Rights Watch", "Amnesty International", "ACLED", "UCDP",
    "Expreso", "La Hora", "Plan V", "Responsible Statecraft", "The Guardian",
)
_FIRST = ("Daniel", "Luisa", "Guillermo", "Rafael", "Lenín", "Fernando", "Jan", "Verónica",
          "José", "María", "Carlos", "Ana", "Diana", "Jorge", "Andrés", "Gabriela")
_LAST = ("Noboa", "González", "Lasso", "Correa", "Moreno", "Villavicencio", "Topić", "Abad",
         "Macías", "Salazar", "Pérez", "Torres", "Álvarez", "Reyes", "Vera", "Cedeño")


@dataclass(frozen=True, slots=True)
class SynthSource:
    url: str
    title: str
    publisher: str
    published: str


@dataclass(frozen=True, slots=True)
class SynthEvent:
    """One generated event, in plain strings (what a CSV row holds)."""

    id: str
    title: str
    date: str
    end: str | None
    description: str
    tags: tuple[str, ...]
    actors: tuple[str, ...]
    place: str
    sources: tuple[SynthSource, ...]


def _sentence(rng: random.Random, low: int, high: int) -> str:
    target = rng.randint(low, high)
    words: list[str] = []
    length = 0
    while length < target:
        word = rng.choice(_WORDS)
        words.append(word)
        length += len(word) + 1
    text = " ".join(words)[:target].rstrip()
    return text[:1].upper() + text[1:]


def _date(rng: random.Random, year: int) -> tuple[str, int, int]:
    """An EDTF date with 70% day / 20% month / 10% year precision (plus its y, m)."""
    roll = rng.random()
    month = rng.randint(1, 12)
    if roll < 0.7:
        day = rng.randint(1, calendar.monthrange(year, month)[1])
        return f"{year:04d}-{month:02d}-{day:02d}", year, month
    if roll < 0.9:
        return f"{year:04d}-{month:02d}", year, month
    return f"{year:04d}", year, 12


def generate(n: int, seed: int = SEED) -> Iterator[SynthEvent]:
    """``n`` events in a fixed order; the same ``(n, seed)`` always gives the same events."""
    rng = random.Random(seed)
    for number in range(n):
        year = rng.randint(1990, 2025)
        date, y, m = _date(rng, year)
        qualifier = rng.random()
        if qualifier < 0.03:
            date += "~"
        elif qualifier < 0.05:
            date += "?"
        end: str | None = None
        shape = rng.random()
        if shape < 0.01:
            end = ".."
        elif shape < 0.08:
            end_year = min(y + rng.choice((0, 0, 0, 1, 2)), 2025)
            end_month = rng.randint(m, 12) if end_year == y else rng.randint(1, 12)
            end = f"{end_year:04d}-{end_month:02d}"
            if end < date[:7]:
                end = None
        event_id = f"ev-{number:07d}"
        sources = tuple(
            SynthSource(
                url=f"https://news.example.org/{year}/{event_id}/{k}",
                title=_sentence(rng, 25, 80),
                publisher=rng.choice(_PUBLISHERS),
                published=f"{year:04d}-{m:02d}",
            )
            for k in range(rng.choice((1, 1, 1, 2, 2, 3)))
        )
        yield SynthEvent(
            id=event_id,
            title=_sentence(rng, 30, 110),
            date=date,
            end=end,
            description=_sentence(rng, 80, 700),
            tags=tuple(dict.fromkeys(rng.choice(_TAGS) for _ in range(rng.randint(0, 3)))),
            actors=tuple(dict.fromkeys(
                f"{rng.choice(_FIRST)} {rng.choice(_LAST)}" for _ in range(rng.randint(0, 3))
            )),
            place=rng.choice(_PLACES),
            sources=sources,
        )


def csv_row(event: SynthEvent) -> list[str]:
    """One event as a CSV row (see :data:`CSV_COLUMNS`); sources as a JSON array."""
    return [
        event.id, event.date, event.end or "", event.title, event.description,
        MULTI.join(event.tags), MULTI.join(event.actors), event.place, sources_json(event),
    ]


def event_from_row(row: dict[str, str]) -> SynthEvent:
    """Read back a row written by :func:`csv_row` (what the baselines parse)."""

    def split(value: str) -> tuple[str, ...]:
        return tuple(value.split(MULTI)) if value else ()

    return SynthEvent(
        id=row["id"], title=row["title"], date=row["date"], end=row["end"] or None,
        description=row["description"], tags=split(row["tags"]), actors=split(row["actors"]),
        place=row["place"],
        sources=tuple(
            SynthSource(s["url"], s["title"], s["publisher"], s["published"]) for s in json.loads(row["sources"])
        ),
    )


def sources_json(event: SynthEvent) -> str:
    return json.dumps([
        {"url": s.url, "title": s.title, "publisher": s.publisher, "published": s.published}
        for s in event.sources
    ], ensure_ascii=False, separators=(",", ":"))


def insert_csv(con: sqlite3.Connection, path: Path, insert: str, batch_size: int = 5000) -> int:
    """The plain-sqlite3 baseline: every row of a CSV, ``executemany`` in one transaction."""
    rows = 0
    with open(path, encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle)
        next(reader)
        con.execute("BEGIN")
        batch: list[list[str]] = []
        for row in reader:
            batch.append(row)
            if len(batch) >= batch_size:
                con.executemany(insert, batch)
                rows += len(batch)
                batch.clear()
        con.executemany(insert, batch)
        rows += len(batch)
        con.execute("COMMIT")
    return rows


def stored_docs(database: Path) -> Iterator[dict[str, object]]:
    """Current active events' stored JSON, straight from sqlite3 in timeline order (baselines)."""
    con = sqlite3.connect(database)
    try:
        cursor = con.execute(
            "SELECT doc FROM event_versions WHERE to_seq IS NULL AND status = 'active' "
            "ORDER BY lo, precision, event_id"
        )
        while batch := cursor.fetchmany(2000):
            for (doc,) in batch:
                yield json.loads(doc)
    finally:
        con.close()


def csv_path(n: int, data_dir: Path = DATA_DIR) -> Path:
    """The cached CSV of ``n`` events, written on first use (atomically)."""
    path = data_dir / f"events-{n}.csv"
    if path.exists():
        return path
    data_dir.mkdir(parents=True, exist_ok=True)
    temp = path.with_suffix(".csv.part")
    with open(temp, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(CSV_COLUMNS)
        writer.writerows(csv_row(event) for event in generate(n))
    temp.replace(path)
    return path


def read_csv_events(path: Path) -> Iterator[SynthEvent]:
    with open(path, encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            yield event_from_row(row)


def incoming(events: Iterator[SynthEvent], origin: str = "benchmark") -> Iterator[Incoming]:
    """The events as :class:`chronicle.incoming.Incoming` items (the importers' output)."""
    from chronicle.incoming import Incoming
    from chronicle.model import EventFields, Source

    for event in events:
        sources = tuple(
            Source(url=s.url, title=s.title, publisher=s.publisher, published=s.published)
            for s in event.sources
        )
        fields = EventFields.parse(
            title=event.title, date=event.date, end=event.end, description=event.description,
            tags=event.tags, actors=event.actors, place=event.place, sources=sources, unsourced=not sources,
        )
        yield Incoming(event.id, fields, f"{origin}: {event.id}")
