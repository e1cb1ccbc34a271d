"""English dates people type, each stored as the EDTF form it means.

Seasons, early/mid/late, decades and centuries, BC/AD, before/after/by, between, ranges
(``2024–25``, ``A – B``, ``since A``); month names and numeric days go to dateutil, which
is imported only here and only when nothing else reads the text. Anything that could
mean two things (two-digit years, ``03/04/2024``, ``the 1900s``) is refused.
"""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import datetime

from chronicle.dates.edtf import ACCEPTED, edtf_date, from_set
from chronicle.dates.instant import MAX_YEAR_DIGITS, MONTH_NAMES, month_length, year_words
from chronicle.dates.qualifiers import (
    CENTURY_THIRDS,
    COMPONENTS,
    DECADE_THIRDS,
    YEAR_THIRDS,
    combine,
    from_flags,
    read_words,
)
from chronicle.dates.span import Span, open_sentinel
from chronicle.dates.value import HistDate, Precision, make_one_of, qualified, step_date, with_qualifier
from chronicle.errors import BadDate

_APPROX_PREFIX = re.compile(
    r"^(?:c\.|ca\.|c\s|circa|about|approx\.?|approximately|around|~)\s*", re.IGNORECASE
)
_AMBIGUOUS_NUMERIC = re.compile(r"^\s*(\d{1,2})[/.](\d{1,2})[/.](\d{4})\s*$")
#: "25/12/2024", "3/4/24": a day written with slashes, not an interval.
NUMERIC_DATE = re.compile(r"^\s*\d{1,2}([/.])\d{1,2}\1\d{1,4}\s*$")
_TWO_DIGIT_YEAR = re.compile(r"^\s*(?:\d{1,2}[/.-]\d{1,2}[/.-]\d{2}|\d{2}[/.-]\d{1,2}[/.-]\d{1,2})\s*$")
_NUMBERS = re.compile(r"\d+")
_FRACTION = re.compile(r":\d{2}[.,]\d")
#: "UTC-05:00": dateutil reads a sign after a zone name the POSIX way (inverted); drop the name.
_NAMED_OFFSET = re.compile(r"\b(?:UTC|GMT)\s*(?=[+-]\d)", re.IGNORECASE)
_SPACES = re.compile(r"\s+")
_BETWEEN = re.compile(r"^between\s+(?P<a>.+?)\s+and\s+(?P<b>.+)$", re.IGNORECASE)
_RELATIVE = re.compile(r"^(?P<word>before|by|after)\s+(?P<rest>.+)$", re.IGNORECASE)
_OR_LATER = re.compile(r"^(?P<rest>.+?)\s+or\s+(?P<word>later|earlier)$", re.IGNORECASE)
_THIRD = re.compile(r"^(?P<word>early|mid|middle|late)[\s-]+(?P<rest>.+)$", re.IGNORECASE)
SEASON_PATTERN = re.compile(
    r"^(?P<season>spring|summer|autumn|fall|winter)\s+(?:(?:AD|A\.D\.)\s*)?(?P<year>\d{1,9}"
    r"(?:\s*[–/-]\s*(?P<next>\d{2}|\d{4}))?)(?:\s*(?P<era>AD|CE|BC|BCE))?$",
    re.IGNORECASE,
)
_DECADE = re.compile(r"^(?:the\s+)?(?P<decade>\d{1,3}0)'?s$", re.IGNORECASE)
_CENTURY = re.compile(
    r"^(?:the\s+)?(?P<n>\d{1,7})(?:st|nd|rd|th)\s+century(?:\s*(?P<era>AD|CE|BC|BCE|B\.C\.|A\.D\.))?$",
    re.IGNORECASE,
)
_ERA_AFTER = re.compile(
    r"^(?P<rest>.*?)\s*(?<!\d)(?P<year>\d{1,10})\s*(?P<era>BCE|BC|B\.C\.E\.|B\.C\.|CE|AD|A\.D\.|C\.E\.)$",
    re.IGNORECASE,
)
_ERA_BEFORE = re.compile(
    r"^(?P<rest>.*?)\s*(?:AD|A\.D\.)\s*(?P<year>\d{1,9})(?P<time>\s+\d{1,2}:\d{2}\S*(?:\s+UTC\S*)?)?$",
    re.IGNORECASE,
)
#: "11 Jun 2004 (year and month approximate)": qualified components in words.
_COMPONENT_WORDS = re.compile(r"^(?P<date>.*\S)\s*\((?P<words>[A-Za-z ,;]+)\)$")
_BARE_YEAR = re.compile(r"^\d{1,9}$")
_MENTIONS_BC = re.compile(r"\bb\.?\s?c\.?(?:e\.?)?(?![a-z])", re.IGNORECASE)
_RANGE_DASH = re.compile(r"\s*[–—]\s*|\s+-\s+|\s+to\s+")
SHORT_RANGE = re.compile(r"^(?P<a>\d{4})\s*[-–—]\s*(?P<b>\d{2})$")
_SINCE_UNTIL = re.compile(r"^(?P<word>since|from|until|till|up to)\s+(?P<rest>.+)$", re.IGNORECASE)


