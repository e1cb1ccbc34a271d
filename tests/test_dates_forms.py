"""The forms the module docstring promises: each one's EDTF, bounds and words, and the
forms refused. BC years keep their sign on every path; imprecise --as-of means the end."""

from __future__ import annotations

import csv
from datetime import datetime
from pathlib import Path

import pytest
from click.testing import CliRunner

from chronicle.cli import main
from chronicle.dates import (
    Instant,
    bound_text,
    parse_date,
    parse_span,
    parse_timestamp,
    since_bound,
    until_bound,
)
from chronicle.errors import BadDate
from chronicle.query import EventQuery
from tests.conftest import REALDATA

END = "T23:59:59.999999Z"


@pytest.mark.parametrize(
    ("text", "edtf", "earliest", "latest", "words"),
    [
        # EDTF level 1 and the level-2 parts historians use
        ("-0489", "-0489", "-0489-01-01T00:00:00Z", "-0489-12-31" + END, "490 BC"),
        ("0000", "0000", "0000-01-01T00:00:00Z", "0000-12-31" + END, "1 BC"),
        ("-0043-03-15", "-0043-03-15", "-0043-03-15T00:00:00Z", "-0043-03-15" + END, "15 Mar 44 BC"),
        ("Y-12000", "Y-12000", "-12000-01-01T00:00:00Z", "-12000-12-31" + END, "12001 BC"),
        ("Y17E7", "Y170000000", "170000000-01-01T00:00:00Z", "170000000-12-31" + END, "170000000"),
        ("2024-21", "2024-21", "2024-03-01T00:00:00Z", "2024-05-31" + END, "Spring 2024"),
        ("2024-22", "2024-22", "2024-06-01T00:00:00Z", "2024-08-31" + END, "Summer 2024"),
        ("2024-23", "2024-23", "2024-09-01T00:00:00Z", "2024-11-30" + END, "Autumn 2024"),
        ("2023-24", "2023-24", "2023-12-01T00:00:00Z", "2024-02-29" + END, "Winter 2023–24"),
        ("201X", "201X", "2010-01-01T00:00:00Z", "2019-12-31" + END, "the 2010s"),
        ("20XX", "20XX", "2000-01-01T00:00:00Z", "2099-12-31" + END, "21st century"),
        ("-04XX", "-04XX", "-0499-01-01T00:00:00Z", "-0400-12-31" + END, "5th century BC"),
        ("2024-XX", "2024-XX", "2024-01-01T00:00:00Z", "2024-12-31" + END, "2024-XX"),
        ("2024-02-XX", "2024-02-XX", "2024-02-01T00:00:00Z", "2024-02-29" + END, "2024-02-XX"),
        ("[2023-10, 2023-11-23]", "[2023-10, 2023-11-23]", "2023-10-01T00:00:00Z", "2023-11-23" + END,
         "[2023-10, 2023-11-23]"),
        ("2024-01-09T10:00:00.788231Z", "2024-01-09T10:00:00.788231Z", "2024-01-09T10:00:00.788231Z",
         "2024-01-09T10:00:00.788231Z", "9 Jan 2024 10:00:00.788231 UTC"),
        # Level 2: qualified components; the bounds stay the date's own
        ("2004-06~-11", "2004-06~-11", "2004-06-11T00:00:00Z", "2004-06-11" + END,
         "11 Jun 2004 (year and month approximate)"),
        ("?2004-06-~11", "?2004-06-~11", "2004-06-11T00:00:00Z", "2004-06-11" + END,
         "11 Jun 2004 (year uncertain, day approximate)"),
        ("2004?-06-11", "2004?-06-11", "2004-06-11T00:00:00Z", "2004-06-11" + END, "11 Jun 2004 (year uncertain)"),
        ("~2004-~06-11", "2004-06~-11", "2004-06-11T00:00:00Z", "2004-06-11" + END,
         "11 Jun 2004 (year and month approximate)"),
        ("2004-~06", "2004-~06", "2004-06-01T00:00:00Z", "2004-06-30" + END, "Jun 2004 (month approximate)"),
        ("2004?-06~", "%2004-~06", "2004-06-01T00:00:00Z", "2004-06-30" + END,
         "Jun 2004 (year approximate and uncertain, month approximate)"),
        ("?-0489-06", "-0489?-06", "-0489-06-01T00:00:00Z", "-0489-06-30" + END, "Jun 490 BC (year uncertain)"),
        ("2004~-06~", "2004-06~", "2004-06-01T00:00:00Z", "2004-06-30" + END, "c. Jun 2004"),
        ("11 Jun 2004 (day uncertain)", "2004-06-?11", "2004-06-11T00:00:00Z", "2004-06-11" + END,
         "11 Jun 2004 (day uncertain)"),
        ("c. 2004-06-?11", "~2004-~06-%11", "2004-06-11T00:00:00Z", "2004-06-11" + END,
         "11 Jun 2004 (year and month approximate, day approximate and uncertain)"),
        # English, each stored as EDTF
        ("55 BC", "-0054", "-0054-01-01T00:00:00Z", "-0054-12-31" + END, "55 BC"),
        ("490 BCE", "-0489", "-0489-01-01T00:00:00Z", "-0489-12-31" + END, "490 BC"),
        ("c. 485 BC", "-0484~", "-0484-01-01T00:00:00Z", "-0484-12-31" + END, "c. 485 BC"),
        ("15 Mar 44 BC", "-0043-03-15", "-0043-03-15T00:00:00Z", "-0043-03-15" + END, "15 Mar 44 BC"),
        ("AD 79", "0079", "0079-01-01T00:00:00Z", "0079-12-31" + END, "AD 79"),
        ("14AD", "0014", "0014-01-01T00:00:00Z", "0014-12-31" + END, "AD 14"),
        ("43", "0043", "0043-01-01T00:00:00Z", "0043-12-31" + END, "AD 43"),
        ("Spring 2024", "2024-21", "2024-03-01T00:00:00Z", "2024-05-31" + END, "Spring 2024"),
        ("fall 1999", "1999-23", "1999-09-01T00:00:00Z", "1999-11-30" + END, "Autumn 1999"),
        ("Winter 2024–25", "2024-24", "2024-12-01T00:00:00Z", "2025-02-28" + END, "Winter 2024–25"),
        ("early 2024", "[2024-01..2024-04]", "2024-01-01T00:00:00Z", "2024-04-30" + END, "early 2024"),
        ("mid 2024", "[2024-05..2024-08]", "2024-05-01T00:00:00Z", "2024-08-31" + END, "mid 2024"),
        ("late 1066", "[1066-09..1066-12]", "1066-09-01T00:00:00Z", "1066-12-31" + END, "late 1066"),
        ("early 1990s", "[1990..1993]", "1990-01-01T00:00:00Z", "1993-12-31" + END, "early 1990s"),
        ("mid-2020s", "[2024..2026]", "2024-01-01T00:00:00Z", "2026-12-31" + END, "mid-2020s"),
        ("late 1990s", "[1997..1999]", "1997-01-01T00:00:00Z", "1999-12-31" + END, "late 1990s"),
        ("early 19th century", "[1800..1833]", "1800-01-01T00:00:00Z", "1833-12-31" + END, "early 19th century"),
        ("middle 19th century", "[1834..1866]", "1834-01-01T00:00:00Z", "1866-12-31" + END, "mid-19th century"),
        ("late 19th century", "[1867..1899]", "1867-01-01T00:00:00Z", "1899-12-31" + END, "late 19th century"),
        ("late 5th century BC", "[-0432..-0400]", "-0432-01-01T00:00:00Z", "-0400-12-31" + END,
         "late 5th century BC"),
        ("early 201X", "[2010..2013]", "2010-01-01T00:00:00Z", "2013-12-31" + END, "early 2010s"),
        ("c. mid-1990s", "[1994..1996]~", "1994-01-01T00:00:00Z", "1996-12-31" + END, "c. mid-1990s"),
        ("the 2020s", "202X", "2020-01-01T00:00:00Z", "2029-12-31" + END, "the 2020s"),
        ("1990s", "199X", "1990-01-01T00:00:00Z", "1999-12-31" + END, "the 1990s"),
        ("19th century", "18XX", "1800-01-01T00:00:00Z", "1899-12-31" + END, "19th century"),
        ("1st century BC", "-00XX", "-0099-01-01T00:00:00Z", "0000-12-31" + END, "1st century BC"),
        ("before 2020", "[..2019]", "-1000000000-01-01T00:00:00Z", "2019-12-31" + END, "before 2020"),
        ("by 2020", "[..2020]", "-1000000000-01-01T00:00:00Z", "2020-12-31" + END, "before 2021"),
        ("after Feb 2020", "[2020-03..]", "2020-03-01T00:00:00Z", "1000000000-12-31" + END, "after Feb 2020"),
        ("before 1 Jan 2020", "[..2019-12-31]", "-1000000000-01-01T00:00:00Z", "2019-12-31" + END,
         "before 1 Jan 2020"),
        ("Before 400BC", "[..-0400]", "-1000000000-01-01T00:00:00Z", "-0400-12-31" + END, "before 400 BC"),
        ("between 47 and 50", "[0047..0050]", "0047-01-01T00:00:00Z", "0050-12-31" + END,
         "between AD 47 and AD 50"),
        ("Between 27BC and 14AD", "[-0026..0014]", "-0026-01-01T00:00:00Z", "0014-12-31" + END,
         "between 27 BC and AD 14"),
        ("Between Nov 1951 and 1953", "[1951-11..1953]", "1951-11-01T00:00:00Z", "1953-12-31" + END,
         "between Nov 1951 and 1953"),
        ("3 apr 1721", "1721-04-03", "1721-04-03T00:00:00Z", "1721-04-03" + END, "3 Apr 1721"),
    ],
)
def test_each_form_has_its_edtf_bounds_and_words(
    text: str, edtf: str, earliest: str, latest: str, words: str,
) -> None:
    value = parse_date(text)
    assert value.edtf == edtf
    assert (value.earliest_instant.isoformat(), value.latest_instant.isoformat()) == (earliest, latest)
    assert value.render() == words
    assert parse_date(edtf) == value, "the stored EDTF reads back as the same date"


