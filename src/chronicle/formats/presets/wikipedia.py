"""The ``wikipedia`` preset: the Wikipedia Current Events Portal, as structured by
WikiTimes (JSON): one item per news line of a day."""

from __future__ import annotations

import re

from chronicle.formats.mapping import Row, Skip, blame, build, first_getter
from chronicle.formats.plaintext import headline
from chronicle.formats.presets import Preset
from chronicle.incoming import Incoming
from chronicle.model import make_source

_SPACES = re.compile(r"\s+")
_TRAILING_JUNK = re.compile(r"[\s,]+$")


def convert(row: Row) -> Incoming | Skip:
    """One Current Events item: a day, a description, news URLs (``source[].url``).

    The portal gives no headline, so the title is the description's first sentence
    (cut at a word before 140 characters). Tags: the category and the story thread;
    actors: the linked entities (people, organisations, places, as Wikipedia links them).
    """
    get = first_getter(row)
    description = _TRAILING_JUNK.sub("", _SPACES.sub(" ", get("description"))).strip()
    urls = row.values("source.url")
    names = row.values("source.sourceName")
    columns = {"date": ("date",), "title": ("description",), "source": ("source.url",), "id": ("id",)}
    with blame(columns):
        named = len(names) == len(urls)
        sources = [make_source(url, publisher=names[i] if named else None) for i, url in enumerate(urls)]
    tags = [t.replace("_", " ") for t in (get("category.name"), get("belongsToStory.name")) if t]
    wiki_id = get("id")
    return build(row, event_id=f"wikipedia-cep-{wiki_id}" if wiki_id else None, title=headline(description),
                 date=get("date"), end=None, description=description, tags=tags,
                 actors=row.values("entity.name"), place=None, sources=sources, columns=columns)


PRESET = Preset("wikipedia", convert, ("date", "description"))
