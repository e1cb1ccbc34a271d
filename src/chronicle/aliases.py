"""Actor aliases: "Judge Amit Mehta" and "Mehta, Amit" are one actor, "Amit Mehta".

Events keep the names their sources used — nothing is rewritten, and exports show the
stored names. What is recorded is that several names are one actor: an ``aliased``
record (payload ``{"name", "canonical"}``) says that ``name`` is another name of the
actor ``canonical``; an ``unaliased`` record (``{"name"}``) takes that back. Each has
an author, a time and a reason, like every record, and all of them live in the same
hash chain as event records under the log id ``~actors`` (event ids start with a
letter or digit, defined sources with ``@``), so ``chronicle history`` is not needed:
``chronicle aliases`` lists them with who, when and why.

There is no derived table: the alias groups are a fold of those few records
(:func:`fold_aliases`), made again whenever a filter or a listing needs them — so the
"projection" is always rebuilt from the log, and ``verify`` checks the hash chain of
the records and that they fold without contradiction.

A group is one canonical name and its aliases. ``--actor NAME`` matches every name of
each group one of whose names matches NAME (the usual actor rule: the whole name, or
its words in order, case and accents ignored), and ``chronicle actors`` counts a group
once per event under its canonical name. Names compare case- and accent-insensitively
(``"Mehta, Amit"`` and ``"mehta, amit"`` are one name).

Pure values and folds here, no I/O.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from chronicle.errors import Conflict, InvalidInput
from chronicle.model import Kind, Record, clean_list, fold_text

#: The log id of every alias record (not an event id: those start with a letter or digit).
ALIAS_LOG_ID = "~actors"

#: Log record kinds that this module folds.
ALIAS_KINDS = frozenset({Kind.ALIASED, Kind.UNALIASED})


def name_key(name: str) -> str:
    """What two spellings of one name share: folded case and accents, single spaces."""
    return " ".join(fold_text(name).split())


def check_name(name: str, *, field: str) -> str:
    """An actor's name as an alias record stores it (the rules of an event's actors)."""
    cleaned = clean_list([name], field=field)
    if len(cleaned) != 1:
        raise InvalidInput("is empty", field=field, value=name, accepted="an actor's name")
    return cleaned[0]


def words_match(wanted: str, name: str) -> bool:
    """``wanted`` (a name key) is ``name`` (a key), or its words in order inside it —
    the rule ``--actor`` applies to an event's actors (``Mehta`` is in ``amit mehta``)."""
    return wanted == name or f" {name} ".find(f" {wanted} ") >= 0


@dataclass(frozen=True, slots=True)
class Alias:
    """One name recorded as another name of an actor, and the record that says so."""

    name: str
    canonical: str
    """The actor's canonical name (after any later merging of groups)."""
    author: str
    recorded_at: str
    reason: str | None
    seq: int

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "canonical": self.canonical, "author": self.author,
                "recorded_at": self.recorded_at, "reason": self.reason, "seq": self.seq}


@dataclass(slots=True)
class ActorAliases:
    """The alias groups as they stand after a run of alias records."""

    aliases: dict[str, Alias] = field(default_factory=dict)
    """By the alias's name key, in the order they were recorded."""

    def __bool__(self) -> bool:
        return bool(self.aliases)

    def canonical(self, name: str) -> str:
        """The canonical name of the actor ``name`` names (``name`` itself when no alias)."""
        alias = self.aliases.get(name_key(name))
        return alias.canonical if alias is not None else name

    def aliases_of(self, canonical: str) -> tuple[str, ...]:
        """The aliases of the actor ``canonical``, in the order they were recorded."""
        key = name_key(canonical)
        return tuple(a.name for a in self.aliases.values() if name_key(a.canonical) == key)

    def groups(self) -> dict[str, tuple[str, ...]]:
        """Every group: canonical name → its aliases (only actors that have aliases)."""
        found: dict[str, list[str]] = {}
        spelled: dict[str, str] = {}
        for alias in self.aliases.values():
            key = name_key(alias.canonical)
            spelled.setdefault(key, alias.canonical)
            found.setdefault(key, []).append(alias.name)
        return {spelled[key]: tuple(names) for key, names in found.items()}

    def expand(self, wanted: str) -> tuple[str, ...]:
        """Every name the filter ``--actor wanted`` stands for: itself, and all the names of
        each group one of whose names it matches (whole name, or its words in order)."""
        key = name_key(wanted)
        names = [wanted]
        for canonical, aliases in self.groups().items():
            group = (canonical, *aliases)
            if any(words_match(key, name_key(name)) for name in group):
                names += [name for name in group if name_key(name) not in {name_key(n) for n in names}]
        return tuple(names)

    def fold(self, record: Record) -> None:
        """Apply one alias record; raises if it contradicts the records before it."""
        payload = record.payload
        if record.kind is Kind.ALIASED:
            name, canonical = str(payload["name"]), str(payload["canonical"])
            self.check_alias(name, canonical)
            canonical = self.canonical(canonical)
            # The name was a canonical name itself: its aliases join the new group.
            moved = {key: Alias(a.name, canonical, a.author, a.recorded_at, a.reason, a.seq)
                     for key, a in self.aliases.items() if name_key(a.canonical) == name_key(name)}
            self.aliases.update(moved)
            self.aliases[name_key(name)] = Alias(name, canonical, record.author, record.recorded_at,
                                                 record.reason, record.seq)
        elif record.kind is Kind.UNALIASED:
            name = str(payload["name"])
            self.check_unalias(name)
            del self.aliases[name_key(name)]
        else:
            raise InvalidInput("is not an alias record", field="kind", value=record.kind.value)

    def check_alias(self, name: str, canonical: str) -> None:
        """Refuse an alias that would change nothing or contradict one recorded."""
        existing = self.aliases.get(name_key(name))
        if existing is not None:
            raise Conflict(f"is an alias of {existing.canonical} already", field="NAME", value=name,
                           accepted=f"`chronicle alias --remove \"{name}\"` first, to make it another actor's")
        if name_key(self.canonical(canonical)) == name_key(name):
            raise InvalidInput("is the same actor", field="CANONICAL", value=canonical,
                               accepted="another actor's name")

    def check_unalias(self, name: str) -> None:
        if name_key(name) not in self.aliases:
            raise InvalidInput("is not an alias", field="NAME", value=name,
                               accepted="a name listed by `chronicle aliases`")


def fold_aliases(records: Iterable[Record]) -> ActorAliases:
    """The alias groups after ``records`` (the log's ``~actors`` records, in order)."""
    aliases = ActorAliases()
    for record in records:
        aliases.fold(record)
    return aliases


def alias_payload(name: str, canonical: str) -> dict[str, Any]:
    return {"name": check_name(name, field="NAME"), "canonical": check_name(canonical, field="CANONICAL")}
