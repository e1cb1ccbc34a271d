"""Dates as historians use them: a precision, qualifiers, and honest bounds.

A :class:`HistDate` is what the user actually said — "Oct 2023" is a month, never
2023-10-01 — plus the earliest and latest instants it can stand for, which is what
queries and sorting use. A :class:`Span` is an event's time: one date, or an interval
whose ends may be open (``..``) or unknown (empty).

Years are astronomical, as in EDTF and ISO 8601: ``0000`` is 1 BC, ``-0489`` is 490 BC.
A BC year never loses its sign: a text that starts with a minus and is not EDTF, or that
says BC and cannot be read whole, is refused rather than guessed. Bounds of any year are
:class:`Instant` values (``earliest_instant``/``latest_instant``), kept to the
microsecond; the older ``earliest``/``latest`` give Python datetimes for the years 1–9999.

Accepted forms (each English form has the EDTF form it is stored as):

=====================================  ==========================  ==============================================
You write                              Stored as (EDTF)            Means (earliest … latest)
=====================================  ==========================  ==============================================
``2023``, ``2023-10``, ``2024-01-09``  same                        that year / month / day
``2025-04-13T20:00-05:00``             same (``Z`` for UTC)        that instant; seconds and ``.123456`` kept
``-0489``, ``0000``                    same                        490 BC, 1 BC (astronomical years)
``Y12000``, ``Y-12000``, ``Y17E7``     ``Y12000``, ``Y170000000``  years beyond four digits (up to nine)
``2024-21`` … ``2024-24``              same                        spring Mar–May, summer Jun–Aug,
                                                                   autumn Sep–Nov, winter Dec–Feb (next year)
``201X``, ``20XX``, ``2XXX``           same                        2010–2019, 2000–2099, 2000–2999
``2024-XX``, ``2024-02-XX``            same                        some month of 2024, some day of Feb 2024
``2024~``, ``2025?``, ``2024%``        same                        approximate, uncertain, both
``2024/2025``, ``2024-03/..``          same                        interval; ``..`` open (ongoing) end
``../2020``, ``/2024``, ``2020/``      same                        open start; unknown start; unknown end
``[2023-10, 2023-11-23]``              same                        one of these (``[a..b]``, ``[..b]``, ``[a..]``)
``Oct 2023``, ``13 April 2025``        ``2023-10``, ``2025-04-13`` dateutil reads English month names
``3 apr 1721``, ``April 13, 2025``     ``1721-04-03`` …            unambiguous numeric days too (``25/12/2024``)
``c. 2024``, ``circa March 1998``      ``2024~``, ``1998-03~``     approximate
``55 BC``, ``490 BCE``, ``500BC``      ``-0054``, ``-0489`` …      BC years (1 BC is year 0)
``AD 79``, ``14AD``, ``43``            ``0079``, ``0014``, ``0043`` years of the common era; a bare number is a year
``Spring 2024``                        ``2024-21``                 Mar–May 2024 (summer, autumn/fall alike)
``Winter 2024–25``                     ``2024-24``                 Dec 2024–Feb 2025 (``winter 2024`` alone is refused)
``early/mid/late 2024``                ``[2024-01..2024-04]`` …    Jan–Apr, May–Aug, Sep–Dec
``the 2020s``, ``1990s``               ``202X``, ``199X``          the decade (``1900s`` is refused: say which)
``19th century``, ``5th century BC``   ``18XX``, ``-04XX``         1800–1899, 500–401 BC
``before 2020``, ``by 2020``           ``[..2019]``, ``[..2020]``  up to the end of 2019 / 2020
``after 2020``, ``2020 or later``      ``[2021..]``, ``[2020..]``  from 2021 / 2020 on
``between 47 and 50``                  ``[0047..0050]``            one moment within 47–50
``2024–25``, ``2024-25``, ``A – B``    ``2024/2025``, ``A/B``      an interval (``2019-21`` is EDTF spring 2019)
``since 2020``, ``until 2020``         ``2020/..``, ``../2020``    open intervals
``A – ongoing``, ``A – unknown``       ``A/..``, ``A/``            an end still going on / not known
(an end given as ``ongoing``)          ``A/..``                    the same, from a separate end column
=====================================  ==========================  ==============================================

Bounds: ``earliest_instant``/``latest_instant`` are UTC :class:`Instant` values; a year
ends at ``…-12-31T23:59:59.999999``; a timestamp is its own instant; an open or unknown
side is :data:`DISTANT_PAST`/:data:`DISTANT_FUTURE`. :func:`bound_text` is their sortable
text (unchanged for the years 1–9999). ``--as-of`` that does not give every digit means the
end of what it names (:func:`parse_timestamp`).

Rendering reads back: ``parse_span(span.render()) == span`` for every span, and
``parse_span(*span.parts) == span`` for what is stored.

Refused, with one line naming the accepted forms: two-digit years (``44-03-15``,
``3/4/24``), day/month orders that could be either (``03/04/2024``), ``the 1900s``
(decade or century?), ``winter 2024`` (which winter?), a year 0 written ``-0000``.

dateutil is imported only when a date is not EDTF and none of the forms above, so
commands that never see English dates start without it. Every pattern is compiled once.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta, timezone
from enum import IntEnum

from chronicle.errors import BadDate

ACCEPTED = (
    "EDTF like 2023, 2023-10, 2024-01-09, 2025-04-13T20:00:00.5Z, -0489 (490 BC), Y12000, "
    "2024-21 (spring), 201X, 2024-XX, 2024~ (approximate), 2025? (uncertain), "
    "2025-01-01/2025-02-19, 2024-03/.. (ongoing), ../2020, [2023-10, 2023-11-23] (one of); "
    "or English like 'Oct 2023', '13 April 2025', 'c. 2024', '55 BC', 'AD 79', 'Spring 2024', "
    "'early 2024', 'the 2020s', '19th century', 'before 2020', 'between 1951 and 1953', '2024–25'"
)

#: Sentinel upper bound for an interval that is still going on (datetime API).
OPEN_END = datetime(9999, 12, 31, 23, 59, 59)
#: Sentinel lower bound for an interval with an open or unknown start (datetime API).
OPEN_START = datetime(1, 1, 1)

#: Years chronicle can hold: nine digits either side of year 0.
MAX_YEAR_DIGITS = 9

_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_SEASONS = {21: "Spring", 22: "Summer", 23: "Autumn", 24: "Winter"}
#: First and last month of each season; winter runs into the next year's February.
_SEASON_MONTHS = {21: (3, 5), 22: (6, 8), 23: (9, 11), 24: (12, 14)}
_MONTHS_AND_SEASONS = frozenset((*range(1, 13), *range(21, 25)))
_THIRDS = {"early": (1, 4), "mid": (5, 8), "late": (9, 12)}

_EDTF = re.compile(
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
_SET = re.compile(r"^\[(?P<body>[^\[\]]*)\]$")

_APPROX_PREFIX = re.compile(
    r"^(?:c\.|ca\.|c\s|circa|about|approx\.?|approximately|around|~)\s*", re.IGNORECASE
)
_AMBIGUOUS_NUMERIC = re.compile(r"^\s*(\d{1,2})[/.](\d{1,2})[/.](\d{4})\s*$")
#: "25/12/2024", "3/4/24": a day written with slashes, not an interval.
_NUMERIC_DATE = re.compile(r"^\s*\d{1,2}([/.])\d{1,2}\1\d{1,4}\s*$")
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
_SEASON = re.compile(
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
_BARE_YEAR = re.compile(r"^\d{1,9}$")
_MENTIONS_BC = re.compile(r"\bb\.?\s?c\.?(?:e\.?)?(?![a-z])", re.IGNORECASE)
_RANGE_DASH = re.compile(r"\s*[–—]\s*|\s+-\s+|\s+to\s+")
_SHORT_RANGE = re.compile(r"^(?P<a>\d{4})\s*[-–—]\s*(?P<b>\d{2})$")
_SINCE_UNTIL = re.compile(r"^(?P<word>since|from|until|till|up to)\s+(?P<rest>.+)$", re.IGNORECASE)


class Precision(IntEnum):
    """How much of a date the source actually gave. Coarser sorts first."""

    YEAR = 1
    MONTH = 2
    DAY = 3
    TIMESTAMP = 4

    @property
    def label(self) -> str:
        return self.name.lower()

    @classmethod
    def from_label(cls, label: str) -> Precision:
        try:
            return cls[label.upper()]
        except KeyError:
            raise BadDate(
                "unknown precision", field="precision", value=label,
                accepted="year, month, day, timestamp",
            ) from None


# ---------------------------------------------------------------------------
# Instants: a moment of any year, to the microsecond, UTC.


@dataclass(frozen=True, slots=True, order=True)
class Instant:
    """A UTC moment in any astronomical year, ordered by time.

    Python's datetime stops at years 1 and 9999; BC dates and EDTF's long years do not.
    Fields compare in order, so sorting instants sorts moments.
    """

    year: int
    month: int = 1
    day: int = 1
    hour: int = 0
    minute: int = 0
    second: int = 0
    microsecond: int = 0

    @classmethod
    def from_datetime(cls, moment: datetime) -> Instant:
        """The instant of a datetime (aware ones are moved to UTC)."""
        moment = _to_utc(moment)
        return cls(moment.year, moment.month, moment.day, moment.hour, moment.minute,
                   moment.second, moment.microsecond)

    @property
    def in_datetime_range(self) -> bool:
        return 1 <= self.year <= 9999

    def to_datetime(self) -> datetime:
        """Naive UTC datetime; :class:`BadDate` for a year outside 1–9999."""
        if not self.in_datetime_range:
            # Reached only by code still on the datetime API (earliest/latest): better a
            # clear refusal than a BC year stored as AD.
            raise BadDate(
                "cannot be stored here yet: this part of chronicle keeps the years 1–9999",
                field="date", value=_year_words(self.year), accepted="years AD 1–9999",
            )
        return datetime(self.year, self.month, self.day, self.hour, self.minute, self.second,
                        self.microsecond)

    def isoformat(self) -> str:
        """ISO 8601 with a signed year when needed and ``Z``: ``-0489-01-01T00:00:00Z``."""
        text = (
            f"{_year_digits(self.year)}-{self.month:02d}-{self.day:02d}"
            f"T{self.hour:02d}:{self.minute:02d}:{self.second:02d}"
        )
        if self.microsecond:
            text += f".{self.microsecond:06d}"
        return text + "Z"

    @property
    def day_number(self) -> int:
        """Days since 1 Jan of year 1 (proleptic Gregorian), negative before it."""
        # Shift into datetime's range by whole 400-year cycles (146097 days each).
        cycles = 0
        year = self.year
        if year < 1:
            cycles = (1 - year) // 400 + 1
        elif year > 9999:
            cycles = -((year - 9999) // 400 + 1)
        return date(year + 400 * cycles, self.month, self.day).toordinal() - 146097 * cycles

    def shifted(self, *, days: int) -> Instant:
        """The same time of day ``days`` days later (earlier when negative), any year."""
        day = _from_day_number(self.day_number + days)
        return replace(day, hour=self.hour, minute=self.minute, second=self.second, microsecond=self.microsecond)

    def __sub__(self, other: Instant) -> timedelta:
        days = self.day_number - other.day_number
        seconds = (self.hour - other.hour) * 3600 + (self.minute - other.minute) * 60 + (
            self.second - other.second
        )
        try:
            return timedelta(days=days, seconds=seconds, microseconds=self.microsecond - other.microsecond)
        except OverflowError:
            return timedelta.max if days > 0 else timedelta.min


#: Before every date (an open or unknown start).
DISTANT_PAST = Instant(-(10**MAX_YEAR_DIGITS))
#: After every date (an open or unknown end).
DISTANT_FUTURE = Instant(10**MAX_YEAR_DIGITS, 12, 31, 23, 59, 59, 999999)


# ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class HistDate:
    """A single date with the precision the source gave it.

    Only the parts that were given are set: a MONTH date has ``day is None``. ``year``
    is astronomical (0 is 1 BC). ``offset`` is the UTC offset in minutes of a timestamp,
    ``None`` for a floating (local, zone-less) timestamp or for a calendar date.
    """

    year: int
    month: int | None = None
    day: int | None = None
    hour: int | None = None
    minute: int | None = None
    second: int | None = None
    offset: int | None = None
    approximate: bool = False
    uncertain: bool = False
    microsecond: int | None = None
    """Fraction of the second, when the source gave one."""
    season: int | None = None
    """EDTF season 21–24 (spring…winter); ``month`` is then None."""
    unspecified_digits: int = 0
    """Trailing year digits written ``X`` (``201X`` → 1); ``year`` is the earliest year."""
    unspecified_month: bool = False
    """``2024-XX``: some month, not said which."""
    unspecified_day: bool = False
    """``2024-02-XX``: some day, not said which."""
    one_of: tuple[tuple[HistDate | None, HistDate | None], ...] = field(default=())
    """An EDTF set ``[a, b..c, ..d]``: one of these; each member is ``(low, high)``, the
    same date twice for a single member, None for an open side. The other fields then
    repeat the first dated member (for code that only looks at year/month/day)."""
    open: str = ""
    """``".."`` for an open interval end, ``"unknown"`` for an unknown one (EDTF empty)."""

    @property
    def precision(self) -> Precision:
        if self.hour is not None:
            return Precision.TIMESTAMP
        if self.day is not None:
            return Precision.DAY
        if self.month is not None:
            return Precision.MONTH
        return Precision.YEAR

    @property
    def qualifier(self) -> str:
        if self.approximate and self.uncertain:
            return "%"
        if self.approximate:
            return "~"
        if self.uncertain:
            return "?"
        return ""

    @property
    def edtf(self) -> str:
        """The canonical EDTF text of this date, as stored and exported."""
        if self.open:
            return ".." if self.open == ".." else ""
        if self.one_of:
            return "[" + ", ".join(_member_edtf(low, high) for low, high in self.one_of) + "]" + self.qualifier
        k = self.unspecified_digits
        if k:
            lead = (-self.year - (10**k - 1) if self.year < 0 else self.year) // 10**k
            text = ("-" if self.year < 0 else "") + f"{lead:0{4 - k}d}" + "X" * k
        elif -9999 <= self.year <= 9999:
            text = _year_digits(self.year)
        else:
            text = f"Y{self.year}"
        if self.season is not None:
            text += f"-{self.season}"
        if self.month is not None:
            text += f"-{self.month:02d}"
        elif self.unspecified_month:
            text += "-XX"
        if self.day is not None:
            text += f"-{self.day:02d}"
        elif self.unspecified_day:
            text += "-XX"
        if self.hour is not None:
            text += f"T{self.hour:02d}:{self.minute or 0:02d}"
            if self.second is not None:
                text += f":{self.second:02d}"
                if self.microsecond is not None:
                    text += f".{self.microsecond:06d}".rstrip("0") if self.microsecond else ".0"
            if self.offset is not None:
                text += _offset_text(self.offset, utc_z=True)
        return text + self.qualifier

    def local_datetime(self) -> datetime:
        """The timestamp as written (aware when it has an offset). TIMESTAMP only."""
        if self.hour is None or self.month is None or self.day is None:
            raise ValueError("local_datetime() needs a timestamp")
        tz = None if self.offset is None else timezone(timedelta(minutes=self.offset))
        return datetime(
            self.year, self.month, self.day, self.hour, self.minute or 0, self.second or 0,
            self.microsecond or 0, tzinfo=tz,
        )

    @property
    def earliest_day(self) -> date:
        """The first calendar day this date can stand for (local to the source), years
        1–9999 (:class:`BadDate` otherwise; see :attr:`earliest_day_text`)."""
        first = self._first_local().to_datetime()
        return date(first.year, first.month, first.day)

    @property
    def latest_day(self) -> date:
        """The last calendar day this date can stand for (local to the source), years 1–9999."""
        last = self._last_local().to_datetime()
        return date(last.year, last.month, last.day)

    @property
    def earliest_day_text(self) -> str:
        """The first calendar day as ISO text, any year: ``2024-01-01``, ``-0054-01-01``;
        empty when there is none (an open or unknown start, ``[..2019]``)."""
        first = self._first_local()
        return "" if first == DISTANT_PAST else first.isoformat().partition("T")[0]

    @property
    def latest_day_text(self) -> str:
        """The last calendar day as ISO text, any year: ``2024-12-31``, ``-0054-12-31``;
        empty when there is none (an open or unknown end, ``[2021..]``)."""
        last = self._last_local()
        return "" if last == DISTANT_FUTURE else last.isoformat().partition("T")[0]

    @property
    def earliest_instant(self) -> Instant:
        """Earliest UTC instant, any year (floating and calendar dates are taken as UTC)."""
        if self.open:
            return DISTANT_PAST
        if self.precision is Precision.TIMESTAMP and self.offset:
            return _shift(self._first_local(), -self.offset)
        return self._first_local()

    @property
    def latest_instant(self) -> Instant:
        """Latest UTC instant, any year, to the microsecond (``…T23:59:59.999999``).

        A timestamp's latest instant is the timestamp itself, as written.
        """
        if self.open:
            return DISTANT_FUTURE
        if self.precision is Precision.TIMESTAMP:
            return self.earliest_instant
        return self._last_local()

    @property
    def earliest(self) -> datetime:
        """Earliest instant, naive UTC (years 1–9999; see :attr:`earliest_instant`)."""
        first = self.earliest_instant
        return OPEN_START if first == DISTANT_PAST else first.to_datetime()

    @property
    def latest(self) -> datetime:
        """Latest instant, naive UTC, to the second (years 1–9999)."""
        last = self.latest_instant
        if last == DISTANT_FUTURE:
            return OPEN_END
        if self.precision is Precision.TIMESTAMP:
            return last.to_datetime()
        return last.to_datetime().replace(microsecond=0)

    def render(self) -> str:
        """Precision-honest words: ``Oct 2023``, ``9 Jan 2024``, ``c. 2024``, ``490 BC``."""
        return _qualify(_plain(self), self)

    # -- bounds in the source's own clock ----------------------------------

    def _first_local(self) -> Instant:
        if self.open:
            return DISTANT_PAST
        if self.one_of:
            return min(DISTANT_PAST if low is None else low._first_local() for low, _ in self.one_of)
        if self.season is not None:
            return Instant(self.year, _SEASON_MONTHS[self.season][0], 1)
        if self.hour is not None:
            return Instant(self.year, self.month or 1, self.day or 1, self.hour, self.minute or 0,
                           self.second or 0, self.microsecond or 0)
        return Instant(self.year, self.month or 1, self.day or 1)

    def _last_local(self) -> Instant:
        if self.open:
            return DISTANT_FUTURE
        if self.one_of:
            return max(DISTANT_FUTURE if high is None else high._last_local() for _, high in self.one_of)
        year = self.year + (10**self.unspecified_digits - 1)
        if self.season is not None:
            last = _SEASON_MONTHS[self.season][1]
            year, month = (year + 1, last - 12) if last > 12 else (year, last)
        else:
            month = self.month or 12
        if self.hour is not None:
            return self._first_local()
        day = self.day or _month_length(year, month)
        return Instant(year, month, day, 23, 59, 59, 999999)


@dataclass(frozen=True, slots=True)
class Span:
    """An event's time: a date, or an interval from ``start`` to ``end``.

    ``open_end`` marks an interval that is still going on (EDTF ``start/..``). An open or
    unknown start is a ``start`` whose ``open`` is set (EDTF ``../end``, ``/end``); an
    unknown end is an ``end`` whose ``open`` is ``"unknown"`` (EDTF ``start/``).
    """

    start: HistDate
    end: HistDate | None = None
    open_end: bool = False

    @property
    def precision(self) -> Precision:
        return self.start.precision

    @property
    def is_interval(self) -> bool:
        return self.end is not None or self.open_end

    @property
    def approximate(self) -> bool:
        return self.start.approximate or (self.end is not None and self.end.approximate)

    @property
    def uncertain(self) -> bool:
        return self.start.uncertain or (self.end is not None and self.end.uncertain)

    @property
    def end_edtf(self) -> str | None:
        if self.open_end:
            return ".."
        return self.end.edtf if self.end is not None else None

    @property
    def edtf(self) -> str:
        end = self.end_edtf
        return self.start.edtf if end is None else f"{self.start.edtf}/{end}"

    @property
    def parts(self) -> tuple[str, str | None]:
        """The stored ``(date, end)`` texts that :func:`parse_span` reads back as this span.

        Usually ``(start.edtf, end_edtf)``; an unknown end (``2020/``) has no text of its
        own (an empty end means no end), so the whole span goes in ``date``.
        """
        if self.end is not None and self.end.open:
            return self.edtf, None
        return self.start.edtf, self.end_edtf

    @property
    def earliest_instant(self) -> Instant:
        return self.start.earliest_instant

    @property
    def latest_instant(self) -> Instant:
        if self.open_end:
            return DISTANT_FUTURE
        return (self.end or self.start).latest_instant

    @property
    def earliest(self) -> datetime:
        return self.start.earliest

    @property
    def latest(self) -> datetime:
        if self.open_end:
            return OPEN_END
        return (self.end or self.start).latest

    def render(self) -> str:
        """``1 Jan – 19 Feb 2025``, ``Oct 2023``, ``Mar 2024 – ongoing``, ``until 2020``."""
        if self.start.open == "..":
            return f"until {(self.end or self.start).render()}"
        if self.start.open:
            return f"unknown – {(self.end or self.start).render()}"
        if self.open_end:
            return f"{self.start.render()} – ongoing"
        if self.end is None:
            return self.start.render()
        if self.end.open:
            return f"{self.start.render()} – unknown"
        return render_range(self.start, self.end)


def render_range(start: HistDate, end: HistDate) -> str:
    """Render an interval, saying a shared year only once."""
    if (
        start.year == end.year
        and start.precision == end.precision
        and start.precision in (Precision.MONTH, Precision.DAY)
        and not (start.qualifier or end.qualifier)
        and not (start.one_of or end.one_of or start.unspecified_day or end.unspecified_day)
    ):
        if start.precision is Precision.MONTH:
            return f"{_MONTHS[(start.month or 1) - 1]} – {end.render()}"
        return f"{start.day} {_MONTHS[(start.month or 1) - 1]} – {end.render()}"
    return f"{start.render()} – {end.render()}"


def parse_date(text: str, *, field: str = "date") -> HistDate:
    """Read one date (no interval) from EDTF or English.

    Raises :class:`BadDate` naming ``field`` and the value when the text cannot be read
    honestly — including ambiguous numeric forms like ``03/04/2024`` and two-digit years.
    """
    raw = text
    text = text.strip()
    if not text:
        raise BadDate("is empty", field=field, value=raw, accepted=ACCEPTED)
    match = _EDTF.match(text)
    if match:
        return _from_edtf(match, raw, field)
    if text[0] == "[":
        return _from_set(text, raw, field)
    return _from_english(text, raw, field)


def parse_span(text: str, end: str | None = None, *, field: str = "date") -> Span:
    """Read an event's time: ``text`` may itself be an EDTF interval ``a/b`` or an English
    range (``2024–25``, ``since 2020``).

    ``end`` (from ``--end``) closes the interval; ``..`` means still going on, an empty
    ``end`` means no end. ``text`` ``..`` or empty with an ``end`` is an open or unknown start.
    """
    if type(text) is str and (end is None or type(end) is str):
        # Spans are immutable and a large archive repeats the same few thousand dates:
        # every record and every stored document parses its date again. Errors are not
        # cached (lru_cache re-runs a call that raised), so messages stay the same.
        return _cached_span(text, end, field)
    return _parse_span(text, end, field)


@functools.lru_cache(maxsize=16384)
def _cached_span(text: str, end: str | None, field: str) -> Span:
    return _parse_span(text, end, field)


def _parse_span(text: str, end: str | None, field: str) -> Span:
    stripped = text.strip()
    if end is None:
        # The common case, one EDTF date, in one regex match ("2024-25" is left to the
        # range reading below: EDTF has no month 25).
        match = _EDTF.match(stripped)
        if match is not None and (
            match["day"] or not match["month"] or match["month"] == "XX"
            or int(match["month"]) in _MONTHS_AND_SEASONS
        ):
            return Span(_from_edtf(match, text, field))
    short = _SHORT_RANGE.match(stripped) if end is None else None
    # "2024-25" is a range, but "2011-12" stays December 2011 and "2019-21" spring 2019.
    if short and int(short.group("a")) >= 1000 and (
        stripped[4] != "-" or int(short.group("b")) not in _MONTHS_AND_SEASONS
    ):
        english = _english_span(stripped, text, field)
        if english is not None:
            return english
    if end is None and "/" in stripped and not _NUMERIC_DATE.match(stripped) and not _SEASON.match(stripped):
        left, _, right = stripped.partition("/")
        if "/" in right or (not left.strip() and not right.strip()):
            raise BadDate("is not a valid interval", field=field, value=text, accepted=ACCEPTED)
        if not right.strip():
            start = parse_date(left, field=field)
            return Span(start, HistDate(start.year, open="unknown"))
        return _parse_span(left, right, field)
    if end is None and not _EDTF.match(stripped):
        english = _english_span(stripped, text, field)
        if english is not None:
            return english
    end_field = "end" if field == "date" else f"{field} end"
    if stripped in ("..", "") and end is not None and end.strip() not in ("", ".."):
        stop = parse_date(end, field=end_field)
        return Span(replace(_sentinel(stop), open=".." if stripped == ".." else "unknown"), stop)
    start = parse_date(text, field=field)
    if end is None or not end.strip():
        return Span(start)
    if end.strip().lower() in ("..", "ongoing"):
        return Span(start, None, open_end=True)
    if end.strip().lower() == "unknown":
        return Span(start, HistDate(start.year, open="unknown"))
    stop = parse_date(end, field=end_field)
    if stop.latest_instant < start.earliest_instant:
        raise BadDate(
            f"is before the start {start.edtf}", field=end_field, value=end,
            accepted="an end on or after the start",
        )
    return Span(start, stop)


def span_from_parts(start: str, end: str | None) -> Span:
    """Rebuild a stored span from its canonical EDTF parts (no English, no errors hidden)."""
    return parse_span(start, end)


def bound_text(moment: datetime | Instant) -> str:
    """The sortable text form of a bound, as stored in indexed columns (to the second).

    Years 1–9999 read as ISO (``2024-01-09T00:00:00``), unchanged from the first schema.
    Other years keep text order equal to time order: years beyond 9999 start ``Y`` and
    their digit count (``Y512000-…``), which sorts after ``9999``; year 0 and BC years
    start ``-``, then 8 minus the digit count and the digits' nines' complement
    (``-6510-…`` is -489), so earlier years sort first and all before ``0001``.
    """
    if isinstance(moment, datetime):
        if moment.year >= 1000:
            return moment.strftime("%Y-%m-%dT%H:%M:%S")
        return f"{moment.year:04d}" + moment.strftime("-%m-%dT%H:%M:%S")
    if moment >= DISTANT_FUTURE:
        return bound_text(OPEN_END)
    if moment <= DISTANT_PAST:
        return "--01-01T00:00:00"  # "-" then "-" sorts before every other year
    rest = f"-{moment.month:02d}-{moment.day:02d}T{moment.hour:02d}:{moment.minute:02d}:{moment.second:02d}"
    year = moment.year
    if 1 <= year <= 9999:
        return f"{year:04d}{rest}"
    if year > 9999:
        digits = str(year)
        return f"Y{len(digits)}{digits}{rest}"
    digits = str(-year)
    complement = digits.translate(_NINES)
    return f"-{9 - len(digits)}{complement}{rest}"


_NINES = str.maketrans("0123456789", "9876543210")


def instant_from_bound_text(text: str) -> Instant:
    """The instant a stored bound stands for (the inverse of :func:`bound_text`)."""
    if text.startswith("--"):
        return DISTANT_PAST
    if text.startswith("Y"):
        width = int(text[1])
        year, rest = int(text[2:2 + width]), text[2 + width:]
    elif text.startswith("-"):
        width = 9 - int(text[1])
        year, rest = -int(text[2:2 + width].translate(_NINES)), text[2 + width:]
    else:
        year, rest = int(text[:4]), text[4:]
    return Instant(year, int(rest[1:3]), int(rest[4:6]), int(rest[7:9]), int(rest[10:12]), int(rest[13:15]))


def bound_day_words(text: str) -> str:
    """A stored bound as the day it falls on, for headers: ``2024-01-09``, ``-0054-03-15``."""
    return instant_from_bound_text(text).isoformat().partition("T")[0]


def since_bound(text: str) -> str:
    """``--since X``: the earliest instant X may stand for."""
    return bound_text(parse_date(text, field="--since").earliest_instant)


def until_bound(text: str) -> str:
    """``--until X``: the latest instant X may stand for."""
    return bound_text(parse_date(text, field="--until").latest_instant)


def parse_timestamp(text: str, *, field: str) -> datetime:
    """A transaction-time instant (``--as-of``); returns naive UTC, to the microsecond.

    A text that does not say every digit means the end of the period it names: "as of
    2024" includes everything recorded during 2024, ``2024-05-01T10:00`` everything up to
    10:00:59.999999, ``…T10:00:30`` up to 10:00:30.999999. A record's own timestamp
    (``2024-05-01T10:00:30.788231Z``, as ``history`` shows it) is that exact instant.
    """
    value = parse_date(text, field=field)
    if value.open or value.one_of:
        raise BadDate("is not one moment", field=field, value=text, accepted="a date or a timestamp")
    if value.precision is not Precision.TIMESTAMP:
        return value.latest_instant.to_datetime()
    moment = value.earliest_instant.to_datetime()
    if value.microsecond is not None:
        return moment
    if value.second is not None:
        return moment.replace(microsecond=999999)
    return moment.replace(second=59, microsecond=999999)


def utc_text(moment: datetime) -> str:
    """An instant as ISO 8601 UTC with ``Z``, microseconds when it has them."""
    return Instant.from_datetime(moment).isoformat()


# ---------------------------------------------------------------------------
# EDTF


def _from_edtf(match: re.Match[str], raw: str, field: str) -> HistDate:
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
        return HistDate(year, month, approximate=approximate, uncertain=uncertain, unspecified_day=True)
    day = int(day_text)
    last = _month_length(year, month)
    if not 1 <= day <= last:
        raise BadDate(
            f"day {day} does not exist in {_MONTHS[month - 1]} {_year_words(year)}",
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


def _from_set(text: str, raw: str, field: str) -> HistDate:
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
    return _one_of(tuple(members), approximate=qual in ("~", "%"), uncertain=qual in ("?", "%"))


def _edtf_only(text: str, raw: str, field: str) -> HistDate:
    match = _EDTF.match(text.strip())
    if not match:
        raise BadDate("is not a valid set", field=field, value=raw, accepted="EDTF dates inside [ ]")
    return _from_edtf(match, raw, field)


def _one_of(
    members: tuple[tuple[HistDate | None, HistDate | None], ...], *, approximate: bool = False,
    uncertain: bool = False,
) -> HistDate:
    shown = next(d for pair in members for d in pair if d is not None)
    return replace(shown, one_of=members, approximate=approximate, uncertain=uncertain)


def _member_edtf(low: HistDate | None, high: HistDate | None) -> str:
    if low is not None and low is high:
        return low.edtf
    return f"{'' if low is None else low.edtf}..{'' if high is None else high.edtf}"


def _sentinel(stop: HistDate) -> HistDate:
    """An open start mirrors its end's fields, so code reading ``start.year`` stays sane."""
    return replace(stop, approximate=False, uncertain=False)


