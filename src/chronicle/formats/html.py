"""HTML export: one self-contained page a newsroom could publish as it is.

The page is rendered by jinja2 templates shipped in ``chronicle/templates/``
(``page.html``, ``timeline.html``, ``overview.svg``, ``style.css``, ``filter.js``);
``options["template_dir"]`` names a folder whose templates override those by name.
Autoescape is on and undefined names fail loudly (``StrictUndefined``).

**One pass, flat memory.** The exporter receives the events once, as an iterator. The
header (date span, tag and year lists) and the SVG overview need figures about *all*
events, yet come first in the page. So the timeline is rendered first, streamed into a
spooled temporary file (in memory up to :data:`SPOOL_BYTES`, on disk beyond), while a
small tally (counts per month, year and tag) is kept on the fly; then the page is
rendered around it and the spooled timeline is copied through in chunks. Memory stays
bounded by the tally, not by the number of events, and the database is read once.

**Safety.** Every piece of archive text goes through jinja's escaping; only ``http``/
``https`` URLs become links (others are shown as text); links carry
``rel="noopener noreferrer"``; archive text sits in bidi-isolated elements so a
right-to-left override cannot reorder what follows it; and a Content-Security-Policy
meta tag allows nothing but the page's own ``<style>`` and ``<script>``, each locked by
its SHA-256 hash (computed from the rendered text, so output stays byte-identical).

jinja2 is imported when an HTML export runs, never when the module is merely loaded.
"""

from __future__ import annotations

import base64
import hashlib
import itertools
import tempfile
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from chronicle.dates import HistDate, Precision, parse_span
from chronicle.errors import InvalidInput
from chronicle.formats import ExportContext, ExportStats
from chronicle.model import Event, HistoryEntry, Kind, Source, Status

if TYPE_CHECKING:
    from jinja2 import Environment

#: The timeline is kept in memory up to this size, then spills to a temporary file.
SPOOL_BYTES = 16 * 1024 * 1024

#: A year with more events than this gets month headings (a bounded look-ahead).
DENSE_YEAR = 24

#: Up to this many years the overview draws one bar per month, beyond it one per year.
MONTHLY_OVERVIEW_YEARS = 60

_COPY_CHUNK = 1 << 20
_MONTH_NAMES = (
    "January", "February", "March", "April", "May", "June", "July", "August",
    "September", "October", "November", "December",
)
_SHORT_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_TIMES = {1: "once", 2: "twice"}
_KIND_WORDS = {
    Kind.RECORDED: "Recorded",
    Kind.REVISED: "Revised",
    Kind.SOURCED: "Source added",
    Kind.RETRACTED: "Retracted",
    Kind.RESTORED: "Restored",
}
_WEB_SCHEMES = ("http://", "https://")


def export_html(
    events: Iterable[Event], out: TextIO, ctx: ExportContext, options: Mapping[str, Any]
) -> ExportStats:
    """Write the timeline page for ``events`` (in timeline order) to ``out``.

    A mistake in a user's template (``--template-dir``) becomes :class:`InvalidInput`
    naming the template and line, not a traceback.
    """
    from jinja2 import TemplateError, TemplateSyntaxError

    template_dir = options.get("template_dir")
    env = build_environment(template_dir)
    tally = Tally()
    try:
        with tempfile.SpooledTemporaryFile(
            max_size=SPOOL_BYTES, mode="w+", encoding="utf-8", newline=""
        ) as spool:
            timeline = env.get_template("timeline.html").stream(years=group_years(tally.watch(events)))
            timeline.enable_buffering(64)
            spool.writelines(timeline)
            spool.seek(0)
            page = env.get_template("page.html").stream(
                **page_context(env, ctx, tally), timeline=_chunks(spool)
            )
            page.enable_buffering(16)
            out.writelines(page)
    except TemplateError as exc:
        where = f"{exc.filename or exc.name}:{exc.lineno}" if isinstance(exc, TemplateSyntaxError) else None
        raise InvalidInput(
            f"the HTML template failed: {exc.message or type(exc).__name__}",
            field="--template-dir", value=str(template_dir) if template_dir else None, where=where,
        ) from exc
    return ExportStats(written=tally.count)


