"""What an archive holds: its tags, actors, places and sources, with how many events each.

Spellings that differ only in case or accents ("Televisión", "television") are one
value — the same rule ``--tag`` and ``--actor`` match by — shown in the spelling most
events use. Counts are of the events a query selects (by default: every event on the
timeline, retracted and merged ones left out).
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from chronicle.aliases import ActorAliases, name_key
from chronicle.archive import Archive
from chronicle.duplicates import normal_url
from chronicle.model import fold_text
from chronicle.query import EventQuery

#: The facets ``chronicle tags|actors|places|sources`` list.
FACETS = ("tags", "actors", "places", "sources")


@dataclass(frozen=True, slots=True)
class FacetValue:
    """One value of a facet and the number of events that carry it."""

    value: str
    """The spelling most events use (for a source: its label, publisher and title)."""
    count: int
    url: str | None = None
    """Sources only: the URL that identifies the source (URLs that differ only in scheme,
    ``www.``, a final slash or tracking parameters are one source)."""
    spellings: tuple[str, ...] = field(default=())
    """Other spellings found (case or accents differ), most used first."""
    aliases: tuple[str, ...] = field(default=())
    """Actors only: the names recorded as aliases of this one (``chronicle alias``); the
    value is then the canonical name, and the count is of events naming any of them."""

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"value": self.value, "count": self.count}
        if self.url is not None:
            data["url"] = self.url
        if self.spellings:
            data["spellings"] = list(self.spellings)
        if self.aliases:
            data["aliases"] = list(self.aliases)
        return data


def _values(doc: dict[str, Any], facet: str) -> Iterator[tuple[str, str, str | None]]:
    """(key, spelling, url) of each value of ``facet`` in one stored event document."""
    if facet in ("tags", "actors"):
        for value in doc[facet]:
            yield fold_text(value), value, None
    elif facet == "places":
        if doc["place"]:
            yield fold_text(doc["place"]), doc["place"], None
    else:
        for source in doc["sources"]:
            url = source.get("url")
            label = ": ".join(p for p in (source.get("publisher"), source.get("title")) if p) or url or ""
            yield (normal_url(url) if url else fold_text(label)), label, url


def count_facet(docs: Iterable[str], facet: str, aliases: ActorAliases | None = None) -> list[FacetValue]:
    """Count ``facet`` over stored event documents (JSON text, as the store streams them).

    Each event counts once per value, however often it repeats it. Most common first,
    then alphabetically (case and accents ignored). With ``aliases`` (actors only),
    the names of one alias group are one value under the canonical name.
    """
    if facet not in FACETS:
        from chronicle.errors import InvalidInput

        raise InvalidInput("is not a facet", field="facet", value=facet, accepted=", ".join(FACETS))
    events: Counter[str] = Counter()
    spellings: dict[str, Counter[str]] = {}
    urls: dict[str, str | None] = {}
    for text in docs:
        doc = json.loads(text)
        seen: set[str] = set()
        for key, spelling, url in _values(doc, facet):
            if aliases:
                key = name_key(aliases.canonical(spelling))
            spellings.setdefault(key, Counter())[spelling] += 1
            urls.setdefault(key, url)
            if key not in seen:
                seen.add(key)
                events[key] += 1
    groups = {name_key(canonical): (canonical, names) for canonical, names in aliases.groups().items()} \
        if aliases else {}
    result = []
    for key, count in events.items():
        ranked = [s for s, _n in sorted(spellings[key].items(), key=lambda item: (-item[1], item[0]))]
        if key in groups:
            # The canonical name as recorded; the other spellings are those no alias names.
            canonical, names = groups[key]
            named = {name_key(n) for n in (canonical, *names)}
            others = tuple(s for s in ranked if name_key(s) not in named)
            result.append(FacetValue(canonical, count, None, others, names))
            continue
        result.append(FacetValue(ranked[0], count, urls[key], tuple(ranked[1:])))
    result.sort(key=lambda v: (-v.count, fold_text(v.value), v.value))
    return result


def facet_counts(archive: Archive, facet: str, query: EventQuery = EventQuery()) -> list[FacetValue]:
    """The values of ``facet`` among the events ``query`` selects, with their counts."""
    aliases = archive.actor_aliases() if facet == "actors" else None
    return count_facet(archive.event_docs(query), facet, aliases)
