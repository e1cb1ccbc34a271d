"""Writing iCalendar: one VEVENT at a time, straight to the output, byte-identical for
the same archive state (see the package docstring and ``docs/icalendar.md``)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from datetime import date, datetime, timedelta
from typing import Any, TextIO

from chronicle.dates import Precision, Span
from chronicle.errors import InvalidInput
from chronicle.formats import ExportContext, ExportStats
from chronicle.formats.ical.text import (
    escape_text,
    fold,
    ical_stamp,
    is_web_url,
    param_text,
    source_json,
    sources_block,
    uid_for,
    uri_value,
)
from chronicle.model import Event, Status

POLICIES = ("start", "span", "skip")
"""``imprecise``: month/year/approximate/ongoing dates sit on their first day with the
honest date in the title (the default), span their whole period, or are left out."""

DEFAULT_POLICY = "start"

_ONE_DAY = timedelta(days=1)
_PLACEMENT = {
    "span": "shown across the whole period it may cover",
    "start": "shown on the first day it may have begun",
}


def _date_value(day: date) -> str:
    return day.isoformat().replace("-", "")


def _datetime_value(moment: datetime, utc: bool) -> str:
    text = (
        f"{moment.year:04d}{moment.month:02d}{moment.day:02d}"
        f"T{moment.hour:02d}{moment.minute:02d}{moment.second:02d}"
    )
    return text + "Z" if utc else text


def organizer_line(archive_name: str, organizer: str | None = None) -> str:
    """The ORGANIZER RFC 5546 requires in a PUBLISH: the archive, at a never-delivering address."""
    address = organizer or f"mailto:{archive_name}@chronicle.invalid"
    return fold(f'ORGANIZER;CN="{param_text(archive_name)}":{uri_value(address)}')


def summary_text(event: Event, policy: str) -> str:
    """The title a calendar shows; under ``start`` an imprecise date is said in it."""
    if policy == "start" and is_imprecise(event.span):
        return f"{event.title} ({event.span.render()})"
    return event.title


def is_imprecise(span: Span) -> bool:
    """Dates iCalendar cannot say: coarser than a day, approximate, or still going on."""
    end = span.end
    return (
        span.start.precision < Precision.DAY
        or (end is not None and end.precision < Precision.DAY)
        or span.approximate
        or span.open_end
    )


def _date_note(span: Span, policy: str) -> str | None:
    """The description's line about a date that is not day-exact (None when it is)."""
    if not span.uncertain and not is_imprecise(span):
        return None
    qualities = []
    coarsest = min(span.start.precision, span.end.precision if span.end else Precision.TIMESTAMP)
    if coarsest < Precision.DAY:
        qualities.append(f"known to the {coarsest.label}")
    if span.approximate:
        qualities.append("approximate")
    if span.uncertain:
        qualities.append("uncertain")
    if span.open_end:
        qualities.append("still going on")
    if not qualities:
        return None
    text = f"Date: {span.render()} ({', '.join(qualities)})"
    if span.open_end and policy == "span":
        text += "; shown across the period it began in"
    elif coarsest < Precision.DAY or span.open_end:
        text += f"; {_PLACEMENT[policy]}"
    return text + "."


def disputes_block(event: Event) -> str:
    """Where sources disagree: each claimed value, its rank, its sources and note.

    The event's dates stay its preferred claim's; this says what else is claimed.
    """
    lines = []
    for field in event.disputed_fields:
        lines.append(f"Sources disagree on the {field}:")
        for claim in (c for c in event.claims if c.field == field):
            who = ", ".join(s.label or s.url or "" for s in claim.sources) or "no source"
            note = f" ({claim.note})" if claim.note else ""
            lines.append(f"- {claim.display()} [{claim.rank.value}]: {who}{note}")
    return "\n".join(lines)


def description_text(event: Event, policy: str) -> str:
    """The description, then the sources, then a line on an imprecise date."""
    parts = [event.description] if event.description else []
    parts.append(sources_block(event.sources, event.unsourced))
    if event.disputed:
        parts.append(disputes_block(event))
    note = _date_note(event.span, policy)
    if note:
        parts.append(note)
    if event.status is Status.RETRACTED:
        parts.append(f"Retracted: {event.status_reason or 'no reason given'}.")
    return "\n\n".join(parts)


