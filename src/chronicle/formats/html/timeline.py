"""The built-in ``timeline.html``, compiled by hand: the same bytes, at a third of the cost.

Why the template exists twice: rendering the timeline is most of an HTML export's cost,
and jinja2's generated code yields every fragment separately. Measured on 20,000
imported events (``process_time`` of ``Archive.export("html", …)``), the whole export
takes 1.0 s CPU through this module and 2.6 s through ``timeline.html``; the template
cannot simply go either, since it is the readable definition of the markup and what a
user's ``--template-dir`` overrides. So both stay, and
``tests/test_html.py::test_fast_timeline_is_byte_identical_to_the_template`` renders
hostile, dense, crowded and real archives both ways and requires the same bytes: the
two cannot drift apart unnoticed.

Every piece of archive text goes through :func:`_esc`, which escapes exactly as jinja's
autoescape (markupsafe) does.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator
from functools import lru_cache

from chronicle.dates import Span
from chronicle.formats.html.grouping import LIST_SIZE, YearGroup
from chronicle.formats.html.views import (
    HistoryView,
    date_view_of,
    history_view,
    is_web,
    revised_note,
    span_words,
)
from chronicle.model import Event, Source, Status


def same(event: Event) -> Event:
    """The identity view: the fast path renders events themselves, not view models."""
    return event


def _esc(text: str) -> str:
    """HTML-escape exactly as jinja's autoescape (markupsafe) does, at a third of its cost."""
    return (text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            .replace('"', "&#34;").replace("'", "&#39;"))


def render_timeline(years: Iterable[YearGroup[Event]]) -> Iterator[str]:
    """The built-in ``timeline.html``, written out in Python (see the module's docstring)."""
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
    date = date_view_of(span)
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
    """One source's ``<li>``. Dates in words come from :func:`.views.span_words` and need no escaping."""
    url, publisher, title = source.url, source.publisher, source.title
    label = f"{publisher}: {title}" if publisher and title else (publisher or title)
    if url is not None and is_web(url):
        text = f'<li><a href="{_esc(url)}" rel="noopener noreferrer">{_esc(label or url)}</a>'
    else:
        text = f'<li><span class="i">{_esc(label)}</span> ' if label else "<li>"
        if url is not None:
            text += f'<code class="url">{_esc(url)}</code> <span class="hint">(not a web link)</span>'
    if source.published:
        text += f", published {span_words(source.published)}"
    if source.accessed:
        text += f", accessed {span_words(source.accessed)}"
    archived = source.archived_url
    if archived is not None:
        if is_web(archived):
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
