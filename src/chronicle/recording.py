"""Writing events for the archive service: a new event under a free id, a revision, a
citation, a retraction and its undoing.

Each operation is one or a few :class:`~chronicle.model.Draft` records appended to the
log with the caller's provenance (``prov(reason)``, which the archive builds from its
author and origin). Below :mod:`chronicle.archive`, which delegates to it.
"""

from __future__ import annotations

import getpass
import os
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from chronicle.errors import InvalidInput
from chronicle.ids import id_from_title
from chronicle.lookup import find
from chronicle.model import AUTHOR_MAX, Draft, Event, EventFields, Kind, Provenance, Source, check_id, make_source
from chronicle.store import Store

#: How many candidate ids (``slug``, ``slug-2``, …) ``add`` looks up at a time.
_ID_BATCH = 50

Prov = Callable[[str | None], Provenance]
"""The provenance of a record written with a given reason (None: no reason)."""

Names = tuple[str, ...] | list[str] | str
"""Tags or actors: several, or one as a plain string."""
Sources = Sequence[Source | str] | Source | str
"""Sources: several, or one; each a :class:`Source` or just its URL."""


def default_author() -> str:
    """``CHRONICLE_AUTHOR``, else the operating-system user."""
    author = os.environ.get("CHRONICLE_AUTHOR", "").strip()
    if author:
        return author
    try:
        return getpass.getuser()
    except Exception:
        return "unknown"


def os_user() -> str:
    """The operating-system user running this process, cleaned to one short line.

    Recorded beside the author by the command line (see :class:`chronicle.archive.Archive`'s ``os_user``),
    because ``--author`` is a claim anyone can make.
    """
    try:
        name = getpass.getuser()
    except Exception:
        return "unknown"
    cleaned = "".join(char if char.isprintable() else "?" for char in name).strip()
    return cleaned[:AUTHOR_MAX] or "unknown"


def names(value: Names) -> tuple[str, ...]:
    """One name or several, as a tuple (a plain string is one name, not its letters)."""
    return (value,) if isinstance(value, str) else tuple(value)


def as_sources(value: Sources) -> tuple[Source, ...]:
    """Sources given as :class:`Source` values or URLs, as :class:`Source` values."""
    items = (value,) if isinstance(value, (str, Source)) else tuple(value)
    return tuple(item if isinstance(item, Source) else make_source(item) for item in items)


def require_reason(reason: str | None) -> str:
    text = (reason or "").strip()
    if not text:
        raise InvalidInput("is required", field="--reason", value=reason, accepted="a short sentence saying why")
    return text


def record(store: Store, prov: Prov, fields: EventFields, event_id: str | None = None) -> str:
    """Record a new event under ``event_id`` (which must be free), or under an id made
    from its title; returns the id."""
    payload = fields.payload()
    if event_id is not None:
        new_id = check_id(event_id)
        if store.existing([new_id]):
            raise InvalidInput("is taken by another event", field="--id", value=new_id)
        store.append([Draft(new_id, Kind.RECORDED, payload, prov(None), fields)])
        return new_id
    return _record_under_free_id(store, prov, id_from_title(fields.title), payload, fields)


def _record_under_free_id(store: Store, prov: Prov, base: str, payload: dict[str, Any], fields: EventFields) -> str:
    """Record a new event under ``base``, or the first of ``base-2``, ``base-3``… that is free.

    The id is chosen inside the write transaction, with the write lock held
    (:meth:`Store.append_planned` shows the plan the stored state of each batch of
    candidates): no other writer can take it between choosing and appending, so
    any number of adds of one title at once all succeed, each with its own id.
    """
    chosen: list[str] = []

    def candidates() -> Iterator[list[str]]:
        start = 1
        while not chosen:
            yield [base if n == 1 else f"{base}-{n}" for n in range(start, start + _ID_BATCH)]
            start += _ID_BATCH

    def plan(batch: Sequence[str], existing: dict[str, Event]) -> list[Draft]:
        free = next((candidate for candidate in batch if candidate not in existing), None)
        if free is None:
            return []
        chosen.append(free)
        return [Draft(free, Kind.RECORDED, payload, prov(None), fields)]

    store.append_planned(candidates(), plan, key=lambda candidate: candidate)
    return chosen[0]


def revise(store: Store, prov: Prov, ref: str, reason: str, changes: dict[str, Any]) -> Event:
    """Change some fields of an event; only the fields that really change are recorded."""
    reason = require_reason(reason)
    event = find(store, ref)
    current = event.fields
    revised = current.revised(**changes)
    payload = revised.changes_from(current)
    if not payload:
        raise InvalidInput(
            "nothing would change", field="revise", value=event.id,
            accepted="at least one of --title, --date, --end, --description, --tag, --actor, --place with a new value",
        )
    return append_one(store, Draft(event.id, Kind.REVISED, payload, prov(reason), revised))


def cite(store: Store, prov: Prov, ref: str, source: Source, reason: str | None) -> Event:
    event = find(store, ref)
    return append_one(store, Draft(event.id, Kind.SOURCED, {"source": source.to_dict()}, prov(reason)))


def set_status(store: Store, prov: Prov, ref: str, kind: Kind, reason: str) -> Event:
    """Retract (``Kind.RETRACTED``) or restore (``Kind.RESTORED``) an event, with a reason."""
    event = find(store, ref)
    return append_one(store, Draft(event.id, kind, {}, prov(require_reason(reason))))


def append_one(store: Store, draft: Draft) -> Event:
    """Append ``draft``; the event as it stands after it."""
    store.append([draft])
    event = store.event(draft.event_id)
    assert event is not None
    return event
