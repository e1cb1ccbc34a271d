"""The date bounds every filter uses, pinned to exact values (mutation testing, `make mutate`).

``show --since X`` keeps the events whose latest instant is on or after X's earliest
instant, ``--until X`` those whose earliest is on or before X's latest, ``--as-of T``
the records up to T; all compare the sortable bound texts stored in ``lo``/``hi``.
A bound one day (or one microsecond) off silently drops or adds events, so each rule
is pinned here — month lengths and leap years, seasons, unspecified digits, sets, open
ends, offsets, BC years and years beyond 9999 — and the bound text's order is checked
against time order. Fast and database-free except one end-to-end check, so that
``make mutate`` can run it for every mutant of these functions (docs/mutation.md).
"""

from __future__ import annotations

import calendar
from datetime import date, datetime
from pathlib import Path

import pytest

from chronicle.archive import Archive
from chronicle.dates import HistDate, parse_date, since_bound, until_bound
from chronicle.dates.instant import (
    DISTANT_FUTURE,
    DISTANT_PAST,
    Instant,
    bound_text,
    from_day_number,
    instant_from_bound_text,
    month_length,
)
from chronicle.dates.parse import parse_timestamp
from chronicle.errors import BadDate
from chronicle.query import EventQuery


@pytest.mark.parametrize(
    ("text", "since", "until"),
    [
        ("2024", "2024-01-01T00:00:00", "2024-12-31T23:59:59"),
        ("2024-02", "2024-02-01T00:00:00", "2024-02-29T23:59:59"),
        ("2023-02", "2023-02-01T00:00:00", "2023-02-28T23:59:59"),
        ("1900-02", "1900-02-01T00:00:00", "1900-02-28T23:59:59"),
        ("2000-02", "2000-02-01T00:00:00", "2000-02-29T23:59:59"),
        ("2024-04", "2024-04-01T00:00:00", "2024-04-30T23:59:59"),
        ("2024-12", "2024-12-01T00:00:00", "2024-12-31T23:59:59"),
        ("2024-01-09", "2024-01-09T00:00:00", "2024-01-09T23:59:59"),
        ("2024-21", "2024-03-01T00:00:00", "2024-05-31T23:59:59"),  # spring
        ("2024-22", "2024-06-01T00:00:00", "2024-08-31T23:59:59"),  # summer
        ("2024-23", "2024-09-01T00:00:00", "2024-11-30T23:59:59"),  # autumn
        ("2024-24", "2024-12-01T00:00:00", "2025-02-28T23:59:59"),  # winter runs into the next year
        ("2023-24", "2023-12-01T00:00:00", "2024-02-29T23:59:59"),
        ("19XX", "1900-01-01T00:00:00", "1999-12-31T23:59:59"),
        ("201X", "2010-01-01T00:00:00", "2019-12-31T23:59:59"),
        ("2024-XX", "2024-01-01T00:00:00", "2024-12-31T23:59:59"),
        ("2024-02-XX", "2024-02-01T00:00:00", "2024-02-29T23:59:59"),
        ("[2019, 2021..2023]", "2019-01-01T00:00:00", "2023-12-31T23:59:59"),
        ("[2021-03, 2019]", "2019-01-01T00:00:00", "2021-03-31T23:59:59"),
        ("[..2019]", "--01-01T00:00:00", "2019-12-31T23:59:59"),
        ("[2021..]", "2021-01-01T00:00:00", "9999-12-31T23:59:59"),
        ("490 BC", "-6510-01-01T00:00:00", "-6510-12-31T23:59:59"),
        ("-0004-02", "-85-02-01T00:00:00", "-85-02-29T23:59:59"),  # 5 BC, a leap year
        ("Y12000", "Y512000-01-01T00:00:00", "Y512000-12-31T23:59:59"),
        ("2025-04-13T20:00-05:00", "2025-04-14T01:00:00", "2025-04-14T01:00:00"),
        ("2025-04-13T20:07:09", "2025-04-13T20:07:09", "2025-04-13T20:07:09"),
        ("2024-12-31T23:30-01:00", "2025-01-01T00:30:00", "2025-01-01T00:30:00"),
    ],
)
def test_since_and_until_bounds(text: str, since: str, until: str) -> None:
    assert (since_bound(text), until_bound(text)) == (since, until)


@pytest.mark.parametrize(("bound", "field"), [(since_bound, "--since"), (until_bound, "--until")])
def test_a_bad_bound_names_its_option(bound: object, field: str) -> None:
    with pytest.raises(BadDate) as caught:
        bound("soon")  # type: ignore[operator]
    assert caught.value.field == field