def english_span(text: str, raw: str, field: str) -> Span | None:
    """Ranges written in English (``2024–25``, ``A – B``, ``since A``); None if not one."""
    short = SHORT_RANGE.match(text)
    if short:
        first, second = short.group("a"), short.group("b")
        later = int(first[:2] + second)
        if later <= int(first):
            raise BadDate("is not a range forwards", field=field, value=raw,
                          accepted="2024–25 for 2024 to 2025, or 1999/2001")
        return Span(HistDate(int(first)), HistDate(later))
    words = _SINCE_UNTIL.match(text)
    if words:
        word = words.group("word").lower()
        if word in ("since", "from"):
            return Span(_from_text(words.group("rest"), raw, field), None, open_end=True)
        stop = _from_text(words.group("rest"), raw, field)
        return Span(replace(open_sentinel(stop), open=".."), stop)
    if SEASON_PATTERN.match(text) or text.lower().startswith("between "):
        return None
    pieces = _RANGE_DASH.split(text)
    if len(pieces) != 2:
        return None
    left, right = pieces[0].strip(), pieces[1].strip()
    if not left or not right:
        return None
    right_low = right.lower()
    if left.lower() == "unknown":
        stop = _from_text(right, raw, field)
        return Span(replace(open_sentinel(stop), open="unknown"), stop)
    if right_low == "ongoing":
        return Span(_from_text(left, raw, field), None, open_end=True)
    if right_low == "unknown":
        start = _from_text(left, raw, field)
        return Span(start, HistDate(start.year, open="unknown"))
    stop = _from_text(right, raw, field)
    try:
        start = _from_text(left, raw, field)
    except BadDate:
        # "1 Jan – 19 Feb 2025", "Sep – Dec 2024": the start borrows the end's year.
        start = _from_text(f"{left} {year_words(stop.year)}", raw, field)
    if stop.latest_instant < start.earliest_instant:
        raise BadDate("ends before it starts", field=field, value=raw, accepted="a range forwards")
    return Span(start, stop)


def _from_text(text: str, raw: str, field: str) -> HistDate:
    text = text.strip()
    found = edtf_date(text, raw, field)
    if found is not None:
        return found
    if text.startswith("["):
        return from_set(text, raw, field)
    return from_english(text, raw, field)


def from_english(text: str, raw: str, field: str) -> HistDate:
    text = _SPACES.sub(" ", text.replace("\u2212", "-")).strip()
    approximate = uncertain = False
    prefix = _APPROX_PREFIX.match(text)
    if prefix:
        approximate, text = True, text[prefix.end():]
    while text and text[-1] in "~?%":
        approximate |= text[-1] in "~%"
        uncertain |= text[-1] in "?%"
        text = text[:-1].rstrip()
    if not text:
        raise BadDate("cannot be read as a date", field=field, value=raw, accepted=ACCEPTED)
    if approximate or uncertain:
        return with_qualifier(_from_text(text, raw, field), approximate=approximate, uncertain=uncertain)
    words = _COMPONENT_WORDS.match(text)
    named = read_words(words.group("words")) if words else None
    if words and named is not None:
        return _with_component_words(words.group("date"), named, raw, field)
    return _english_words(text, raw, field)


def _with_component_words(text: str, named: dict[str, str], raw: str, field: str) -> HistDate:
    """``11 Jun 2004 (day approximate)``: the date, with the components named qualified."""
    base = _from_text(text, raw, field)
    count = int(base.precision)
    if count > Precision.DAY or base.one_of or base.season is not None or base.unspecified_digits \
            or base.unspecified_month or base.unspecified_day or base.open:
        raise BadDate("qualifies parts of a date that cannot take them", field=field, value=raw,
                      accepted="a year, month or day: '11 Jun 2004 (day approximate)', 'Jun 2004 (year uncertain)'")
    missing = [name for name in named if name not in COMPONENTS[:count]]
    if missing:
        raise BadDate(f"names the {missing[0]} of a date without one", field=field, value=raw,
                      accepted=f"the parts it gives: {', '.join(COMPONENTS[:count])}")
    given = base.component_qualifiers or (from_flags(base.approximate, base.uncertain),) * count
    return qualified(base, tuple(combine(given[i], named.get(COMPONENTS[i], "")) for i in range(count)))


