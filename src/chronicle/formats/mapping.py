"""Reading other people's rows: column mappings (``--map FIELD=COLUMN``) and presets.

A foreign file names its columns its own way. A :class:`FieldMap` says which column (or
JSON path, ``category.name``, ``source.url``) holds each chronicle field; a
:class:`RowConverter` turns one row into an :class:`~chronicle.incoming.Incoming`, or
says why the row is not an event (:class:`Skip`), or raises an error naming the column.

Rules every converter follows:

- dates go through the same grammar as ``chronicle add`` (:func:`~chronicle.dates.parse_span`):
  the precision is what the cell says, never invented;
- a cell holding several tags, actors or sources separates them with ``;``;
- a row with no source is recorded as *unsourced*; its provenance still names the file
  and the row (see :func:`chronicle.importing.import_items`);
- identity comes from a stated id column, else from a stable content key (the title and
  date as written), so re-importing a corrected file revises the changed rows only.

Presets are converters written for one real dataset: ``ucdp`` (UCDP GED CSV),
``wikipedia`` (WikiTimes Current Events JSON), ``timelinejs`` (a TimelineJS sheet as CSV).
"""

from __future__ import annotations

import hashlib
import html
import re
import tomllib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from typing import Any, Literal, Protocol

from chronicle.dates import parse_date
from chronicle.errors import ChronicleError, InvalidInput
from chronicle.incoming import Incoming
from chronicle.model import EventFields, Source, check_id, make_source, slugify

#: The chronicle fields a column can be mapped to.
FIELDS = (
    "id", "title", "date", "end", "description", "tags", "actors", "place",
    "source", "source_title", "source_publisher", "source_published",
)
#: Fields that take several columns (their values are concatenated in order).
LIST_FIELDS = ("tags", "actors", "source", "source_title", "description", "place")

PRESETS = ("ucdp", "wikipedia", "timelinejs")


class Row(Protocol):
    """One row of a foreign file, whatever its shape."""

    number: int
    """Spreadsheet row (the header is row 1) or, for JSON, the item's 1-based position."""

    @property
    def where(self) -> str:
        """``FILE: row N`` (or ``FILE: item N``), for errors."""
        ...

    def values(self, column: str) -> list[str]:
        """The non-blank values under ``column`` (several when a JSON path crosses a list)."""
        ...

    def has(self, column: str) -> bool:
        """Whether the file has this column at all (blank cells count as present)."""
        ...


@dataclass(frozen=True, slots=True)
class Skip:
    """A row that is deliberately not an event (a TimelineJS title slide, say)."""

    reason: str


RowConverter = Callable[[Row], "Incoming | Skip"]


class RowError(InvalidInput):
    """A row's cell cannot become an event; ``field`` names the column."""


@dataclass(frozen=True, slots=True)
class FieldMap:
    """Which columns feed which fields: ``{"title": ("Headline",), "tags": ("a", "b")}``."""

    columns: dict[str, tuple[str, ...]]

    @classmethod
    def parse(cls, maps: Iterable[str] = (), mapping_file: Path | None = None) -> FieldMap:
        """``--map FIELD=COLUMN`` options, after the lines of a ``--mapping`` TOML file."""
        columns: dict[str, list[str]] = {}
        if mapping_file is not None:
            try:
                with open(mapping_file, "rb") as handle:
                    data = tomllib.load(handle)
            except OSError as error:
                raise InvalidInput(f"cannot be read ({error.strerror})", field="--mapping",
                                   value=str(mapping_file)) from None
            except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
                raise InvalidInput(f"is not valid TOML ({error})", field="--mapping",
                                   value=str(mapping_file)) from None
            for key, value in data.items():
                names = [value] if isinstance(value, str) else value
                if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
                    raise InvalidInput("must be a column name or a list of them", field=f"--mapping {key}",
                                       value=value)
                for name in names:
                    _add(columns, key, name, "--mapping")
        for text in maps:
            key, sep, name = text.partition("=")
            if not sep or not name.strip():
                raise InvalidInput("is not FIELD=COLUMN", field="--map", value=text,
                                   accepted=f"FIELD one of {', '.join(FIELDS)}")
            _add(columns, key.strip(), name.strip(), "--map")
        return cls({key: tuple(names) for key, names in columns.items()})

    def __bool__(self) -> bool:
        return bool(self.columns)

    def get(self, name: str) -> tuple[str, ...]:
        return self.columns.get(name, ())

    def check(self, has: Callable[[str], bool], where: str, shown: Iterable[str]) -> None:
        """Every mapped column must exist; title and date must be mapped."""
        for needed in ("title", "date"):
            if needed not in self.columns:
                raise InvalidInput("is not mapped", field=needed, where=where,
                                   accepted=f"--map {needed}=COLUMN (columns: {_listing(shown)})")
        for name, cols in self.columns.items():
            for col in cols:
                if not has(col):
                    raise InvalidInput(f"is not a column of this file (mapped to {name})", field="--map",
                                       value=col, where=where, accepted=_listing(shown))


