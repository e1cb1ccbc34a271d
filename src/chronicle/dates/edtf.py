"""The EDTF grammar: level 0, level 1, and the parts of level 2 chronicle reads.

One regular expression reads a whole date; :func:`from_edtf_match` checks that it exists
(months 1–12 or seasons, days of that month, times of day) and builds the
:class:`~chronicle.dates.value.HistDate`. Sets (``[a, b..c]``) are read here too.
"""

from __future__ import annotations

import re

from chronicle.dates.instant import MAX_YEAR_DIGITS, MONTH_NAMES, month_length, year_words
from chronicle.dates.qualifiers import read_components
from chronicle.dates.value import HistDate, make_one_of, qualified
from chronicle.errors import BadDate

ACCEPTED = (
    "EDTF like 2023, 2023-10, 2024-01-09, 2025-04-13T20:00:00.5Z, -0489 (490 BC), Y12000, "
    "2024-21 (spring), 201X, 2024-XX, 2024~ (approximate), 2025? (uncertain), "
    "2025-01-01/2025-02-19, 2024-03/.. (ongoing), ../2020, [2023-10, 2023-11-23] (one of), "
    "2004-06~-11 (year and month approximate); "
    "or English like 'Oct 2023', '13 April 2025', 'c. 2024', '55 BC', 'AD 79', 'Spring 2024', "
    "'early 2024', 'mid-1990s', 'late 19th century', 'the 2020s', '19th century', 'before 2020', "
    "'between 1951 and 1953', '2024–25'"
)

MONTHS_AND_SEASONS = frozenset((*range(1, 13), *range(21, 25)))

EDTF_PATTERN = re.compile(
    r"""^(?P<year>-?[0-9]{4}|-?[0-9]{3}X|-?[0-9]{2}XX|-?[0-9]XXX
          |Y(?P<long>-?[1-9][0-9]{4,8})|Y(?P<exp>-?[1-9][0-9]*)E(?P<pow>[1-9][0-9]*))
    (?:-(?P<month>[0-9]{2}|XX)
      (?:-(?P<day>[0-9]{2}|XX)
        (?:[T\ ](?P<hour>[0-9]{2}):(?P<minute>[0-9]{2})
           (?::(?P<second>[0-9]{2})(?:[.,](?P<frac>[0-9]{1,6}))?)?
           (?P<tz>Z|[+-][0-9]{2}(?::?[0-9]{2})?)?
        )?
      )?
    )?
    (?P<qual>[~?%])?$""",
    re.VERBOSE,
)
#: EDTF level 2: a qualifier left of a component (it alone) or right of it (it and those before).
_PARTIAL = re.compile(
    r"""^(?P<yp>[~?%])?(?P<year>-?[0-9]{4})(?P<ys>[~?%])?
    (?:-(?P<mp>[~?%])?(?P<month>[0-9]{2})(?P<ms>[~?%])?
      (?:-(?P<dp>[~?%])?(?P<day>[0-9]{2})(?P<ds>[~?%])?)?
    )?$""",
    re.VERBOSE,
)
_SET = re.compile(r"^\[(?P<body>[^\[\]]*)\]$")


def from_edtf_match(match: re.Match[str], raw: str, field: str) -> HistDate:
    # groups() in pattern order is several times cheaper than groupdict() on this path,
    # which every imported row takes.
    (year_text, long_text, exp_text, pow_text, month_text, day_text, hour_text, minute_text,
     second_text, frac, tz, qual) = match.groups()
    digits = 0
    if long_text:
        year = int(long_text)
    elif exp_text:
        year = int(exp_text) * 10 ** int(pow_text)
    elif year_text[0] != "-" and "X" not in year_text:
        year = int(year_text)
    else:
        digits = year_text.count("X")
        magnitude = int(year_text.lstrip("-").replace("X", "0"))
        year = magnitude if year_text[0] != "-" else -(magnitude + 10**digits - 1)
        if year_text == "-0000":
            raise BadDate("year -0000 does not exist", field=field, value=raw,
                          accepted="0000 for 1 BC, -0001 for 2 BC")
    if not -(10**MAX_YEAR_DIGITS) < year < 10**MAX_YEAR_DIGITS:
        raise BadDate("is too far from year 0", field=field, value=raw,
                      accepted=f"years of at most {MAX_YEAR_DIGITS} digits")
    approximate, uncertain = qual == "~" or qual == "%", qual == "?" or qual == "%"
    if (long_text or exp_text) and month_text:
        raise BadDate("a Y-year has no month or day", field=field, value=raw, accepted=ACCEPTED)
    if digits and month_text:
        raise BadDate("a year with X digits has no month or day", field=field, value=raw,
                      accepted="201X, 20XX, 2024-XX, 2024-02-XX")
    if month_text is None:
        return HistDate(year, approximate=approximate, uncertain=uncertain, unspecified_digits=digits)
    if month_text == "XX":
        if day_text not in (None, "XX"):
            raise BadDate("a day of an unspecified month is not accepted", field=field, value=raw,
                          accepted="2024-XX, 2024-XX-XX, 2024-02-XX")
        if hour_text is not None:
            raise BadDate("a time of day needs a known day", field=field, value=raw,
                          accepted="2024-XX-XX, or a day with its time: 2024-02-09T10:00")
        return HistDate(year, approximate=approximate, uncertain=uncertain,
                        unspecified_month=True, unspecified_day=day_text == "XX")
    month = int(month_text)
    if 21 <= month <= 24:
        if day_text is not None:
            raise BadDate("a season has no day", field=field, value=raw, accepted="2024-21 … 2024-24")
        return HistDate(year, season=month, approximate=approximate, uncertain=uncertain)
    if not 1 <= month <= 12:
        raise BadDate(f"month {month} does not exist", field=field, value=raw,
                      accepted="months 01–12, seasons 21–24 (spring, summer, autumn, winter)")
    if day_text is None:
        return HistDate(year, month, approximate=approximate, uncertain=uncertain)
    if day_text == "XX":
        if hour_text is not None:
            raise BadDate("a time of day needs a known day", field=field, value=raw,
                          accepted="2024-02-XX, or a day with its time: 2024-02-09T10:00")
        return HistDate(year, month, approximate=approximate, uncertain=uncertain, unspecified_day=True)
    day = int(day_text)
    last = month_length(year, month)
    if not 1 <= day <= last:
        raise BadDate(
            f"day {day} does not exist in {MONTH_NAMES[month - 1]} {year_words(year)}",
            field=field, value=raw, accepted=f"days 1–{last}",
        )
    if hour_text is None:
        return HistDate(year, month, day, approximate=approximate, uncertain=uncertain)
    hour, minute = int(hour_text), int(minute_text)
    second = int(second_text) if second_text else None
    microsecond = int(frac.ljust(6, "0")) if frac else None
    if hour > 23 or minute > 59 or (second or 0) > 59:
        raise BadDate("is not a valid time of day", field=field, value=raw, accepted=ACCEPTED)
    offset = _parse_offset(tz, raw, field) if tz else None
    if not 1 <= year <= 9999:
        raise BadDate("a time of day is accepted in the years 1–9999", field=field, value=raw,
                      accepted="a day without a time for other years")
    return HistDate(year, month, day, hour, minute, second, offset, approximate=approximate,
                    uncertain=uncertain, microsecond=microsecond)


