"""Dates as historians use them: a precision, qualifiers, and honest bounds.

A :class:`HistDate` is what the user actually said — "Oct 2023" is a month, never
2023-10-01 — plus the earliest and latest instants it can stand for, which is what
queries and sorting use. A :class:`Span` is an event's time: one date, or an interval
whose ends may be open (``..``) or unknown (empty).

Years are astronomical, as in EDTF and ISO 8601: ``0000`` is 1 BC, ``-0489`` is 490 BC.
A BC year never loses its sign: a text that starts with a minus and is not EDTF, or that
says BC and cannot be read whole, is refused rather than guessed. Bounds of any year are
:class:`Instant` values (``earliest_instant``/``latest_instant``), kept to the
microsecond; the older ``earliest``/``latest`` give Python datetimes for the years 1–9999.

Accepted forms (each English form has the EDTF form it is stored as):

=====================================  ==========================  ==============================================
You write                              Stored as (EDTF)            Means (earliest … latest)
=====================================  ==========================  ==============================================
``2023``, ``2023-10``, ``2024-01-09``  same                        that year / month / day
``2025-04-13T20:00-05:00``             same (``Z`` for UTC)        that instant; seconds and ``.123456`` kept
``-0489``, ``0000``                    same                        490 BC, 1 BC (astronomical years)
``Y12000``, ``Y-12000``, ``Y17E7``     ``Y12000``, ``Y170000000``  years beyond four digits (up to nine)
``2024-21`` … ``2024-24``              same                        spring Mar–May, summer Jun–Aug,
                                                                   autumn Sep–Nov, winter Dec–Feb (next year)
``201X``, ``20XX``, ``2XXX``           same                        2010–2019, 2000–2099, 2000–2999
``2024-XX``, ``2024-02-XX``            same                        some month of 2024, some day of Feb 2024
``2024~``, ``2025?``, ``2024%``        same                        approximate, uncertain, both
``2004-06~-11``, ``?2004-06-~11``      same                        qualified parts (level 2): left of a part
                                                                   it alone, right of it it and those before
``2024/2025``, ``2024-03/..``          same                        interval; ``..`` open (ongoing) end
``../2020``, ``/2024``, ``2020/``      same                        open start; unknown start; unknown end
``[2023-10, 2023-11-23]``              same                        one of these (``[a..b]``, ``[..b]``, ``[a..]``)
``Oct 2023``, ``13 April 2025``        ``2023-10``, ``2025-04-13`` dateutil reads English month names
``3 apr 1721``, ``April 13, 2025``     ``1721-04-03`` …            unambiguous numeric days too (``25/12/2024``)
``c. 2024``, ``circa March 1998``      ``2024~``, ``1998-03~``     approximate
``55 BC``, ``490 BCE``, ``500BC``      ``-0054``, ``-0489`` …      BC years (1 BC is year 0)
``AD 79``, ``14AD``, ``43``            ``0079``, ``0014``, ``0043`` years of the common era; a bare number is a year
``Spring 2024``                        ``2024-21``                 Mar–May 2024 (summer, autumn/fall alike)
``Winter 2024–25``                     ``2024-24``                 Dec 2024–Feb 2025 (``winter 2024`` alone is refused)
``early/mid/late 2024``                ``[2024-01..2024-04]`` …    Jan–Apr, May–Aug, Sep–Dec
``early 1990s``, ``mid-1990s``         ``[1990..1993]`` …          years 0–3, 4–6, 7–9 of the decade
``late 19th century``                  ``[1867..1899]`` …          years 00–33, 34–66, 67–99 of the century
``11 Jun 2004 (day uncertain)``        ``2004-06-?11``             a part qualified in words
``the 2020s``, ``1990s``               ``202X``, ``199X``          the decade (``1900s``, ``90s`` refused: say which)
``19th century``, ``5th century BC``   ``18XX``, ``-04XX``         1800–1899, 500–401 BC
``before 2020``, ``by 2020``           ``[..2019]``, ``[..2020]``  up to the end of 2019 / 2020
``after 2020``, ``2020 or later``      ``[2021..]``, ``[2020..]``  from 2021 / 2020 on
``between 47 and 50``                  ``[0047..0050]``            one moment within 47–50
``2024–25``, ``2024-25``, ``A – B``    ``2024/2025``, ``A/B``      an interval (``2019-21`` is EDTF spring 2019)
``since 2020``, ``until 2020``         ``2020/..``, ``../2020``    open intervals
``A – ongoing``, ``A – unknown``       ``A/..``, ``A/``            an end still going on / not known
(an end given as ``ongoing``)          ``A/..``                    the same, from a separate end column
=====================================  ==========================  ==============================================

Bounds: ``earliest_instant``/``latest_instant`` are UTC :class:`Instant` values; a year
ends at ``…-12-31T23:59:59.999999``; a timestamp is its own instant; an open or unknown
side is :data:`DISTANT_PAST`/:data:`DISTANT_FUTURE`. :func:`bound_text` is their sortable
text (unchanged for the years 1–9999). ``--as-of`` that does not give every digit means the
end of what it names (:func:`parse_timestamp`).

Rendering reads back: ``parse_span(span.render()) == span`` for every span, and
``parse_span(*span.parts) == span`` for what is stored.

Refused, with one line naming the accepted forms: two-digit years (``44-03-15``,
``3/4/24``), day/month orders that could be either (``03/04/2024``), ``the 1900s``
(decade or century?), ``winter 2024`` (which winter?), a year 0 written ``-0000``.

dateutil is imported only when a date is not EDTF and none of the forms above, so
commands that never see English dates start without it. Every pattern is compiled once.

The package's rooms: :mod:`~chronicle.dates.instant` (instants of any year, bound text),
:mod:`~chronicle.dates.value` (:class:`HistDate`: EDTF text, bounds, words),
:mod:`~chronicle.dates.span` (:class:`Span`), :mod:`~chronicle.dates.edtf` (the EDTF
grammar), :mod:`~chronicle.dates.english` (English forms), :mod:`~chronicle.dates.parse`
(reading text, ``--since``/``--until``/``--as-of``). Import from ``chronicle.dates``.
"""

from __future__ import annotations

from chronicle.dates.edtf import ACCEPTED
from chronicle.dates.instant import (
    DISTANT_FUTURE,
    DISTANT_PAST,
    MAX_YEAR_DIGITS,
    OPEN_END,
    OPEN_START,
    Instant,
    bound_day_words,
    bound_text,
    instant_from_bound_text,
    utc_text,
)
from chronicle.dates.parse import parse_date, parse_span, parse_timestamp, since_bound, span_from_parts, until_bound
from chronicle.dates.span import Span, render_range
from chronicle.dates.value import HistDate, Precision

__all__ = [
    "ACCEPTED",
    "DISTANT_FUTURE",
    "DISTANT_PAST",
    "MAX_YEAR_DIGITS",
    "OPEN_END",
    "OPEN_START",
    "HistDate",
    "Instant",
    "Precision",
    "Span",
    "bound_day_words",
    "bound_text",
    "instant_from_bound_text",
    "parse_date",
    "parse_span",
    "parse_timestamp",
    "render_range",
    "since_bound",
    "span_from_parts",
    "until_bound",
    "utc_text",
]
