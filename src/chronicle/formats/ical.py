"""iCalendar (RFC 5545 + RFC 7986) export and import.

Export is a hand-written streaming serializer: one VEVENT at a time goes straight to
``out``, so memory does not grow with the archive, and it is several times faster than
building an ``icalendar.Calendar`` (see ``benchmarks/ical_bench.py``). What it writes
(the whole contract, with the reasons, is in ``docs/icalendar.md``):

- ``UID`` = ``<event-id>@<archive-name>.chronicle``, stable forever, so a re-import or a
  subscription *updates* an event instead of duplicating it;
- ``SEQUENCE`` = the number of records after the first (every revision, new source,
  retraction or restoration raises it); ``DTSTAMP`` and ``LAST-MODIFIED`` = the time
  of the event's latest record, ``CREATED`` = its first: never the clock, so the same
  archive state gives a byte-identical file;
- a retracted event (when the events given include it, as ``chronicle export --format
  ics`` and ``chronicle serve`` do by default) as ``STATUS:CANCELLED`` with its raised
  SEQUENCE, so every calendar that received it drops it; a restored one is CONFIRMED
  again with a still higher SEQUENCE;
- ``METHOD:PUBLISH`` with the ``ORGANIZER`` RFC 5546 requires of a PUBLISH: the archive,
  ``mailto:<archive-name>@chronicle.invalid`` by default (``.invalid`` is reserved, so the
  address can never deliver mail; ``options["organizer"]`` names a real one). A CalDAV
  resource (:func:`resource_text`) has neither, as RFC 4791 wants;
- ``URL`` only for an ``http``/``https`` source (``javascript:``, ``data:`` … never);
- day dates as all-day events with an exclusive ``DTEND``; timestamps in UTC (chronicle
  stores a UTC offset, not a named zone, so no ``VTIMEZONE`` is guessed); the original
  EDTF in ``X-CHRONICLE-DATE``.

**Imprecise and ongoing events** (month/year precision, approximate, still going on)
follow the ``imprecise`` policy. The default, ``start``, writes a *one-day marker* on the
first day the event may have begun, and says the honest date in the title a calendar
shows — ``FARC peace deal (2016)``, ``States of exception (Mar 2024 – ongoing)`` — and in
the description ("Date: 2016 (known to the year); shown on the first day it may have
begun."). A year is then one line on 1 January, not a banner over 365 days, and no day
is claimed that the archive does not know: the title says which period it is.
(``X-CHRONICLE-TITLE`` keeps the bare title for re-import.) ``span`` covers the whole
period instead (an ongoing event: the period it began in); ``skip`` leaves them out.

Import reads with the ``icalendar`` library (lenient about BOMs, LF line ends, Windows
and custom ``VTIMEZONE`` names) and turns each VEVENT into an
:class:`~chronicle.incoming.Incoming` (recurring ones as their first occurrence, or
expanded by ``recurring-ical-events`` into one per occurrence in a window). chronicle's own ``X-CHRONICLE-*`` properties
restore what a calendar cannot say (precision, sources, actors), so an export
round-trips into the same events.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from datetime import date, datetime, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any, TextIO
from urllib.parse import quote

from chronicle.dates import Precision, Span, parse_span
from chronicle.errors import ChronicleError, InvalidInput
from chronicle.formats import ExportContext, ExportStats
from chronicle.formats.depth import parse_bounded
from chronicle.incoming import FileVersion, ImportItems, Incoming, Items
from chronicle.model import Event, EventFields, Source, Status, check_id, make_source

POLICIES = ("start", "span", "skip")
"""``imprecise``: month/year/approximate/ongoing dates sit on their first day with the
honest date in the title (the default), span their whole period, or are left out."""

DEFAULT_POLICY = "start"

WEB_SCHEMES = ("http://", "https://")
"""The only URLs written as ``URL``: a calendar makes it a link."""

UID_SUFFIX = ".chronicle"
"""UIDs are ``<event-id>@<archive-name>.chronicle``; the reader maps them back."""

_CRLF = "\r\n"
_ONE_DAY = timedelta(days=1)
_SOURCE_KEYS = ("url", "title", "publisher", "published", "accessed", "archived_url", "quote")
_json_string: Callable[[str], str] = getattr(json.encoder, "c_encode_basestring", None) or json.encoder.py_encode_basestring
_SPECIAL = re.compile(r"[\\;,\r\n\x00-\x08\x0b-\x1f\x7f]")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
_CHRONICLE_UID = re.compile(r"^(?P<id>[A-Za-z0-9][A-Za-z0-9._-]{0,99})@[A-Za-z0-9._-]+\.chronicle$")
_URL_SAFE = "".join(chr(c) for c in range(0x21, 0x7F))
_PLACEMENT = {
    "span": "shown across the whole period it may cover",
    "start": "shown on the first day it may have begun",
}

# --- writing ------------------------------------------------------------------------


def escape_text(text: str) -> str:
    """A TEXT value (RFC 5545 3.3.11): ``\\``, ``;``, ``,`` and newlines escaped.

    Any CR/LF becomes the two characters ``\\n``, so no value can start a new property
    (a title holding ``\\r\\nDTSTART:…`` stays text); other control characters, which
    TEXT may not contain, are dropped.
    """
    if _SPECIAL.search(text) is None:
        return text
    text = text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = text.replace("\n", "\\n")
    # No line ends are left, so a printable text (the usual case, checked in C) has no
    # control character; only the rest pays for the regex.
    if text.isprintable() or _CONTROL.search(text) is None:
        return text
    return _CONTROL.sub("", text)


def fold(line: str) -> str:
    """One content line, folded at 75 octets (RFC 5545 3.1), CRLF-terminated.

    Continuation lines start with a space and hold 74 octets; a cut never falls inside
    a UTF-8 sequence, so "ñ" is never split across lines.
    """
    if line.isascii():  # one character is one octet: cut the string itself
        if len(line) <= 75:
            return line + _CRLF
        return line[:75] + "".join([f"\r\n {line[i:i + 74]}" for i in range(75, len(line), 74)]) + _CRLF
    raw = line.encode("utf-8")
    size = len(raw)
    if size <= 75:
        return line + _CRLF
    parts = []
    start, limit = 0, 75
    while size - start > limit:
        cut = start + limit
        while raw[cut] & 0xC0 == 0x80:  # a continuation byte: back up to the sequence start
            cut -= 1
        parts.append(raw[start:cut])
        start, limit = cut, 74
    parts.append(raw[start:])
    return b"\r\n ".join(parts).decode("utf-8") + _CRLF


def ical_stamp(iso: str) -> str:
    """``2025-04-13T20:00:05.123456Z`` (a log time) → ``20250413T200005Z``."""
    return f"{iso[0:4]}{iso[5:7]}{iso[8:10]}T{iso[11:13]}{iso[14:16]}{iso[17:19]}Z"


def uid_for(event_id: str, archive_name: str) -> str:
    return f"{event_id}@{archive_name}{UID_SUFFIX}"


def _date_value(day: date) -> str:
    return day.isoformat().replace("-", "")


def _datetime_value(moment: datetime, utc: bool) -> str:
    text = (
        f"{moment.year:04d}{moment.month:02d}{moment.day:02d}"
        f"T{moment.hour:02d}{moment.minute:02d}{moment.second:02d}"
    )
    return text + "Z" if utc else text


def is_web_url(url: str) -> bool:
    """``http``/``https`` with a host: what a calendar may turn into a link."""
    scheme, _, rest = url.partition("://")
    return scheme.lower() in ("http", "https") and bool(rest.split("/", 1)[0].strip())


def organizer_line(archive_name: str, organizer: str | None = None) -> str:
    """The ORGANIZER RFC 5546 requires in a PUBLISH: the archive, at a never-delivering address."""
    address = organizer or f"mailto:{archive_name}@chronicle.invalid"
    return fold(f'ORGANIZER;CN="{_param_text(archive_name)}":{_uri(address)}')


def _param_text(text: str) -> str:
    """A quoted parameter value may hold anything but ``"`` and control characters."""
    return _CONTROL.sub("", text.replace('"', "'").replace("\r", " ").replace("\n", " "))