def _when(span: Span, policy: str) -> str:
    """DTSTART (and DTEND) lines for ``span``, CRLF-terminated."""
    start, end = span.start, span.end
    if start.precision is Precision.TIMESTAMP and (end is None or end.precision is Precision.TIMESTAMP):
        # Timestamps: UTC when the offset is known, floating (local) when it is not.
        text = f"DTSTART:{_datetime_value(start.earliest, start.offset is not None)}\r\n"
        if end is not None and end.earliest > start.earliest:
            text += f"DTEND:{_datetime_value(end.earliest, end.offset is not None)}\r\n"
        return text
    if end is None and start.day is not None and not span.open_end:
        # The common case, a single day: no bounds arithmetic needed.
        first = date(start.year, start.month or 1, start.day)
        if first == date.max:
            return f"DTSTART;VALUE=DATE:{_date_value(first)}\r\n"
        return f"DTSTART;VALUE=DATE:{_date_value(first)}\r\nDTEND;VALUE=DATE:{_date_value(first + _ONE_DAY)}\r\n"
    first = start.earliest_day
    if policy == "start" and is_imprecise(span):
        last = first
    elif end is not None:
        last = end.latest_day
    else:
        last = start.latest_day
    text = f"DTSTART;VALUE=DATE:{_date_value(first)}\r\n"
    if last < date.max:  # 31 Dec 9999 has no next day; RFC 5545 then means one day
        text += f"DTEND;VALUE=DATE:{_date_value(last + _ONE_DAY)}\r\n"
    return text


def ical_can_hold(span: Span) -> bool:
    """Whether iCalendar can write ``span`` without changing its meaning.

    RFC 5545 DATE and DATE-TIME values have four-digit years, 0001–9999: a BC date, a
    year beyond 9999 or a date with no start (``[..-0400]``, ``../2019``) has no honest
    DTSTART, so such events are left out of the calendar and counted (never moved to a
    year the calendar can say).
    """
    start = span.start
    if start.open:
        return False
    last = start.latest_instant if span.open_end else span.latest_instant
    return start.earliest_instant.in_datetime_range and last.in_datetime_range


#: The export summary's words for events :func:`ical_can_hold` refuses.
OUT_OF_RANGE_NOTE = "dates iCalendar cannot hold: BC, after 9999 or with no start"


def vevent(event: Event, archive_name: str, policy: str, organizer: str = "") -> str:
    """One event as a folded, CRLF-terminated VEVENT block.

    ``organizer`` is a ready ORGANIZER line (:func:`organizer_line`) or empty (a CalDAV
    resource has none).
    """
    created = ical_stamp(event.created_at)
    modified = ical_stamp(event.updated_at or event.created_at)
    if event.status is Status.RETRACTED:
        status = "CANCELLED"
    elif event.span.uncertain:
        status = "TENTATIVE"
    else:
        status = "CONFIRMED"
    # Lines that are short and ASCII by construction skip the folding check.
    fixed = (
        f"BEGIN:VEVENT\r\n{fold(f'UID:{uid_for(event.id, archive_name)}')}"
        f"DTSTAMP:{modified}\r\nCREATED:{created}\r\nLAST-MODIFIED:{modified}\r\n"
        f"SEQUENCE:{max(event.revision - 1, 0)}\r\n{_when(event.span, policy)}{organizer}"
    )
    summary = summary_text(event, policy)
    lines = [
        f"SUMMARY:{escape_text(summary)}",
        f"DESCRIPTION:{escape_text(description_text(event, policy))}",
    ]
    if event.place:
        lines.append(f"LOCATION:{escape_text(event.place)}")
    if event.tags:
        lines.append("CATEGORIES:" + ",".join(escape_text(tag) for tag in event.tags))
    first_url = next((s.url for s in event.sources if s.url and is_web_url(s.url)), None)
    if first_url:
        lines.append(f"URL:{uri_value(first_url)}")
    lines.append(f"STATUS:{status}")
    lines.append("TRANSP:TRANSPARENT")
    lines.append(f"X-CHRONICLE-DATE:{event.span.edtf}")
    for actor in event.actors:
        lines.append(f"X-CHRONICLE-ACTOR:{escape_text(actor)}")
    for source in event.sources:
        lines.append("X-CHRONICLE-SOURCE:" + escape_text(source_json(source)))
    if event.unsourced:
        lines.append("X-CHRONICLE-UNSOURCED:TRUE")
    if summary != event.title:
        lines.append(f"X-CHRONICLE-TITLE:{escape_text(event.title)}")
    return fixed + "".join([fold(line) for line in lines]) + "END:VEVENT\r\n"