def _add(columns: dict[str, list[str]], key: str, name: str, option: str) -> None:
    if key not in FIELDS:
        raise InvalidInput("is not a field", field=option, value=key, accepted=", ".join(FIELDS))
    if key not in LIST_FIELDS and key in columns:
        raise InvalidInput("is mapped twice", field=option, value=key,
                           accepted=f"one column for {key}; several only for {', '.join(LIST_FIELDS)}")
    columns.setdefault(key, []).append(name)


def _listing(names: Iterable[str]) -> str:
    shown = list(names)
    return ", ".join(shown[:30]) + (", …" if len(shown) > 30 else "")


# ---------------------------------------------------------------------------------
# The generic converter


def mapped_converter(fields: FieldMap) -> RowConverter:
    """Turn rows into events as ``fields`` says (``--map``/``--mapping``)."""

    def convert(row: Row) -> Incoming | Skip:
        title = _one(row, fields.get("title"))
        date = _one(row, fields.get("date"))
        end = _one(row, fields.get("end"))
        description = "\n\n".join(v for col in fields.get("description") for v in row.values(col))
        place = ", ".join(v for col in fields.get("place") for v in row.values(col)) or None
        tags = _split(row, fields.get("tags"))
        actors = _split(row, fields.get("actors"))
        urls = _split(row, fields.get("source"))
        titles = _split(row, fields.get("source_title"))
        publisher = _one(row, fields.get("source_publisher")) or None
        published = _one(row, fields.get("source_published")) or None
        columns = {"date": fields.get("date"), "end": fields.get("end"), "title": fields.get("title"),
                   "source": fields.get("source"), "id": fields.get("id"),
                   "source_published": fields.get("source_published")}
        sources: list[Source] = []
        with _blame(columns):
            if urls:
                single = titles[0] if len(urls) == 1 and len(titles) == 1 else None
                sources = [make_source(url, title=single, publisher=publisher, published=published)
                           for url in urls]
            else:
                sources = [make_source(None, title=t, publisher=publisher, published=published) for t in titles]
        event_id = _one(row, fields.get("id")) or None
        return build(row, event_id=event_id, title=title, date=date, end=end or None,
                     description=description, tags=tags, actors=actors, place=place,
                     sources=sources, columns=columns)

    return convert


def build(row: Row, *, event_id: str | None, title: str, date: str, end: str | None, description: str,
          tags: Iterable[str], actors: Iterable[str], place: str | None, sources: Iterable[Source],
          columns: Mapping[str, tuple[str, ...]], key_prefix: str = "") -> Incoming:
    """Validate one row's fields exactly as ``chronicle add`` would and make it an item.

    Errors name the row's column (from ``columns``: field -> column names) rather than
    chronicle's field, since that is what the user can find in their file.
    """
    unique = tuple(dict.fromkeys(sources))
    with _blame(columns):
        fields = EventFields.parse(title=title, date=date, end=end, description=description, tags=tags,
                                   actors=actors, place=place, sources=unique, unsourced=not unique)
        key = check_id(event_id, field="id") if event_id is not None else \
            content_key(fields.title, date if end is None else f"{date}/{end}", key_prefix)
    return Incoming(key, fields, row.where, row=row.number)