def summary_text(event: Event, policy: str) -> str:
    """The title a calendar shows; under ``start`` an imprecise date is said in it."""
    if policy == "start" and is_imprecise(event.span):
        return f"{event.title} ({event.span.render()})"
    return event.title


def _uri(url: str) -> str:
    """A URI value: non-ASCII and control characters percent-encoded, the rest kept."""
    if url.isascii() and url.isprintable():
        return url
    return quote(url, safe=_URL_SAFE)


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


@lru_cache(maxsize=4096)
def _published_words(published: str) -> str:
    """`` (published 19 Feb – 13 Apr 2025)``; cached, since many sources share a date."""
    return f" (published {parse_span(published).render()})"


def sources_block(sources: Iterable[Source], unsourced: bool) -> str:
    """The sources part of DESCRIPTION: one line each, with publisher, title and URL."""
    lines = []
    for source in sources:
        words = [p for p in (source.publisher, f"“{source.title}”" if source.title else None) if p]
        text = ", ".join(words)
        if source.published:
            text += _published_words(source.published)
        if source.url:
            text = f"{text}: {source.url}" if text else source.url
        if source.archived_url:
            text += f" (archived: {source.archived_url})"
        lines.append(f"- {text}")
    if not lines:
        return "No source: recorded as unsourced." if unsourced else "No source."
    return "Sources:\n" + "\n".join(lines)


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
        lines.append(f"URL:{_uri(first_url)}")
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