@pytest.mark.parametrize(
    ("text", "edtf", "words"),
    [
        ("2024–25", "2024/2025", "2024 – 2025"),
        ("2024-25", "2024/2025", "2024 – 2025"),
        ("2019-20", "2019/2020", "2019 – 2020"),
        ("1998 – 2001", "1998/2001", "1998 – 2001"),
        ("1 Jan – 19 Feb 2025", "2025-01-01/2025-02-19", "1 Jan – 19 Feb 2025"),
        ("Sep – Dec 2024", "2024-09/2024-12", "Sep – Dec 2024"),
        ("since 2020", "2020/..", "2020 – ongoing"),
        ("until 2020", "../2020", "until 2020"),
        ("../2020", "../2020", "until 2020"),
        ("/2024", "/2024", "unknown – 2024"),
        ("2024/", "2024/", "2024 – unknown"),
        ("2020/..", "2020/..", "2020 – ongoing"),
        ("-0054/-0053", "-0054/-0053", "55 BC – 54 BC"),
        ("2024-01/2024", "2024-01/2024", "Jan 2024 – 2024"),
        ("0001-01/0001", "0001-01/0001", "Jan AD 1 – AD 1"),
    ],
)
def test_ranges_typed_in_english_and_edtf(text: str, edtf: str, words: str) -> None:
    span = parse_span(text)
    assert span.edtf == edtf
    assert span.render() == words
    assert parse_span(words) == span


