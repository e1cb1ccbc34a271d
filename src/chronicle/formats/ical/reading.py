"""Reading a calendar file: parse and check it whole, then each VEVENT as an item, with
recurring events read as their first occurrence or expanded in a window."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from chronicle.errors import ChronicleError, InvalidInput
from chronicle.formats.ical.components import incoming_item, one_line, recurrence_key, tally
from chronicle.incoming import ImportItems, Incoming, Items

_ONE_DAY = timedelta(days=1)

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
                    uid = f"{uid}/{recurrence_key(moved)}"
                expanding = self.window is not None and moved is None and uid in recurring
                # An expanded series is checked (and its zones noted: the library's
                # occurrences no longer say their TZID) as a whole first.
                item = incoming_item(component, uid, where, self.notes)
                if isinstance(item, str):
                    self.skip(item)
                    continue
                if not expanding:
                    if uid in recurring:
                        tally(self.notes, "a recurring event (RRULE/RDATE) imported as its first occurrence only "
                                           "(--recurrences expand imports each occurrence in a window)")
                    yield item
                    continue
                try:
                    found = self._expand(calendar, uid)
                except Exception as error:  # the library's own kinds, and dateutil's
                    tally(self.notes, f"a rule that cannot be expanded ({one_line(error)}): "
                                       "the event is imported as its first occurrence")
                    yield item
                    continue
                if not found and self.window is not None:
                    first, last = self.window
                    self.skip(f"a recurring event with no occurrence from {first.isoformat()} to {last.isoformat()}")
                for occurrence in found:
                    key = recurrence_key(occurrence.get("RECURRENCE-ID") or occurrence.get("DTSTART"))
                    result = incoming_item(occurrence, f"{uid}/{key}", f"{where} occurrence {key}", self.notes)
                    if isinstance(result, str):
                        self.skip(f"an occurrence {result}")
                    else:
                        yield result
            except ChronicleError as error:
                raise error.located(where) from None
            except Exception as error:  # a value icalendar could not make sense of
                raise InvalidInput(f"cannot be read ({one_line(error)})", where=where) from None

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
        raise InvalidInput(f"is not valid iCalendar ({one_line(error)})", field="file", value=label) from None
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