def source_json(source: Source) -> str:
    """``Source.to_dict()`` as compact JSON, built directly (this runs once per citation)."""
    fields = [
        f'"{key}":{_json_string(value)}'
        for key in _SOURCE_KEYS if (value := getattr(source, key)) is not None
    ]
    return "{" + ",".join(fields) + "}"


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


# --- reading ------------------------------------------------------------------------


RECURRENCES = ("first", "expand")
"""``recurrences``: a recurring event (``RRULE``/``RDATE``) is read as its first
occurrence, with the rule said in its description, or expanded into one event per
occurrence inside a window."""


def read_ical(path: Path, options: Mapping[str, Any] | None = None) -> ImportItems:
    """Each VEVENT of ``path`` as an :class:`Incoming`; a broken file raises before any.

    The whole file is parsed and checked first, so a file with one bad event imports
    nothing. Options: ``recurrences`` (:data:`RECURRENCES`, default ``first``) and, for
    ``expand``, ``window`` = ``(first_day, last_day)``: each occurrence that happens (at
    least in part) in it becomes its own event (``RRULE``, ``RDATE``, ``EXDATE`` and moved occurrences are
    worked out by the ``recurring-ical-events`` library), id ``<uid>/<occurrence>``.

    What is not an event is counted with its reason (cancelled events — which is also
    how chronicle exports a retracted event —, occurrences moved within a series that
    is read as its first occurrence); a moved occurrence whose series is not in the
    file is all the file says about it, so it becomes its own event. What is read
    differently from how the file says it (an unknown ``TZID`` read as floating time,
    an end before the start dropped) is counted in the items' ``notes``.
    """
    options = options or {}
    label = str(options.get("label") or path)
    recurrences = str(options.get("recurrences") or "first")
    if recurrences not in RECURRENCES:
        raise InvalidInput("is not a way to read recurring events", field="--recurrences", value=recurrences,
                           accepted=", ".join(RECURRENCES))
    window: tuple[date, date] | None = options.get("window")
    if recurrences == "expand" and window is None:
        raise InvalidInput("needs a window to expand recurring events into", field="--recurrences", value=recurrences,
                           accepted="--from DATE --until DATE (a rule may repeat forever)")
    if window is not None and recurrences != "expand":
        raise InvalidInput("is a window for expanded recurrences", field="--from/--until",
                           value=f"{window[0].isoformat()}/{window[1].isoformat()}",
                           accepted="--recurrences expand --from DATE --until DATE")
    if window is not None and window[1] < window[0]:
        raise InvalidInput("is before --from", field="--until", value=window[1].isoformat())
    reader = _CalendarReader(label, window if recurrences == "expand" else None)
    items = list(reader.read(path))
    return Items(items, skip_reasons=reader.skipped, notes=reader.notes)