def build_environment(template_dir: Path | str | None = None) -> Environment:
    """The jinja2 environment: user templates (if any) first, then the package's own."""
    from jinja2 import ChoiceLoader, Environment, FileSystemLoader, PackageLoader, StrictUndefined

    loaders: list[Any] = []
    if template_dir is not None:
        loaders.append(FileSystemLoader(str(template_dir)))
    loaders.append(PackageLoader("chronicle", "templates"))
    return Environment(
        loader=ChoiceLoader(loaders),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        auto_reload=False,
    )


def _chunks(spool: Any) -> Iterator[Any]:
    """The spooled timeline, already-escaped HTML, in large chunks."""
    from markupsafe import Markup

    while chunk := spool.read(_COPY_CHUNK):
        yield Markup(chunk)


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
        """Pass ``events`` through unchanged, counting them."""
        months, year_only, years, tags = self.months, self.year_only, self.years, self.tags
        last_end = None
        for event in events:
            span = event.span
            lo = span.earliest
            years[lo.year] += 1
            if span.precision >= Precision.MONTH:
                months[(lo.year, lo.month)] += 1
            else:
                year_only[lo.year] += 1
            tags.update(event.tags)
            if event.status is Status.RETRACTED:
                self.retracted += 1
            if self.first is None or lo < self.first.span.earliest:
                self.first = event
            if not self.ongoing:
                hi = span.latest
                if span.open_end or last_end is None or hi > last_end:
                    self.last, last_end, self.ongoing = event, hi, span.open_end
            self.count += 1
            yield event


# -- the timeline: years, months (where dense), events -----------------------------------


@dataclass(frozen=True, slots=True)
class YearGroup:
    year: int
    anchor: str | None
    """``year-2024``; None if the year came twice (events not in timeline order)."""
    dense: bool
    """Whether the year's events are grouped under month headings."""
    months: Iterator[MonthGroup]


@dataclass(frozen=True, slots=True)
class MonthGroup:
    label: str | None
    """``January 2024`` or ``2024, month not known``; None in a year without month headings."""
    anchor: str | None
    events: Iterator[EventView]


def group_years(events: Iterable[Event], dense_after: int = DENSE_YEAR) -> Iterator[YearGroup]:
    """Group events (in timeline order) by year, and by month in years with many events.

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
            yield YearGroup(year, anchor, True, _group_months(year, rest, anchor is not None))
        else:
            yield YearGroup(year, anchor, False, iter((MonthGroup(None, None, map(event_view, rest)),)))


def _year_of(event: Event) -> int:
    return event.span.earliest.year


def _month_of(event: Event) -> int:
    span = event.span
    return span.earliest.month if span.precision >= Precision.MONTH else 0


def _group_months(year: int, events: Iterator[Event], anchored: bool) -> Iterator[MonthGroup]:
    for month, in_month in itertools.groupby(events, key=_month_of):
        label = f"{_MONTH_NAMES[month - 1]} {year}" if month else f"{year}, month not known"
        anchor = f"month-{year}-{month:02d}" if anchored and month else None
        yield MonthGroup(label, anchor, map(event_view, in_month))


@dataclass(frozen=True, slots=True)
class DateView:
    """An event's time as ``<time>`` elements: precision-honest words, valid datetimes."""

    start: str
    """Valid HTML datetime value of the start: ``2024``, ``2023-10``, ``2024-01-09``…"""
    start_text: str
    end: str | None = None
    end_text: str | None = None
    ongoing: bool = False


@dataclass(frozen=True, slots=True)
class SourceView:
    label: str | None
    """``Publisher: Title`` (either may be missing); None when the source has neither."""
    href: str | None
    """The URL when it is http(s), else None (the URL is then shown as text)."""
    url_text: str | None
    """A URL that is not linked (``javascript:``, ``data:``, ``mailto:``…)."""
    published: str | None
    accessed: str | None
    archived_href: str | None
    archived_text: str | None
    quote: str | None