def content_key(title: str, date: str, prefix: str = "") -> str:
    """A stable id for a row without one: readable slug + a hash of title and date as written."""
    digest = hashlib.sha1(f"{title}\x1f{date.strip()}".encode()).hexdigest()[:10]
    return f"{prefix}{slugify(title, limit=40)}-{digest}"


class _blame:
    """Re-raise a field error under the column it came from (``date_start (date)``)."""

    def __init__(self, columns: Mapping[str, tuple[str, ...]]) -> None:
        self.columns = columns

    def __enter__(self) -> None:
        return None

    def __exit__(self, kind: Any, error: Any, traceback: Any) -> Literal[False]:
        if isinstance(error, ChronicleError) and not isinstance(error, RowError):
            field = (error.field or "").lstrip("-").split(" ")[0]
            field = "source_published" if field == "published" else field
            cols = self.columns.get(field, ())
            shown = f"{', '.join(cols)} ({field})" if cols and cols != (field,) else (field or "row")
            raise RowError(error.message, field=shown, value=error.value, accepted=error.accepted) from None
        return False


def _one(row: Row, columns: tuple[str, ...]) -> str:
    for col in columns:
        for value in row.values(col):
            return value
    return ""


def _split(row: Row, columns: tuple[str, ...]) -> list[str]:
    return [part.strip() for col in columns for value in row.values(col)
            for part in value.split(";") if part.strip()]


# ---------------------------------------------------------------------------------
# UCDP Georeferenced Event Dataset (CSV)

_UCDP_VIOLENCE = {"1": "state-based", "2": "non-state", "3": "one-sided"}
_UCDP_PRECISION = {
    "1": "exact day", "2": "a 2–6 day window", "3": "a week", "4": "a month",
    "5": "more than a month within a year",
}
_UCDP_COLUMNS = ("id", "date_start", "date_end", "date_prec", "side_a", "side_b", "source_article",
                 "dyad_name", "where_description", "adm_1", "country", "type_of_violence", "best",
                 "low", "high")


def ucdp_converter(row: Row) -> Incoming | Skip:
    """One UCDP GED event.

    - id: ``ucdp-ged-<id>``; title: the dyad and the place; actors: ``side_a``, ``side_b``.
    - date: ``date_prec`` 1 is the day; any other code is the interval
      ``date_start/date_end`` the coders gave (a week-wide window stays a week), written
      as a whole month or year when it covers exactly one.
    - sources: each ``;``-separated citation of ``source_article`` (titles, no URLs).
    """
    get = _first_getter(row)
    start, stop, prec = get("date_start")[:10], get("date_end")[:10], get("date_prec")
    if prec not in _UCDP_PRECISION:
        raise RowError("is not a UCDP date precision code", field="date_prec", value=prec, accepted="1–5")
    date, end = _window(start, stop) if prec != "1" or start != stop else (start, None)
    if prec == "1" and start != stop:
        raise RowError("says an exact day but date_start and date_end differ", field="date_prec",
                       value=f"{prec} ({start}/{stop})")
    violence = _UCDP_VIOLENCE.get(get("type_of_violence"), "")
    deaths = get("best")
    place_parts = [p for p in (get("where_description"), get("adm_1"), get("country")) if p]
    place = ", ".join(dict.fromkeys(place_parts)) or None
    title = " — ".join(p for p in (get("dyad_name"), get("where_description")) if p)
    lines = []
    if violence:
        lines.append(f"UCDP type of violence: {violence}.")
    if deaths:
        lines.append(f"Deaths (best estimate): {deaths} (low {get('low') or '?'}, high {get('high') or '?'}).")
    lines.append(f"UCDP date precision {prec}: {_UCDP_PRECISION[prec]}.")
    citations = [part.strip() for part in get("source_article").split(";") if part.strip()]
    columns = {"date": ("date_start",), "end": ("date_end",), "title": ("dyad_name",),
               "source": ("source_article",), "id": ("id",)}
    with _blame(columns):
        sources = [make_source(None, title=c) for c in citations]
    ucdp_id = get("id")
    return build(row, event_id=f"ucdp-ged-{ucdp_id}" if ucdp_id else None, title=title, date=date, end=end,
                 description=" ".join(lines), tags=["ucdp", violence] if violence else ["ucdp"],
                 actors=[get("side_a"), get("side_b")], place=place, sources=sources, columns=columns)