class _CalendarReader:
    """One calendar file's VEVENTs as items, tallying what is skipped or noted."""

    def __init__(self, label: str, window: tuple[date, date] | None) -> None:
        self.label = label
        self.window = window
        self.skipped: dict[str, int] = {}
        self.notes: dict[str, int] = {}

    def skip(self, reason: str) -> None:
        self.skipped[reason] = self.skipped.get(reason, 0) + 1

    def read(self, path: Path) -> Iterator[Incoming]:
        label = self.label
        components = _parse(path, label)
        events = [(calendar, vevent) for calendar in components for vevent in calendar.walk("VEVENT")]
        if not events and not any(c.name in ("VCALENDAR", "VEVENT") for c in components):
            raise InvalidInput("holds no complete calendar (a BEGIN without its END?)", field="file", value=label,
                               accepted="BEGIN:VCALENDAR … END:VCALENDAR")
        masters = {_uid(c) for _, c in events if c.get("RECURRENCE-ID") is None}
        recurring = {_uid(c) for _, c in events if c.get("RECURRENCE-ID") is None and _repeats(c)}
        for number, (calendar, component) in enumerate(events, start=1):
            where = f"{label}: VEVENT {number}"
            uid = _uid(component)
            if uid:
                where += f" (UID {uid})"
            try:
                moved = component.get("RECURRENCE-ID")
                if moved is not None and uid in masters:
                    self.skip("a moved occurrence (RECURRENCE-ID) of a recurring event read as its first occurrence"
                              if self.window is None or uid not in recurring else
                              "a moved occurrence (RECURRENCE-ID): read with its series' occurrences")
                    continue
                if moved is not None:
                    # An override whose series is not in the file (a shared single occurrence,
                    # a calendar cut by date) is all the file says about that occurrence.
                    uid = f"{uid}/{_recurrence_key(moved)}"
                expanding = self.window is not None and moved is None and uid in recurring
                # An expanded series is checked (and its zones noted: the library's
                # occurrences no longer say their TZID) as a whole first.
                item = _incoming(component, uid, where, self.notes)
                if isinstance(item, str):
                    self.skip(item)
                    continue
                if not expanding:
                    if uid in recurring:
                        _tally(self.notes, "a recurring event (RRULE/RDATE) imported as its first occurrence only "
                                           "(--recurrences expand imports each occurrence in a window)")
                    yield item
                    continue
                try:
                    found = self._expand(calendar, uid)
                except Exception as error:  # the library's own kinds, and dateutil's
                    _tally(self.notes, f"a rule that cannot be expanded ({_one_line(error)}): "
                                       "the event is imported as its first occurrence")
                    yield item
                    continue
                if not found and self.window is not None:
                    first, last = self.window
                    self.skip(f"a recurring event with no occurrence from {first.isoformat()} to {last.isoformat()}")
                for occurrence in found:
                    key = _recurrence_key(occurrence.get("RECURRENCE-ID") or occurrence.get("DTSTART"))
                    result = _incoming(occurrence, f"{uid}/{key}", f"{where} occurrence {key}", self.notes)
                    if isinstance(result, str):
                        self.skip(f"an occurrence {result}")
                    else:
                        yield result
            except ChronicleError as error:
                raise error.located(where) from None
            except Exception as error:  # a value icalendar could not make sense of
                raise InvalidInput(f"cannot be read ({_one_line(error)})", where=where) from None

    def _expand(self, calendar: Any, uid: str) -> list[Any]:
        """Every occurrence of the series ``uid`` of ``calendar`` that happens in the window.

        Each series is expanded in a calendar of its own (with the file's zones and
        calendar properties such as ``X-WR-TIMEZONE``), so a rule the library cannot
        follow costs only that series.
        """
        import icalendar
        import recurring_ical_events  # lazy: only expanded imports pay for it

        assert self.window is not None
        first, last = self.window
        series = icalendar.Calendar()
        parts = [calendar] if calendar.name != "VCALENDAR" else list(calendar.subcomponents)
        if calendar.name == "VCALENDAR":
            for key, value in calendar.items():
                series[key] = value
        for part in parts:
            if part.name == "VTIMEZONE" or (part.name == "VEVENT" and _uid(part) == uid):
                series.add_component(part)
        found: list[Any] = recurring_ical_events.of(series).between(first, last + _ONE_DAY)
        return found