def _english_words(text: str, raw: str, field: str) -> HistDate:
    if text[0] in "-+":
        raise BadDate("is a signed year that is not EDTF", field=field, value=raw,
                      accepted="four digits with the sign, like -0232 (233 BC), or '233 BC'")
    if _TWO_DIGIT_YEAR.match(text):
        raise BadDate("has a two-digit year", field=field, value=raw, accepted=ACCEPTED)
    between = _BETWEEN.match(text)
    if between:
        low = _from_text(between.group("a"), raw, field)
        high = _from_text(between.group("b"), raw, field)
        if high.latest_instant < low.earliest_instant:
            raise BadDate("says between a later and an earlier date", field=field, value=raw,
                          accepted="'between A and B' with A first")
        return make_one_of(((low, high),))
    relative = _RELATIVE.match(text)
    if relative:
        word = relative.group("word").lower()
        anchor = _from_text(relative.group("rest"), raw, field)
        if word == "by":
            return make_one_of(((None, anchor),))
        step = step_date(anchor, -1 if word == "before" else 1)
        if step is None:
            raise BadDate(f"cannot say '{word}' of this date", field=field, value=raw,
                          accepted=f"'{word}' a year, month or day")
        return make_one_of(((None, step),) if word == "before" else ((step, None),))
    later = _OR_LATER.match(text)
    if later:
        anchor = _from_text(later.group("rest"), raw, field)
        return make_one_of(((anchor, None),) if later.group("word").lower() == "later" else ((None, anchor),))
    third = _THIRD.match(text)
    if third:
        return _third(third, raw, field)
    season = SEASON_PATTERN.match(text)
    if season:
        return _season(season, raw, field)
    decade = _DECADE.match(text)
    if decade:
        start = int(decade.group("decade"))
        if start < 100:
            raise BadDate("has a two-digit decade", field=field, value=raw,
                          accepted=f"four digits, like 'the 19{start:02d}s' (EDTF 00{start // 10}X for AD {start}–{start + 9})")
        if start % 100 == 0:
            raise BadDate("could be a decade or a century", field=field, value=raw,
                          accepted=f"'{start // 100 + 1}th century' ({start // 100:02d}XX) or {start // 10:03d}X")
        return HistDate(start, unspecified_digits=1)
    century = _CENTURY.match(text)
    if century:
        number = int(century.group("n"))
        if number == 0:
            raise BadDate("century 0 does not exist", field=field, value=raw, accepted="'19th century'")
        if _is_bc(century.group("era")):
            return HistDate(-(number * 100 - 1), unspecified_digits=2)
        return HistDate((number - 1) * 100, unspecified_digits=2)
    era = _ERA_AFTER.match(text) or _ERA_BEFORE.match(text)
    if era:
        number = int(era.group("year"))
        bc = _is_bc(era.groupdict().get("era"))
        if number == 0:
            raise BadDate("year 0 BC/AD does not exist", field=field, value=raw,
                          accepted="1 BC is EDTF 0000, AD 1 is 0001")
        year = 1 - number if bc else number
        if abs(year) >= 10**MAX_YEAR_DIGITS:
            raise BadDate("is too far from year 0", field=field, value=raw,
                          accepted=f"years of at most {MAX_YEAR_DIGITS} digits")
        rest = era.group("rest").strip().rstrip(",") + (era.groupdict().get("time") or "")
        if not rest:
            return HistDate(year)
        return _with_year(rest, year, raw, field)
    if _MENTIONS_BC.search(text):
        raise BadDate("says BC but cannot be read whole", field=field, value=raw,
                      accepted="'55 BC', '15 Mar 44 BC', 'c. 485 BC'")
    if _BARE_YEAR.match(text):
        return HistDate(int(text))
    return _dateutil(text, raw, field)


def _third(match: re.Match[str], raw: str, field: str) -> HistDate:
    """Early, mid or late a year, a decade or a century: the third of it (see
    :mod:`chronicle.dates.qualifiers`), as a range ``[a..b]``."""
    word = match.group("word").lower()
    word = "mid" if word == "middle" else word
    whole = _from_text(match.group("rest"), raw, field)
    plain = not (whole.one_of or whole.season is not None or whole.unspecified_month or whole.qualifier or whole.open)
    if plain and whole.precision is Precision.YEAR:
        year, digits = whole.year, whole.unspecified_digits
        if digits == 0:
            first, last = YEAR_THIRDS[word]
            return make_one_of(((HistDate(year, first), HistDate(year, last)),))
        if digits == 1 and year > 100:
            first, last = DECADE_THIRDS[word]
            return make_one_of(((HistDate(year + first), HistDate(year + last)),))
        if digits == 2:
            first, last = CENTURY_THIRDS[word]
            return make_one_of(((HistDate(year + first), HistDate(year + last)),))
    raise BadDate("early/mid/late needs a year, a decade or a century", field=field, value=raw,
                  accepted="'early 2024' (Jan–Apr), 'mid-1990s' (1994–1996), 'late 19th century' (1867–1899)")