def _window(start: str, stop: str) -> tuple[str, str | None]:
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


# ---------------------------------------------------------------------------------
# Wikipedia Current Events Portal, as structured by WikiTimes (JSON)

_SPACES = re.compile(r"\s+")
_TRAILING_JUNK = re.compile(r"[\s,]+$")


def wikipedia_converter(row: Row) -> Incoming | Skip:
    """One Current Events item: a day, a description, news URLs (``source[].url``).

    The portal gives no headline, so the title is the description's first sentence
    (cut at a word before 140 characters). Tags: the category and the story thread;
    actors: the linked entities (people, organisations, places, as Wikipedia links them).
    """
    get = _first_getter(row)
    description = _TRAILING_JUNK.sub("", _SPACES.sub(" ", get("description"))).strip()
    urls = row.values("source.url")
    names = row.values("source.sourceName")
    columns = {"date": ("date",), "title": ("description",), "source": ("source.url",), "id": ("id",)}
    with _blame(columns):
        named = len(names) == len(urls)
        sources = [make_source(url, publisher=names[i] if named else None) for i, url in enumerate(urls)]
    tags = [t.replace("_", " ") for t in (get("category.name"), get("belongsToStory.name")) if t]
    wiki_id = get("id")
    return build(row, event_id=f"wikipedia-cep-{wiki_id}" if wiki_id else None, title=headline(description),
                 date=get("date"), end=None, description=description, tags=tags,
                 actors=row.values("entity.name"), place=None, sources=sources, columns=columns)


def headline(text: str, limit: int = 140) -> str:
    """The first sentence of ``text``, cut at a word boundary (with "…") if too long."""
    match = re.search(r"(?<=[.!?])\s", text)
    sentence = text[:match.start()] if match else text
    if len(sentence) <= limit:
        return sentence
    return sentence[:limit].rsplit(" ", 1)[0].rstrip(",;:") + "…"


# ---------------------------------------------------------------------------------
# TimelineJS sheet (CSV)


def timelinejs_converter(row: Row) -> Incoming | Skip:
    """One TimelineJS slide: Year/Month/Day(/Time) and End Year/Month/Day columns.

    The date is as precise as the filled columns: a year alone is a year, blanks are
    unknown parts. The title slide (no date, Type ``title``) is not an event: it is
    skipped, with that reason. HTML in Headline/Text is reduced to plain text. A Media
    cell holding a URL becomes the slide's source (credited to Media Credit); slides
    without one are recorded as unsourced.
    """
    get = _first_getter(row)
    kind = get("Type").lower()
    if kind == "era":
        return Skip("a TimelineJS era (a background period), not an event")
    date = _ymd(row, "")
    if not date:
        if kind == "title" or not get("Headline"):
            return Skip(f"a TimelineJS {kind or 'undated'} slide, not an event (no date)")
        raise RowError("is blank", field="Year", value="", accepted="a year (Month, Day, Time optional)")
    end = _ymd(row, "End ") or None
    media = get("Media")
    columns = {"date": ("Year",), "end": ("End Year",), "title": ("Headline",), "source": ("Media",)}
    sources: list[Source] = []
    if re.match(r"^https?://\S+$", media):
        with _blame(columns):
            sources = [make_source(media, publisher=plain_text(get("Media Credit")) or None,
                                   title=plain_text(get("Media Caption")) or None)]
    title = plain_text(get("Headline"))
    return build(row, event_id=None, title=title, date=date, end=end, description=plain_text(get("Text")),
                 tags=[get("Group")] if get("Group") else [], actors=[], place=None, sources=sources,
                 columns=columns, key_prefix="tljs-")