def _tally(counts: dict[str, int], what: str) -> None:
    counts[what] = counts.get(what, 0) + 1


def _uid(component: Any) -> str:
    return str(component.get("UID") or "").strip()


def _repeats(component: Any) -> bool:
    return component.get("RRULE") is not None or component.get("RDATE") is not None


def _parse(path: Path, label: str) -> list[Any]:
    import icalendar  # lazy: only imports of .ics pay for it

    try:
        data = path.read_bytes()
    except OSError as error:
        raise InvalidInput(f"cannot be read ({error.strerror})", field="file", value=label) from None
    data = data.removeprefix(b"\xef\xbb\xbf")
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise InvalidInput(f"is not UTF-8 (byte {error.start})", field="file", value=label) from None
    if not data.strip():
        raise InvalidInput("is empty", field="file", value=label, accepted="an iCalendar file (BEGIN:VCALENDAR …)")
    _check_lines(data, label)
    try:
        components: list[Any] = icalendar.Component.from_ical(data, multiple=True)
    except Exception as error:  # icalendar raises ValueError and its own kinds
        raise InvalidInput(f"is not valid iCalendar ({_one_line(error)})", field="file", value=label) from None
    return components


def _check_lines(data: bytes, label: str) -> None:
    """Refuse a blank line inside the calendar: RFC 5545 has none, and it hides a cut file.

    A blank line followed by a folded continuation (some old Mozilla exports) is tolerated.
    """
    lines = data.split(b"\n")
    while lines and not lines[-1].strip():
        lines.pop()
    for number, line in enumerate(lines, start=1):
        if not line.rstrip(b"\r") and not lines[number].startswith((b" ", b"\t")):
            raise InvalidInput(f"line {number} is blank (RFC 5545 allows no blank line inside a calendar)",
                               field="file", value=label)


def _one_line(error: BaseException) -> str:
    text = " ".join(str(error).split()) or type(error).__name__
    return text if len(text) <= 160 else text[:157] + "…"


def _incoming(component: Any, uid: str, where: str, notes: dict[str, int]) -> Incoming | str:
    errors = getattr(component, "errors", None)
    if errors:
        prop, problem = errors[0]
        raise InvalidInput(f"has an invalid value ({_one_line(Exception(problem))})", field=str(prop))
    if _text(component, "STATUS").upper() == "CANCELLED":
        # It did not happen (or chronicle retracted it): nothing to record.
        return "cancelled (STATUS:CANCELLED)"
    summary = next(iter(_all_text(component, "X-CHRONICLE-TITLE")), None) or _text(component, "SUMMARY")
    title = summary.strip() or "(untitled calendar event)"
    span_text = _text(component, "X-CHRONICLE-DATE").strip()
    span = parse_span(span_text, field="X-CHRONICLE-DATE") if span_text else _span_of(component, notes)
    sources = tuple(_chronicle_source(raw) for raw in _all_text(component, "X-CHRONICLE-SOURCE"))
    description = _text(component, "DESCRIPTION").replace("\r\n", "\n")
    chronicle_made = bool(span_text)
    if chronicle_made:
        description = _strip_trailer(description, sources, _text(component, "X-CHRONICLE-UNSOURCED") == "TRUE")
    else:
        url = _text(component, "URL").strip()
        if url:
            try:
                sources = (make_source(url, field_prefix="URL"),)
            except ChronicleError:
                sources = ()  # not an absolute URL: the event stays unsourced
        rule = component.get("RRULE")
        if rule is not None:
            rule_text = rule.to_ical().decode() if hasattr(rule, "to_ical") else str(rule)
            description += ("\n\n" if description else "") + (
                f"Repeats (iCalendar rule {rule_text}); imported as its first occurrence."
            )
        extra = _rdates(component)
        if extra:
            # Said in the import's notes, not the description: records of calendars
            # imported before stay byte-identical.
            _tally(notes, "RDATE dates not imported: the event is read as its first occurrence "
                          "(--recurrences expand imports each)")
    if not uid:
        # RFC 5545 requires a UID; without one, the start and title are the event's identity.
        uid = f"no-uid-{hashlib.sha256(f'{span.edtf} {title}'.encode()).hexdigest()[:16]}"
    fields = EventFields.parse(
        title=title, date=span.parts[0], end=span.parts[1], description=description,
        tags=_categories(component), actors=list(_all_text(component, "X-CHRONICLE-ACTOR")),
        place=_text(component, "LOCATION") or None, sources=sources, unsourced=not sources,
    )
    return Incoming(event_id=event_id_for(uid), fields=fields, where=where,
                    version=_version(component, chronicle_made))


