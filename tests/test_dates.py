"""The date grammar: precision detection, bounds, ordering, rendering and errors."""

from __future__ import annotations

from datetime import datetime

import pytest

from chronicle.dates import HistDate, Precision, parse_date, parse_span, since_bound, until_bound
from chronicle.errors import BadDate


@pytest.mark.parametrize(
    ("text", "edtf", "precision"),
    [
        ("2023", "2023", Precision.YEAR),
        ("2023-10", "2023-10", Precision.MONTH),
        ("2024-01-09", "2024-01-09", Precision.DAY),
        ("2025-04-13T20:00-05:00", "2025-04-13T20:00-05:00", Precision.TIMESTAMP),
        ("2025-04-13T20:00:30Z", "2025-04-13T20:00:30Z", Precision.TIMESTAMP),
        ("2024~", "2024~", Precision.YEAR),
        ("2025?", "2025?", Precision.YEAR),
        ("2024-06%", "2024-06%", Precision.MONTH),
        ("Oct 2023", "2023-10", Precision.MONTH),
        ("October 2023", "2023-10", Precision.MONTH),
        ("13 April 2025", "2025-04-13", Precision.DAY),
        ("April 13, 2025", "2025-04-13", Precision.DAY),
        ("c. 2024", "2024~", Precision.YEAR),
        ("circa March 1998", "1998-03~", Precision.MONTH),
        ("  1899-12-31 ", "1899-12-31", Precision.DAY),
        ("13 April 2025 20:00 -05:00", "2025-04-13T20:00-05:00", Precision.TIMESTAMP),
    ],
)
def test_precision_is_what_the_user_gave(text: str, edtf: str, precision: Precision) -> None:
    parsed = parse_date(text)
    assert parsed.edtf == edtf
    assert parsed.precision is precision


def test_a_month_is_never_its_first_day() -> None:
    october = parse_date("Oct 2023")
    assert october.day is None
    assert october.earliest == datetime(2023, 10, 1)
    assert october.latest == datetime(2023, 10, 31, 23, 59, 59)


@pytest.mark.parametrize(
    ("text", "earliest", "latest"),
    [
        ("2024", datetime(2024, 1, 1), datetime(2024, 12, 31, 23, 59, 59)),
        ("2024-02", datetime(2024, 2, 1), datetime(2024, 2, 29, 23, 59, 59)),
        ("2023-02", datetime(2023, 2, 1), datetime(2023, 2, 28, 23, 59, 59)),
        ("2024-01-09", datetime(2024, 1, 9), datetime(2024, 1, 9, 23, 59, 59)),
        # Ecuador is UTC−5: 20:00 in Quito is 01:00 UTC the next day.
        ("2025-04-13T20:00-05:00", datetime(2025, 4, 14, 1, 0), datetime(2025, 4, 14, 1, 0)),
    ],
)
def test_bounds(text: str, earliest: datetime, latest: datetime) -> None:
    parsed = parse_date(text)
    assert (parsed.earliest, parsed.latest) == (earliest, latest)


def test_timestamps_keep_their_offset() -> None:
    stamp = parse_date("2025-04-13T20:00-05:00")
    assert stamp.offset == -300
    assert stamp.local_datetime().isoformat() == "2025-04-13T20:00:00-05:00"
    assert stamp.render() == "13 Apr 2025 20:00 UTC-05:00"


@pytest.mark.parametrize(
    ("text", "end", "edtf", "rendered"),
    [
        ("2025-01-01/2025-02-19", None, "2025-01-01/2025-02-19", "1 Jan – 19 Feb 2025"),
        ("2025-01-01", "2025-02-19", "2025-01-01/2025-02-19", "1 Jan – 19 Feb 2025"),
        ("2024-12-30", "2025-01-02", "2024-12-30/2025-01-02", "30 Dec 2024 – 2 Jan 2025"),
        ("2024-09", "2024-12", "2024-09/2024-12", "Sep – Dec 2024"),
        ("2023", "2024", "2023/2024", "2023 – 2024"),
        ("2024-03", "..", "2024-03/..", "Mar 2024 – ongoing"),
        ("2024-03/..", None, "2024-03/..", "Mar 2024 – ongoing"),
    ],
)
def test_intervals(text: str, end: str | None, edtf: str, rendered: str) -> None:
    span = parse_span(text, end)
    assert span.edtf == edtf
    assert span.render() == rendered


@pytest.mark.parametrize(
    ("text", "rendered"),
    [
        ("2023-10", "Oct 2023"),
        ("2024-01-09", "9 Jan 2024"),
        ("2024~", "c. 2024"),
        ("2025?", "2025?"),
        ("2024%", "c. 2024?"),
        ("1850-07-04", "4 Jul 1850"),
    ],
)
def test_rendering_is_precision_honest(text: str, rendered: str) -> None:
    assert parse_date(text).render() == rendered


def test_open_interval_reaches_forever() -> None:
    assert parse_span("2024-03/..").latest.year == 9999


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("2025-13-01", "month 13 does not exist"),
        ("2023-02-29", "day 29 does not exist in Feb 2023"),
        ("13/13/2025", "cannot be read"),
        ("32/01/2024", "cannot be read"),
        ("next-ish week", "cannot be read"),
        ("03/04/2024", "ambiguous"),
        ("May", "has no year"),
        ("", "is empty"),
        ("-0000", "year -0000"),
        ("2024-01-09T25:00Z", "not a valid time"),
    ],
)
def test_unreadable_dates_are_refused_with_the_value(text: str, says: str) -> None:
    with pytest.raises(BadDate) as caught:
        parse_date(text)
    message = caught.value.describe()
    assert says in message
    assert repr(text) in message


def test_end_before_start_is_refused() -> None:
    with pytest.raises(BadDate, match="before the start"):
        parse_span("2025-02-19", "2025-01-01")


def test_end_may_overlap_a_coarser_start() -> None:
    # "2024" may well end in March 2024: the end is not before every moment of the start.
    assert parse_span("2024", "2024-03").edtf == "2024/2024-03"


def test_unambiguous_numeric_dates_are_read() -> None:
    assert parse_date("25/12/2024").edtf == "2024-12-25"


def test_since_and_until_mean_may_fall() -> None:
    assert since_bound("2023") == "2023-01-01T00:00:00"
    assert until_bound("2024") == "2024-12-31T23:59:59"
    assert until_bound("Feb 2024") == "2024-02-29T23:59:59"


def test_sorting_by_earliest_then_coarser_first() -> None:
    dates = [parse_date(t) for t in ("2024-01-09", "2024", "2023-12", "2024-01", "2023")]
    ordered = sorted(dates, key=lambda d: (d.earliest, d.precision))
    assert [d.edtf for d in ordered] == ["2023", "2023-12", "2024", "2024-01", "2024-01-09"]


def test_days_of_coarse_dates() -> None:
    month = HistDate(2024, 2)
    assert (month.earliest_day.isoformat(), month.latest_day.isoformat()) == ("2024-02-01", "2024-02-29")
