"""Turning "source S says X" into log records: the service side of :mod:`chronicle.claims`.

Used by :class:`~chronicle.archive.Archive` (``claim``, ``rank``, ``cite --date``) and by
imports. The first claim on a field whose value is already set also records that value
as a claim, with the event's sources, so the archive never silently drops what it said
before: "we had X from these sources; this source says Y".
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from chronicle.claims import (
    Claim,
    ClaimValue,
    Rank,
    claim_value,
    claims_of,
    compatible,
    current_value,
    find_claim,
)
from chronicle.model import Draft, Event, EventFields, Kind, Provenance, Record, Source
from chronicle.projection import apply

#: The reason on the record that turns an event's existing value into a claim.
BASE_REASON = "the value recorded before a competing claim arrived, with the sources the event cited then"


def claim_payload(claim: Claim, *, rank: bool = True) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "field": claim.field,
        "value": list(claim.value) if isinstance(claim.value, tuple) else claim.value,
        "sources": [s.to_dict() for s in claim.sources],
    }
    if rank:
        payload["rank"] = claim.rank.value
    if claim.note:
        payload["note"] = claim.note
    return payload


def claim_drafts(event: Event, claim: Claim, prov: Provenance, *, with_base: bool = True,
                 keep_rank: bool = False) -> list[Draft]:
    """The records that add ``claim`` to ``event`` (nothing if it is already there as given).

    ``with_base``: if the field has no claims yet and its present value differs, first
    record that value as a normal claim with the event's sources. ``keep_rank``: a claim
    already made keeps its rank (more sources for it are not a re-ranking).
    """
    drafts: list[Draft] = []
    present = current_value(event, claim.field)
    if with_base and not claims_of(event.claims, claim.field) and present and present != claim.value:
        base = Claim(claim.field, present, event.sources)
        drafts.append(Draft(event.id, Kind.CLAIMED, claim_payload(base),
                            Provenance(prov.author, prov.origin, BASE_REASON)))
    existing = find_claim(event.claims, claim.field, claim.value)
    if existing is None:
        drafts.append(Draft(event.id, Kind.CLAIMED, claim_payload(claim), prov))
        return drafts
    added = tuple(s for s in claim.sources if s not in existing.sources)
    payload = claim_payload(Claim(claim.field, claim.value, added), rank=False)
    if claim.note and claim.note != existing.note:
        payload["note"] = claim.note
    if claim.rank is not existing.rank and not keep_rank:
        payload["rank"] = claim.rank.value
    if added or "note" in payload or "rank" in payload:
        drafts.append(Draft(event.id, Kind.CLAIMED, payload, prov))
    return drafts


def rank_draft(event: Event, field_name: str, value: Any, rank: Rank, prov: Provenance) -> Draft:
    canonical = claim_value(field_name, value)
    return Draft(event.id, Kind.RANKED, {
        "field": field_name,
        "value": list(canonical) if isinstance(canonical, tuple) else canonical,
        "rank": rank.value,
    }, prov)


def is_dispute(event: Event, claim: Claim) -> bool:
    """Would ``claim`` contradict the event's present value?"""
    present = current_value(event, claim.field)
    return bool(present) and not compatible(claim.field, present, claim.value)


def preview(state: Event | None, drafts: Iterable[Draft]) -> Event | None:
    """The state after ``drafts``, folded exactly as the store will fold them."""
    for draft in drafts:
        state = apply(state, Record(
            seq=0, event_id=draft.event_id, kind=draft.kind, payload=draft.payload,
            author=draft.provenance.author, recorded_at="", origin=draft.provenance.origin,
            reason=draft.provenance.reason, prev_hash="", hash="",
        ))
    return state


@dataclass(slots=True)
class ImportClaims:
    """What an imported item's values mean as claims against the archive's event."""

    drafts: list[Draft] = field(default_factory=list)
    handled: set[str] = field(default_factory=set)
    """Fields decided here: the caller must not also revise them."""
    disputes: int = 0
    """Competing claims found (values that contradict the event's present value)."""


def plan_import_claims(
    current: Event,
    desired: EventFields,
    claims: tuple[Claim, ...],
    sources: Iterable[Source],
    prov: Provenance,
) -> ImportClaims:
    """Claims for a re-imported item whose event exists already.

    ``desired`` holds the file's values. A file that
    lists claims (a seed) is taken claim by claim. Otherwise a date that cannot be true
    together with the event's date becomes a competing claim — found, not entered —
    while a compatible one (a finer day inside the same year) stays a revision; and a
    field that already has claims changes only by a new claim.
    """
    plan = ImportClaims()
    state = current
    if claims:
        for claim in claims:
            drafts = claim_drafts(state, claim, prov, with_base=False)
            plan.drafts.extend(drafts)
            state = preview(state, drafts) or state
        plan.handled = {c.field for c in claims} | {c.field for c in current.claims}
        return plan
    given = tuple(sources)
    # The sources the file adds are the ones that make its value; with none new, all.
    cited = tuple(s for s in given if s not in current.sources) or given
    for name, wanted in _wanted_values(desired):
        present = current_value(current, name)
        if wanted == present or not wanted:
            continue
        has_claims = bool(claims_of(current.claims, name))
        clash = not compatible(name, present, wanted) if present else False
        if not has_claims and not (name == "date" and clash):
            continue  # an ordinary revision, as before claims existed
        claim = Claim(name, wanted, cited)
        if find_claim(state.claims, name, wanted) is not None and not clash:
            plan.handled.add(name)
            continue
        drafts = claim_drafts(state, claim, Provenance(
            prov.author, prov.origin,
            "import: the file's value contradicts the archive's" if clash
            else "import: the file gives another value for a field with claims",
        ))
        plan.drafts.extend(drafts)
        state = preview(state, drafts) or state
        plan.handled.add(name)
        if clash and drafts:
            plan.disputes += 1
    for name in {c.field for c in current.claims}:
        plan.handled.add(name)
    return plan


def _wanted_values(desired: EventFields) -> Iterator[tuple[str, ClaimValue]]:
    yield "date", desired.span.edtf
    yield "title", desired.title
    if desired.place:
        yield "place", desired.place
    if desired.actors:
        yield "actors", desired.actors
