"""Claims: what each source says about an event, when sources disagree. Pure values, no I/O.

An event's date (and its title, place or actors) may carry several *claims*, as
Wikidata's statements do: each a value, the sources that make it, a rank
(:class:`Rank`) and an optional note ("doubtful: …"). The event's current value is its
preferred claim, else its first normal one — so adding a competing claim never moves an
event on the timeline unless someone ranks it preferred.

Two claims *disagree* when both cannot be true: dates whose bounds do not overlap
(October 2023 and 23 November 2023), or other values that differ. A finer date inside a
coarser one (2024 and 9 January 2024) is a refinement, not a dispute.

Claims come from two new log record kinds, folded here for :mod:`chronicle.projection`:

- ``claimed``: ``{"field", "value", "sources", "rank"?, "note"?}`` — a new claim; or,
  for a value already claimed, more sources (and a new note or rank) for it;
- ``ranked``: ``{"field", "value", "rank"}`` — a claim's new rank, with a reason.

At most one claim per field is preferred: making one preferred makes the previous
preferred claim normal.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from chronicle.dates import Span, parse_span
from chronicle.errors import Conflict, InvalidInput
from chronicle.model import Event, Kind, Record, Source, clean_list, clean_title

#: Fields that may carry claims, in the order they are shown.
CLAIMABLE = ("date", "title", "place", "actors")

#: Log record kinds that this module folds.
CLAIM_KINDS = frozenset({Kind.CLAIMED, Kind.RANKED})

ClaimValue = str | tuple[str, ...]


class Rank(StrEnum):
    """How much a claim is trusted, as Wikidata ranks statements."""

    PREFERRED = "preferred"
    """The value to show: the best-supported claim."""
    NORMAL = "normal"
    """A claim a source makes, neither preferred nor known to be wrong."""
    DEPRECATED = "deprecated"
    """Known to be wrong, kept because a source made it."""

    @classmethod
    def parse(cls, text: str, *, field: str = "--rank") -> Rank:
        try:
            return cls(text.strip().lower())
        except ValueError:
            raise InvalidInput("is not a rank", field=field, value=text,
                               accepted="preferred, normal, deprecated") from None


@dataclass(frozen=True, slots=True)
class Claim:
    """One value of one field of an event, as some sources give it."""

    field: str
    """One of :data:`CLAIMABLE`."""
    value: ClaimValue
    """Canonical: a date is the EDTF of its whole span (``2025-01-01/2025-02-19``);
    actors are a tuple of names; title and place are text."""
    sources: tuple[Source, ...] = ()
    rank: Rank = Rank.NORMAL
    note: str | None = None
    """Why the claim is doubtful, or how it was read from its source."""

    @property
    def span(self) -> Span:
        """A date claim's span (only for ``field == "date"``)."""
        assert isinstance(self.value, str)
        return parse_span(self.value)

    def display(self) -> str:
        """The value as a reader sees it: ``23 Nov 2023``, ``Quito``, ``A, B``."""
        if self.field == "date":
            return self.span.render()
        if isinstance(self.value, tuple):
            return ", ".join(self.value)
        return self.value

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "field": self.field,
            "value": list(self.value) if isinstance(self.value, tuple) else self.value,
            "sources": [s.to_dict() for s in self.sources],
            "rank": self.rank.value,
        }
        if self.note:
            data["note"] = self.note
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Claim:
        field = data["field"]
        value = data["value"]
        return cls(
            field=field,
            value=tuple(value) if isinstance(value, list) else value,
            sources=tuple(Source.from_dict(s) for s in data.get("sources", ())),
            rank=Rank(data.get("rank", "normal")),
            note=data.get("note"),
        )


def make_claim(field_name: str, value: Any, sources: Iterable[Source] = (), *,
               rank: Rank | str = Rank.NORMAL, note: str | None = None) -> Claim:
    """A validated claim, not yet stored."""
    chosen = rank if isinstance(rank, Rank) else Rank.parse(rank)
    return Claim(field_name, claim_value(field_name, value), tuple(sources), chosen, (note or "").strip() or None)


def check_field(field: str) -> str:
    if field not in CLAIMABLE:
        raise InvalidInput("cannot carry claims", field="field", value=field, accepted=", ".join(CLAIMABLE))
    return field


def claim_value(field: str, raw: Any) -> ClaimValue:
    """Validate a claimed value and return its canonical form (see :attr:`Claim.value`)."""
    check_field(field)
    if field == "date":
        if not isinstance(raw, str):
            raise InvalidInput("must be a date string", field="date", value=raw)
        return parse_span(raw).edtf
    if field == "title":
        return clean_title(raw)
    if field == "place":
        if not isinstance(raw, str) or not raw.strip():
            raise InvalidInput("is empty", field="place", value=raw, accepted="a place name")
        return " ".join(raw.split())
    values = clean_list(list(raw) if isinstance(raw, tuple) else raw, field="actors")
    if not values:
        raise InvalidInput("is empty", field="actors", value=raw, accepted="one or more names")
    return values


