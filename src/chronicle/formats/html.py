"""HTML export: one self-contained page a newsroom could publish as it is.

The page is rendered by jinja2 templates shipped in ``chronicle/templates/``
(``page.html``, ``timeline.html``, ``overview.svg``, ``style.css``, ``filter.js``);
``options["template_dir"]`` names a folder whose templates override those by name.
Autoescape is on and undefined names fail loudly (``StrictUndefined``).

**One pass, flat memory.** The exporter receives the events once, as an iterator. The
header (date span, tag and year lists) and the SVG overview need figures about *all*
events, yet come first in the page. So the timeline is rendered first, streamed into a
spool (in memory up to :data:`SPOOL_CHARS`, in a temporary file beyond), while a
small tally (counts per month, year and tag) is kept on the fly; then the page is
rendered around it and the spooled timeline is copied in where it belongs. Memory stays
bounded by the tally, not by the number of events, and the database is read once.

**Speed.** Rendering is most of an export's cost, so the built-in ``timeline.html`` is
also written out by hand in Python (:func:`render_timeline`), which the tests check to
be byte-identical to the template; the template itself is used when a user's
``--template-dir`` overrides it.

**Safety.** Every piece of archive text is escaped (jinja's autoescape, or :func:`_esc`
which escapes exactly as it does); only ``http``/
``https`` URLs become links (others are shown as text); links carry
``rel="noopener noreferrer"``; archive text sits in bidi-isolated elements so a
right-to-left override cannot reorder what follows it; and a Content-Security-Policy
meta tag allows nothing but the page's own ``<style>`` and ``<script>``, each locked by
its SHA-256 hash (computed from the rendered text, so output stays byte-identical).

jinja2 is imported when an HTML export runs, never when the module is merely loaded.
"""

from __future__ import annotations

import base64
import codecs
import hashlib
import itertools
import shutil
import tempfile
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO, Generic, TextIO, TypeVar

from chronicle.dates import HistDate, Span, parse_span
from chronicle.errors import InvalidInput
from chronicle.formats import ExportContext, ExportStats
from chronicle.model import Event, HistoryEntry, Kind, Source, Status

if TYPE_CHECKING:
    from jinja2 import Environment

T = TypeVar("T")

#: The timeline is kept in memory up to this many characters, then in a temporary file.
SPOOL_CHARS = 4 * 1024 * 1024

#: A year with more events than this gets month headings (a bounded look-ahead).
DENSE_YEAR = 24

#: Events per ``<ol>``: a browser skips style and layout of full lists out of view
#: (``content-visibility``), which keeps filtering 10,000 events instant. Also in
#: ``timeline.html`` and ``style.css`` (256 × the 11rem an event is assumed to take).
LIST_SIZE = 256

#: Up to this many years the overview draws one bar per month, beyond it one per year.
MONTHLY_OVERVIEW_YEARS = 60

_COPY_CHUNK = 1 << 20
"""Bytes per piece when a spilled timeline is copied into the page."""
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
    Kind.MERGED: "Merged into another event",
    Kind.CLAIMED: "Claim added",
    Kind.RANKED: "Claim ranked",
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
    from markupsafe import Markup

    template_dir = options.get("template_dir")
    env = build_environment(template_dir)
    tally = Tally()
    try:
        with Spool() as spool:
            if template_dir is not None and (Path(template_dir) / "timeline.html").is_file():
                timeline = env.get_template("timeline.html").stream(
                    years=group_years(tally.watch(events), event_view))
                timeline.enable_buffering(64)
                spool.writelines(timeline)
            else:
                spool.writelines(render_timeline(group_years(tally.watch(events), _same)))
            page = env.get_template("page.html").stream(
                **page_context(env, ctx, tally), timeline=[Markup(_PLACEHOLDER)]
            )
            page.enable_buffering(64)
            _write_page(page, spool, out)
    except TemplateError as exc:
        where = f"{exc.filename or exc.name}:{exc.lineno}" if isinstance(exc, TemplateSyntaxError) else None
        raise InvalidInput(
            f"the HTML template failed: {exc.message or type(exc).__name__}",
            field="--template-dir", value=str(template_dir) if template_dir else None, where=where,
        ) from exc
    return ExportStats(written=tally.count)


