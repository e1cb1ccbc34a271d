"""An event's time: :class:`Span`, one date or an interval whose ends may be open or unknown."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from chronicle.dates.instant import DISTANT_FUTURE, MONTH_NAMES, OPEN_END, Instant
from chronicle.dates.value import HistDate, Precision


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
            return f"{MONTH_NAMES[(start.month or 1) - 1]} – {end.render()}"
        return f"{start.day} {MONTH_NAMES[(start.month or 1) - 1]} – {end.render()}"
    return f"{start.render()} – {end.render()}"


def open_sentinel(stop: HistDate) -> HistDate:
    """An open start mirrors its end's fields, so code reading ``start.year`` stays sane."""
    return replace(stop, approximate=False, uncertain=False, component_qualifiers=())


