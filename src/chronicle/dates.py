"""Dates as historians use them: a precision, qualifiers, and honest bounds.

A :class:`HistDate` is what the user actually said — "Oct 2023" is a month, never
2023-10-01 — plus the earliest and latest instants it can stand for, which is what
queries and sorting use. A :class:`Span` is an event's time: one date, or an interval
with a closed or open end.

The accepted grammar is EDTF level 1 (``2023``, ``2023-10``, ``2024-01-09``,
``2025-04-13T20:00-05:00``, ``2024~``, ``2025?``, ``2024%``,
``2025-01-01/2025-02-19``, ``2024-03/..``) and plain English read with
python-dateutil (``Oct 2023``, ``13 April 2025``, ``April 13, 2025``, ``c. 2024``).
dateutil is imported only when a date is not EDTF, so commands that never see English
dates start without it.
"""

from __future__ import annotations

import calendar
import functools
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone
from enum import IntEnum

from chronicle.errors import BadDate

ACCEPTED = (
    "EDTF like 2023, 2023-10, 2024-01-09, 2025-04-13T20:00-05:00, 2024~ (approximate), "
    "2025? (uncertain), 2025-01-01/2025-02-19 (interval), 2024-03/.. (ongoing); "
    "or English like 'Oct 2023', '13 April 2025', 'c. 2024'"
)

#: Sentinel upper bound for an interval that is still going on.
OPEN_END = datetime(9999, 12, 31, 23, 59, 59)

_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")

_EDTF = re.compile(
    r"""^(?P<year>\d{4})
    (?:-(?P<month>\d{2})
      (?:-(?P<day>\d{2})
        (?:[T\ ](?P<hour>\d{2}):(?P<minute>\d{2})(?::(?P<second>\d{2}))?
           (?P<tz>Z|[+-]\d{2}(?::?\d{2})?)?
        )?
      )?
    )?
    (?P<qual>[~?%])?$""",
    re.VERBOSE,
)

_APPROX_PREFIX = re.compile(r"^(?:c\.|ca\.|circa|about|approx\.?|around|~)\s*", re.IGNORECASE)
_AMBIGUOUS_NUMERIC = re.compile(r"^\s*(\d{1,2})[/.](\d{1,2})[/.](\d{4})\s*$")


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

    Only the parts that were given are set: a MONTH date has ``day is None``.
    ``offset`` is the UTC offset in minutes of a timestamp, ``None`` for a floating
    (local, zone-less) timestamp or for a calendar date.
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
        text = f"{self.year:04d}"
        if self.month is not None:
            text += f"-{self.month:02d}"
        if self.day is not None:
            text += f"-{self.day:02d}"
        if self.hour is not None:
            text += f"T{self.hour:02d}:{self.minute or 0:02d}"
            if self.second is not None:
                text += f":{self.second:02d}"
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
            tzinfo=tz,
        )

    @property
    def earliest_day(self) -> date:
        """The first calendar day this date can stand for (local to the source)."""
        return date(self.year, self.month or 1, self.day or 1)

    @property
    def latest_day(self) -> date:
        """The last calendar day this date can stand for (local to the source)."""
        month = self.month or 12
        day = self.day or calendar.monthrange(self.year, month)[1]
        return date(self.year, month, day)

    @property
    def earliest(self) -> datetime:
        """Earliest instant, naive UTC (floating and calendar dates are taken as UTC)."""
        if self.precision is Precision.TIMESTAMP:
            return _to_utc(self.local_datetime())
        return datetime.combine(self.earliest_day, datetime.min.time())

    @property
    def latest(self) -> datetime:
        """Latest instant, naive UTC, to the second."""
        if self.precision is Precision.TIMESTAMP:
            return _to_utc(self.local_datetime())
        return datetime.combine(self.latest_day, datetime.max.time()).replace(microsecond=0)

    def render(self) -> str:
        """Precision-honest words: ``Oct 2023``, ``9 Jan 2024``, ``c. 2024``, ``2025?``."""
        return _qualify(_plain(self), self)