def calendar_header(ctx: ExportContext, policy: str) -> str:
    """VCALENDAR properties (RFC 5545 + RFC 7986 NAME/DESCRIPTION/REFRESH-INTERVAL)."""
    name = escape_text(ctx.name)
    description = escape_text(ctx.description or ctx.name)
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:-//chronicle//chronicle {ctx.version}//EN",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        f"NAME:{name}",
        f"X-WR-CALNAME:{name}",
        f"DESCRIPTION:{description}",
        f"X-WR-CALDESC:{description}",
        "REFRESH-INTERVAL;VALUE=DURATION:P1D",
        "X-PUBLISHED-TTL:P1D",
    ]
    if ctx.as_of:
        lines.append(f"LAST-MODIFIED:{ical_stamp(ctx.as_of)}")
    lines += [
        f"X-CHRONICLE-ARCHIVE:{name}",
        f"X-CHRONICLE-FILTER:{escape_text(ctx.filters)}",
        f"X-CHRONICLE-HEAD:{ctx.head_seq} {ctx.head_hash}",
        f"X-CHRONICLE-IMPRECISE:{policy}",
    ]
    return "".join(fold(line) for line in lines)


def export_ical(
    events: Iterable[Event], out: TextIO, ctx: ExportContext, options: Mapping[str, Any],
) -> ExportStats:
    """Write ``events`` as one VCALENDAR, streaming; see the module docstring."""
    policy = check_policy(options.get("imprecise"))
    organizer = organizer_line(ctx.name, options.get("organizer"))
    write = out.write
    write(calendar_header(ctx, policy))
    written = skipped = out_of_range = 0
    for event in events:
        if policy == "skip" and is_imprecise(event.span):
            skipped += 1
            continue
        if not ical_can_hold(event.span):
            out_of_range += 1
            continue
        write(vevent(event, ctx.name, policy, organizer))
        written += 1
    write("END:VCALENDAR\r\n")
    notes = []
    if skipped:
        notes.append("--imprecise skip: month/year, approximate or ongoing dates")
    if out_of_range:
        notes.append(f"{out_of_range} with {OUT_OF_RANGE_NOTE}")
    return ExportStats(written, skipped + out_of_range, "; ".join(notes) or None)


def ical_chunks(
    events: Iterable[Event], ctx: ExportContext, options: Mapping[str, Any], *, chunk_chars: int = 65536,
) -> Iterator[str]:
    """The same calendar as :func:`export_ical`, as text pieces of about ``chunk_chars``.

    For a server that streams the calendar to a client: nothing is read from ``events``
    before the first piece is asked for, and memory holds one piece.
    """
    policy = check_policy(options.get("imprecise"))
    organizer = organizer_line(ctx.name, options.get("organizer"))
    buffer = [calendar_header(ctx, policy)]
    size = 0
    for event in events:
        if (policy == "skip" and is_imprecise(event.span)) or not ical_can_hold(event.span):
            continue
        block = vevent(event, ctx.name, policy, organizer)
        buffer.append(block)
        size += len(block)
        if size >= chunk_chars:
            yield "".join(buffer)
            buffer, size = [], 0
    buffer.append("END:VCALENDAR\r\n")
    yield "".join(buffer)


def check_policy(policy: str | None) -> str:
    """The ``imprecise`` policy, :data:`DEFAULT_POLICY` when none is given."""
    policy = policy or DEFAULT_POLICY
    if policy not in POLICIES:
        raise InvalidInput("is not a policy", field="--imprecise", value=policy, accepted=", ".join(POLICIES))
    return policy


def resource_text(event: Event, ctx: ExportContext, policy: str) -> str:
    """One event as a CalDAV calendar object resource (RFC 4791 4.1): one VEVENT, no METHOD.

    Byte-identical for the same event state, so a publisher can compare it with what
    the server holds and PUT only what changed.
    """
    header = (
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\n"
        f"{fold(f'PRODID:-//chronicle//chronicle {ctx.version}//EN')}CALSCALE:GREGORIAN\r\n"
        f"X-CHRONICLE-IMPRECISE:{policy}\r\n"
    )
    return header + vevent(event, ctx.name, policy) + "END:VCALENDAR\r\n"