def test_edtf_month_and_season_win_over_a_short_range() -> None:
    # 2011-12 is December 2011 and 2019-21 spring 2019 in EDTF; an en dash is always a range.
    assert parse_span("2011-12").edtf == "2011-12"
    assert parse_span("2019-21").edtf == "2019-21"
    assert parse_span("2019–21").edtf == "2019/2021"


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("44-03-15", "two-digit year"),
        ("3/4/24", "two-digit year"),
        ("15 Mar 44", "two-digit year"),
        ("03/04/2024", "ambiguous"),
        ("-232", "signed year that is not EDTF"),
        ("-0000", "year -0000"),
        ("the 1900s", "decade or a century"),
        ("early 1900s", "decade or a century"),
        ("the 90s", "two-digit decade"),
        ("late 90s", "two-digit decade"),
        ("early 2XXX", "early/mid/late needs a year, a decade or a century"),
        ("mid Spring 2024", "early/mid/late needs a year, a decade or a century"),
        ("2024 (day uncertain)", "names the day of a date without one"),
        ("2004-~21", "a season is qualified as a whole"),
        ("2024-02-XXT10:00", "a time of day needs a known day"),
        ("winter 2024", "which winter"),
        ("29 Feb 44 BC", "day 29 does not exist"),
        ("-0001-02-29", "day 29 does not exist"),
        ("2024-25-03", "month 25"),
        ("Y12000-01", "Y-year has no month"),
        ("Y1234567890", "cannot be read"),
        ("0 BC", "year 0 BC/AD"),
        ("between 1953 and 1951", "later and an earlier"),
        ("5 BC-ish", "says BC but cannot be read"),
        ("[]", "not a valid set"),
        ("2024-02-29..2023-02-29", "offset of a day or more"),  # found by make fuzz: a traceback
    ],
)
def test_refusals_name_the_value_and_the_accepted_forms(text: str, says: str) -> None:
    with pytest.raises(BadDate) as caught:
        parse_span(text)
    message = caught.value.describe()
    assert says in message
    assert repr(text) in message
    assert "\n" not in message