@dataclass(frozen=True, slots=True)
class Span:
    """An event's time: a date, or an interval from ``start`` to ``end``.

    ``open_end`` marks an interval that is still going on (EDTF ``start/..``).
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
    def earliest(self) -> datetime:
        return self.start.earliest

    @property
    def latest(self) -> datetime:
        if self.open_end:
            return OPEN_END
        return (self.end or self.start).latest

    def render(self) -> str:
        """``1 Jan – 19 Feb 2025``, ``Oct 2023``, ``since Mar 2024``."""
        if self.open_end:
            return f"{self.start.render()} – ongoing"
        if self.end is None:
            return self.start.render()
        return render_range(self.start, self.end)


def render_range(start: HistDate, end: HistDate) -> str:
    """Render an interval, saying a shared year only once."""
    if (
        start.year == end.year
        and start.precision == end.precision
        and start.precision in (Precision.MONTH, Precision.DAY)
        and not (start.qualifier or end.qualifier)
    ):
        if start.precision is Precision.MONTH:
            return f"{_MONTHS[(start.month or 1) - 1]} – {end.render()}"
        return f"{start.day} {_MONTHS[(start.month or 1) - 1]} – {end.render()}"
    return f"{start.render()} – {end.render()}"


def parse_date(text: str, *, field: str = "date") -> HistDate:
    """Read one date (no interval) from EDTF or English.

    Raises :class:`BadDate` naming ``field`` and the value when the text cannot be read
    honestly — including ambiguous numeric forms like ``03/04/2024``.
    """
    raw = text
    text = text.strip()
    if not text:
        raise BadDate("is empty", field=field, value=raw, accepted=ACCEPTED)
    match = _EDTF.match(text)
    if match:
        return _from_edtf(match, raw, field)
    return _from_english(text, raw, field)


def parse_span(text: str, end: str | None = None, *, field: str = "date") -> Span:
    """Read an event's time: ``text`` may itself be an EDTF interval ``a/b``.

    ``end`` (from ``--end``) closes the interval; ``..`` means still going on.
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
    if "/" in text and not _AMBIGUOUS_NUMERIC.match(text) and end is None:
        left, _, right = text.partition("/")
        if "/" in right or not left.strip() or not right.strip():
            raise BadDate("is not a valid interval", field=field, value=text, accepted=ACCEPTED)
        return parse_span(left, right, field=field)
    start = parse_date(text, field=field)
    if end is None or not end.strip():
        return Span(start)
    if end.strip() == "..":
        return Span(start, None, open_end=True)
    end_field = "end" if field == "date" else f"{field} end"
    stop = parse_date(end, field=end_field)
    if stop.latest < start.earliest:
        raise BadDate(
            f"is before the start {start.edtf}", field=end_field, value=end,
            accepted="an end on or after the start",
        )
    return Span(start, stop)


def span_from_parts(start: str, end: str | None) -> Span:
    """Rebuild a stored span from its canonical EDTF parts (no English, no errors hidden)."""
    return parse_span(start, end)


def bound_text(moment: datetime) -> str:
    """The sortable text form of a bound, as stored in indexed columns."""
    return moment.strftime("%Y-%m-%dT%H:%M:%S") if moment.year >= 1000 else (
        f"{moment.year:04d}" + moment.strftime("-%m-%dT%H:%M:%S")
    )


def since_bound(text: str) -> str:
    """``--since X``: the earliest instant X may stand for."""
    return bound_text(parse_date(text, field="--since").earliest)


def until_bound(text: str) -> str:
    """``--until X``: the latest instant X may stand for."""
    return bound_text(parse_date(text, field="--until").latest)


def parse_timestamp(text: str, *, field: str) -> datetime:
    """A transaction-time instant (``--as-of``); returns naive UTC.

    A date without a time means the end of that day/month/year: "as of 2024" includes
    everything recorded during 2024.
    """
    return parse_date(text, field=field).latest


# ---------------------------------------------------------------------------


