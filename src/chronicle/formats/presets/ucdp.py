"""The ``ucdp`` preset: UCDP Georeferenced Event Dataset (GED), CSV.

One GED row is one event of organised violence, coded with a date window and a
precision code; see :func:`convert` for how each column is read.
"""

from __future__ import annotations

from chronicle.dates import parse_date
from chronicle.errors import ChronicleError
from chronicle.formats.mapping import Row, RowError, Skip, blame, build, first_getter
from chronicle.formats.presets import Preset
from chronicle.incoming import Incoming
from chronicle.model import make_source

_VIOLENCE = {"1": "state-based", "2": "non-state", "3": "one-sided"}
_PRECISION = {
    "1": "exact day", "2": "a 2–6 day window", "3": "a week", "4": "a month",
    "5": "more than a month within a year",
}
COLUMNS = ("id", "date_start", "date_end", "date_prec", "side_a", "side_b", "source_article",
           "dyad_name", "where_description", "adm_1", "country", "type_of_violence", "best",
           "low", "high")


def convert(row: Row) -> Incoming | Skip:
    """One UCDP GED event.

    - id: ``ucdp-ged-<id>``; title: the dyad and the place; actors: ``side_a``, ``side_b``.
    - date: ``date_prec`` 1 is the day; any other code is the interval
      ``date_start/date_end`` the coders gave (a week-wide window stays a week), written
      as a whole month or year when it covers exactly one.
    - sources: each ``;``-separated citation of ``source_article`` (titles, no URLs).
    """
    get = first_getter(row)
    start, stop, prec = get("date_start")[:10], get("date_end")[:10], get("date_prec")
    if prec not in _PRECISION:
        raise RowError("is not a UCDP date precision code", field="date_prec", value=prec, accepted="1–5")
    date, end = window(start, stop) if prec != "1" or start != stop else (start, None)
    if prec == "1" and start != stop:
        raise RowError("says an exact day but date_start and date_end differ", field="date_prec",
                       value=f"{prec} ({start}/{stop})")
    violence = _VIOLENCE.get(get("type_of_violence"), "")
    deaths = get("best")
    place_parts = [p for p in (get("where_description"), get("adm_1"), get("country")) if p]
    place = ", ".join(dict.fromkeys(place_parts)) or None
    title = " — ".join(p for p in (get("dyad_name"), get("where_description")) if p)
    lines = []
    if violence:
        lines.append(f"UCDP type of violence: {violence}.")
    if deaths:
        lines.append(f"Deaths (best estimate): {deaths} (low {get('low') or '?'}, high {get('high') or '?'}).")
    lines.append(f"UCDP date precision {prec}: {_PRECISION[prec]}.")
    citations = [part.strip() for part in get("source_article").split(";") if part.strip()]
    columns = {"date": ("date_start",), "end": ("date_end",), "title": ("dyad_name",),
               "source": ("source_article",), "id": ("id",)}
    with blame(columns):
        sources = [make_source(None, title=c) for c in citations]
    ucdp_id = get("id")
    return build(row, event_id=f"ucdp-ged-{ucdp_id}" if ucdp_id else None, title=title, date=date, end=end,
                 description=" ".join(lines), tags=["ucdp", violence] if violence else ["ucdp"],
                 actors=[get("side_a"), get("side_b")], place=place, sources=sources, columns=columns)


def window(start: str, stop: str) -> tuple[str, str | None]:
    """A coder's window, as the coarsest EDTF that says exactly the same days."""
    if start == stop:
        return start, None
    if start[5:] == "01-01" and stop[5:] == "12-31" and start[:4] == stop[:4]:
        return start[:4], None
    if start[:7] == stop[:7] and start[8:] == "01":
        try:
            if parse_date(start[:7]).latest_day.isoformat() == stop:
                return start[:7], None
        except ChronicleError:
            pass
    return start, stop


PRESET = Preset("ucdp", convert, COLUMNS)
