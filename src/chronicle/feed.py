"""The corrections feed: what a newsroom's corrections page shows, as Atom (RFC 4287).

One entry per log record, newest first: a new claim, a revision (each changed field,
from what to what), a new source, a retraction or a restoration — with the reason the
author gave, who and when, and the event's sources (only ``http``/``https`` ones become
links). Everything comes from the log, so the same archive state gives the same feed, and
an entry's ``id`` (``tag:<archive>.chronicle,<year>:record:<seq>``) never changes.
"""

from __future__ import annotations

import html
from typing import Any
from xml.etree import ElementTree

from chronicle import __version__
from chronicle.archive import Archive
from chronicle.dates import parse_span
from chronicle.errors import ChronicleError
from chronicle.formats.ical import is_web_url
from chronicle.model import REVISABLE, Event, Kind, Record, Source

#: Entries in the feed by default: the newest records.
FEED_SIZE = 50

ATOM = "http://www.w3.org/2005/Atom"

_TITLES = {
    Kind.RECORDED: "New claim",
    Kind.REVISED: "Corrected",
    Kind.SOURCED: "Source added",
    Kind.RETRACTED: "Retracted",
    Kind.RESTORED: "Restored",
    Kind.MERGED: "Merged into another event (a duplicate)",
    Kind.CLAIMED: "Claim added",
    Kind.RANKED: "Claim ranked",
    Kind.SOURCE_ADDED: "Source defined",
    Kind.SOURCE_CORRECTED: "Source corrected",
    Kind.SOURCE_WITHDRAWN: "Source withdrawn",
    Kind.ALIASED: "Actor alias recorded",
    Kind.UNALIASED: "Actor alias removed",
}


def latest_records(archive: Archive, limit: int) -> list[Record]:
    """The newest ``limit`` log records, newest first (one indexed range read)."""
    head = archive.head()
    return list(archive.log(after=max(0, head.count - limit)))[::-1][:limit]


def changed_fields(record: Record, before: dict[str, Any]) -> list[tuple[str, Any, Any]]:
    """``(field, old, new)`` for each field a revision changed."""
    return [(name, before.get(name), record.payload[name]) for name in REVISABLE if name in record.payload]


def _fields_before(archive: Archive, record: Record) -> dict[str, Any]:
    """The event's revisable fields just before ``record`` (a fold of its earlier records)."""
    state: dict[str, Any] = {}
    for earlier in archive.history(record.event_id):
        if earlier.seq >= record.seq:
            break
        if earlier.kind in (Kind.RECORDED, Kind.REVISED):
            state.update({k: v for k, v in earlier.payload.items() if k in REVISABLE})
    return state


def _value_words(name: str, value: Any) -> str:
    if value is None or value == "" or value == []:
        return "(none)"
    if name in ("date", "end") and isinstance(value, str):
        try:
            return f"{parse_span(value).render()} ({value})"
        except ChronicleError:
            return value
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return str(value)


def _source_html(source: Source) -> str:
    label = html.escape(source.label or source.url or "")
    if source.url and is_web_url(source.url):
        return f'<a href="{html.escape(source.url)}" rel="noopener noreferrer">{label}</a>'
    return label