def _version(component: Any, chronicle_made: bool) -> FileVersion | None:
    """How new this copy is: in chronicle's own calendars SEQUENCE counts the records after the first."""
    if not chronicle_made:
        return None
    try:
        return FileVersion(revision=int(component.get("SEQUENCE")) + 1)
    except (TypeError, ValueError):
        return None


def _rdates(component: Any) -> list[str]:
    """The extra dates of an ``RDATE`` (every property, every value), as written in ISO."""
    found: list[str] = []
    props = component.get("RDATE")
    for prop in props if isinstance(props, list) else [props] if props is not None else []:
        for value in getattr(prop, "dts", []):
            moment = value.dt
            if isinstance(moment, tuple):  # a PERIOD: its start
                moment = moment[0]
            found.append(_timestamp(moment) if isinstance(moment, datetime) else _day(moment))
    return found


def _recurrence_key(prop: Any) -> str:
    """A RECURRENCE-ID as text for an occurrence's identity (``20240105T090000Z``)."""
    value = prop[0] if isinstance(prop, list) else prop
    moment = value.dt
    if isinstance(moment, datetime):
        return _timestamp(moment).replace("-", "").replace(":", "")
    return _day(moment).replace("-", "")


def event_id_for(uid: str) -> str:
    """A stable chronicle id for a calendar UID (chronicle's own UIDs map back exactly)."""
    match = _CHRONICLE_UID.match(uid)
    if match:
        return match.group("id")
    try:
        return check_id(uid)
    except InvalidInput:
        pass
    digest = hashlib.sha256(uid.encode("utf-8")).hexdigest()[:10]
    readable = re.sub(r"[^A-Za-z0-9._-]+", "-", uid).strip("-._")[:80].strip("-._")
    return f"{readable}-{digest}" if readable else f"ics-{digest}"


def _text(component: Any, name: str) -> str:
    value = component.get(name)
    if value is None:
        return ""
    if isinstance(value, list):
        value = value[0]
    return str(value)


def _all_text(component: Any, name: str) -> list[str]:
    """Every value of an ``X-CHRONICLE-*`` TEXT property (icalendar leaves them escaped)."""
    value = component.get(name)
    if value is None:
        return []
    return [unescape_text(str(v)) for v in (value if isinstance(value, list) else [value])]


_ESCAPED = re.compile(r"\\([\\;,nN])")
_UNESCAPED = {"\\": "\\", ";": ";", ",": ",", "n": "\n", "N": "\n"}


def unescape_text(text: str) -> str:
    """The inverse of :func:`escape_text`."""
    return _ESCAPED.sub(lambda match: _UNESCAPED[match.group(1)], text) if "\\" in text else text


def _categories(component: Any) -> list[str]:
    value = component.get("CATEGORIES")
    if value is None:
        return []
    tags: list[str] = []
    for prop in value if isinstance(value, list) else [value]:
        cats = getattr(prop, "cats", None)
        tags.extend(str(c) for c in (cats if cats is not None else [prop]))
    return tags