@pytest.mark.parametrize(
    ("text", "moment"),
    [
        ("2024", datetime(2024, 12, 31, 23, 59, 59, 999999)),
        ("2024-02", datetime(2024, 2, 29, 23, 59, 59, 999999)),
        ("2024-05-01", datetime(2024, 5, 1, 23, 59, 59, 999999)),
        ("2024-05-01T10:00", datetime(2024, 5, 1, 10, 0, 59, 999999)),
        ("2024-05-01T10:00:30", datetime(2024, 5, 1, 10, 0, 30, 999999)),
        ("2024-05-01T10:00:30.788231Z", datetime(2024, 5, 1, 10, 0, 30, 788231)),
        ("2024-05-01T10:00:30.000001Z", datetime(2024, 5, 1, 10, 0, 30, 1)),
        ("2024-05-01T10:00:30+02:00", datetime(2024, 5, 1, 8, 0, 30, 999999)),
        ("2024-05-01T23:30-02:00", datetime(2024, 5, 2, 1, 30, 59, 999999)),
    ],
)
def test_as_of_means_the_end_of_what_the_text_names(text: str, moment: datetime) -> None:
    assert parse_timestamp(text, field="--as-of") == moment


@pytest.mark.parametrize("text", ["[2019, 2020]", "[..2019]"])
def test_as_of_refuses_a_date_that_is_not_one_moment(text: str) -> None:
    with pytest.raises(BadDate) as caught:
        parse_timestamp(text, field="--as-of")
    assert caught.value.describe() == f"--as-of: {text!r}: is not one moment (accepted: a date or a timestamp)"


def test_as_of_names_its_option_when_it_cannot_read_the_date() -> None:
    with pytest.raises(BadDate) as caught:
        parse_timestamp("soon", field="--as-of")
    assert caught.value.field == "--as-of"


def test_open_and_unknown_ends_have_no_first_or_last_day() -> None:
    for value in (HistDate(2020, open=".."), HistDate(2020, open="unknown")):
        assert (value.earliest_day_text, value.latest_day_text) == ("", "")
        assert (value.earliest_instant, value.latest_instant) == (DISTANT_PAST, DISTANT_FUTURE)
    assert parse_date("[..2019]").earliest_day_text == ""
    assert parse_date("[2021..]").latest_day_text == ""
    assert parse_date("[2021-03, 2019]").earliest_day_text == "2019-01-01"
    assert parse_date("2024-24").latest_day_text == "2025-02-28"


def test_a_timestamp_keeps_its_seconds_and_microseconds() -> None:
    stamp = parse_date("2024-05-01T10:11:12.5Z")
    assert stamp.earliest_instant == Instant(2024, 5, 1, 10, 11, 12, 500000)
    assert stamp.latest_instant == stamp.earliest_instant
    assert stamp.earliest_day_text == stamp.latest_day_text == "2024-05-01"
    floating = parse_date("2024-05-01T10:11")
    assert floating.earliest_instant == Instant(2024, 5, 1, 10, 11)


# -- the bound text ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("moment", "text"),
    [
        (datetime(2024, 1, 9, 8, 7, 6), "2024-01-09T08:07:06"),
        (datetime(1000, 1, 1), "1000-01-01T00:00:00"),
        (datetime(999, 3, 4, 5, 6, 7), "0999-03-04T05:06:07"),
        (datetime(1, 1, 1), "0001-01-01T00:00:00"),
        (Instant(2024, 2, 29, 13, 14, 15, 999999), "2024-02-29T13:14:15"),
        (Instant(1), "0001-01-01T00:00:00"),
        (Instant(9999, 12, 31, 23, 59, 59), "9999-12-31T23:59:59"),
        (Instant(10000), "Y510000-01-01T00:00:00"),
        (Instant(512000, 6, 7), "Y6512000-06-07T00:00:00"),
        (Instant(0), "-89-01-01T00:00:00"),
        (Instant(-489, 3, 15), "-6510-03-15T00:00:00"),
        (Instant(-10), "-789-01-01T00:00:00"),
        (DISTANT_FUTURE, "9999-12-31T23:59:59"),
        (DISTANT_PAST, "--01-01T00:00:00"),
        (Instant(-(10**9) - 1), "--01-01T00:00:00"),
    ],
)
def test_bound_text(moment: datetime | Instant, text: str) -> None:
    assert bound_text(moment) == text