def entry_parts(archive: Archive, record: Record, event: Event | None) -> tuple[str, str]:
    """An entry's title and HTML content for ``record``."""
    title = event.title if event is not None else record.event_id
    if record.kind in (Kind.ALIASED, Kind.UNALIASED):
        title = str(record.payload.get("name", title))
    lines = []
    if record.kind is Kind.REVISED:
        for name, old, new in changed_fields(record, _fields_before(archive, record)):
            lines.append(f"<li>{html.escape(name)}: {html.escape(_value_words(name, old))} → "
                         f"{html.escape(_value_words(name, new))}</li>")
    elif record.kind is Kind.SOURCED:
        lines.append(f"<li>new source: {_source_html(Source.from_dict(record.payload.get('source', {})))}</li>")
    elif record.kind is Kind.RECORDED:
        date = record.payload.get("date")
        end = record.payload.get("end")
        lines.append(f"<li>date: {html.escape(_value_words('date', date if not end else f'{date}/{end}'))}</li>")
    elif record.kind in (Kind.CLAIMED, Kind.RANKED):
        # A source's value for a field (issue 13), or a claim's new rank.
        name = str(record.payload.get("field", ""))
        value = html.escape(_value_words(name, record.payload.get("value")))
        rank = record.payload.get("rank")
        lines.append(f"<li>{html.escape(name)}: {value}" + (f" ({html.escape(str(rank))})" if rank else "") + "</li>")
        if record.payload.get("note"):
            lines.append(f"<li>note: {html.escape(str(record.payload['note']))}</li>")
        lines += [f"<li>according to: {_source_html(Source.from_dict(s))}</li>"
                  for s in record.payload.get("sources", ())]
    elif record.kind in (Kind.ALIASED, Kind.UNALIASED):  # actor aliases (``~actors``)
        canonical = record.payload.get("canonical")
        lines.append(f"<li>{html.escape(str(record.payload.get('name', '')))}"
                     + (f" is {html.escape(str(canonical))}" if canonical else " is an actor of its own")
                     + "</li>")
    elif isinstance(record.payload.get("source"), dict):  # a defined source's own records (``@KEY``)
        lines.append(f"<li>source: {_source_html(Source.from_dict(record.payload['source']))}</li>")
    parts = [f"<p>{html.escape(_TITLES[record.kind])}: <strong>{html.escape(title)}</strong>, "
             f"by {html.escape(record.author)} on {html.escape(record.recorded_at[:10])}.</p>"]
    if record.reason:
        parts.append(f"<p>Why: {html.escape(record.reason)}</p>")
    if lines:
        parts.append("<ul>" + "".join(lines) + "</ul>")
    if event is not None and event.sources:
        parts.append("<p>Sources:</p><ul>" + "".join(f"<li>{_source_html(s)}</li>" for s in event.sources) + "</ul>")
    elif event is not None and event.unsourced:
        parts.append("<p>No source: recorded as unsourced.</p>")
    return f"{_TITLES[record.kind]}: {title}", "".join(parts)


def corrections_atom(archive: Archive, *, base_url: str, limit: int = FEED_SIZE) -> str:
    """The Atom document of the newest ``limit`` records of ``archive``."""
    ElementTree.register_namespace("", ATOM)
    name = archive.name
    records = latest_records(archive, limit)
    feed = ElementTree.Element(f"{{{ATOM}}}feed")

    def add(parent: ElementTree.Element, tag: str, text: str | None = None, **attrs: str) -> ElementTree.Element:
        element = ElementTree.SubElement(parent, f"{{{ATOM}}}{tag}", attrs)
        if text is not None:
            element.text = text
        return element

    add(feed, "id", f"tag:{name}.chronicle,2000:corrections")
    add(feed, "title", f"{name} — corrections")
    add(feed, "subtitle", "Every change to the timeline: new claims, corrections, sources, retractions, "
                          "restorations — with the reason and the sources.")
    add(feed, "updated", records[0].recorded_at if records else "2000-01-01T00:00:00Z")
    add(feed, "link", rel="self", href=f"{base_url}/corrections.atom", type="application/atom+xml")
    add(feed, "link", rel="alternate", href=f"{base_url}/", type="text/html")
    add(feed, "generator", "chronicle", version=__version__)
    author = add(feed, "author")
    add(author, "name", name)
    events: dict[str, Event | None] = {}
    for record in records:
        if record.event_id not in events:
            events[record.event_id] = _event(archive, record.event_id)
        title, content = entry_parts(archive, record, events[record.event_id])
        entry = add(feed, "entry")
        add(entry, "id", f"tag:{name}.chronicle,{record.recorded_at[:4]}:record:{record.seq}")
        add(entry, "title", title)
        add(entry, "updated", record.recorded_at)
        add(entry, "link", rel="related", href=f"{base_url}/log.jsonl?after={record.seq - 1}&limit=1",
            type="application/jsonl")
        entry_author = add(entry, "author")
        add(entry_author, "name", record.author)
        add(entry, "category", term=record.kind.value)
        add(entry, "content", content, type="html")
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ElementTree.tostring(feed, encoding="unicode") + "\n"


def _event(archive: Archive, event_id: str) -> Event | None:
    try:
        return archive.get(event_id)
    except ChronicleError:
        return None

