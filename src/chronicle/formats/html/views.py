"""View models for the HTML page: each event, date, source and history record with
everything a template shows already in words.

``timeline.html`` (the jinja2 template a ``--template-dir`` may override) is rendered
from :func:`event_view`; the hand-compiled timeline (:mod:`.timeline`) uses the same
words (:func:`date_view_of`, :func:`span_words`, :func:`revised_note`,
:func:`history_view`) so both write the same page. Words never claim more precision
than the date has; only http(s) URLs become links (:func:`is_web`).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from chronicle.dates import HistDate, Span, parse_span
from chronicle.model import Event, HistoryEntry, Kind, Source, Status

#: Month abbreviations, for dates of the log and the overview's bars.
SHORT_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")

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
    return date_view_of(event.span)


@lru_cache(maxsize=8192)
def date_view_of(span: Span) -> DateView:
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
    href = url if url is not None and is_web(url) else None
    archived = source.archived_url
    archived_href = archived if archived is not None and is_web(archived) else None
    return SourceView(
        label=_source_label(source),
        href=href,
        url_text=url if href is None else None,
        published=span_words(source.published),
        accessed=span_words(source.accessed),
        archived_href=archived_href,
        archived_text=archived if archived_href is None else None,
        quote=source.quote,
    )


def is_web(url: str) -> bool:
    """Only http(s) URLs become links; ``javascript:``, ``data:`` and the rest stay text."""
    return url[:8].lower().startswith(_WEB_SCHEMES)


def _source_label(source: Source) -> str | None:
    publisher, title = source.publisher, source.title
    return f"{publisher}: {title}" if publisher and title else (publisher or title)


@lru_cache(maxsize=4096)
def span_words(edtf: str | None) -> str | None:
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
    return f"{day} {SHORT_MONTHS[month - 1]} {year}"


def count_words(count: int) -> str:
    """``1 event``, ``2,048 events``."""
    return f"{count:,} event" + ("" if count == 1 else "s")
