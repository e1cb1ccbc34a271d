"""iCalendar (RFC 5545 + RFC 7986) export and import.

Export is a hand-written streaming serializer: one VEVENT at a time goes straight to
``out``, so memory does not grow with the archive, and it is several times faster than
building an ``icalendar.Calendar`` (see ``benchmarks/ical_bench.py``). What it writes:

- ``UID`` = ``<event-id>@<archive-name>.chronicle``, stable forever, so a re-import or a
  subscription *updates* an event instead of duplicating it;
- ``SEQUENCE`` = the number of records after the first (every revision, new source,
  retraction or restoration raises it); ``DTSTAMP`` and ``LAST-MODIFIED`` = the time
  of the event's latest record, ``CREATED`` = its first: never the clock, so the same
  archive state gives a byte-identical file;
- day dates as all-day events with an exclusive ``DTEND``; timestamps in UTC (chronicle
  stores a UTC offset, not a named zone, so no ``VTIMEZONE`` is guessed); month/year and
  approximate dates by the ``imprecise`` policy; the original EDTF in ``X-CHRONICLE-DATE``.

Import reads with the ``icalendar`` library (lenient about BOMs, LF line ends, Windows
and custom ``VTIMEZONE`` names) and turns each VEVENT into an
:class:`~chronicle.incoming.Incoming`. chronicle's own ``X-CHRONICLE-*`` properties
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
from chronicle.incoming import ImportItems, Incoming, Items
from chronicle.model import Event, EventFields, Source, Status, check_id, make_source

POLICIES = ("span", "start", "skip")
"""``imprecise``: month/year/approximate/ongoing dates span their whole period, sit on
their first day, or are left out."""

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


def vevent(event: Event, archive_name: str, policy: str) -> str:
    """One event as a folded, CRLF-terminated VEVENT block."""
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
        f"SEQUENCE:{max(event.revision - 1, 0)}\r\n{_when(event.span, policy)}"
    )
    lines = [
        f"SUMMARY:{escape_text(event.title)}",
        f"DESCRIPTION:{escape_text(description_text(event, policy))}",
    ]
    if event.place:
        lines.append(f"LOCATION:{escape_text(event.place)}")
    if event.tags:
        lines.append("CATEGORIES:" + ",".join(escape_text(tag) for tag in event.tags))
    first_url = next((s.url for s in event.sources if s.url), None)
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
    policy = options.get("imprecise") or "span"
    if policy not in POLICIES:
        raise InvalidInput("is not a policy", field="--imprecise", value=policy, accepted=", ".join(POLICIES))
    write = out.write
    write(calendar_header(ctx, policy))
    written = skipped = 0
    for event in events:
        if policy == "skip" and is_imprecise(event.span):
            skipped += 1
            continue
        write(vevent(event, ctx.name, policy))
        written += 1
    write("END:VCALENDAR\r\n")
    note = "--imprecise skip: month/year, approximate or ongoing dates" if skipped else None
    return ExportStats(written, skipped, note)


# --- reading ------------------------------------------------------------------------


def read_ical(path: Path, options: Mapping[str, Any] | None = None) -> ImportItems:
    """Each VEVENT of ``path`` as an :class:`Incoming`; a broken file raises before any.

    The whole file is parsed and checked first, so a file with one bad event imports
    nothing. Recurring events are read as their first occurrence (the rule is said in
    the description); overridden occurrences (``RECURRENCE-ID``) and cancelled events
    (``STATUS:CANCELLED``, which is also how chronicle exports a retracted event) are left
    out.
    """
    label = str((options or {}).get("label") or path)
    read = list(_read_items(path, label))
    items = [item for item in read if item is not None]
    return Items(items, skipped=len(read) - len(items))


def _read_items(path: Path, label: str) -> Iterator[Incoming | None]:
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
        components = icalendar.Component.from_ical(data, multiple=True)
    except Exception as error:  # icalendar raises ValueError and its own kinds
        raise InvalidInput(f"is not valid iCalendar ({_one_line(error)})", field="file", value=label) from None
    events = [vevent for component in components for vevent in component.walk("VEVENT")]
    if not events and not any(c.name in ("VCALENDAR", "VEVENT") for c in components):
        raise InvalidInput("holds no complete calendar (a BEGIN without its END?)", field="file", value=label,
                           accepted="BEGIN:VCALENDAR … END:VCALENDAR")
    for number, component in enumerate(events, start=1):
        where = f"{label}: VEVENT {number}"
        uid = str(component.get("UID") or "").strip()
        if uid:
            where += f" (UID {uid})"
        try:
            yield _incoming(component, uid, where)
        except ChronicleError as error:
            raise error.located(where) from None
        except Exception as error:  # a value icalendar could not make sense of
            raise InvalidInput(f"cannot be read ({_one_line(error)})", where=where) from None


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


def _incoming(component: Any, uid: str, where: str) -> Incoming | None:
    errors = getattr(component, "errors", None)
    if errors:
        prop, problem = errors[0]
        raise InvalidInput(f"has an invalid value ({_one_line(Exception(problem))})", field=str(prop))
    if component.get("RECURRENCE-ID") is not None:
        return None
    if _text(component, "STATUS").upper() == "CANCELLED":
        return None  # it did not happen (or chronicle retracted it): nothing to record
    summary = _text(component, "SUMMARY")
    title = summary.strip() or "(untitled calendar event)"
    span_text = _text(component, "X-CHRONICLE-DATE").strip()
    span = parse_span(span_text, field="X-CHRONICLE-DATE") if span_text else _span_of(component)
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
    if not uid:
        # RFC 5545 requires a UID; without one, the start and title are the event's identity.
        uid = f"no-uid-{hashlib.sha256(f'{span.edtf} {title}'.encode()).hexdigest()[:16]}"
    fields = EventFields.parse(
        title=title, date=span.start.edtf, end=span.end_edtf, description=description,
        tags=_categories(component), actors=list(_all_text(component, "X-CHRONICLE-ACTOR")),
        place=_text(component, "LOCATION") or None, sources=sources, unsourced=not sources,
    )
    return Incoming(event_id=event_id_for(uid), fields=fields, where=where)


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
        data = json.loads(raw)
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


def _span_of(component: Any) -> Span:
    """DTSTART/DTEND/DURATION as a chronicle span (exclusive all-day ends made inclusive)."""
    start_prop = component.get("DTSTART")
    if start_prop is None:
        raise InvalidInput("is missing", field="DTSTART", accepted="every VEVENT needs a start")
    if isinstance(start_prop, list):
        raise InvalidInput("appears more than once", field="DTSTART")
    start = start_prop.dt
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
            last = max(first, end_day - timedelta(days=1))
        if last == first:
            return parse_span(_day(first), field="DTSTART")
        return parse_span(_day(first), _day(last), field="DTSTART")
    stop = end if isinstance(end, datetime) else None
    if stop is None or stop == start:
        return parse_span(_timestamp(start), field="DTSTART")
    return parse_span(_timestamp(start), _timestamp(stop), field="DTEND")


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
