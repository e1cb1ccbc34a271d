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

The package's rooms: :mod:`~chronicle.formats.ical.text` (content lines: escaping,
folding, stamps, UIDs; shared by both directions), :mod:`~chronicle.formats.ical.writing`
(the streaming writer), :mod:`~chronicle.formats.ical.reading` (a file, recurrences) and
:mod:`~chronicle.formats.ical.components` (one VEVENT as an item). Import from
``chronicle.formats.ical``.
"""

from __future__ import annotations

from chronicle.formats.ical.components import (
    event_id_for,
)
from chronicle.formats.ical.reading import (
    RECURRENCES,
    read_ical,
)
from chronicle.formats.ical.text import (
    UID_SUFFIX,
    WEB_SCHEMES,
    escape_text,
    fold,
    ical_stamp,
    is_web_url,
    source_json,
    sources_block,
    uid_for,
    unescape_text,
)
from chronicle.formats.ical.writing import (
    DEFAULT_POLICY,
    OUT_OF_RANGE_NOTE,
    POLICIES,
    calendar_header,
    check_policy,
    description_text,
    disputes_block,
    export_ical,
    ical_can_hold,
    ical_chunks,
    is_imprecise,
    organizer_line,
    resource_text,
    summary_text,
    vevent,
)

__all__ = [
    "DEFAULT_POLICY",
    "OUT_OF_RANGE_NOTE",
    "POLICIES",
    "RECURRENCES",
    "UID_SUFFIX",
    "WEB_SCHEMES",
    "calendar_header",
    "check_policy",
    "description_text",
    "disputes_block",
    "escape_text",
    "event_id_for",
    "export_ical",
    "fold",
    "ical_can_hold",
    "ical_chunks",
    "ical_stamp",
    "is_imprecise",
    "is_web_url",
    "organizer_line",
    "read_ical",
    "resource_text",
    "source_json",
    "sources_block",
    "summary_text",
    "uid_for",
    "unescape_text",
    "vevent",
]
