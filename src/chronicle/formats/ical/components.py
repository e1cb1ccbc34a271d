"""One VEVENT as an :class:`~chronicle.incoming.Incoming`: title, dates, sources, identity
and version; chronicle's own ``X-CHRONICLE-*`` properties restore what a calendar cannot say."""

from __future__ import annotations

import hashlib
import json
import re
from datetime import date, datetime, timedelta
from typing import Any

from chronicle.dates import Span, parse_span, utc_text
from chronicle.errors import ChronicleError, InvalidInput
from chronicle.formats.depth import parse_bounded
from chronicle.formats.ical.text import CHRONICLE_UID, sources_block, unescape_text
from chronicle.incoming import FileVersion, Incoming
from chronicle.model import EventFields, Source, check_id, make_source


def tally(counts: dict[str, int], what: str) -> None:
    counts[what] = counts.get(what, 0) + 1


def one_line(error: BaseException) -> str:
    text = " ".join(str(error).split()) or type(error).__name__
    return text if len(text) <= 160 else text[:157] + "…"


def incoming_item(component: Any, uid: str, where: str, notes: dict[str, int]) -> Incoming | str:
    errors = getattr(component, "errors", None)
    if errors:
        prop, problem = errors[0]
        raise InvalidInput(f"has an invalid value ({one_line(Exception(problem))})", field=str(prop))
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
            tally(notes, "RDATE dates not imported: the event is read as its first occurrence "
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
    """How new this copy is. In chronicle's own calendars SEQUENCE counts the records after
    the first; in a foreign one, SEQUENCE (RFC 5545: raised by every significant change,
    0 when absent) and then LAST-MODIFIED order its copies. None when the file says neither."""
    sequence_prop, modified_prop = component.get("SEQUENCE"), component.get("LAST-MODIFIED")
    try:
        sequence = int(sequence_prop) if sequence_prop is not None else None
    except (TypeError, ValueError):
        sequence = None
    if chronicle_made:
        return FileVersion(revision=sequence + 1) if sequence is not None else None
    modified = getattr(modified_prop, "dt", None)
    last_modified = utc_text(modified) if isinstance(modified, datetime) else None
    if sequence is None and last_modified is None:
        return None
    return FileVersion(sequence=max(sequence or 0, 0), last_modified=last_modified)


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


def recurrence_key(prop: Any) -> str:
    """A RECURRENCE-ID as text for an occurrence's identity (``20240105T090000Z``)."""
    value = prop[0] if isinstance(prop, list) else prop
    moment = value.dt
    if isinstance(moment, datetime):
        return _timestamp(moment).replace("-", "").replace(":", "")
    return _day(moment).replace("-", "")


def event_id_for(uid: str) -> str:
    """A stable chronicle id for a calendar UID (chronicle's own UIDs map back exactly)."""
    match = CHRONICLE_UID.match(uid)
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
        tally(notes, f"unknown time zone TZID {tzid}: read as floating local time")
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
                tally(notes, "DTEND not after an all-day DTSTART: the end was dropped (read as one day)")
            last = max(first, end_day - timedelta(days=1))
        if last == first:
            return parse_span(_day(first), field="DTSTART")
        return parse_span(_day(first), _day(last), field="DTSTART")
    stop = end if isinstance(end, datetime) else None
    if end is not None and stop is None:
        tally(notes, "DTEND is a day but DTSTART a time: the end was dropped")
    if stop is not None and _before(stop, start):
        tally(notes, "DTEND before DTSTART: the end was dropped")
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