def build_environment(template_dir: Path | str | None = None) -> Environment:
    """The jinja2 environment: user templates (if any) first, then the package's own.

    With a user's folder it is jinja2's ``SandboxedEnvironment``: a template is data a
    user may have been sent, and must not reach Python (``cycler.__init__.__globals__``
    and the like raise ``SecurityError``, reported as one line).
    """
    from jinja2 import ChoiceLoader, Environment, FileSystemLoader, PackageLoader, StrictUndefined
    from jinja2.sandbox import SandboxedEnvironment

    loaders: list[Any] = []
    if template_dir is not None:
        loaders.append(FileSystemLoader(str(template_dir)))
    loaders.append(PackageLoader("chronicle", "templates"))
    kind = Environment if template_dir is None else SandboxedEnvironment
    env = kind(
        loader=ChoiceLoader(loaders),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        auto_reload=False,
    )
    env.filters["year_label"] = year_label
    return env


#: Where ``page.html`` outputs the timeline; the page writer copies the spool in there.
#: It starts with "<", which escaping turns into "&lt;" in any archive text, so only this
#: module's own markup can contain it.
_PLACEHOLDER = "<\x00chronicle-timeline\x00>"


class Spool:
    """Text written once, then copied out: in memory up to :data:`SPOOL_CHARS`, beyond
    that in a temporary file (UTF-8), so a page of any size costs bounded memory."""

    def __init__(self, limit: int | None = None) -> None:
        self.limit = SPOOL_CHARS if limit is None else limit
        self.parts: list[str] = []
        self.size = 0
        self.file: BinaryIO | None = None

    def __enter__(self) -> Spool:
        return self

    def __exit__(self, *_: object) -> None:
        if self.file is not None:
            self.file.close()
        self.parts = []

    def writelines(self, texts: Iterable[str]) -> None:
        for text in texts:
            if self.file is not None:
                self.file.write(text.encode("utf-8"))
                continue
            self.parts.append(text)
            self.size += len(text)
            if self.size > self.limit:
                # Closed by __exit__; the spool is the context manager.
                self.file = tempfile.TemporaryFile("w+b")  # noqa: SIM115
                for part in self.parts:
                    self.file.write(part.encode("utf-8"))
                self.parts = []

    def copy_to(self, out: TextIO) -> None:
        """Write everything to ``out``; a spilled file goes byte for byte into a UTF-8
        file's buffer, without being decoded and encoded again."""
        if self.file is None:
            out.writelines(self.parts)
            return
        spilled = self.file
        spilled.seek(0)
        buffer = getattr(out, "buffer", None)
        if buffer is not None and codecs.lookup(getattr(out, "encoding", None) or "ascii").name == "utf-8":
            out.flush()
            shutil.copyfileobj(spilled, buffer, _COPY_CHUNK)
            return
        out.writelines(codecs.iterdecode(iter(lambda: spilled.read(_COPY_CHUNK), b""), "utf-8"))


def _write_page(page: Iterable[str], spool: Spool, out: TextIO) -> None:
    """Write the rendered page, copying the timeline in where the placeholder stands."""
    for chunk in page:
        while _PLACEHOLDER in chunk:
            before, _, chunk = chunk.partition(_PLACEHOLDER)
            out.write(before)
            spool.copy_to(out)
        out.write(chunk)


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


@dataclass(frozen=True, slots=True)
class DateView:
    """An event's time as ``<time>`` elements: precision-honest words, valid datetimes."""

    start: str | None
    """Valid HTML datetime value of the start: ``2024``, ``2023-10``, ``2024-01-09``…;
    None when HTML has none (BC years, sets, unspecified digits): the words alone say it."""
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
    disputes: tuple[ClaimView, ...] = ()
    """The claims of the fields where sources disagree (empty when they agree)."""


@dataclass(frozen=True, slots=True)
class ClaimView:
    """One claimed value where sources disagree, in words."""

    field: str
    """``""`` for the date (the usual case), else ``"title: "``, ``"place: "``…"""
    value: str
    rank: str
    note_text: str
    """``" — <note>"``, or ``""``."""
    sources: tuple[SourceView, ...]


def claim_views(event: Event) -> tuple[ClaimView, ...]:
    return tuple(
        ClaimView("" if c.field == "date" else f"{c.field}: ", c.display(), c.rank.value,
                  f" — {c.note}" if c.note else "", tuple(map(source_view, c.sources)))
        for c in event.claims if c.field in event.disputed_fields
    )


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
        disputes=claim_views(event) if event.disputed else (),
    )


def date_view(event: Event) -> DateView:
    return _date_view(event.span)


@lru_cache(maxsize=8192)
def _date_view(span: Span) -> DateView:
    """Cached: many events share a date (a day, a month, a year)."""
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