@dataclass(frozen=True, slots=True)
class HistoryView:
    seq: int
    what: str
    """``Revised (date, title)``, ``Source added``…"""
    at: str
    """Valid HTML datetime (UTC, milliseconds)."""
    at_text: str
    author: str
    reason: str | None


@dataclass(frozen=True, slots=True)
class EventView:
    """One event, with everything the template shows already in words."""

    id: str
    title: str
    date: DateView
    place: str | None
    description: str
    tags: tuple[str, ...]
    actors: tuple[str, ...]
    sources: tuple[SourceView, ...]
    unsourced: bool
    retracted: bool
    status_reason: str | None
    revised: str | None
    """``Revised twice; latest on 3 Feb 2025 (date): <reason>``, or None."""
    history: tuple[HistoryView, ...]
    """The whole history when there is more than the first record, else empty."""


def event_view(event: Event) -> EventView:
    history = event.history
    return EventView(
        id=event.id,
        title=event.title,
        date=date_view(event),
        place=event.place,
        description=event.description,
        tags=event.tags,
        actors=event.actors,
        sources=tuple(map(source_view, event.sources)),
        unsourced=event.unsourced,
        retracted=event.status is Status.RETRACTED,
        status_reason=event.status_reason,
        revised=revised_note(history),
        history=tuple(map(history_view, history)) if len(history) > 1 else (),
    )


def date_view(event: Event) -> DateView:
    span = event.span
    start = span.start
    if span.open_end:
        return DateView(html_datetime(start), start.render(), ongoing=True)
    end = span.end
    if end is None:
        return DateView(html_datetime(start), start.render())
    end_text = end.render()
    whole = span.render()
    # render_range may shorten the start ("1 Jan – 19 Feb 2025"): keep its words.
    suffix = f" – {end_text}"
    start_text = whole[: -len(suffix)] if whole.endswith(suffix) else start.render()
    return DateView(html_datetime(start), start_text, html_datetime(end), end_text)


def html_datetime(value: HistDate) -> str:
    """A valid HTML ``datetime`` value: a year, month, date, or date and time.

    Qualifiers (approximate, uncertain) cannot be said there; the words say them.
    """
    text = value.edtf.rstrip("~?%")
    return text


def revised_note(history: tuple[HistoryEntry, ...]) -> str | None:
    revisions = [h for h in history if h.kind is Kind.REVISED]
    if not revisions:
        return None
    latest = revisions[-1]
    times = _TIMES.get(len(revisions), f"{len(revisions)} times")
    changed = f" ({', '.join(latest.changed)})" if latest.changed else ""
    reason = f": {latest.reason}" if latest.reason else ""
    return f"Revised {times}; latest on {_day_words(latest.recorded_at)}{changed}{reason}"


def history_view(entry: HistoryEntry) -> HistoryView:
    what = _KIND_WORDS[entry.kind]
    if entry.changed:
        what += f" ({', '.join(entry.changed)})"
    return HistoryView(
        seq=entry.seq,
        what=what,
        at=log_datetime(entry.recorded_at),
        at_text=log_time_words(entry.recorded_at),
        author=entry.author,
        reason=entry.reason,
    )


@lru_cache(maxsize=4096)
def source_view(source: Source) -> SourceView:
    """Sources repeat across events, so their views are cached (bounded)."""
    url = source.url
    href = url if url is not None and url.lower().startswith(_WEB_SCHEMES) else None
    archived = source.archived_url
    archived_href = archived if archived is not None and archived.lower().startswith(_WEB_SCHEMES) else None
    return SourceView(
        label=": ".join(part for part in (source.publisher, source.title) if part) or None,
        href=href,
        url_text=url if href is None else None,
        published=_span_words(source.published),
        accessed=_span_words(source.accessed),
        archived_href=archived_href,
        archived_text=archived if archived_href is None else None,
        quote=source.quote,
    )


def _span_words(edtf: str | None) -> str | None:
    return parse_span(edtf).render() if edtf else None


