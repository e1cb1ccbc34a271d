"""An event's fields parsed and validated once: the only parser of event fields.

:class:`EventFields` is what every input becomes (``add``'s options, a seed table, a CSV
or JSON row, an iCalendar component, a stored payload) and what the canonical payload,
revisions and the projection are made from. Pure values, no I/O;
:mod:`chronicle.model` re-exports these.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from chronicle.citation import Source
from chronicle.dates import Span, parse_span
from chronicle.errors import InvalidInput

#: Fields a revision may change, and how they appear in a payload.
REVISABLE = ("title", "date", "end", "description", "tags", "actors", "place")


def span_parts(span: Span) -> tuple[str, str | None]:
    """``span.parts`` (the stored date and end texts), remembered per span object.

    ``Span.parts`` works the EDTF text out anew on each call, and every record and every
    projected document asks for it; :func:`~chronicle.dates.parse_span` hands out one
    object per distinct date, so a large import asks the same few thousand spans again and
    again. Keyed by identity (the entry keeps its span alive, so an id is never reused
    while it is a key); cleared when it grows large.
    """
    hit = _PARTS.get(id(span))
    if hit is not None and hit[0] is span:
        return hit[1]
    parts = span.parts
    if len(_PARTS) >= _PARTS_MAX:
        _PARTS.clear()
    _PARTS[id(span)] = (span, parts)
    return parts


_PARTS: dict[int, tuple[Span, tuple[str, str | None]]] = {}
_PARTS_MAX = 32768


def parse_when(date: Any, end: Any = None) -> Span:
    """``--date`` and ``--end`` (or a row's date and end cells) as one span.

    ``date`` may itself be an interval (``A/B``, ``A/..``); an end given beside such an
    interval would say the end twice, so it is refused rather than one of them dropped.
    A blank ``end`` is no end.
    """
    if not isinstance(date, str):
        raise InvalidInput("must be a date string", field="date", value=date)
    if end is not None and not isinstance(end, str):
        raise InvalidInput("must be a date string", field="end", value=end)
    if end is not None and not end.strip():
        end = None
    if end is not None and "/" in date and parse_span(date).is_interval:
        raise InvalidInput(
            "is an interval, and an end was given as well", field="date", value=date,
            accepted="either --date START/END, or --date START with --end END",
        )
    return parse_span(date, end)


@dataclass(frozen=True, slots=True)
class EventFields:
    """What an event says, parsed and validated once: the only parser of event fields.

    Every input — ``add``'s options, a seed table, a CSV or JSON row, an iCalendar
    component, a stored ``recorded`` payload — becomes one of these, and everything
    downstream (the canonical payload, revisions, the projection) takes this value, never
    the raw dict. Each field is a value of its own (a title, a span, a place, the actors),
    so that a later claim can hold one field's value with its own sources.
    """

    title: str
    span: Span
    description: str = ""
    tags: tuple[str, ...] = ()
    actors: tuple[str, ...] = ()
    place: str | None = None
    sources: tuple[Source, ...] = ()
    unsourced: bool = False
    """Recorded without a source on purpose (never true when ``sources`` is not empty)."""

    @classmethod
    def parse(
        cls,
        *,
        title: Any,
        date: Any,
        end: Any = None,
        description: Any = "",
        tags: Iterable[str] = (),
        actors: Iterable[str] = (),
        place: Any = None,
        sources: Iterable[Source] = (),
        unsourced: bool = False,
    ) -> EventFields:
        """A new event's fields from raw input; errors name the field, value and what is accepted."""
        span = parse_when(date, end)
        sources = tuple(sources)
        if not sources and not unsourced:
            raise InvalidInput(
                "an event needs a source", field="--source", value=None,
                accepted="--source URL, or --unsourced to record it explicitly without one",
            )
        if sources and unsourced:
            raise InvalidInput("contradicts the sources given", field="--unsourced", value=True)
        return cls(
            title=clean_title(title),
            span=span,
            description=_clean_text(description, field="description"),
            tags=clean_list(_listed(tags, "tags"), field="tags"),
            actors=clean_list(_listed(actors, "actors"), field="actors"),
            place=_clean_text(place, field="place") or None,
            sources=sources,
            unsourced=bool(unsourced),
        )

    @classmethod
    def from_payload(cls, payload: Mapping[str, Any]) -> EventFields:
        """The fields a stored ``recorded`` payload holds (as the log has always read them).

        Lenient where the log always was (a description is kept as stored), strict on
        types, so a replayed or restored log folds exactly as it did when it was written.
        """
        sources = tuple(Source.from_dict(s) for s in payload.get("sources", ()))
        return cls(
            title=clean_title(payload.get("title")),
            span=_stored_span(payload.get("date"), payload.get("end")),
            description=payload.get("description") or "",
            tags=clean_list(payload.get("tags"), field="tags"),
            actors=clean_list(payload.get("actors"), field="actors"),
            place=payload.get("place") or None,
            sources=sources,
            unsourced=bool(payload.get("unsourced")) and not sources,
        )

    def payload(self) -> dict[str, Any]:
        """The canonical ``recorded`` payload (what the log stores and hashes)."""
        date, end = span_parts(self.span)
        return {
            "title": self.title,
            "date": date,
            "end": end,
            "description": self.description,
            "tags": list(self.tags),
            "actors": list(self.actors),
            "place": self.place,
            "sources": [s.to_dict() for s in self.sources],
            "unsourced": self.unsourced,
        }

    def revised(
        self,
        *,
        title: Any = None,
        date: Any = None,
        end: Any = None,
        description: Any = None,
        tags: Iterable[str] | None = None,
        actors: Iterable[str] | None = None,
        place: Any = None,
    ) -> EventFields:
        """These fields with the given raw values (``None``: unchanged) parsed in.

        ``date`` alone keeps the current end — unless it is itself an interval, which
        then replaces the whole span; ``end=""`` removes the end, ``".."`` makes it ongoing.
        """
        span = self.span
        if date is not None or end is not None:
            if date is None:
                span = parse_when(span.start.edtf, end if end is not None else None)
            elif end is None and not ("/" in str(date) and parse_when(date).is_interval):
                span = parse_when(date, span.end_edtf)
            else:
                span = parse_when(date, end)
        return EventFields(
            title=self.title if title is None else clean_title(title),
            span=span,
            description=self.description if description is None else _clean_text(description, field="description"),
            tags=self.tags if tags is None else clean_list(_listed(tags, "tags"), field="tags"),
            actors=self.actors if actors is None else clean_list(_listed(actors, "actors"), field="actors"),
            place=self.place if place is None else (_clean_text(place, field="place") or None),
            sources=self.sources,
            unsourced=self.unsourced,
        )

    def with_changes(self, changes: Mapping[str, Any]) -> EventFields:
        """These fields after a stored ``revised`` payload (canonical values, as the log holds them)."""
        unknown = set(changes) - set(REVISABLE)
        if unknown:
            raise InvalidInput("cannot be revised", field=", ".join(sorted(unknown)), accepted=", ".join(REVISABLE))
        span = self.span
        if "date" in changes or "end" in changes:
            date, end = span_parts(span)
            span = _stored_span(changes.get("date", date), changes.get("end", end))
        return EventFields(
            title=clean_title(changes["title"]) if "title" in changes else self.title,
            span=span,
            description=(changes["description"] or "") if "description" in changes else self.description,
            tags=clean_list(changes["tags"], field="tags") if "tags" in changes else self.tags,
            actors=clean_list(changes["actors"], field="actors") if "actors" in changes else self.actors,
            place=(changes["place"] or None) if "place" in changes else self.place,
            sources=self.sources,
            unsourced=self.unsourced,
        )

    def changes_from(self, before: EventFields) -> dict[str, Any]:
        """The canonical ``revised`` payload taking ``before`` to these fields: only what differs."""
        changes: dict[str, Any] = {}
        if self.title != before.title:
            changes["title"] = self.title
        (date, end), (date_before, end_before) = span_parts(self.span), span_parts(before.span)
        if date != date_before:
            changes["date"] = date
        if end != end_before:
            changes["end"] = end
        if self.description != before.description:
            changes["description"] = self.description
        if self.tags != before.tags:
            changes["tags"] = list(self.tags)
        if self.actors != before.actors:
            changes["actors"] = list(self.actors)
        if self.place != before.place:
            changes["place"] = self.place
        return changes


def revision_changes(raw: Mapping[str, Any]) -> dict[str, Any]:
    """A file's later correction (a seed's ``[[events.revisions]]``) as a canonical ``revised`` payload.

    Only the fields given are in it; a date that is an interval sets the end too.
    """
    unknown = set(raw) - set(REVISABLE)
    if unknown:
        raise InvalidInput("cannot be revised", field=", ".join(sorted(unknown)), accepted=", ".join(REVISABLE))
    changes: dict[str, Any] = {}
    if "title" in raw:
        changes["title"] = clean_title(raw["title"])
    if "date" in raw:
        span = parse_when(raw["date"], raw.get("end"))
        changes["date"] = span.parts[0]
        if "end" in raw or span.is_interval:
            changes["end"] = span.parts[1]
    elif "end" in raw:
        end = raw["end"]
        if not isinstance(end, str):
            raise InvalidInput("must be a date string", field="end", value=end)
        changes["end"] = parse_span("0001", end).end_edtf
    if "description" in raw:
        changes["description"] = _clean_text(raw["description"], field="description")
    for name in ("tags", "actors"):
        if name in raw:
            changes[name] = list(clean_list(raw[name], field=name))
    if "place" in raw:
        changes["place"] = _clean_text(raw["place"], field="place") or None
    return changes


def recorded_payload(**fields: Any) -> dict[str, Any]:
    """Validate a new event's fields (:meth:`EventFields.parse`) and return its canonical payload."""
    return EventFields.parse(**fields).payload()


def _stored_span(date: Any, end: Any) -> Span:
    if not isinstance(date, str):
        raise InvalidInput("must be a date string", field="date", value=date)
    if end is not None and not isinstance(end, str):
        raise InvalidInput("must be a date string", field="end", value=end)
    return parse_span(date, end)


def _listed(values: Iterable[str], field: str) -> list[str]:
    """Tags or actors given as any iterable of strings — but a lone string is not a list of them."""
    if isinstance(values, str):
        raise InvalidInput("must be a list of strings", field=field, value=values)
    return list(values)


def _clean_text(value: Any, *, field: str) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise InvalidInput("must be text", field=field, value=value)
    return value.strip()


def clean_list(values: Any, *, field: str) -> tuple[str, ...]:
    """Tags and actors: strings, trimmed, no empties, no duplicates, order kept."""
    if values is None:
        return ()
    if isinstance(values, str) or not isinstance(values, (list, tuple)):
        raise InvalidInput("must be a list of strings", field=field, value=values)
    seen: dict[str, None] = {}
    for value in values:
        if not isinstance(value, str):
            raise InvalidInput("must be a string", field=field, value=value)
        value = " ".join(value.split())
        if value:
            seen.setdefault(value, None)
    return tuple(seen)


def clean_title(title: Any, *, field: str = "title") -> str:
    if not isinstance(title, str):
        raise InvalidInput("must be text", field=field, value=title)
    text = " ".join(title.split())
    if not text:
        raise InvalidInput("is empty", field=field, value=title, accepted="a non-empty title")
    return text