def test_a_bc_year_never_turns_into_an_ad_year() -> None:
    for text in ("-0232", "233 BC", "233 BCE", "233BC", "c. 233 BC", "233 B.C."):
        assert parse_date(text).year == -232, text
    assert parse_date("-0232").render() == "233 BC"


def test_bc_bounds_sort_as_time_does() -> None:
    texts = ["Y-12000", "-0489", "-0054-03", "-0001", "0000", "0001", "0999", "2024", "9999", "Y10000", "Y17E7"]
    bounds = [bound_text(parse_date(t).earliest_instant) for t in texts]
    assert bounds == sorted(bounds)
    instants = [parse_date(t).earliest_instant for t in texts]
    assert instants == sorted(instants)
    # The first schema's text for the years 1–9999 is unchanged.
    assert bounds[5:9] == ["0001-01-01T00:00:00", "0999-01-01T00:00:00", "2024-01-01T00:00:00",
                           "9999-01-01T00:00:00"]
    assert since_bound("55 BC") < since_bound("54 BC") < since_bound("AD 1")
    assert until_bound("2024") == "2024-12-31T23:59:59"


def test_days_between_bc_instants() -> None:
    # 1 BC is a leap year in the proleptic Gregorian calendar (divisible by 400 as year 0).
    assert (Instant(1) - Instant(0)).days == 366
    assert (Instant(-399) - Instant(-400)).days == 366
    assert (Instant(-398) - Instant(-399)).days == 365


def test_the_datetime_api_refuses_rather_than_shifting_a_bc_year() -> None:
    assert parse_date("2024").earliest == datetime(2024, 1, 1)
    with pytest.raises(BadDate, match="55 BC"):
        _ = parse_date("55 BC").earliest


