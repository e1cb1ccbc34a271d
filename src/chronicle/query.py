"""What a reader asks of the archive: filters on the events' own time, on text, and on
transaction time (``as_of``). Pure values; the store turns them into SQL."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from chronicle.dates import bound_day_words, parse_timestamp, since_bound, until_bound, utc_text
from chronicle.errors import InvalidInput


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
    ) -> EventQuery:
        """Build a query from user-typed strings; errors name the option."""
        if limit is not None and limit < 0:
            raise InvalidInput("must be zero or more", field="--limit", value=limit)
        lo = since_bound(since) if since else None
        hi = until_bound(until) if until else None
        if lo and hi and hi < lo:
            raise InvalidInput("is before --since", field="--until", value=until)
        return cls(
            since=lo,
            until=hi,
            tags=tuple(tags),
            actors=tuple(actors),
            text=text or None,
            as_of=parse_timestamp(as_of, field="--as-of") if as_of else None,
            include_retracted=include_retracted,
            limit=limit,
        )

    def describe(self) -> str:
        """The filters in words, for export headers ("all events" when none)."""
        parts = []
        if self.since:
            parts.append(f"since {bound_day_words(self.since)}")
        if self.until:
            parts.append(f"until {bound_day_words(self.until)}")
        parts += [f"tag {t}" for t in self.tags]
        parts += [f"actor {a}" for a in self.actors]
        if self.text:
            parts.append(f"text “{self.text}”")
        if self.as_of:
            parts.append(f"as of {utc_text(self.as_of)}")
        if self.include_retracted:
            parts.append("including retracted")
        if self.limit is not None:
            parts.append(f"first {self.limit}")
        return ", ".join(parts) if parts else "all events"