def log_datetime(recorded_at: str) -> str:
    """A log time (``…T06:03:14.235289Z``) as a valid HTML global date and time.

    HTML allows at most three fractional digits, so microseconds are cut to milliseconds.
    """
    main, dot, rest = recorded_at.partition(".")
    if not dot:
        return recorded_at
    return f"{main}.{rest.rstrip('Z')[:3]}Z"


def log_time_words(recorded_at: str) -> str:
    """``2026-11-28T06:03:14.235Z`` → ``28 Nov 2026 06:03 UTC``."""
    return f"{_day_words(recorded_at)} {recorded_at[11:16]} UTC"


def _day_words(recorded_at: str) -> str:
    year, month, day = recorded_at[:4], int(recorded_at[5:7]), int(recorded_at[8:10])
    return f"{day} {_SHORT_MONTHS[month - 1]} {year}"


# -- the page around the timeline ---------------------------------------------------------


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
                                  f"{_SHORT_MONTHS[month - 1]} {year}"))
        else:
            exact.append((offset[year], tally.years[year], str(year)))
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
                        f"{year}: {_count_words(tally.year_only[year])} dated only to the year", True))
    for index, n, label in exact:
        h = max(n * scale, 2.0)
        y = baseline - floor.get(slot_year[index], 0.0) - h
        bars.append(Bar(round(index * slot + gap / 2, 2), round(y, 2), round(max(slot - gap, 0.5), 2),
                        round(h, 2), f"{label}: {_count_words(n)}", False))
    marks: list[YearMark] = []
    last_label = -1e9
    for year in years:
        x = offset[year] * slot
        labelled = x - last_label >= 44 and x <= width - 36
        if labelled:
            last_label = x
        marks.append(YearMark(year, round(x, 2), round(per_year * slot, 2), tally.years[year], labelled))
    summary = f"{_count_words(tally.count)} from {years[0]} to {years[-1]}"
    if exact:
        busiest = max(exact, key=lambda c: (c[1], -c[0]))
        summary += f"; the busiest {'month' if monthly else 'year'} is {busiest[2]} ({busiest[1]:,})"
    return Overview(width, height, baseline, tuple(bars), tuple(marks),
                    tuple(round(b * slot, 2) for b in break_slots), "month" if monthly else "year", summary)


def _count_words(count: int) -> str:
    return f"{count:,} event" + ("" if count == 1 else "s")


def page_context(env: Environment, ctx: ExportContext, tally: Tally) -> dict[str, Any]:
    """Everything ``page.html`` shows around the timeline."""
    from markupsafe import Markup

    style = env.get_template("style.css").render()
    script = env.get_template("filter.js").render()
    csp = (
        "default-src 'none'; "
        f"style-src '{_csp_hash(style)}'; "
        f"script-src '{_csp_hash(script)}'; "
        "base-uri 'none'; form-action 'none'"
    )
    first, last = tally.first, tally.last
    span_from = first.span.start.render() if first is not None else None
    span_to: str | None = None
    if last is not None:
        span_to = "ongoing" if tally.ongoing else (last.span.end or last.span.start).render()
    return {
        "lang": "en",
        "name": ctx.name,
        "description": ctx.description,
        "filters": ctx.filters,
        "count": tally.count,
        "count_words": _count_words(tally.count),
        "retracted": tally.retracted,
        "span_from": span_from,
        "span_to": span_to,
        "as_of": log_datetime(ctx.as_of) if ctx.as_of else None,
        "as_of_text": log_time_words(ctx.as_of) if ctx.as_of else None,
        "head_seq": ctx.head_seq,
        "head_hash": ctx.head_hash,
        "version": ctx.version,
        "years": sorted(tally.years.items()),
        "tags": sorted(tally.tags.items(), key=lambda item: (-item[1], item[0])),
        "overview": build_overview(tally),
        "style": Markup(style),
        "script": Markup(script),
        "csp": csp,
    }


def _csp_hash(text: str) -> str:
    digest = hashlib.sha256(text.encode("utf-8")).digest()
    return "sha256-" + base64.b64encode(digest).decode("ascii")