def current_value(event: Event, field: str) -> ClaimValue:
    """The event's present value of ``field``, in claim form."""
    if field == "date":
        return event.span.edtf
    if field == "title":
        return event.title
    if field == "place":
        return event.place or ""
    return event.actors


def compatible(field: str, one: ClaimValue, other: ClaimValue) -> bool:
    """Can both be true? Dates: their bounds overlap. Other fields: they are equal."""
    if field == "date":
        assert isinstance(one, str) and isinstance(other, str)
        a, b = parse_span(one), parse_span(other)
        # Instants, not datetimes: a BC or long-year claim compares like any other.
        return a.earliest_instant <= b.latest_instant and b.earliest_instant <= a.latest_instant
    return one == other


def claims_of(claims: Iterable[Claim], field: str) -> list[Claim]:
    return [c for c in claims if c.field == field]


def current_claim(claims: Iterable[Claim], field: str) -> Claim | None:
    """The claim that gives the field's value: the preferred, else the first normal, else the first."""
    mine = claims_of(claims, field)
    for rank in (Rank.PREFERRED, Rank.NORMAL, Rank.DEPRECATED):
        for claim in mine:
            if claim.rank is rank:
                return claim
    return None


def disputed_fields(claims: Iterable[Claim]) -> tuple[str, ...]:
    """Fields where two claims that are not deprecated cannot both be true."""
    listed = tuple(claims)
    found = []
    for field in CLAIMABLE:
        live = [c for c in listed if c.field == field and c.rank is not Rank.DEPRECATED]
        if any(not compatible(field, a.value, b.value) for i, a in enumerate(live) for b in live[i + 1:]):
            found.append(field)
    return tuple(found)


def find_claim(claims: Iterable[Claim], field: str, value: ClaimValue) -> Claim | None:
    return next((c for c in claims if c.field == field and c.value == value), None)


def fold_claim(state: Event, record: Record) -> dict[str, Any]:
    """The fields of ``state`` that a ``claimed`` or ``ranked`` record changes.

    Raises :class:`Conflict` for a record that would change nothing (a claim made twice,
    a rank it already has) and :class:`InvalidInput` for a malformed payload.
    """
    payload = record.payload
    field = check_field(payload.get("field", ""))
    value = claim_value(field, payload.get("value"))
    claims = list(state.claims)
    existing = find_claim(claims, field, value)
    if record.kind is Kind.CLAIMED:
        sources = tuple(Source.from_dict(s) for s in payload.get("sources", ()))
        rank = Rank(payload["rank"]) if "rank" in payload else None
        note = payload.get("note")
        if existing is None:
            claim = Claim(field, value, sources, rank or Rank.NORMAL, note or None)
            claims.append(claim)
        else:
            added = tuple(s for s in sources if s not in existing.sources)
            claim = Claim(field, value, (*existing.sources, *added), rank or existing.rank,
                          note if "note" in payload else existing.note)
            if claim == existing:
                raise Conflict("this claim is already recorded with these sources", field=field,
                               value=claim.display())
            claims[claims.index(existing)] = claim
    else:
        if existing is None:
            raise InvalidInput("no claim has this value", field=field, value=payload.get("value"),
                               accepted="a value shown under 'claims' by `chronicle show ID`")
        rank = Rank(payload["rank"])
        if existing.rank is rank:
            raise Conflict(f"the claim is already {rank.value}", field=field, value=existing.display())
        claim = Claim(field, value, existing.sources, rank, existing.note)
        claims[claims.index(existing)] = claim
    if claim.rank is Rank.PREFERRED:
        claims = [c if c.field != field or c is claim or c.rank is not Rank.PREFERRED
                  else Claim(c.field, c.value, c.sources, Rank.NORMAL, c.note) for c in claims]
    changes: dict[str, Any] = {"claims": tuple(claims), "disputed_fields": disputed_fields(claims)}
    chosen = current_claim(claims, field)
    assert chosen is not None
    if field == "date":
        changes["span"] = chosen.span
    elif field == "title":
        changes["title"] = chosen.value
    elif field == "place":
        changes["place"] = chosen.value
    else:
        changes["actors"] = chosen.value
    new_sources = tuple(s for s in claim.sources if s not in state.sources)
    if new_sources:
        changes["sources"] = (*state.sources, *new_sources)
        changes["unsourced"] = False
    return changes


def check_revision(state: Event, payload: dict[str, Any]) -> None:
    """A field with claims changes only by claims: a plain revision of it is refused."""
    claimed = {c.field for c in state.claims}
    touched = {"date" if key == "end" else key for key in payload} & claimed
    if touched:
        field = sorted(touched)[0]
        raise Conflict(
            "has claims; add a claim (`chronicle claim`) or rank one (`chronicle rank`) instead of revising it",
            field=field, value=payload.get(field, payload.get("end")),
        )
