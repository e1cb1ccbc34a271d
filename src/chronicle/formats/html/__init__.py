"""HTML export: one self-contained page a newsroom could publish as it is.

The rooms of this package, each with one job:

- :mod:`.page` — one export from start to end: the jinja2 environment, the spill
  buffer that lets the header come before a timeline rendered first, the CSP hashes;
- :mod:`.grouping` — aggregation over the stream: the tally behind the header and the
  overview, and the timeline's years and months;
- :mod:`.views` — view models: an event, its dates, sources and history in words;
- :mod:`.overview` — the geometry of the SVG overview strip;
- :mod:`.timeline` — the built-in ``timeline.html`` compiled by hand for speed (its
  docstring says why the template exists twice, and what keeps the two identical).

The templates are ``chronicle/templates/`` (``page.html``, ``timeline.html``,
``overview.svg``, ``style.css``, ``filter.js``); ``--template-dir`` overrides them by name.

**Safety.** Every piece of archive text is escaped (jinja's autoescape, or the fast
path's escaping, which is the same); only ``http``/``https`` URLs become links (others
are shown as text); links carry ``rel="noopener noreferrer"``; archive text sits in
bidi-isolated elements so a right-to-left override cannot reorder what follows it; and
a Content-Security-Policy meta tag allows nothing but the page's own ``<style>`` and
``<script>``, each locked by its SHA-256 hash.
"""

from __future__ import annotations

from chronicle.formats.html.grouping import DENSE_YEAR, LIST_SIZE, MonthGroup, Tally, YearGroup, group_years, year_label
from chronicle.formats.html.overview import MONTHLY_OVERVIEW_YEARS, Overview, build_overview
from chronicle.formats.html.page import SPOOL_CHARS, Spool, build_environment, export_html, page_context
from chronicle.formats.html.timeline import event_html, render_timeline
from chronicle.formats.html.views import EventView, event_view, html_datetime, log_datetime, log_time_words

__all__ = [
    "DENSE_YEAR", "LIST_SIZE", "MONTHLY_OVERVIEW_YEARS", "SPOOL_CHARS", "EventView", "MonthGroup", "Overview",
    "Spool", "Tally", "YearGroup", "build_environment", "build_overview", "event_html", "event_view",
    "export_html", "group_years", "html_datetime", "log_datetime", "log_time_words", "page_context",
    "render_timeline", "year_label",
]