# ---------------------------------------------------------------------------
# English


def _english_span(text: str, raw: str, field: str) -> Span | None:
    """Ranges written in English (``2024–25``, ``A – B``, ``since A``); None if not one."""
    short = _SHORT_RANGE.match(text)
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
        return Span(replace(_sentinel(stop), open=".."), stop)
    if _SEASON.match(text) or text.lower().startswith("between "):
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
        return Span(replace(_sentinel(stop), open="unknown"), stop)
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
        start = _from_text(f"{left} {_year_words(stop.year)}", raw, field)
    if stop.latest_instant < start.earliest_instant:
        raise BadDate("ends before it starts", field=field, value=raw, accepted="a range forwards")
    return Span(start, stop)


def _from_text(text: str, raw: str, field: str) -> HistDate:
    text = text.strip()
    match = _EDTF.match(text)
    if match:
        return _from_edtf(match, raw, field)
    if text.startswith("["):
        return _from_set(text, raw, field)
    return _from_english(text, raw, field)


def _from_english(text: str, raw: str, field: str) -> HistDate:
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
        plain = _from_text(text, raw, field)
        return replace(plain, approximate=plain.approximate or approximate,
                       uncertain=plain.uncertain or uncertain)
    return _english_words(text, raw, field)


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
        return _one_of(((low, high),))
    relative = _RELATIVE.match(text)
    if relative:
        word = relative.group("word").lower()
        anchor = _from_text(relative.group("rest"), raw, field)
        if word == "by":
            return _one_of(((None, anchor),))
        step = _step(anchor, -1 if word == "before" else 1)
        if step is None:
            raise BadDate(f"cannot say '{word}' of this date", field=field, value=raw,
                          accepted=f"'{word}' a year, month or day")
        return _one_of(((None, step),) if word == "before" else ((step, None),))
    later = _OR_LATER.match(text)
    if later:
        anchor = _from_text(later.group("rest"), raw, field)
        return _one_of(((anchor, None),) if later.group("word").lower() == "later" else ((None, anchor),))
    third = _THIRD.match(text)
    if third:
        whole = _from_text(third.group("rest"), raw, field)
        if whole.precision is not Precision.YEAR or whole.one_of or whole.season or whole.unspecified_digits \
                or whole.unspecified_month or whole.qualifier:
            raise BadDate("early/mid/late needs a year", field=field, value=raw, accepted="'early 2024'")
        first, last = _THIRDS["mid" if third.group("word").lower() == "middle" else third.group("word").lower()]
        return _one_of(((HistDate(whole.year, first), HistDate(whole.year, last)),))
    season = _SEASON.match(text)
    if season:
        return _season(season, raw, field)
    decade = _DECADE.match(text)
    if decade:
        start = int(decade.group("decade"))
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
    if probe.day is not None and probe.month is not None and probe.day > _month_length(year, probe.month):
        raise BadDate(f"day {probe.day} does not exist in {_MONTHS[probe.month - 1]} {_year_words(year)}",
                      field=field, value=raw, accepted=f"days 1–{_month_length(year, probe.month)}")
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
        delta = one.utcoffset()
        offset = int(delta.total_seconds() // 60) if delta is not None else None
    seconds = one.second if one.second == two.second else None
    # dateutil zeroes the fraction whenever seconds are given, so ask the text itself.
    micro = one.microsecond if seconds is not None and _FRACTION.search(text) else None
    return HistDate(one.year, one.month, one.day, one.hour, one.minute, seconds, offset, microsecond=micro)


def _step(value: HistDate, direction: int) -> HistDate | None:
    """The year, month or day just before (-1) or after (+1) ``value``; None otherwise."""
    if value.one_of or value.season or value.unspecified_digits or value.unspecified_month \
            or value.unspecified_day or value.qualifier or value.open:
        return None
    precision = value.precision
    if precision is Precision.YEAR:
        return HistDate(value.year + direction)
    if precision is Precision.MONTH:
        index = value.year * 12 + (value.month or 1) - 1 + direction
        return HistDate(index // 12, index % 12 + 1)
    if precision is Precision.DAY:
        moved = _from_day_number(Instant(value.year, value.month or 1, value.day or 1).day_number + direction)
        return HistDate(moved.year, moved.month, moved.day)
    return None


# ---------------------------------------------------------------------------
# Rendering and small helpers


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


def _offset_text(offset: int, *, utc_z: bool) -> str:
    if offset == 0 and utc_z:
        return "Z"
    sign = "-" if offset < 0 else "+"
    hours, minutes = divmod(abs(offset), 60)
    return f"{sign}{hours:02d}:{minutes:02d}"


def _to_utc(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        return moment
    return moment.astimezone(UTC).replace(tzinfo=None)


def _shift(moment: Instant, minutes: int) -> Instant:
    """``moment`` moved by ``minutes``, in any year (a UTC offset can carry 1 Jan AD 1
    back into 1 BC, which ``datetime`` cannot hold)."""
    days, minute_of_day = divmod(moment.hour * 60 + moment.minute + minutes, 24 * 60)
    hour, minute = divmod(minute_of_day, 60)
    return replace(moment.shifted(days=days), hour=hour, minute=minute)


def _from_day_number(number: int) -> Instant:
    """The day ``number`` days after 31 Dec of 1 BC (inverse of :attr:`Instant.day_number`)."""
    cycles, last = 0, date.max.toordinal()
    if number < 1:
        cycles = (1 - number) // 146097 + 1
    elif number > last:
        cycles = -((number - last) // 146097 + 1)
    moved = date.fromordinal(number + 146097 * cycles)
    return Instant(moved.year - 400 * cycles, moved.month, moved.day)


_DAYS_IN_MONTH = (0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


def _month_length(year: int, month: int) -> int:
    """Days in ``month`` of any astronomical year (Python's % keeps the leap rule for BC)."""
    if month == 2 and year % 4 == 0 and (year % 100 != 0 or year % 400 == 0):
        return 29
    return _DAYS_IN_MONTH[month]


def _year_digits(year: int) -> str:
    return f"-{-year:04d}" if year < 0 else f"{year:04d}"


def _year_words(year: int) -> str:
    """``2024``, ``AD 43``, ``490 BC`` (year 0 is 1 BC)."""
    if year <= 0:
        return f"{1 - year} BC"
    if year < 1000:
        return f"AD {year}"
    return f"{year}"


def _ordinal(number: int) -> str:
    suffix = "th" if 10 <= number % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(number % 10, "th")
    return f"{number}{suffix}"


def _plain(value: HistDate) -> str:
    if value.open:
        return "unknown" if value.open != ".." else "open"
    if value.one_of:
        return _plain_set(value)
    if value.unspecified_digits:
        k, year = value.unspecified_digits, value.year
        if k == 1 and year > 0 and year % 100:
            return f"the {year}s"
        if k == 2 and year >= 0:
            return f"{_ordinal(year // 100 + 1)} century"
        if k == 2:
            return f"{_ordinal((-year) // 100 + 1)} century BC"
        return value.edtf.rstrip("~?%")
    if value.unspecified_month or value.unspecified_day:
        return value.edtf.rstrip("~?%")
    if value.season is not None:
        if value.season == 24:
            return f"Winter {_year_words(value.year)}–{str(value.year + 1)[-2:]}" if value.year >= 1000 \
                else value.edtf.rstrip("~?%")
        return f"{_SEASONS[value.season]} {_year_words(value.year)}"
    year_text = _year_words(value.year)
    if value.precision is Precision.YEAR:
        return year_text
    month = _MONTHS[(value.month or 1) - 1]
    if value.precision is Precision.MONTH:
        return f"{month} {year_text}"
    text = f"{value.day} {month} {year_text}"
    if value.precision is Precision.TIMESTAMP:
        text += f" {value.hour:02d}:{value.minute or 0:02d}"
        if value.second is not None:
            text += f":{value.second:02d}"
            if value.microsecond is not None:
                text += f".{value.microsecond:06d}"
        if value.offset is not None:
            text += " UTC" if value.offset == 0 else f" UTC{_offset_text(value.offset, utc_z=False)}"
    return text


def _plain_set(value: HistDate) -> str:
    members = value.one_of
    if len(members) == 1:
        low, high = members[0]
        if low is not None and high is not None and low is not high:
            if (low.year == high.year and low.precision is Precision.MONTH and high.precision is Precision.MONTH
                    and not (low.qualifier or high.qualifier)):
                for word, (first, last) in _THIRDS.items():
                    if (low.month, high.month) == (first, last):
                        return f"{word} {_year_words(low.year)}"
            return f"between {low.render()} and {high.render()}"
        if low is None and high is not None:
            after = _step(high, 1)
            return f"before {after.render()}" if after is not None else f"by {high.render()}"
        if high is None and low is not None:
            before = _step(low, -1)
            return f"after {before.render()}" if before is not None else f"{low.render()} or later"
    return value.edtf.rstrip("~?%")


def _qualify(text: str, value: HistDate) -> str:
    if value.approximate:
        text = f"c. {text}"
    if value.uncertain:
        text = f"{text}?"
    return text
