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
  and the row (see :func:`chronicle.reconciling.import_items`);
- identity comes from a stated id column, else from a stable content key (the title and
  date as written), so re-importing a corrected file revises the changed rows only.

This module is the engine; presets, converters written for one real dataset each, are
in :mod:`chronicle.formats.presets` (one module per preset, one registry of their names).
"""

from __future__ import annotations

import hashlib
import tomllib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, Protocol

from chronicle.errors import ChronicleError, InvalidInput
from chronicle.formats.depth import parse_bounded
from chronicle.formats.presets import load
from chronicle.incoming import Incoming
from chronicle.model import EventFields, Source, check_id, make_source, slugify

#: The chronicle fields a column can be mapped to.
FIELDS = (
    "id", "title", "date", "end", "description", "tags", "actors", "place",
    "source", "source_title", "source_publisher", "source_published",
)
#: Fields that take several columns (their values are concatenated in order).
LIST_FIELDS = ("tags", "actors", "source", "source_title", "description", "place")


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
                    data = parse_bounded(lambda: tomllib.load(handle), field="--mapping",
                                         value=str(mapping_file), what="TOML")
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
    """Turn rows into events as ``fields`` says (``--map``/``--mapping``).

    The columns of each field are looked up once, here, not once per row.
    """
    get = fields.get
    title_cols, date_cols, end_cols, id_cols = get("title"), get("date"), get("end"), get("id")
    description_cols, place_cols = get("description"), get("place")
    tag_cols, actor_cols, url_cols, source_title_cols = get("tags"), get("actors"), get("source"), get("source_title")
    publisher_cols, published_cols = get("source_publisher"), get("source_published")
    columns = {"date": date_cols, "end": end_cols, "title": title_cols, "source": url_cols, "id": id_cols,
               "source_published": published_cols}
    sources_blame = blame(columns)

    def convert(row: Row) -> Incoming | Skip:
        title = _one(row, title_cols)
        date = _one(row, date_cols)
        end = _one(row, end_cols)
        values = row.values
        description = "\n\n".join(v for col in description_cols for v in values(col))
        place = ", ".join(v for col in place_cols for v in values(col)) or None
        tags = _split(row, tag_cols)
        actors = _split(row, actor_cols)
        urls = _split(row, url_cols)
        titles = _split(row, source_title_cols)
        publisher = _one(row, publisher_cols) or None
        published = _one(row, published_cols) or None
        sources: list[Source] = []
        with sources_blame:
            if urls:
                single = titles[0] if len(urls) == 1 and len(titles) == 1 else None
                sources = [make_source(url, title=single, publisher=publisher, published=published)
                           for url in urls]
            else:
                sources = [make_source(None, title=t, publisher=publisher, published=published) for t in titles]
        event_id = _one(row, id_cols) or None
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
    with blame(columns):
        fields = EventFields.parse(title=title, date=date, end=end, description=description, tags=tags,
                                   actors=actors, place=place, sources=unique, unsourced=not unique)
        key = check_id(event_id, field="id") if event_id is not None else \
            content_key(fields.title, date if end is None else f"{date}/{end}", key_prefix)
    return Incoming(key, fields, row.where, row=row.number)


def content_key(title: str, date: str, prefix: str = "") -> str:
    """A stable id for a row without one: readable slug + a hash of title and date as written."""
    digest = hashlib.sha1(f"{title}\x1f{date.strip()}".encode()).hexdigest()[:10]
    return f"{prefix}{slugify(title, limit=40)}-{digest}"


class blame:
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


def first_getter(row: Row) -> Callable[[str], str]:
    """``get(column)``: the first value under ``column``, stripped, or ``""``."""

    def get(column: str) -> str:
        values = row.values(column)
        return values[0].strip() if values else ""

    return get


def converter_for(preset: str | None, fields: FieldMap) -> RowConverter | None:
    """The converter for ``--preset`` or ``--map``; None means "the file is chronicle's own"."""
    if preset is not None:
        if fields:
            raise InvalidInput("cannot be combined with --map/--mapping", field="--preset", value=preset)
        return load(preset).convert
    return mapped_converter(fields) if fields else None


def preset_columns(preset: str) -> tuple[str, ...]:
    """Columns a CSV file's header must have for ``preset``."""
    return load(preset).columns