def _season(season: re.Match[str], raw: str, field: str) -> HistDate:
    name = season.group("season").lower()
    number = {"spring": 21, "summer": 22, "autumn": 23, "fall": 23, "winter": 24}[name]
    year_text = season.group("year")
    first = int(_NUMBERS.findall(year_text)[0])
    next_text = season.group("next")
    bc = _is_bc(season.group("era"))
    year = 1 - first if bc else first
    if number == 24:
        if next_text is None:
            raise BadDate("does not say which winter", field=field, value=raw,
                          accepted="'Winter 2024–25' (Dec 2024 to Feb 2025) or EDTF 2024-24")
        following = int(next_text) if len(next_text) == 4 else (first // 100) * 100 + int(next_text)
        if first % 100 == 99 and len(next_text) == 2:
            following += 100
        if bc or following != first + 1:
            raise BadDate("is not one winter", field=field, value=raw, accepted="'Winter 2024–25'")
    elif next_text is not None:
        raise BadDate("names two years for one season", field=field, value=raw, accepted="'Spring 2024'")
    return HistDate(year, season=number)


def _with_year(rest: str, year: int, raw: str, field: str) -> HistDate:
    """``15 Mar`` of a year dateutil cannot hold (BC, AD 43): read it against a leap year."""
    if year >= 1000:
        return _dateutil(f"{rest} {year}", raw, field)
    probe = _dateutil(f"{rest} 2000", raw, field)
    if probe.precision > Precision.DAY and year < 1:
        raise BadDate("gives a time of day in a BC year", field=field, value=raw, accepted="a day without a time")
    if probe.day is not None and probe.month is not None and probe.day > month_length(year, probe.month):
        raise BadDate(f"day {probe.day} does not exist in {MONTH_NAMES[probe.month - 1]} {year_words(year)}",
                      field=field, value=raw, accepted=f"days 1–{month_length(year, probe.month)}")
    return replace(probe, year=year)


def _is_bc(era: str | None) -> bool:
    return era is not None and era.upper().replace(".", "").startswith("B")


def _dateutil(text: str, raw: str, field: str) -> HistDate:
    numeric = _AMBIGUOUS_NUMERIC.match(text)
    if numeric:
        first, second = int(numeric.group(1)), int(numeric.group(2))
        if first <= 12 and second <= 12 and first != second:
            raise BadDate(
                "day and month order is ambiguous", field=field, value=raw,
                accepted="an unambiguous form such as 2024-03-04 or '4 March 2024'",
            )
    from dateutil import parser as dateparser  # lazy: only English dates need it

    text = _NAMED_OFFSET.sub("", text)

    # Parse twice against two different defaults: any part that differs between the
    # two results was filled in by the default, i.e. the user did not give it.
    first_default = datetime(2000, 1, 1, 0, 0, 0)
    second_default = datetime(2004, 2, 2, 1, 1, 1)
    try:
        one = dateparser.parse(text, default=first_default)
        two = dateparser.parse(text, default=second_default)
    except (ValueError, OverflowError):
        raise BadDate("cannot be read as a date", field=field, value=raw, accepted=ACCEPTED) from None
    if one.year != two.year:
        raise BadDate("has no year", field=field, value=raw, accepted=ACCEPTED)
    if one.year not in {int(n) for n in _NUMBERS.findall(text) if len(n) >= 3}:
        # dateutil turned "24" into 2024: a two-digit year is a guess, never ours to make.
        raise BadDate("has a two-digit year", field=field, value=raw, accepted=ACCEPTED)
    has_month = one.month == two.month
    has_day = one.day == two.day
    has_time = one.hour == two.hour and one.minute == two.minute
    if not has_month:
        if has_day or has_time:
            raise BadDate("has a day but no month", field=field, value=raw, accepted=ACCEPTED)
        return HistDate(one.year)
    if not has_day:
        if has_time:
            raise BadDate("has a time but no day", field=field, value=raw, accepted=ACCEPTED)
        return HistDate(one.year, one.month)
    if not has_time:
        return HistDate(one.year, one.month, one.day)
    offset: int | None = None
    if one.tzinfo is not None:
        try:
            delta = one.utcoffset()
        except ValueError:
            # dateutil read a number as an offset of a day or more ("..2023-02-29").
            raise BadDate("has a time-zone offset of a day or more", field=field, value=raw,
                          accepted=ACCEPTED) from None
        offset = int(delta.total_seconds() // 60) if delta is not None else None
    seconds = one.second if one.second == two.second else None
    # dateutil zeroes the fraction whenever seconds are given, so ask the text itself.
    micro = one.microsecond if seconds is not None and _FRACTION.search(text) else None
    return HistDate(one.year, one.month, one.day, one.hour, one.minute, seconds, offset, microsecond=micro)

