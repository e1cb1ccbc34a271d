"""The project's own human-written seed format: TOML, read by the standard library.

::

    [archive]                      # optional: used by `chronicle init --from`
    name = "ecuador-security"

    [sources.rs]                   # named sources, cited by key
    url = "https://…"
    publisher = "Responsible Statecraft"
    published = "2025-02-19/2025-04-13"

    [[events]]
    id = "noboa-takes-office"
    title = "Noboa takes office as president"
    date = "2023-10"
    tags = ["politics"]
    sources = ["rs"]               # keys of [sources], or inline tables

      [[events.revisions]]         # later corrections, each with its reason
      reason = "The inauguration was on 23 November 2023"
      date = "2023-11-23"
      sources = [{ url = "https://…", publisher = "AP" }]

      [[events.claims]]            # what each source says, where sources give values
      date = "2023-11-23"          # one of date, title, place, actors
      sources = ["ap"]
      rank = "preferred"           # preferred, normal (the default) or deprecated
      note = "two reports of the ceremony"

An event with date claims may leave out ``date``: it is then its preferred claim (else
its first normal one). Claims that cannot both be true make the event disputed.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from chronicle.claims import CLAIMABLE, Claim, current_claim, make_claim
from chronicle.dates import parse_span
from chronicle.errors import ChronicleError, InvalidInput
from chronicle.formats.depth import parse_bounded
from chronicle.incoming import ImportItems, Incoming, Items, Revision, reject_unknown_keys
from chronicle.model import REVISABLE, EventFields, Source, check_id, make_source, revision_changes

_EVENT_KEYS = (
    "id", "title", "date", "end", "description", "tags", "actors", "place",
    "sources", "unsourced", "revisions", "author", "claims",
)
_CLAIM_KEYS = (*CLAIMABLE, "sources", "rank", "note")
_SOURCE_KEYS = ("url", "title", "publisher", "published", "accessed", "archived_url", "quote")


def read_seed(path: Path) -> tuple[dict[str, str], list[Incoming]]:
    """Parse and validate the whole file first: a bad seed imports nothing."""
    where = str(path)
    try:
        with open(path, "rb") as handle:
            data = parse_bounded(lambda: tomllib.load(handle), field="file", value=where, what="TOML")
    except OSError as error:
        raise InvalidInput(f"cannot be read ({error.strerror})", field="file", value=where) from None
    except UnicodeDecodeError:
        raise InvalidInput("is not valid UTF-8", field="file", value=where) from None
    except tomllib.TOMLDecodeError as error:
        raise InvalidInput(f"is not valid TOML ({error})", field="file", value=where) from None
    reject_unknown_keys(data, ("archive", "sources", "events"), where=where)
    archive = data.get("archive", {})
    _expect(archive, dict, "archive", where)
    named_raw = data.get("sources", {})
    _expect(named_raw, dict, "sources", where)
    named = {key: _source(value, f"{where}: [sources.{key}]") for key, value in named_raw.items()}
    events = data.get("events", [])
    _expect(events, list, "events", where)
    items = []
    for number, raw in enumerate(events, start=1):
        label = f"{where}: event {number}" + (f" ({raw.get('id')})" if isinstance(raw, dict) and raw.get("id") else "")
        try:
            items.append(_event(raw, named, label))
        except ChronicleError as error:
            raise error.located(label) from None
    # An id repeated in the file is a duplicate, which the import service handles as for
    # every format (``--duplicates error|first|last``), never a revision.
    return {k: str(v) for k, v in archive.items()}, items


def iter_seed(path: Path) -> Iterator[Incoming]:
    return iter(read_seed(path)[1])


def _event(raw: Any, named: dict[str, Source], where: str) -> Incoming:
    _expect(raw, dict, "event", where)
    reject_unknown_keys(raw, _EVENT_KEYS, where=where)
    claims = tuple(
        _claim(c, named, f"{where}: claim {n}") for n, c in enumerate(_list(raw.get("claims", []), where), 1)
    )
    chosen = current_claim(claims, "date")
    if chosen is not None:
        if "end" in raw:
            raise InvalidInput("cannot be given with date claims", field="end", value=raw["end"], where=where,
                               accepted="an interval as the claim's date, e.g. 2025-01-01/2025-02-19")
        if "date" in raw and parse_span(str(raw["date"])).edtf != chosen.value:
            raise InvalidInput("is not the event's preferred date claim", field="date", value=raw["date"],
                               where=where, accepted=str(chosen.value))
        raw = {**raw, "date": chosen.value}
    for key in ("id", "title", "date"):
        if key not in raw:
            raise InvalidInput("is missing", field=key, accepted="every event needs id, title and date")
    for key in ("id", "title", "date", "end", "description", "place", "author"):
        if key in raw:
            _expect(raw[key], str, key, where)
    for key in ("tags", "actors", "sources", "revisions"):
        if key in raw:
            _expect(raw[key], list, key, where)
    if "unsourced" in raw:
        _expect(raw["unsourced"], bool, "unsourced", where)
    sources = tuple(_cite(s, named, where) for s in raw.get("sources", []))
    revisions = tuple(
        _revision(r, named, f"{where}: revision {n}") for n, r in enumerate(raw.get("revisions", []), 1)
    )
    event_id = check_id(raw["id"], field="id")
    fields = EventFields.parse(
        title=raw["title"], date=raw["date"], end=raw.get("end"), description=raw.get("description", ""),
        tags=raw.get("tags", []), actors=raw.get("actors", []), place=raw.get("place"),
        sources=sources, unsourced=raw.get("unsourced", False),
    )
    return Incoming(event_id, fields, where, revisions, raw.get("author"), claims=claims)


def _list(value: Any, where: str) -> list[Any]:
    _expect(value, list, "claims", where)
    assert isinstance(value, list)
    return value


def _claim(raw: Any, named: dict[str, Source], where: str) -> Claim:
    """One ``[[events.claims]]`` table: one value, its sources, a rank and a note."""
    _expect(raw, dict, "claim", where)
    reject_unknown_keys(raw, _CLAIM_KEYS, where=where)
    given = [key for key in CLAIMABLE if key in raw]
    if len(given) != 1:
        raise InvalidInput("needs exactly one value", field="claim", value=", ".join(given) or None, where=where,
                           accepted="one of " + ", ".join(CLAIMABLE))
    _expect(raw.get("sources", []), list, "sources", where)
    for key in ("rank", "note"):
        if key in raw:
            _expect(raw[key], str, key, where)
    sources = tuple(_cite(s, named, where) for s in raw.get("sources", []))
    if not sources:
        raise InvalidInput("is missing", field="sources", where=where, accepted="the sources that make this claim")
    try:
        return make_claim(given[0], raw[given[0]], sources, rank=raw.get("rank", "normal"), note=raw.get("note"))
    except ChronicleError as error:
        raise error.located(where) from None


def _revision(raw: Any, named: dict[str, Source], where: str) -> Revision:
    _expect(raw, dict, "revision", where)
    reject_unknown_keys(raw, (*REVISABLE, "reason", "sources", "author"), where=where)
    reason = raw.get("reason")
    if not isinstance(reason, str) or not reason.strip():
        raise InvalidInput("is required", field="reason", value=reason, where=where,
                           accepted="a sentence saying why the event changed")
    try:
        changes = revision_changes({k: raw[k] for k in REVISABLE if k in raw})
    except ChronicleError as error:
        raise error.located(where) from None
    sources = tuple(_cite(s, named, where) for s in raw.get("sources", []))
    return Revision(reason.strip(), changes, sources, raw.get("author"))


def _cite(raw: Any, named: dict[str, Source], where: str) -> Source:
    if isinstance(raw, str):
        if raw not in named:
            raise InvalidInput("is not a named source", field="sources", value=raw, where=where,
                               accepted=", ".join(sorted(named)) or "define it under [sources.KEY]")
        return named[raw]
    return _source(raw, where)


def _source(raw: Any, where: str) -> Source:
    _expect(raw, dict, "source", where)
    reject_unknown_keys(raw, _SOURCE_KEYS, where=where)
    for key, value in raw.items():
        _expect(value, str, f"source {key}", where)
    try:
        return make_source(
            raw.get("url"), title=raw.get("title"), publisher=raw.get("publisher"),
            published=raw.get("published"), accessed=raw.get("accessed"),
            archived_url=raw.get("archived_url"), quote=raw.get("quote"), field_prefix="source",
        )
    except ChronicleError as error:
        raise error.located(where) from None


_TYPE_NAMES = {str: "a string", list: "a list", dict: "a table", bool: "true or false"}


def _expect(value: Any, kind: type, field: str, where: str) -> None:
    if not isinstance(value, kind):
        raise InvalidInput(
            f"must be {_TYPE_NAMES.get(kind, kind.__name__)}, not {type(value).__name__}",
            field=field, value=value, where=where,
        )


def iter_seed_file(path: Path, options: Any = None) -> ImportItems:
    """Importer entry point (see :data:`chronicle.formats.IMPORTERS`)."""
    return Items(read_seed(path)[1])