def html_datetime(value: HistDate) -> str | None:
    """A valid HTML ``datetime`` value: a year, month, date, or date and time; or None.

    Qualifiers (approximate, uncertain) cannot be said there; the words say them. HTML's
    dates have years from 1 (four or more digits): a BC year, an open or set date
    (``[..-0400]``), a season or unspecified digits (``201X``) have no valid value, so the
    date is written as words in a ``<span>`` rather than with a wrong ``datetime``.
    """
    if (value.year < 1 or value.one_of or value.open or value.season is not None
            or value.unspecified_digits or value.unspecified_month or value.unspecified_day):
        return None
    text = value.edtf.rstrip("~?%")
    return text[1:] if text.startswith("Y") else text


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


def source_view(source: Source) -> SourceView:
    url = source.url
    href = url if url is not None and _is_web(url) else None
    archived = source.archived_url
    archived_href = archived if archived is not None and _is_web(archived) else None
    return SourceView(
        label=_source_label(source),
        href=href,
        url_text=url if href is None else None,
        published=_span_words(source.published),
        accessed=_span_words(source.accessed),
        archived_href=archived_href,
        archived_text=archived if archived_href is None else None,
        quote=source.quote,
    )


def _is_web(url: str) -> bool:
    """Only http(s) URLs become links; ``javascript:``, ``data:`` and the rest stay text."""
    return url[:8].lower().startswith(_WEB_SCHEMES)


def _source_label(source: Source) -> str | None:
    publisher, title = source.publisher, source.title
    return f"{publisher}: {title}" if publisher and title else (publisher or title)


@lru_cache(maxsize=4096)
def _span_words(edtf: str | None) -> str | None:
    """A source's own date in words; the same few dates recur across many sources."""
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


# -- the built-in timeline.html, compiled by hand ------------------------------------------


def _same(event: Event) -> Event:
    return event


def _esc(text: str) -> str:
    """HTML-escape exactly as jinja's autoescape (markupsafe) does, at a third of its cost."""
    return (text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            .replace('"', "&#34;").replace("'", "&#39;"))


def render_timeline(years: Iterable[YearGroup[Event]]) -> Iterator[str]:
    """The built-in ``timeline.html``, written out in Python: the same bytes, faster.

    Rendering is most of an export's cost, and jinja's generated code yields every
    fragment separately. ``timeline.html`` stays the readable definition of the markup
    and what a user's ``--template-dir`` overrides; ``tests/test_html.py`` checks that
    both give byte-identical pages, so they cannot drift apart.
    """
    for year in years:
        heading = "h4" if year.dense else "h3"
        anchor = f' id="{_esc(year.anchor)}"' if year.anchor else ""
        yield f'<section class="year"{anchor} data-year="{year.year}">\n<h2>{year.label}</h2>\n'
        for month in year.months:
            if month.label:
                anchor = f' id="{_esc(month.anchor)}"' if month.anchor else ""
                yield f'<section class="month"{anchor}>\n<h3>{_esc(month.label)}</h3>\n'
            events = month.events
            while batch := [event_html(event, heading) for event in itertools.islice(events, LIST_SIZE)]:
                kind = "events full" if len(batch) == LIST_SIZE else "events"
                yield f'<ol class="{kind}">\n{"".join(batch)}</ol>\n'
            if month.label:
                yield "</section>\n"
        yield "</section>\n"


def event_html(event: Event, heading: str = "h3") -> str:
    """One event's ``<li>``, as ``timeline.html`` writes it."""
    eid = _esc(event.id)
    retracted = event.status is Status.RETRACTED
    title = _esc(event.title)
    parts = [
        f'<li class="{"ev retracted" if retracted else "ev"}" id="event-{eid}">\n'
        f'<{heading} class="title"><a href="#event-{eid}">{f"<s>{title}</s>" if retracted else title}</a></{heading}>\n'
        f'<p class="when">{_when_html(event.span)}'
        + (f' · <span class="place">{_esc(event.place)}</span></p>\n' if event.place else "</p>\n")
    ]
    add = parts.append
    if retracted:
        reason = f": {_esc(event.status_reason)}" if event.status_reason else ""
        add(f'<p class="retraction"><strong>Retracted</strong>{reason}</p>\n')
    if event.description:
        add(f'<p class="desc">{_esc(event.description)}</p>\n')
    if event.actors:
        who = ", ".join([f'<span class="i">{_esc(actor)}</span>' for actor in event.actors])
        add(f'<p class="who"><span class="k">Who:</span> {who}</p>\n')
    if event.tags:
        add('<ul class="tags" aria-label="Tags">' + "".join([f"<li>{_esc(tag)}</li>" for tag in event.tags])
            + "</ul>\n")
    if event.sources:
        add('<ul class="src" aria-label="Sources">\n'
            + "".join([_source_html(source) for source in event.sources]) + "</ul>\n")
    elif event.unsourced:
        add('<p class="nosrc">Recorded without a source.</p>\n')
    if event.disputed:
        add(_disputes_html(event))
    history = event.history
    if len(history) > 1:
        revised = revised_note(history)
        if revised:
            add(f'<p class="rev">{_esc(revised)}</p>\n')
        records = "".join([_history_html(history_view(entry)) for entry in history])
        add(f'<details class="hist"><summary>History: {len(history)} records</summary>\n'
            f"<ol>{records}</ol>\n</details>\n")
    add("</li>\n")
    return "".join(parts)


