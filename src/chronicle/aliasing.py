"""Actor aliases, for the archive service: record that two names are one actor, and let
``--actor`` stand for every name of its group.

The aliases live in the log as ``~actors`` records (:mod:`chronicle.aliases` folds them);
nothing here updates anything. Below :mod:`chronicle.archive`, which delegates to it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from chronicle.aliases import ALIAS_LOG_ID, ActorAliases, Alias, alias_payload, fold_aliases, name_key
from chronicle.errors import Conflict, InvalidInput, TamperedLog
from chronicle.model import Draft, Kind, Provenance
from chronicle.query import EventQuery
from chronicle.recording import require_reason
from chronicle.store import Store

Prov = Callable[[str | None], Provenance]


def actor_aliases(store: Store) -> ActorAliases:
    """The alias groups as the log's ``~actors`` records make them (one indexed read)."""
    return fold_aliases(store.records(event_id=ALIAS_LOG_ID))


def alias_actor(store: Store, prov: Prov, name: str, canonical: str, *, reason: str) -> Alias:
    """Record that ``name`` is another name of the actor ``canonical``."""
    why = require_reason(reason)
    payload = alias_payload(name, canonical)

    def plan() -> list[Draft]:
        aliases = actor_aliases(store)
        aliases.check_alias(payload["name"], payload["canonical"])
        # An alias of an alias names the same actor: record the group's canonical name.
        payload["canonical"] = aliases.canonical(payload["canonical"])
        return [Draft(ALIAS_LOG_ID, Kind.ALIASED, payload, prov(why))]

    _append_under_lock(store, plan)
    return actor_aliases(store).aliases[name_key(payload["name"])]


def unalias_actor(store: Store, prov: Prov, name: str, *, reason: str) -> Alias:
    """Record that ``name`` is no longer an alias (it names an actor of its own again)."""
    why = require_reason(reason)
    removed: list[Alias] = []

    def plan() -> list[Draft]:
        aliases = actor_aliases(store)
        aliases.check_unalias(name)
        removed[:] = [aliases.aliases[name_key(name)]]
        return [Draft(ALIAS_LOG_ID, Kind.UNALIASED, {"name": removed[0].name}, prov(why))]

    _append_under_lock(store, plan)
    return removed[0]


def _append_under_lock(store: Store, plan: Callable[[], list[Draft]]) -> None:
    """Append what ``plan`` decides, deciding it while the write lock is held: two
    ``alias`` commands for one name at once cannot both pass the check and both be
    recorded (which ``verify`` would then report as a log that does not replay).
    ``plan`` reads the aliases through its own connection; every write is behind the
    lock, so what it reads is the state the drafts will follow."""
    store.append_planned([[ALIAS_LOG_ID]], lambda _chunk, _states: plan(), key=lambda log_id: log_id)


def with_aliases(store: Store, query: EventQuery) -> EventQuery:
    """``query`` with each ``--actor`` standing for every name of its alias groups."""
    if not query.actors or query.actor_names:
        return query
    aliases = actor_aliases(store)
    if not aliases:
        return query
    return replace(query, actor_names=tuple(aliases.expand(actor) for actor in query.actors))


def verify_aliases(store: Store) -> None:
    """The ``~actors`` records replay (verify's check of the alias log)."""
    try:
        actor_aliases(store)
    except (InvalidInput, Conflict) as error:
        raise TamperedLog(f"actor aliases ({ALIAS_LOG_ID}) do not replay: {error}") from None
