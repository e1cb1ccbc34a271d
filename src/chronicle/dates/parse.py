"""Reading a date or an event's time from text: EDTF first, then English.

The fast path (one EDTF date, one regex match) is what every imported row and stored
record takes; spans are cached because a large archive repeats the same few thousand dates.
"""

from __future__ import annotations

import functools
from dataclasses import replace
from datetime import datetime

from chronicle.dates.edtf import ACCEPTED, EDTF_PATTERN, MONTHS_AND_SEASONS, edtf_date, from_edtf_match, from_set
from chronicle.dates.english import NUMERIC_DATE, SEASON_PATTERN, SHORT_RANGE, english_span, from_english
from chronicle.dates.instant import bound_text
from chronicle.dates.span import Span, open_sentinel
from chronicle.dates.value import HistDate, Precision
from chronicle.errors import BadDate


def parse_date(text: str, *, field: str = "date") -> HistDate:
    """Read one date (no interval) from EDTF or English.

    Raises :class:`BadDate` naming ``field`` and the value when the text cannot be read
    honestly — including ambiguous numeric forms like ``03/04/2024`` and two-digit years.
    """
    raw = text
    text = text.strip()
    if not text:
        raise BadDate("is empty", field=field, value=raw, accepted=ACCEPTED)
    found = edtf_date(text, raw, field)
    if found is not None:
        return found
    if text[0] == "[":
        return from_set(text, raw, field)
    return from_english(text, raw, field)


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
        match = EDTF_PATTERN.match(stripped)
        if match is not None and (
            match["day"] or not match["month"] or match["month"] == "XX"
            or int(match["month"]) in MONTHS_AND_SEASONS
        ):
            return Span(from_edtf_match(match, text, field))
    short = SHORT_RANGE.match(stripped) if end is None else None
    # "2024-25" is a range, but "2011-12" stays December 2011 and "2019-21" spring 2019.
    if short and int(short.group("a")) >= 1000 and (
        stripped[4] != "-" or int(short.group("b")) not in MONTHS_AND_SEASONS
    ):
        english = english_span(stripped, text, field)
        if english is not None:
            return english
    if end is None and "/" in stripped and not NUMERIC_DATE.match(stripped) and not SEASON_PATTERN.match(stripped):
        left, _, right = stripped.partition("/")
        if "/" in right or (not left.strip() and not right.strip()):
            raise BadDate("is not a valid interval", field=field, value=text, accepted=ACCEPTED)
        if not right.strip():
            start = parse_date(left, field=field)
            return Span(start, HistDate(start.year, open="unknown"))
        return _parse_span(left, right, field)
    if end is None and not EDTF_PATTERN.match(stripped):
        english = english_span(stripped, text, field)
        if english is not None:
            return english
    end_field = "end" if field == "date" else f"{field} end"
    if stripped in ("..", "") and end is not None and end.strip() not in ("", ".."):
        stop = parse_date(end, field=end_field)
        return Span(replace(open_sentinel(stop), open=".." if stripped == ".." else "unknown"), stop)
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

