"""Instants of any year, to the microsecond, and the calendar arithmetic under them.

Python's ``datetime`` holds the years 1–9999; a historian's dates do not stop there.
:class:`Instant` is a UTC moment of any astronomical year (0 is 1 BC), and
:func:`bound_text` its sortable text as stored in indexed columns. Everything here is
plain arithmetic on the proleptic Gregorian calendar: no parsing, no words.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta

from chronicle.errors import BadDate

#: Sentinel upper bound for an interval that is still going on (datetime API).
OPEN_END = datetime(9999, 12, 31, 23, 59, 59)
#: Sentinel lower bound for an interval with an open or unknown start (datetime API).
OPEN_START = datetime(1, 1, 1)

#: Years chronicle can hold: nine digits either side of year 0.
MAX_YEAR_DIGITS = 9

MONTH_NAMES = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")

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
                field="date", value=year_words(self.year), accepted="years AD 1–9999",
            )
        return datetime(self.year, self.month, self.day, self.hour, self.minute, self.second,
                        self.microsecond)

    def isoformat(self) -> str:
        """ISO 8601 with a signed year when needed and ``Z``: ``-0489-01-01T00:00:00Z``."""
        text = (
            f"{year_digits(self.year)}-{self.month:02d}-{self.day:02d}"
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
        day = from_day_number(self.day_number + days)
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


def utc_text(moment: datetime) -> str:
    """An instant as ISO 8601 UTC with ``Z``, microseconds when it has them."""
    return Instant.from_datetime(moment).isoformat()


def offset_text(offset: int, *, utc_z: bool) -> str:
    if offset == 0 and utc_z:
        return "Z"
    sign = "-" if offset < 0 else "+"
    hours, minutes = divmod(abs(offset), 60)
    return f"{sign}{hours:02d}:{minutes:02d}"


def _to_utc(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        return moment
    return moment.astimezone(UTC).replace(tzinfo=None)


def shift_minutes(moment: Instant, minutes: int) -> Instant:
    """``moment`` moved by ``minutes``, in any year (a UTC offset can carry 1 Jan AD 1
    back into 1 BC, which ``datetime`` cannot hold)."""
    days, minute_of_day = divmod(moment.hour * 60 + moment.minute + minutes, 24 * 60)
    hour, minute = divmod(minute_of_day, 60)
    return replace(moment.shifted(days=days), hour=hour, minute=minute)


def from_day_number(number: int) -> Instant:
    """The day ``number`` days after 31 Dec of 1 BC (inverse of :attr:`Instant.day_number`)."""
    cycles, last = 0, date.max.toordinal()
    if number < 1:
        cycles = (1 - number) // 146097 + 1
    elif number > last:
        cycles = -((number - last) // 146097 + 1)
    moved = date.fromordinal(number + 146097 * cycles)
    return Instant(moved.year - 400 * cycles, moved.month, moved.day)


_DAYS_IN_MONTH = (0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


def month_length(year: int, month: int) -> int:
    """Days in ``month`` of any astronomical year (Python's % keeps the leap rule for BC)."""
    if month == 2 and year % 4 == 0 and (year % 100 != 0 or year % 400 == 0):
        return 29
    return _DAYS_IN_MONTH[month]


def year_digits(year: int) -> str:
    return f"-{-year:04d}" if year < 0 else f"{year:04d}"


def year_words(year: int) -> str:
    """``2024``, ``AD 43``, ``490 BC`` (year 0 is 1 BC)."""
    if year <= 0:
        return f"{1 - year} BC"
    if year < 1000:
        return f"AD {year}"
    return f"{year}"
