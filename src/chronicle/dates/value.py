"""One date as the source said it: :class:`HistDate`, its precision, EDTF text, bounds and words.

A date keeps only the parts that were given (a month has no day), its qualifiers, and
what EDTF says beyond a calendar day (seasons, ``X`` digits, sets). Its bounds are
:class:`~chronicle.dates.instant.Instant` values; its words (:meth:`HistDate.render`)
are English that :func:`~chronicle.dates.parse_date` reads back as the same value.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta, timezone
from enum import IntEnum

from chronicle.dates.instant import (
    DISTANT_FUTURE,
    DISTANT_PAST,
    MONTH_NAMES,
    OPEN_END,
    OPEN_START,
    Instant,
    from_day_number,
    month_length,
    offset_text,
    shift_minutes,
    year_digits,
    year_words,
)
from chronicle.dates.qualifiers import (
    YEAR_THIRDS,
    combine,
    components_edtf,
    components_words,
    from_flags,
    ordinal,
    period_third_words,
)
from chronicle.errors import BadDate

_SEASONS = {21: "Spring", 22: "Summer", 23: "Autumn", 24: "Winter"}
#: First and last month of each season; winter runs into the next year's February.
_SEASON_MONTHS = {21: (3, 5), 22: (6, 8), 23: (9, 11), 24: (12, 14)}
_MONTHS_AND_SEASONS = frozenset((*range(1, 13), *range(21, 25)))


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
    component_qualifiers: tuple[str, ...] = ()
    """EDTF level 2: each given component's qualifier (year, month[, day]) when they
    differ — ``2004-06~-11`` is ``("~", "~", "")``; ``approximate``/``uncertain`` then say
    whether any component is. Empty when one qualifier (or none) covers the whole date
    (see :func:`qualified`)."""

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
        if self.component_qualifiers:
            parts = [year_digits(self.year), f"{self.month:02d}"]
            if self.day is not None:
                parts.append(f"{self.day:02d}")
            return components_edtf(parts, self.component_qualifiers)
        k = self.unspecified_digits
        if k:
            lead = (-self.year - (10**k - 1) if self.year < 0 else self.year) // 10**k
            text = ("-" if self.year < 0 else "") + f"{lead:0{4 - k}d}" + "X" * k
        elif -9999 <= self.year <= 9999:
            text = year_digits(self.year)
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
                text += offset_text(self.offset, utc_z=True)
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
            return shift_minutes(self._first_local(), -self.offset)
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
        day = self.day or month_length(year, month)
        return Instant(year, month, day, 23, 59, 59, 999999)



def qualified(value: HistDate, qualifiers: tuple[str, ...]) -> HistDate:
    """``value`` (year, month[, day]) with one qualifier per component; when they all
    agree, that is the whole date's qualifier (``2004~-06~`` is ``2004-06~``)."""
    if len(set(qualifiers)) == 1:
        approximate, uncertain = qualifiers[0] in ("~", "%"), qualifiers[0] in ("?", "%")
        return replace(value, approximate=approximate, uncertain=uncertain, component_qualifiers=())
    return replace(value, approximate=any(q in ("~", "%") for q in qualifiers),
                   uncertain=any(q in ("?", "%") for q in qualifiers), component_qualifiers=qualifiers)


def with_qualifier(value: HistDate, *, approximate: bool, uncertain: bool) -> HistDate:
    """``value`` also approximate and/or uncertain as a whole (``c. 2004-06~-11``)."""
    if value.component_qualifiers:
        extra = from_flags(approximate, uncertain)
        return qualified(value, tuple(combine(q, extra) for q in value.component_qualifiers))
    return replace(value, approximate=value.approximate or approximate, uncertain=value.uncertain or uncertain)


def make_one_of(
    members: tuple[tuple[HistDate | None, HistDate | None], ...], *, approximate: bool = False,
    uncertain: bool = False,
) -> HistDate:
    shown = next(d for pair in members for d in pair if d is not None)
    return replace(shown, one_of=members, approximate=approximate, uncertain=uncertain, component_qualifiers=())


def _member_edtf(low: HistDate | None, high: HistDate | None) -> str:
    if low is not None and low is high:
        return low.edtf
    return f"{'' if low is None else low.edtf}..{'' if high is None else high.edtf}"


def step_date(value: HistDate, direction: int) -> HistDate | None:
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
        moved = from_day_number(Instant(value.year, value.month or 1, value.day or 1).day_number + direction)
        return HistDate(moved.year, moved.month, moved.day)
    return None



def _plain(value: HistDate) -> str:
    if value.open:
        return "unknown" if value.open != ".." else "open"
    if value.one_of:
        return _plain_set(value)
    if value.unspecified_digits:
        k, year = value.unspecified_digits, value.year
        if k == 1 and year > 100 and year % 100:
            return f"the {year}s"
        if k == 2 and year >= 0:
            return f"{ordinal(year // 100 + 1)} century"
        if k == 2:
            return f"{ordinal((-year) // 100 + 1)} century BC"
        return value.edtf.rstrip("~?%")
    if value.unspecified_month or value.unspecified_day:
        return value.edtf.rstrip("~?%")
    if value.season is not None:
        if value.season == 24:
            return f"Winter {year_words(value.year)}–{str(value.year + 1)[-2:]}" if value.year >= 1000 \
                else value.edtf.rstrip("~?%")
        return f"{_SEASONS[value.season]} {year_words(value.year)}"
    year_text = year_words(value.year)
    if value.precision is Precision.YEAR:
        return year_text
    month = MONTH_NAMES[(value.month or 1) - 1]
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
            text += " UTC" if value.offset == 0 else f" UTC{offset_text(value.offset, utc_z=False)}"
    return text


def _plain_set(value: HistDate) -> str:
    members = value.one_of
    if len(members) == 1:
        low, high = members[0]
        if low is not None and high is not None and low is not high:
            if (low.year == high.year and low.precision is Precision.MONTH and high.precision is Precision.MONTH
                    and not (low.qualifier or high.qualifier)):
                for word, (first, last) in YEAR_THIRDS.items():
                    if (low.month, high.month) == (first, last):
                        return f"{word} {year_words(low.year)}"
            third = period_third_words(low.year, high.year) if (low, high) == (HistDate(low.year), HistDate(high.year)) \
                else None
            if third is not None:
                return third
            return f"between {low.render()} and {high.render()}"
        if low is None and high is not None:
            after = step_date(high, 1)
            return f"before {after.render()}" if after is not None else f"by {high.render()}"
        if high is None and low is not None:
            before = step_date(low, -1)
            return f"after {before.render()}" if before is not None else f"{low.render()} or later"
    return value.edtf.rstrip("~?%")


def _qualify(text: str, value: HistDate) -> str:
    if value.component_qualifiers:
        return f"{text} ({components_words(value.component_qualifiers)})"
    if value.approximate:
        text = f"c. {text}"
    if value.uncertain:
        text = f"{text}?"
    return text