#: Instants across every form of the bound text, in time order.
ORDERED = [
    DISTANT_PAST, Instant(-99999999), Instant(-10000, 12, 31), Instant(-9999), Instant(-490),
    Instant(-489, 1, 1), Instant(-489, 12, 31, 23, 59, 59), Instant(-10), Instant(-9), Instant(-1), Instant(0),
    Instant(0, 12, 31, 23, 59, 59), Instant(1), Instant(9, 2, 3), Instant(10), Instant(999, 12, 31),
    Instant(1000), Instant(2024, 2, 29, 12), Instant(9999, 12, 31, 23, 59, 58), Instant(10000),
    Instant(99999, 5), Instant(100000), Instant(999999999, 1, 1),
]


def test_bound_texts_sort_as_their_instants() -> None:
    texts = [bound_text(moment) for moment in ORDERED]
    assert sorted(texts) == texts
    assert len(set(texts)) == len(texts)


@pytest.mark.parametrize("moment", ORDERED[1:])
def test_a_bound_text_reads_back_as_its_instant(moment: Instant) -> None:
    assert instant_from_bound_text(bound_text(moment)) == moment


def test_the_distant_bounds_read_back() -> None:
    assert instant_from_bound_text("--01-01T00:00:00") == DISTANT_PAST
    assert instant_from_bound_text("9999-12-31T23:59:59") == Instant(9999, 12, 31, 23, 59, 59)
    assert instant_from_bound_text("Y512000-01-02T03:04:05") == Instant(12000, 1, 2, 3, 4, 5)
    assert instant_from_bound_text("-6510-11-12T13:14:15") == Instant(-489, 11, 12, 13, 14, 15)


# -- the calendar under them ---------------------------------------------------------------


def _leap(year: int) -> bool:
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)


@pytest.mark.parametrize("year", [2023, 2024, 1900, 2000, 2100, 1, 4, 0, -1, -4, -100, -400, -401, 10000, 10100])
def test_month_lengths(year: int) -> None:
    expected = [31, 29 if _leap(year) else 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
    assert [month_length(year, month) for month in range(1, 13)] == expected
    if 1 <= year <= 9999:
        assert expected == [calendar.monthrange(year, month)[1] for month in range(1, 13)]


@pytest.mark.parametrize(
    "number",
    [1, 2, 365, 366, 738000, date.max.toordinal() - 1, date.max.toordinal(), date.max.toordinal() + 1,
     date.max.toordinal() + 146097, 5_000_000, 0, -1, -146096, -146097, -146098, -1_000_000],
)
def test_day_numbers_read_back(number: int) -> None:
    day = from_day_number(number)
    assert day.day_number == number
    assert (day.hour, day.minute, day.second) == (0, 0, 0)
    if 1 <= number <= date.max.toordinal():
        moved = date.fromordinal(number)
        assert day == Instant(moved.year, moved.month, moved.day)


def test_days_around_year_zero_and_year_ten_thousand() -> None:
    assert from_day_number(1) == Instant(1, 1, 1)
    assert from_day_number(0) == Instant(0, 12, 31)
    assert from_day_number(-365) == Instant(0, 1, 1)  # 1 BC was a leap year
    assert from_day_number(-366) == Instant(-1, 12, 31)
    assert from_day_number(date.max.toordinal() + 1) == Instant(10000, 1, 1)
    assert Instant(2024, 2, 28).shifted(days=1) == Instant(2024, 2, 29)
    assert Instant(1, 1, 1, 10).shifted(days=-1) == Instant(0, 12, 31, 10)


# -- what a user sees ------------------------------------------------------------------------


def test_since_and_until_keep_exactly_the_events_in_range(tmp_path: Path) -> None:
    archive = Archive.init(tmp_path, name="bounds", author="tester")
    try:
        for event_id, when in [("feb-28", "2023-02-28"), ("mar-1", "2023-03-01"), ("leap", "2024-02-29"),
                               ("winter", "2023-24"), ("bc", "490 BC"), ("late", "Y12000")]:
            archive.add(title=event_id, date=when, unsourced=True, event_id=event_id)

        def ids(since: str | None = None, until: str | None = None) -> list[str]:
            return sorted(event.id for event in archive.show(EventQuery.parse(since=since, until=until)))

        assert ids(until="2023-02") == ["bc", "feb-28"]
        assert ids(since="2023-03", until="2023-03") == ["mar-1"]
        assert ids(since="2024-02-29", until="2024-02-29") == ["leap", "winter"]
        assert ids(since="2024-03") == ["late"]
        assert ids(until="489 BC") == ["bc"]
    finally:
        archive.close()
