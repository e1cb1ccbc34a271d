"""Finding events for the archive service: an id from a prefix, an event through its
merges, the events whose sources disagree.

Below :mod:`chronicle.archive` (which delegates to it) and above the store; it reads,
never writes.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

from chronicle.errors import AmbiguousId, UnknownEvent
from chronicle.model import Event
from chronicle.query import EventQuery
from chronicle.store import Store

#: Merges chain (a into b, b into c); a cycle cannot happen, but following stays finite.
_MAX_HOPS = 20


def resolve(store: Store, ref: str) -> str:
    """The full id of the one event whose id is ``ref`` or starts with it."""
    ref = ref.strip()
    if not ref:
        raise UnknownEvent("is empty", field="id", value=ref)
    matches = store.resolve_prefix(ref)
    if ref in matches:
        return ref
    if not matches:
        raise UnknownEvent("no event has this id", field="id", value=ref, accepted="an id shown by `chronicle show`")
    if len(matches) > 1:
        shown = ", ".join(matches[:10]) + (", …" if len(matches) > 10 else "")
        raise AmbiguousId(f"matches several events: {shown}", field="id", value=ref, accepted="a longer prefix")
    return matches[0]


def find(store: Store, ref: str, *, as_of: str | None = None) -> Event:
    """The event ``ref`` names (now, or as it stood ``as_of``); a merged duplicate's id
    gives the event it was merged into."""
    event_id = resolve(store, ref)
    moment = EventQuery.parse(as_of=as_of).as_of if as_of else None
    event = store.event(event_id, as_of=moment)
    for _hop in range(_MAX_HOPS):
        if event is None or event.merged_into is None:
            break
        event = store.event(event.merged_into, as_of=moment)
    if event is None:
        raise UnknownEvent("did not exist at that time", field="id", value=event_id)
    return event


def disputed(store: Store, query: EventQuery) -> Iterator[Event]:
    """Events whose claims disagree, in timeline order (the query's limit counts them)."""
    wanted = query.limit
    found = 0
    for event in store.events(replace(query, limit=None)):
        if wanted is not None and found >= wanted:
            return
        if event.disputed:
            found += 1
            yield event