def _ymd(row: Row, prefix: str) -> str:
    get = _first_getter(row)
    year, month, day, time = (get(f"{prefix}{part}") for part in ("Year", "Month", "Day", "Time"))
    if not (year or month or day or time):
        return ""
    if not year:
        raise RowError("is blank but a month or day is given", field=f"{prefix}Year", value=year)
    if day and not month:
        raise RowError("is blank but a day is given", field=f"{prefix}Month", value=month)
    if time and not day:
        raise RowError("is blank but a time is given", field=f"{prefix}Day", value=day)
    for name, value, width in (("Year", year, 4), ("Month", month, 2), ("Day", day, 2)):
        if value and not value.lstrip("-").isdigit():
            raise RowError("is not a number", field=f"{prefix}{name}", value=value)
        if name == "Year" and (value.startswith("-") or len(value) > width):
            raise RowError("is outside the years chronicle stores", field=f"{prefix}Year", value=value,
                           accepted="years 1–9999")
    text = f"{int(year):04d}"
    if month:
        text += f"-{int(month):02d}"
    if day:
        text += f"-{int(day):02d}"
    if time:
        text += f"T{time}" if re.match(r"^\d{2}:\d{2}", time) else f" {time}"
    return text


class _TextOnly(HTMLParser):
    _BREAKS = frozenset(("p", "br", "div", "blockquote", "li", "h1", "h2", "h3", "h4"))

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_data(self, data: str) -> None:
        self.parts.append(data)

    def handle_starttag(self, tag: str, attrs: Any) -> None:
        if tag in self._BREAKS and self.parts:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in self._BREAKS:
            self.parts.append("\n")


def plain_text(value: str) -> str:
    """HTML cell → text: tags removed, entities decoded, blank lines collapsed."""
    if "<" not in value and "&" not in value:
        return value.strip()
    parser = _TextOnly()
    parser.feed(value)
    parser.close()
    text = html.unescape("".join(parser.parts))
    lines = [" ".join(line.split()) for line in text.splitlines()]
    return "\n".join(line for line in lines if line).strip()


def _first_getter(row: Row) -> Callable[[str], str]:
    def get(column: str) -> str:
        values = row.values(column)
        return values[0].strip() if values else ""

    return get


def converter_for(preset: str | None, fields: FieldMap) -> RowConverter | None:
    """The converter for ``--preset`` or ``--map``; None means "the file is chronicle's own"."""
    if preset is not None:
        if fields:
            raise InvalidInput("cannot be combined with --map/--mapping", field="--preset", value=preset)
        converters: dict[str, RowConverter] = {
            "ucdp": ucdp_converter, "wikipedia": wikipedia_converter, "timelinejs": timelinejs_converter,
        }
        if preset not in converters:
            raise InvalidInput("is not a preset", field="--preset", value=preset, accepted=", ".join(PRESETS))
        return converters[preset]
    return mapped_converter(fields) if fields else None


#: Columns a preset needs in the file's header (JSON presets list paths).
PRESET_COLUMNS: dict[str, tuple[str, ...]] = {
    "ucdp": _UCDP_COLUMNS,
    "wikipedia": ("date", "description"),
    "timelinejs": ("Year", "Month", "Day", "Headline"),
}