def _chronicle_source(raw: str) -> Source:
    try:
        data = parse_bounded(lambda: json.loads(raw), field="X-CHRONICLE-SOURCE", value=raw[:40], what="JSON")
    except ValueError:
        raise InvalidInput("is not chronicle's source JSON", field="X-CHRONICLE-SOURCE", value=raw) from None
    if not isinstance(data, dict):
        raise InvalidInput("is not chronicle's source JSON", field="X-CHRONICLE-SOURCE", value=raw)
    return make_source(
        data.get("url"), title=data.get("title"), publisher=data.get("publisher"),
        published=data.get("published"), accessed=data.get("accessed"),
        archived_url=data.get("archived_url"), quote=data.get("quote"), field_prefix="X-CHRONICLE-SOURCE",
    )


def _strip_trailer(description: str, sources: tuple[Source, ...], unsourced: bool) -> str:
    """chronicle's own DESCRIPTION minus what the exporter added after the description."""
    block = sources_block(sources, unsourced)
    if description.startswith(block):
        return ""
    cut = description.rfind("\n\n" + block)
    return description[:cut] if cut >= 0 else description


def _span_of(component: Any, notes: dict[str, int]) -> Span:
    """DTSTART/DTEND/DURATION as a chronicle span (exclusive all-day ends made inclusive).

    An unknown ``TZID`` (no VTIMEZONE and no known zone of that name) leaves the time
    floating, and an end that cannot be an end is dropped: both are said in ``notes``.
    """
    start_prop = component.get("DTSTART")
    if start_prop is None:
        raise InvalidInput("is missing", field="DTSTART", accepted="every VEVENT needs a start")
    if isinstance(start_prop, list):
        raise InvalidInput("appears more than once", field="DTSTART")
    start = start_prop.dt
    tzid = start_prop.params.get("TZID") if hasattr(start_prop, "params") else None
    if tzid and isinstance(start, datetime) and start.tzinfo is None:
        _tally(notes, f"unknown time zone TZID {tzid}: read as floating local time")
    end_prop = component.get("DTEND")
    if isinstance(end_prop, list):
        raise InvalidInput("appears more than once", field="DTEND")
    end: date | None = end_prop.dt if end_prop is not None else None
    if end is None and component.get("DURATION") is not None:
        end = start + component.get("DURATION").dt
    if not isinstance(start, datetime):
        first = start
        last = first
        if end is not None:
            end_day = end.date() if isinstance(end, datetime) else end
            if end_day <= first and not isinstance(end, datetime):
                _tally(notes, "DTEND not after an all-day DTSTART: the end was dropped (read as one day)")
            last = max(first, end_day - timedelta(days=1))
        if last == first:
            return parse_span(_day(first), field="DTSTART")
        return parse_span(_day(first), _day(last), field="DTSTART")
    stop = end if isinstance(end, datetime) else None
    if end is not None and stop is None:
        _tally(notes, "DTEND is a day but DTSTART a time: the end was dropped")
    if stop is not None and _before(stop, start):
        _tally(notes, "DTEND before DTSTART: the end was dropped")
        stop = None
    if stop is None or stop == start:
        return parse_span(_timestamp(start), field="DTSTART")
    return parse_span(_timestamp(start), _timestamp(stop), field="DTEND")


def _before(stop: datetime, start: datetime) -> bool:
    """``stop < start``, also when one is floating and the other is not (compared as written)."""
    if (stop.tzinfo is None) != (start.tzinfo is None):
        return stop.replace(tzinfo=None) < start.replace(tzinfo=None)
    return stop < start


def _day(day: date) -> str:
    return f"{day.year:04d}-{day.month:02d}-{day.day:02d}"


def _timestamp(moment: datetime) -> str:
    text = f"{_day(moment)}T{moment.hour:02d}:{moment.minute:02d}"
    if moment.second:
        text += f":{moment.second:02d}"
    offset = moment.utcoffset()
    if offset is None:
        return text
    minutes = int(offset.total_seconds() // 60)
    if minutes == 0:
        return text + "Z"
    sign = "-" if minutes < 0 else "+"
    hours, rest = divmod(abs(minutes), 60)
    return f"{text}{sign}{hours:02d}:{rest:02d}"