@lru_cache(maxsize=8192)
def _when_html(span: Span) -> str:
    """Cached: many events share a date (a day, a month, a year)."""
    date = _date_view(span)
    text = _time_html(date.start, date.start_text)
    if date.end_text is not None:
        text += f" – {_time_html(date.end, date.end_text)}"
    elif date.ongoing:
        text += " – ongoing"
    return text


def _time_html(value: str | None, words: str) -> str:
    """``<time datetime="…">words</time>``; a plain ``<span>`` when HTML has no valid
    value (a ``<time>`` without one must hold a valid date itself, and "490 BC" is not)."""
    if value is None:
        return f'<span class="date">{_esc(words)}</span>'
    return f'<time datetime="{_esc(value)}">{_esc(words)}</time>'


def _source_html(source: Source) -> str:
    """One source's ``<li>``. Dates in words come from :func:`_span_words` and need no escaping."""
    url, publisher, title = source.url, source.publisher, source.title
    label = f"{publisher}: {title}" if publisher and title else (publisher or title)
    if url is not None and url[:8].lower().startswith(_WEB_SCHEMES):
        text = f'<li><a href="{_esc(url)}" rel="noopener noreferrer">{_esc(label or url)}</a>'
    else:
        text = f'<li><span class="i">{_esc(label)}</span> ' if label else "<li>"
        if url is not None:
            text += f'<code class="url">{_esc(url)}</code> <span class="hint">(not a web link)</span>'
    if source.published:
        text += f", published {_span_words(source.published)}"
    if source.accessed:
        text += f", accessed {_span_words(source.accessed)}"
    archived = source.archived_url
    if archived is not None:
        if _is_web(archived):
            text += f' · <a href="{_esc(archived)}" rel="noopener noreferrer">archived copy</a>'
        else:
            text += (f' · archived copy <code class="url">{_esc(archived)}</code>'
                     ' <span class="hint">(not a web link)</span>')
    if source.quote:
        text += f" <q>{_esc(source.quote)}</q>"
    return text + "</li>\n"


def _disputes_html(event: Event) -> str:
    """"Sources disagree:" with each claimed value, its rank and note, and its linked sources."""
    items = []
    for claim in event.claims:
        if claim.field not in event.disputed_fields:
            continue
        field = "" if claim.field == "date" else f"{_esc(claim.field)}: "
        note = f" — {_esc(claim.note)}" if claim.note else ""
        sources = "".join([_source_html(source) for source in claim.sources])
        items.append(f'<li class="claim {claim.rank.value}">{field}<strong>{_esc(claim.display())}</strong>'
                     f' <span class="rank">({claim.rank.value})</span>{note}\n<ul class="src">\n{sources}</ul></li>\n')
    return ('<div class="disputed"><p><strong>Sources disagree:</strong></p>\n<ul class="claims">\n'
            + "".join(items) + "</ul></div>\n")


def _history_html(view: HistoryView) -> str:
    reason = f": {_esc(view.reason)}" if view.reason else ""
    return (f'<li><span class="what">{_esc(view.what)}</span> <time datetime="{_esc(view.at)}">'
            f'{_esc(view.at_text)}</time> by <span class="i">{_esc(view.author)}</span>{reason}</li>')


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
                                  f"{_SHORT_MONTHS[month - 1]} {year_label(year)}"))
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
                        f"{year_label(year)}: {_count_words(tally.year_only[year])} dated only to the year", True))
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
    summary = f"{_count_words(tally.count)} from {year_label(years[0])} to {year_label(years[-1])}"
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
