"""Aggregation for the HTML page: the tally kept while events stream past, and the
grouping of the timeline into years and months.

Both work on a stream in one pass: :class:`Tally` counts what the header and the
overview need (per month, year and tag) in memory bounded by those counts, and
:func:`group_years` decides whether a year gets month headings by looking at most
:data:`DENSE_YEAR` + 1 events ahead. Neither holds the events themselves.
"""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Generic, TypeVar

from chronicle.dates import HistDate
from chronicle.model import Event, Status

T = TypeVar("T")

#: A year with more events than this gets month headings (a bounded look-ahead).
DENSE_YEAR = 24

#: Events per ``<ol>``: a browser skips style and layout of full lists out of view
#: (``content-visibility``), which keeps filtering 10,000 events instant. Also in
#: ``timeline.html`` and ``style.css`` (256 × the 11rem an event is assumed to take).
LIST_SIZE = 256

_MONTH_NAMES = (
    "January", "February", "March", "April", "May", "June", "July", "August",
    "September", "October", "November", "December",
)


# -- the tally: what the header and overview need, gathered while streaming -----------


class Tally:
    """Counts kept while the events stream past: small, whatever the number of events."""

    __slots__ = ("count", "first", "last", "months", "ongoing", "retracted", "tags", "year_only", "years")

    def __init__(self) -> None:
        self.count = 0
        self.retracted = 0
        self.months: Counter[tuple[int, int]] = Counter()
        """Events dated to a month or finer, by (year, month) of their start."""
        self.year_only: Counter[int] = Counter()
        """Events dated only to a year: the overview spreads them over its months."""
        self.years: Counter[int] = Counter()
        self.tags: Counter[str] = Counter()
        self.first: Event | None = None
        self.last: Event | None = None
        """The event that ends latest (an ongoing one wins)."""
        self.ongoing = False

    def watch(self, events: Iterable[Event]) -> Iterator[Event]:
        """Pass ``events`` (in timeline order) through unchanged, counting them."""
        months, year_only, years, tags = self.months, self.year_only, self.years, self.tags
        last_end = None
        last_year = -(10**10)  # before every year, BC ones too
        for event in events:
            span = event.span
            year = _year_of(event)
            years[year] += 1
            month = _month_of(event)
            if month:
                months[(year, month)] += 1
            else:
                year_only[year] += 1
            if event.tags:
                tags.update(event.tags)
            if event.status is Status.RETRACTED:
                self.retracted += 1
            if self.first is None:
                self.first = event
            if not self.ongoing:
                if span.open_end:
                    self.last, self.ongoing = event, True
                elif (span.end or span.start).year >= last_year:
                    # Only a candidate in the latest year so far can end later: the exact
                    # bound (a datetime) is computed for few events.
                    hi = span.latest_instant
                    if last_end is None or hi > last_end:
                        self.last, last_end, last_year = event, hi, hi.year
            self.count += 1
            yield event


# -- the timeline: years, months (where dense), events -----------------------------------


@dataclass(frozen=True, slots=True)
class YearGroup(Generic[T]):
    year: int
    anchor: str | None
    """``year-2024``; None if the year came twice (events not in timeline order)."""
    dense: bool
    """Whether the year's events are grouped under month headings."""
    months: Iterator[MonthGroup[T]]

    @property
    def label(self) -> str:
        """The year in words: ``2024``, ``AD 43``, ``490 BC``."""
        return year_label(self.year)


def year_label(year: int) -> str:
    """An astronomical year as people write it: ``2024``, ``AD 43``, ``490 BC`` (0 is 1 BC).

    Headings, the overview and the year list say this, never ``-489``.
    """
    return HistDate(year).render()


@dataclass(frozen=True, slots=True)
class MonthGroup(Generic[T]):
    label: str | None
    """``January 2024`` or ``2024, month not known``; None in a year without month headings."""
    anchor: str | None
    events: Iterator[T]


def group_years(
    events: Iterable[Event], view: Callable[[Event], T], dense_after: int = DENSE_YEAR
) -> Iterator[YearGroup[T]]:
    """Group events (in timeline order) by year, and by month in years with many events;
    each event is passed through ``view`` (e.g. :func:`event_view`) as it is reached.

    Whether a year is dense is decided by looking at most ``dense_after + 1`` events
    ahead, so memory stays bounded however large a year is.
    """
    seen: set[int] = set()
    for year, in_year in itertools.groupby(events, key=_year_of):
        head = list(itertools.islice(in_year, dense_after + 1))
        dense = len(head) > dense_after
        # Read on from where the look-ahead stopped: the group iterator is still current.
        rest = itertools.chain(head, in_year)  # noqa: B031
        anchor = None if year in seen else f"year-{year}"
        seen.add(year)
        if dense:
            yield YearGroup(year, anchor, True, _group_months(year, rest, view, anchor is not None))
        else:
            yield YearGroup(year, anchor, False, iter((MonthGroup(None, None, map(view, rest)),)))


def _year_of(event: Event) -> int:
    """The year of the event's earliest instant (UTC), which is what timeline order sorts on."""
    start = event.span.start
    return start.year if start.offset is None else event.span.earliest_instant.year


def _month_of(event: Event) -> int:
    span = event.span
    start = span.start
    if start.month is None:
        return 0
    return start.month if start.offset is None else span.earliest_instant.month


def _group_months(year: int, events: Iterator[Event], view: Callable[[Event], T],
                  anchored: bool) -> Iterator[MonthGroup[T]]:
    for month, in_month in itertools.groupby(events, key=_month_of):
        words = year_label(year)
        label = f"{_MONTH_NAMES[month - 1]} {words}" if month else f"{words}, month not known"
        anchor = f"month-{year}-{month:02d}" if anchored and month else None
        yield MonthGroup(label, anchor, map(view, in_month))
