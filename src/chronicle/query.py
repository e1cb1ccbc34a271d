"""What a reader asks of the archive: filters on the events' own time, on text, and on
transaction time (``as_of``). Pure values; the store turns them into SQL."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from chronicle.dates import bound_day_words, parse_timestamp, since_bound, until_bound, utc_text
from chronicle.errors import InvalidInput
from chronicle.search import SearchQuery

#: Orders ``show`` knows: the timeline (default) or best match first (needs a search).
SORTS = ("timeline", "relevance")


@dataclass(frozen=True, slots=True)
class EventQuery:
    """Filters for :meth:`chronicle.store.Store.events`. All optional, all combined with AND.

    ``since``/``until`` are stored bounds (see :func:`chronicle.dates.bound_text`): an
    event matches ``since`` when it *may* fall on or after it, i.e. its latest instant
    is not before it.
    """

    since: str | None = None
    until: str | None = None
    tags: tuple[str, ...] = ()
    actors: tuple[str, ...] = ()
    text: str | None = None
    as_of: datetime | None = None
    """Transaction time, naive UTC, to the microsecond: the archive as it stood at that
    moment. An imprecise ``--as-of`` (a day, a minute) means the end of that period."""
    include_retracted: bool = False
    limit: int | None = None
    search: SearchQuery | None = None
    """Full-text query (:mod:`chronicle.search`) over the current versions' words."""
    sort: str = "timeline"
    """``timeline`` or ``relevance`` (best match first; needs ``search``)."""
    any_tags: tuple[str, ...] = ()
    """At least one of these tags (``--any-tag``); ``tags`` must all match."""
    actor_names: tuple[tuple[str, ...], ...] = ()
    """For each of ``actors``, every name it stands for — itself and the names of the
    alias groups it matches (:meth:`chronicle.aliases.ActorAliases.expand`); an event
    matches the filter when one of them names one of its actors. Empty: each filter is
    just its own name. Filled in by the archive, never typed by a user."""

    @classmethod
    def parse(
        cls,
        *,
        since: str | None = None,
        until: str | None = None,
        tags: tuple[str, ...] | list[str] = (),
        actors: tuple[str, ...] | list[str] = (),
        text: str | None = None,
        as_of: str | None = None,
        include_retracted: bool = False,
        limit: int | None = None,
        search: str | None = None,
        sort: str = "timeline",
        any_tags: tuple[str, ...] | list[str] = (),
    ) -> EventQuery:
        """Build a query from user-typed strings; errors name the option."""
        if limit is not None and limit < 0:
            raise InvalidInput("must be zero or more", field="--limit", value=limit)
        lo = since_bound(since) if since else None
        hi = until_bound(until) if until else None
        if lo and hi and hi < lo:
            raise InvalidInput("is before --since", field="--until", value=until)
        if sort not in SORTS:
            raise InvalidInput("is not a known order", field="--sort", value=sort, accepted=", ".join(SORTS))
        parsed = SearchQuery.parse(search) if search is not None and search.strip() else None
        if sort == "relevance" and parsed is None:
            raise InvalidInput("needs --search QUERY to rank by", field="--sort", value=sort)
        if parsed is not None and as_of:
            raise InvalidInput(
                "searches the current text only", field="--search", value=search,
                accepted="--text WORDS together with --as-of",
            )
        return cls(
            since=lo,
            until=hi,
            tags=tuple(tags),
            actors=tuple(actors),
            text=text or None,
            as_of=parse_timestamp(as_of, field="--as-of") if as_of else None,
            include_retracted=include_retracted,
            limit=limit,
            search=parsed,
            sort=sort,
            any_tags=tuple(any_tags),
        )

    def describe(self) -> str:
        """The filters in words, for export headers ("all events" when none)."""
        parts = []
        if self.since:
            parts.append(f"since {bound_day_words(self.since)}")
        if self.until:
            parts.append(f"until {bound_day_words(self.until)}")
        parts += [f"tag {t}" for t in self.tags]
        if self.any_tags:
            parts.append("any tag of " + ", ".join(self.any_tags))
        parts += [f"actor {a}" for a in self.actors]
        if self.text:
            parts.append(f"text “{self.text}”")
        if self.search:
            parts.append(self.search.describe())
        if self.as_of:
            parts.append(f"as of {utc_text(self.as_of)}")
        if self.include_retracted:
            parts.append("including retracted")
        if self.limit is not None:
            parts.append(f"first {self.limit}" + (" by relevance" if self.sort == "relevance" else ""))
        return ", ".join(parts) if parts else "all events"
