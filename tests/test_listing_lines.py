"""``show``'s table lines, built in one generator, are the lines of :func:`listing_line`."""

from __future__ import annotations

import pytest

from chronicle.cli.output import listing_line, listing_lines
from chronicle.projection import ListingRow

ROWS: list[ListingRow] = [
    ("a", "active", "Plain", "2024-01-09", None, False),
    ("b", "retracted", "Withdrawn", "2023-10", "2023-11", False),
    ("c", "active", "Contested", "[..2019]", None, True),
    ("d", "retracted", "Both", "2024~", "..", True),
    ("e", "merged", "Folded in", "-0489", None, False),
]


@pytest.mark.parametrize("colour", [False, True])
def test_the_lines_are_those_of_listing_line(colour: bool) -> None:
    lines = list(listing_lines(iter(ROWS), colour=colour))
    assert lines == [listing_line(row, colour=colour) for row in ROWS]
    # Not equal by both being empty or alike: each mark and each date shows.
    assert "[retracted] [disputed]" in lines[3] and lines[2].endswith("Contested [disputed]")
    assert "9 Jan 2024 " in lines[0] and "490 BC" in lines[4] and len(set(lines)) == len(ROWS)
