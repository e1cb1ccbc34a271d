"""Automatic ids: short, cut at a word boundary, words kept apart (issue 15)."""

from __future__ import annotations

import pytest

from chronicle.archive import Archive
from chronicle.ids import ID_LENGTH, id_from_title


@pytest.mark.parametrize(("title", "expected"), [
    # The ids a reporter met in issue 15.
    ("State attorneys general, led by Colorado, file a parallel complaint",
     "state-attorneys-general-led-by-colorado"),
    ("Google–Apple search deal ruled exclusive", "google-apple-search-deal-ruled-exclusive"),
    ("Google—Apple / Samsung: default deals", "google-apple-samsung-default-deals"),
    ("Noboa's decree 111", "noboas-decree-111"),
    ("Televisión: ataque en Guayaquil", "television-ataque-en-guayaquil"),
    ("Straße in Øresund", "strasse-in-oresund"),
    ("Антон", "event"),
    ("a" * 60, "a" * ID_LENGTH),
])
def test_ids_are_short_readable_and_keep_words_apart(title: str, expected: str) -> None:
    assert id_from_title(title) == expected
    assert len(id_from_title(title)) <= ID_LENGTH


def test_add_makes_short_ids_and_keeps_existing_ones(sqlite_dir: object) -> None:
    from pathlib import Path

    assert isinstance(sqlite_dir, Path)
    archive = Archive.open(f"sqlite:///{sqlite_dir / 'events' / 'chronicle.db'}")
    try:
        long_title = "United States v. Google: Judge Amit Mehta rules Google a monopolist in search"
        first = archive.add(title=long_title, date="2024-08-05", unsourced=True)
        second = archive.add(title=long_title, date="2024-08-06", unsourced=True)
        chosen = archive.add(title="x", date="2024", unsourced=True,
                             event_id="a-very-long-id-chosen-by-hand-that-stays-exactly-as-given")
        assert first == "united-states-v-google-judge-amit-mehta"
        assert second == "united-states-v-google-judge-amit-mehta-2"
        assert chosen == "a-very-long-id-chosen-by-hand-that-stays-exactly-as-given"
        assert archive.get(first).title == long_title
    finally:
        archive.close()