def _from_edtf(match: re.Match[str], raw: str, field: str) -> HistDate:
    parts = match.groupdict()
    year = int(parts["year"])
    month = int(parts["month"]) if parts["month"] else None
    day = int(parts["day"]) if parts["day"] else None
    qual = parts["qual"] or ""
    if year == 0:
        raise BadDate("year 0 does not exist", field=field, value=raw, accepted="years 0001–9999")
    if month is not None and not 1 <= month <= 12:
        raise BadDate(f"month {month} does not exist", field=field, value=raw, accepted=ACCEPTED)
    if day is not None and month is not None:
        last = calendar.monthrange(year, month)[1]
        if not 1 <= day <= last:
            raise BadDate(
                f"day {day} does not exist in {_MONTHS[month - 1]} {year}",
                field=field, value=raw, accepted=f"days 1–{last}",
            )
    hour = minute = second = offset = None
    if parts["hour"] is not None:
        hour, minute = int(parts["hour"]), int(parts["minute"])
        second = int(parts["second"]) if parts["second"] else None
        if hour > 23 or minute > 59 or (second or 0) > 59:
            raise BadDate("is not a valid time of day", field=field, value=raw, accepted=ACCEPTED)
        offset = _parse_offset(parts["tz"], raw, field) if parts["tz"] else None
    return HistDate(
        year, month, day, hour, minute, second, offset,
        approximate=qual in "~%" and bool(qual), uncertain=qual in "?%" and bool(qual),
    )


def _from_english(text: str, raw: str, field: str) -> HistDate:
    approximate = uncertain = False
    prefix = _APPROX_PREFIX.match(text)
    if prefix:
        approximate, text = True, text[prefix.end():]
    while text and text[-1] in "~?%":
        approximate |= text[-1] in "~%"
        uncertain |= text[-1] in "?%"
        text = text[:-1].rstrip()
    if (approximate or uncertain) and _EDTF.match(text):
        plain = _from_edtf(_EDTF.match(text), raw, field)  # type: ignore[arg-type]
        return _requalify(plain, approximate, uncertain)
    numeric = _AMBIGUOUS_NUMERIC.match(text)
    if numeric:
        first, second = int(numeric.group(1)), int(numeric.group(2))
        if first <= 12 and second <= 12 and first != second:
            raise BadDate(
                "day and month order is ambiguous", field=field, value=raw,
                accepted="an unambiguous form such as 2024-03-04 or '4 March 2024'",
            )
    from dateutil import parser as dateparser  # lazy: only English dates need it

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
    has_month = one.month == two.month
    has_day = one.day == two.day
    has_time = one.hour == two.hour and one.minute == two.minute
    if not has_month:
        if has_day or has_time:
            raise BadDate("has a day but no month", field=field, value=raw, accepted=ACCEPTED)
        return HistDate(one.year, approximate=approximate, uncertain=uncertain)
    if not has_day:
        if has_time:
            raise BadDate("has a time but no day", field=field, value=raw, accepted=ACCEPTED)
        return HistDate(one.year, one.month, approximate=approximate, uncertain=uncertain)
    if not has_time:
        return HistDate(one.year, one.month, one.day, approximate=approximate, uncertain=uncertain)
    offset: int | None = None
    if one.tzinfo is not None:
        delta = one.utcoffset()
        offset = int(delta.total_seconds() // 60) if delta is not None else None
    seconds = one.second if one.second == two.second else None
    return HistDate(
        one.year, one.month, one.day, one.hour, one.minute, seconds, offset,
        approximate=approximate, uncertain=uncertain,
    )


def _requalify(value: HistDate, approximate: bool, uncertain: bool) -> HistDate:
    return HistDate(
        value.year, value.month, value.day, value.hour, value.minute, value.second,
        value.offset, approximate=value.approximate or approximate,
        uncertain=value.uncertain or uncertain,
    )


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


def _plain(value: HistDate) -> str:
    if value.precision is Precision.YEAR:
        return f"{value.year}"
    month = _MONTHS[(value.month or 1) - 1]
    if value.precision is Precision.MONTH:
        return f"{month} {value.year}"
    text = f"{value.day} {month} {value.year}"
    if value.precision is Precision.TIMESTAMP:
        text += f" {value.hour:02d}:{value.minute or 0:02d}"
        if value.second is not None:
            text += f":{value.second:02d}"
        if value.offset is not None:
            text += " UTC" if value.offset == 0 else f" UTC{_offset_text(value.offset, utc_z=False)}"
    return text


def _qualify(text: str, value: HistDate) -> str:
    if value.approximate:
        text = f"c. {text}"
    if value.uncertain:
        text = f"{text}?"
    return text
