"""The overview strip at the top of the HTML page: geometry of an SVG bar chart of
events over time, drawn by ``overview.svg``.

Computed from the :class:`~chronicle.formats.html.grouping.Tally` alone (counts per
month and year), never from the events, so its cost does not grow with the archive.
The picture claims no precision the data lacks: events dated only to a year are spread
over that year's months and drawn lighter.
"""

from __future__ import annotations

from dataclasses import dataclass

from chronicle.formats.html.grouping import Tally, year_label
from chronicle.formats.html.views import SHORT_MONTHS, count_words

#: Up to this many years the overview draws one bar per month, beyond it one per year.
MONTHLY_OVERVIEW_YEARS = 60


@dataclass(frozen=True, slots=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    label: str
    faint: bool
    """A share of year-only events spread over the months (drawn lighter)."""


@dataclass(frozen=True, slots=True)
class YearMark:
    year: int
    x: float
    width: float
    count: int
    labelled: bool

    @property
    def label(self) -> str:
        return year_label(self.year)


@dataclass(frozen=True, slots=True)
class Overview:
    """Geometry of the SVG overview (a viewBox of ``width`` × ``height``)."""

    width: int
    height: int
    baseline: float
    bars: tuple[Bar, ...]
    years: tuple[YearMark, ...]
    breaks: tuple[float, ...]
    """x positions where years without events were left out of the axis."""
    per: str
    """``month`` or ``year``: what one bar counts."""
    summary: str


def build_overview(tally: Tally, width: int = 960, height: int = 150) -> Overview | None:
    """Events per month (or per year when there are many years) as bars, linking to the years.

    Only years with events get room on the axis; a run of empty years becomes a narrow
    break, so a few old background events do not squeeze the busy years into a sliver.
    An event dated only to a year may fall in any of its months, so it adds 1/12 to each
    month of its year, drawn lighter: the picture claims no precision the data lacks.
    """
    if not tally.years:
        return None
    years = sorted(tally.years)
    monthly = len(years) <= MONTHLY_OVERVIEW_YEARS
    per_year = 12 if monthly else 1
    gap_slots = 4 if monthly else 2
    # Lay the years out: slot offset of each year, and the slot positions of breaks.
    offset: dict[int, int] = {}
    break_slots: list[float] = []
    slots = 0
    for index, year in enumerate(years):
        if index and (year - years[index - 1] > 1 if monthly else year - years[index - 1] > 2):
            break_slots.append(slots + gap_slots / 2)
            slots += gap_slots
        elif index and not monthly:
            slots += year - years[index - 1] - 1  # short gaps keep their true width
        offset[year] = slots
        slots += per_year
    slot = width / slots
    baseline, top = height - 28.0, 8.0
    # (slot index, events, label) of the exact bars; year-only shares per year.
    exact: list[tuple[int, int, str]] = []
    spread: dict[int, float] = {}
    for year in years:
        if monthly:
            if tally.year_only.get(year):
                spread[year] = tally.year_only[year] / 12
            for month in range(1, 13):
                if tally.months.get((year, month)):
                    exact.append((offset[year] + month - 1, tally.months[(year, month)],
                                  f"{SHORT_MONTHS[month - 1]} {year_label(year)}"))
        else:
            exact.append((offset[year], tally.years[year], year_label(year)))
    slot_year = {offset[year] + i: year for year in years for i in range(per_year)}
    peak = max([n + spread.get(slot_year[i], 0.0) for i, n, _ in exact] + list(spread.values()))
    scale = (baseline - top) / peak
    gap = min(1.0, slot / 4)
    bars: list[Bar] = []
    floor: dict[int, float] = {}
    for year, share in spread.items():
        h = max(share * scale, 1.5)
        floor[year] = h
        bars.append(Bar(round(offset[year] * slot + gap / 2, 2), round(baseline - h, 2),
                        round(12 * slot - gap, 2), round(h, 2),
                        f"{year_label(year)}: {count_words(tally.year_only[year])} dated only to the year", True))
    for index, n, label in exact:
        h = max(n * scale, 2.0)
        y = baseline - floor.get(slot_year[index], 0.0) - h
        bars.append(Bar(round(index * slot + gap / 2, 2), round(y, 2), round(max(slot - gap, 0.5), 2),
                        round(h, 2), f"{label}: {count_words(n)}", False))
    marks: list[YearMark] = []
    last_label = -1e9
    for year in years:
        x = offset[year] * slot
        labelled = x - last_label >= 44 and x <= width - 36
        if labelled:
            last_label = x
        marks.append(YearMark(year, round(x, 2), round(per_year * slot, 2), tally.years[year], labelled))
    summary = f"{count_words(tally.count)} from {year_label(years[0])} to {year_label(years[-1])}"
    if exact:
        busiest = max(exact, key=lambda c: (c[1], -c[0]))
        summary += f"; the busiest {'month' if monthly else 'year'} is {busiest[2]} ({busiest[1]:,})"
    return Overview(width, height, baseline, tuple(bars), tuple(marks),
                    tuple(round(b * slot, 2) for b in break_slots), "month" if monthly else "year", summary)