def edtf_date(text: str, raw: str, field: str) -> HistDate | None:
    """``text`` read as one EDTF date (levels 0–2, not a set); None when it is not EDTF."""
    match = EDTF_PATTERN.match(text)
    if match is not None:
        return from_edtf_match(match, raw, field)
    partial = _PARTIAL.match(text)
    if partial is not None:
        return _from_partial(partial, raw, field)
    return None


def _from_partial(match: re.Match[str], raw: str, field: str) -> HistDate:
    """``2004-06~-11``, ``?2004-06-~11``: qualified components (EDTF level 2)."""
    year, month, day = match["year"], match["month"], match["day"]
    plain_text = year + (f"-{month}" if month else "") + (f"-{day}" if day else "")
    plain_match = EDTF_PATTERN.match(plain_text)
    if plain_match is None:
        raise BadDate("is not a valid date", field=field, value=raw, accepted=ACCEPTED)
    plain = from_edtf_match(plain_match, raw, field)
    if plain.season is not None:
        raise BadDate("a season is qualified as a whole", field=field, value=raw,
                      accepted="2024-21~ (approximate), 2024-21? (uncertain)")
    count = 1 + (month is not None) + (day is not None)
    prefixes = (match["yp"], match["mp"], match["dp"])[:count]
    suffixes = (match["ys"], match["ms"], match["ds"])[:count]
    return qualified(plain, read_components(prefixes, suffixes))


def from_set(text: str, raw: str, field: str) -> HistDate:
    """``[a, b..c, ..d]``: one of these dates (EDTF level 2)."""
    qual = text[-1] if text[-1] in "~?%" and len(text) > 1 else ""
    body_match = _SET.match(text[:-1] if qual else text)
    if not body_match or not body_match.group("body").strip():
        raise BadDate("is not a valid set", field=field, value=raw, accepted="[2023-10, 2023-11-23], [..2019]")
    members: list[tuple[HistDate | None, HistDate | None]] = []
    for part in body_match.group("body").split(","):
        piece = part.strip()
        if ".." in piece:
            lo_text, _, hi_text = piece.partition("..")
            low = _edtf_only(lo_text, raw, field) if lo_text.strip() else None
            high = _edtf_only(hi_text, raw, field) if hi_text.strip() else None
            if low is None and high is None:
                raise BadDate("has an empty range", field=field, value=raw, accepted="[a..b], [..b], [a..]")
            if low is not None and high is not None and high.latest_instant < low.earliest_instant:
                raise BadDate("has a range that ends before it starts", field=field, value=raw,
                              accepted="[a..b] with a on or before b")
            members.append((low, high))
        else:
            single = _edtf_only(piece, raw, field)
            members.append((single, single))
    if len(members) == 1 and members[0][0] is members[0][1]:
        raise BadDate("is a set of one date", field=field, value=raw,
                      accepted="the date alone, or two or more: [2023-10, 2023-11-23]")
    return make_one_of(tuple(members), approximate=qual in ("~", "%"), uncertain=qual in ("?", "%"))


def _edtf_only(text: str, raw: str, field: str) -> HistDate:
    found = edtf_date(text.strip(), raw, field)
    if found is None:
        raise BadDate("is not a valid set", field=field, value=raw, accepted="EDTF dates inside [ ]")
    return found


def _parse_offset(tz: str, raw: str, field: str) -> int:
    if tz == "Z":
        return 0
    sign = -1 if tz[0] == "-" else 1
    digits = tz[1:].replace(":", "")
    hours = int(digits[:2])
    minutes = int(digits[2:4]) if len(digits) >= 4 else 0
    if hours > 14 or minutes > 59:
        raise BadDate("is not a valid UTC offset", field=field, value=raw, accepted="-12:00 to +14:00")
    return sign * (hours * 60 + minutes)