@pytest.mark.parametrize(
    ("text", "moment"),
    [
        ("2024", datetime(2024, 12, 31, 23, 59, 59, 999999)),
        ("2024-05-01", datetime(2024, 5, 1, 23, 59, 59, 999999)),
        ("2024-05-01T10:00", datetime(2024, 5, 1, 10, 0, 59, 999999)),
        ("2024-05-01T10:00:30", datetime(2024, 5, 1, 10, 0, 30, 999999)),
        ("2024-05-01T10:00:30.788231Z", datetime(2024, 5, 1, 10, 0, 30, 788231)),
        ("2024-05-01T12:00:30.5+02:00", datetime(2024, 5, 1, 10, 0, 30, 500000)),
    ],
)
def test_as_of_means_the_end_of_what_was_said(text: str, moment: datetime) -> None:
    assert parse_timestamp(text, field="--as-of") == moment


def test_as_of_a_records_own_timestamp_shows_that_record(tmp_path: Path) -> None:
    runner = CliRunner()
    db = ["--db", f"sqlite:///{tmp_path / 'chronicle.db'}"]
    assert runner.invoke(main, [*db, "init"]).exit_code == 0
    for title in ("First", "Second"):
        added = runner.invoke(main, [*db, "add", title, "--date", "Spring 2024", "--source", f"https://x.org/{title.lower()}"])
        assert added.exit_code == 0, added.output
    stamps = [runner.invoke(main, [*db, "history", name, "--format", "jsonl"]).output for name in ("first", "second")]
    first_at = stamps[0].split('"recorded_at": "')[1].split('"')[0]
    assert "." in first_at and first_at.endswith("Z")
    listed = runner.invoke(main, [*db, "show", "--as-of", first_at])
    assert listed.exit_code == 0, listed.output
    assert "First" in listed.output
    assert "Second" not in listed.output
    assert "Spring 2024" in listed.output


def _historical_dates() -> list[tuple[str, str, str | None]]:
    rows = []
    for path in sorted((REALDATA / "historicaldate").glob("*.csv")):
        with path.open(encoding="utf-8", newline="") as handle:
            for row in csv.DictReader(handle):
                rows.append((path.name, row["hdate"].strip(), row.get("hdate_end", "").strip() or None))
    return rows


def test_every_messy_real_date_reads_and_bc_ones_stay_bc() -> None:
    rows = _historical_dates()
    assert len(rows) > 300
    for name, text, end in rows:
        span = parse_span(text, end)
        if "BC" in text.upper() and "AD" not in text.upper():
            assert span.start.latest_instant.year <= 0, (name, text, span.edtf)
        assert parse_span(span.render()) == span, (name, text, span.render())
        assert parse_span(span.edtf) == span, (name, text, span.edtf)
    assert parse_span("Between 47 and 50").edtf == "[0047..0050]"
    assert parse_span("55 BC", "54 BC").edtf == "-0054/-0053"
    assert parse_span("25 oct 2022", "ongoing").edtf == "2022-10-25/.."


def test_a_query_says_its_bc_and_microsecond_bounds_in_words() -> None:
    query = EventQuery.parse(since="55 BC", until="Y12000", as_of="2024-05-01T10:00")
    assert query.describe() == "since -0054-01-01, until 12000-12-31, as of 2024-05-01T10:00:59.999999Z"
    assert EventQuery.parse(since="2023", until="2024").describe() == "since 2023-01-01, until 2024-12-31"


def test_days_and_shifts_of_any_year() -> None:
    caesar = parse_date("15 Mar 44 BC")
    assert (caesar.earliest_day_text, caesar.latest_day_text) == ("-0043-03-15", "-0043-03-15")
    assert parse_date("2024-02").latest_day_text == "2024-02-29"
    assert Instant(1, 1, 1).shifted(days=-1) == Instant(0, 12, 31)
    assert Instant(-43, 3, 15, 12).shifted(days=20) == Instant(-43, 4, 4, 12)
    assert Instant(9999, 12, 31).shifted(days=1) == Instant(10000, 1, 1)
    with pytest.raises(BadDate, match="44 BC"):
        _ = caesar.earliest_day
