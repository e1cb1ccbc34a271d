"""The ``timelinejs`` preset: a TimelineJS sheet (CSV, or its rows as a JSON array) and
TimelineJS's own JSON document (what its authoring tools and its JSON loader use).

Dates are as precise as the parts given; negative years are BCE, TimelineJS's own
convention. The title slide and the eras (background periods) are not events: they
are counted as skipped, each with its reason.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from chronicle.errors import InvalidInput
from chronicle.formats.mapping import Row, RowError, Skip, blame, build, first_getter
from chronicle.formats.plaintext import headline, plain_text
from chronicle.formats.presets import JsonDocument, Preset
from chronicle.incoming import Incoming
from chronicle.model import Source, check_id, make_source

_URL = re.compile(r"^https?://\S+$")


def convert(row: Row) -> Incoming | Skip:
    """One TimelineJS slide: Year/Month/Day(/Time) and End Year/Month/Day columns.

    The date is as precise as the filled columns: a year alone is a year, blanks are
    unknown parts. The title slide (no date, Type ``title``) is not an event: it is
    skipped, with that reason. HTML in Headline/Text is reduced to plain text. A Media
    cell holding a URL becomes the slide's source (credited to Media Credit); slides
    without one are recorded as unsourced.
    """
    get = first_getter(row)
    kind = get("Type").lower()
    if kind == "era":
        return Skip(_ERA)
    date = _ymd(row, "")
    if not date:
        if kind == "title" or not get("Headline"):
            return Skip(f"a TimelineJS {kind or 'undated'} slide, not an event (no date)")
        raise RowError("is blank", field="Year", value="", accepted="a year (Month, Day, Time optional)")
    end = _ymd(row, "End ") or None
    media = get("Media")
    columns = {"date": ("Year",), "end": ("End Year",), "title": ("Headline",), "source": ("Media",)}
    sources: list[Source] = []
    if _URL.match(media):
        with blame(columns):
            sources = [make_source(media, publisher=plain_text(get("Media Credit")) or None,
                                   title=plain_text(get("Media Caption")) or None)]
    title = plain_text(get("Headline"))
    return build(row, event_id=None, title=title, date=date, end=end, description=plain_text(get("Text")),
                 tags=[get("Group")] if get("Group") else [], actors=[], place=None, sources=sources,
                 columns=columns, key_prefix="tljs-")


def _ymd(row: Row, prefix: str) -> str:
    get = first_getter(row)
    return timelinejs_date(*(get(f"{prefix}{part}") for part in ("Year", "Month", "Day", "Time")), prefix=prefix)


def timelinejs_date(year: str, month: str, day: str, time: str, *, prefix: str = "") -> str:
    """TimelineJS date parts as EDTF, as precise as the parts given ("" when none is).

    Negative years are BCE (TimelineJS' own convention) and stay so: ``-3500`` is
    passed on as the EDTF year ``-3500``; years beyond four digits use EDTF's ``Y``.
    ``prefix`` names the columns in errors (``End `` for the end date).
    """
    if not (year or month or day or time):
        return ""
    if not year:
        raise RowError("is blank but a month or day is given", field=f"{prefix}Year", value=year)
    if day and not month:
        raise RowError("is blank but a day is given", field=f"{prefix}Month", value=month)
    if time and not day:
        raise RowError("is blank but a time is given", field=f"{prefix}Day", value=day)
    for name, value in (("Year", year), ("Month", month), ("Day", day)):
        digits = value[1:] if name == "Year" and value.startswith("-") else value
        if value and not digits.isdigit():
            raise RowError("is not a number", field=f"{prefix}{name}", value=value)
    number = int(year)
    if number == 0:
        raise RowError("is not a year (TimelineJS counts 1 BC as -1)", field=f"{prefix}Year", value=year)
    sign = "-" if number < 0 else ""
    text = f"{sign}{abs(number):04d}" if abs(number) <= 9999 else f"Y{number}"
    if month:
        text += f"-{int(month):02d}"
    if day:
        text += f"-{int(day):02d}"
    if time:
        text += f"T{time}" if re.match(r"^\d{2}:\d{2}", time) else f" {time}"
    return text


# -- TimelineJS's own JSON ----------------------------------------------------------------

_JSON_COLUMNS = {"date": ("start_date",), "end": ("end_date",), "title": ("text.headline",),
                 "source": ("media.url",), "id": ("unique_id",), "place": ("location.name",)}
_TITLE_SLIDE = "the TimelineJS title slide (the timeline's own title), not an event"
_ERA = "a TimelineJS era (a background period), not an event"


def convert_json(row: Row) -> Incoming | Skip:
    """One slide of a TimelineJS JSON document (``{"title": …, "events": […], "eras": […]}``).

    - date: ``start_date``/``end_date`` parts (year, month, day, hour, minute, second),
      as precise as the parts given; negative years are BCE;
    - title: ``text.headline``, else the first sentence of ``text.text`` (HTML reduced to
      text); description: ``text.text``; tag: ``group``; place: ``location.name``;
    - source: ``media.url`` credited to ``media.credit``, captioned by ``media.caption``;
    - id: ``unique_id`` when it is a valid id, else the title and date (as for the sheet).
    """
    get = first_getter(row)
    date = _json_date(row, "start_date")
    body = plain_text(get("text.text"))
    title = plain_text(get("text.headline")) or headline(" ".join(body.split()))
    if not date:
        if not title:
            return Skip("a TimelineJS slide with neither a date nor text")
        raise RowError("is missing", field="start_date", accepted="a start_date with at least a year")
    if not title:
        return Skip("a TimelineJS slide with a date but no headline or text: nothing to record")
    end = _json_date(row, "end_date") or None
    media = get("media.url")
    sources: list[Source] = []
    if _URL.match(media):
        with blame(_JSON_COLUMNS):
            sources = [make_source(media, publisher=plain_text(get("media.credit")) or None,
                                   title=plain_text(get("media.caption")) or None)]
    unique = get("unique_id")
    event_id: str | None = None
    if unique:
        try:
            event_id = check_id(unique)
        except InvalidInput:
            event_id = None
    return build(row, event_id=event_id, title=title, date=date, end=end, description=body,
                 tags=[get("group")] if get("group") else [], actors=[], place=get("location.name") or None,
                 sources=sources, columns=_JSON_COLUMNS, key_prefix="tljs-")


def _json_date(row: Row, key: str) -> str:
    get = first_getter(row)
    year, month, day = (get(f"{key}.{part}") for part in ("year", "month", "day"))
    hour, minute, second = (get(f"{key}.{part}") for part in ("hour", "minute", "second"))
    time = ""
    if hour:
        for name, value in (("hour", hour), ("minute", minute), ("second", second)):
            if value and not value.isdigit():
                raise RowError("is not a number", field=f"{key}.{name}", value=value)
        time = f"{int(hour):02d}:{int(minute or 0):02d}" + (f":{int(second):02d}" if second else "")
    try:
        return timelinejs_date(year, month, day, time)
    except RowError as error:
        part = (error.field or "Year").lower()
        raise RowError(error.message, field=f"{key}.{part}", value=error.value) from None


def sections(document: Any) -> Sequence[tuple[str, Sequence[Any]]] | None:
    """A TimelineJS document's title slide, events and eras, in that order (None when
    ``document`` has no ``events`` list: it may be a sheet's rows as a JSON array)."""
    if not (isinstance(document, dict) and isinstance(document.get("events"), list)):
        return None
    title = document.get("title")
    eras: list[Any] = document["eras"] if isinstance(document.get("eras"), list) else []
    return (("title", [title] if isinstance(title, dict) else []), ("events", document["events"]), ("eras", eras))


PRESET = Preset(
    "timelinejs", convert, ("Year", "Month", "Day", "Headline"),
    JsonDocument(sections, convert_json, {"title": _TITLE_SLIDE, "eras": _ERA},
                 accepted='TimelineJS JSON ({"events": [{"start_date": {"year": …}, "text": {…}}]}) '
                          "or its sheet's columns (Year, Month, Day, Headline …)"),
)
