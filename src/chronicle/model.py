"""What an event, a source and a log record *are*. Pure values, no I/O.

The log is the truth: a :class:`Record` says that something happened to an event
(it was recorded, revised, sourced, retracted, restored), who said so, when, from which
command or file, and why. An :class:`Event` is a *view*: the fold of its records
(see :mod:`chronicle.projection`).
"""

from __future__ import annotations

import functools
import json
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from chronicle.dates import Span, parse_span
from chronicle.errors import InvalidInput

if TYPE_CHECKING:
    from chronicle.claims import Claim

#: Version of the record payload format; older payloads are upcast when read.
PAYLOAD_VERSION = 1

GENESIS_HASH = "0" * 64

_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:\S+$")


class Kind(StrEnum):
    """What a log record does to its event."""

    RECORDED = "recorded"
    REVISED = "revised"
    SOURCED = "sourced"
    RETRACTED = "retracted"
    RESTORED = "restored"
    MERGED = "merged"
    """The event is a duplicate of another (payload ``into``): it leaves the timeline and
    its id resolves to that event; its sources, tags and actors were added to it."""
    CLAIMED = "claimed"
    """A source's value for a field, competing with others (see :mod:`chronicle.claims`)."""
    RANKED = "ranked"
    """A claim's new rank: preferred, normal or deprecated."""
    SOURCE_ADDED = "source-added"
    """A source defined once under a key, cited as ``@KEY`` (see :mod:`chronicle.sources`)."""
    SOURCE_CORRECTED = "source-corrected"
    SOURCE_WITHDRAWN = "source-withdrawn"
    ALIASED = "aliased"
    """Another name of an actor (payload ``name``, ``canonical``; see :mod:`chronicle.aliases`)."""
    UNALIASED = "unaliased"
    """A name that is no longer an alias (payload ``name``)."""


#: Kinds of records about the archive rather than one event — defined sources
#: (``@KEY``, :mod:`chronicle.sources`) and actor aliases (``~actors``,
#: :mod:`chronicle.aliases`): they are in the hash chain but have no event projection.
NO_EVENT_KINDS = frozenset({
    Kind.SOURCE_ADDED, Kind.SOURCE_CORRECTED, Kind.SOURCE_WITHDRAWN, Kind.ALIASED, Kind.UNALIASED,
})


class Status(StrEnum):
    ACTIVE = "active"
    RETRACTED = "retracted"
    MERGED = "merged"


#: Fields a revision may change, and how they appear in a payload.
REVISABLE = ("title", "date", "end", "description", "tags", "actors", "place")


@dataclass(frozen=True, slots=True)
class Source:
    """Where a claim comes from. ``url`` or ``title`` must be given (a citation may lack a URL)."""

    url: str | None = None
    title: str | None = None
    publisher: str | None = None
    published: str | None = None
    """EDTF date or interval; a source's own date has a precision too."""
    accessed: str | None = None
    archived_url: str | None = None
    quote: str | None = None

    def to_dict(self) -> dict[str, str]:
        # Spelled out (not a loop over _SOURCE_KEYS with getattr): every recorded payload
        # and every projected document encodes its sources, so this runs twice a row on
        # an import. Same keys, same order.
        data = {}
        if self.url is not None:
            data["url"] = self.url
        if self.title is not None:
            data["title"] = self.title
        if self.publisher is not None:
            data["publisher"] = self.publisher
        if self.published is not None:
            data["published"] = self.published
        if self.accessed is not None:
            data["accessed"] = self.accessed
        if self.archived_url is not None:
            data["archived_url"] = self.archived_url
        if self.quote is not None:
            data["quote"] = self.quote
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Source:
        return cls(**{k: data.get(k) for k in _SOURCE_KEYS})

    @property
    def published_span(self) -> Span | None:
        return parse_span(self.published) if self.published else None

    @property
    def label(self) -> str:
        """A short human label: publisher, title, or the URL."""
        parts = [p for p in (self.publisher, self.title) if p]
        return ": ".join(parts) if parts else (self.url or "")


_SOURCE_KEYS = ("url", "title", "publisher", "published", "accessed", "archived_url", "quote")


def make_source(
    url: str | None,
    *,
    title: str | None = None,
    publisher: str | None = None,
    published: str | None = None,
    accessed: str | None = None,
    archived_url: str | None = None,
    quote: str | None = None,
    field_prefix: str = "source",
) -> Source:
    """Validate and normalise a source given by a user or a file.

    Dates are stored as canonical EDTF so that "Feb 2025" and "2025-02" are the same.
    """
    return source_of(url, title, publisher, published, accessed, archived_url, quote, field_prefix)


def source_of(url: str | None, title: str | None, publisher: str | None, published: str | None,
              accessed: str | None, archived_url: str | None, quote: str | None,
              field_prefix: str = "source") -> Source:
    """:func:`make_source` with its arguments in :class:`Source`'s order: the form a
    bulk reader calls once per source of every row (no keyword packing, blanks cleaned
    inline)."""
    url = (url.strip() or None) if url else None
    title = (title.strip() or None) if title else None
    if url is None and title is None:
        raise InvalidInput("a source needs a URL or a title", field=field_prefix, value=url)
    if url is not None and not _WEB_URL.match(url):
        check_url(url, field=f"{field_prefix} url" if field_prefix != "source" else "--source")
    archived_url = (archived_url.strip() or None) if archived_url else None
    if archived_url is not None:
        check_url(archived_url, field="--archived-url")
    published = published.strip() if published else None
    accessed = accessed.strip() if accessed else None
    return Source(
        url,
        title,
        (publisher.strip() or None) if publisher else None,
        _canonical_date(published, "--published") if published else None,
        _canonical_date(accessed, "--accessed") if accessed else None,
        archived_url,
        (quote.strip() or None) if quote else None,
    )


#: A web URL :func:`check_url` accepts, in one match (the common case; anything else
#: goes through :func:`check_url` itself, which accepts or explains).
_WEB_URL = re.compile(r"[Hh][Tt][Tt][Pp][Ss]?://[^/.\s][^/\s]*(?:/\S*)?$")


@functools.lru_cache(maxsize=16384)
def _canonical_date(text: str, field: str) -> str:
    """A source's date as canonical EDTF; sources of one file repeat the same few
    thousand dates, and the EDTF text is worked out anew on each ``Span.edtf``."""
    return parse_span(text, field=field).edtf


def check_url(url: str, *, field: str) -> None:
    """Accept an absolute URI (``scheme:rest``); web URLs must name a host.

    Other schemes are stored as given — exporters decide what becomes a link.
    """
    if not _SCHEME.match(url):
        raise InvalidInput(
            "is not an absolute URL", field=field, value=url,
            accepted="a URL with a scheme, e.g. https://example.org/article",
        )
    scheme, _, rest = url.partition(":")
    if scheme.lower() in ("http", "https"):
        host = rest[2:].split("/", 1)[0] if rest.startswith("//") else ""
        if not host or host.startswith(".") or " " in host:
            raise InvalidInput(
                "has no host", field=field, value=url,
                accepted="a URL like https://example.org/article",
            )


def check_id(event_id: str, *, field: str = "--id") -> str:
    if not _ID.match(event_id):
        raise InvalidInput(
            "is not a valid event id", field=field, value=event_id,
            accepted="1–100 letters, digits, '.', '_' or '-', starting with a letter or digit",
        )
    return event_id


#: The longest author name a record accepts (``--author``, ``CHRONICLE_AUTHOR``, an import's author).
AUTHOR_MAX = 200


def check_author(author: str, *, field: str = "--author") -> str:
    """The author name, stripped: one line of at most :data:`AUTHOR_MAX` printable characters.

    An author is printed in ``chronicle log`` and ``history`` one record per line: a
    newline or other control character in it would forge lines there, and a
    100,000-character name is no name.
    """
    name = author.strip()
    if not name:
        raise InvalidInput("is empty", field=field, value=author, accepted="a name, e.g. 'Ana Pérez'")
    # Checked before stripping too: a trailing "\r" is a control character, not a space.
    if any(unicodedata.category(char) in ("Cc", "Cf", "Zl", "Zp") and char not in _JOINERS for char in author):
        raise InvalidInput("contains a line break or control character", field=field, value=_clip(name),
                           accepted=f"one line of at most {AUTHOR_MAX} printable characters")
    if len(name) > AUTHOR_MAX:
        raise InvalidInput(f"is {len(name)} characters long", field=field, value=_clip(name),
                           accepted=f"one line of at most {AUTHOR_MAX} printable characters")
    return name


#: Format characters that names in some scripts need (Persian, Indic): zero-width (non-)joiner.
_JOINERS = frozenset("\u200c\u200d")


def _clip(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else text[:limit] + "…"


_NOT_SLUG = re.compile(r"[^a-z0-9]+")


def slugify(text: str, *, limit: int = 60) -> str:
    """A readable id from a title: ASCII, lower case, hyphens."""
    ascii_text = text if text.isascii() else unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = _NOT_SLUG.sub("-", ascii_text.lower()).strip("-")
    slug = slug[:limit].rstrip("-")
    return slug or "event"


def fold_text(text: str) -> str:
    """Lower case without accents, so ``--text television`` finds "Televisión".

    The same as dropping the combining marks from ``NFKD(text.casefold())``, worked out
    character by character: case folding and compatibility decomposition map each
    character on its own, and the only reordering NFKD does is among combining marks,
    which are all dropped. ASCII letters are lowered as bytes (``bytes.lower`` touches
    only A–Z, never a byte of a multi-byte character); each distinct other character is
    folded once (cached) and replaced. A description of a few hundred characters with a
    few accents costs a third of normalising it whole (tests/test_fields.py compares
    the two on every code point).
    """
    if text.isascii():
        # Nothing to decompose, and ASCII casefold is lower(): the common case, fast.
        return text.lower()
    folded = text.encode("utf-8", "surrogatepass").lower().decode("utf-8", "surrogatepass")
    for char in set(text).difference(_ASCII):
        replacement, settled = _fold_char(char)
        if not settled:
            # Its folded form holds a character that folds further (U+03D2 gives "Υ"),
            # which a later replace() would fold again: go character by character.
            return "".join(c.lower() if c < "\x80" else _fold_char(c)[0] for c in text)
        folded = folded.replace(char, replacement)
    return folded


_ASCII = frozenset(map(chr, range(128)))


def _fold_one(char: str) -> str:
    decomposed = unicodedata.normalize("NFKD", char.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


@functools.lru_cache(maxsize=8192)
def _fold_char(char: str) -> tuple[str, bool]:
    """One character case-folded, decomposed, without its combining marks; and whether
    every character of that folds to itself (so replacing in any order is safe)."""
    folded = _fold_one(char)
    return folded, all(c < "\x80" or _fold_one(c) == c for c in folded)


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


@dataclass(frozen=True, slots=True)
class Provenance:
    """Who produced a record, from what, and why."""

    author: str
    origin: str
    """The command line, or ``import PATH sha256:…`` for a file."""
    reason: str | None = None


@dataclass(frozen=True, slots=True)
class Draft:
    """A record not yet in the log: the store gives it a sequence number, time and hash."""

    event_id: str
    kind: Kind
    payload: dict[str, Any]
    provenance: Provenance
    fields: EventFields | None = None
    """The event's content after this record, already parsed (``recorded`` and ``revised``
    drafts made from an :class:`EventFields`), so the store folds it without parsing the
    payload again. Must agree with ``payload``; ``None``: the store reads the payload."""


@dataclass(frozen=True, slots=True)
class Record:
    """One entry of the append-only log."""

    seq: int
    event_id: str
    kind: Kind
    payload: dict[str, Any]
    author: str
    recorded_at: str
    """UTC, ISO 8601 with microseconds and ``Z``; never earlier than the previous record's."""
    origin: str
    reason: str | None
    prev_hash: str
    hash: str
    version: int = PAYLOAD_VERSION

    def hashed_body(self) -> dict[str, Any]:
        """Everything the hash covers (all but the hashes themselves)."""
        return {
            "seq": self.seq,
            "event_id": self.event_id,
            "kind": self.kind.value,
            "payload": self.payload,
            "author": self.author,
            "recorded_at": self.recorded_at,
            "origin": self.origin,
            "reason": self.reason,
            "v": self.version,
        }

    def to_dict(self) -> dict[str, Any]:
        body = self.hashed_body()
        body["prev_hash"] = self.prev_hash
        body["hash"] = self.hash
        return body


def canonical_json(data: Any) -> str:
    """The one serialisation that hashes are computed over: sorted keys, no spaces, UTF-8."""
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def chain_hash(prev_hash: str, body_json: str) -> str:
    """``SHA-256(previous hash + canonical JSON of this record)``, hex."""
    import hashlib

    return hashlib.sha256((prev_hash + body_json).encode("utf-8")).hexdigest()



def span_json(span: Span) -> dict[str, Any]:
    """The date fields of the Event JSON (:meth:`Event.to_dict`): the stored texts, the
    EDTF, precision and qualifiers, the bounds as UTC instants, and the honest words."""
    date, end = span_parts(span)
    return {
        "date": date,
        "end": end,
        "edtf": span.edtf,
        "precision": span.precision.label,
        "approximate": span.approximate,
        "uncertain": span.uncertain,
        "earliest": span.earliest_instant.isoformat(),
        "latest": span.latest_instant.isoformat(),
        "display_date": span.render(),
    }

@dataclass(frozen=True, slots=True)
class Event:
    """The current (or as-of) state of one event, folded from its records."""

    id: str
    title: str
    span: Span
    description: str = ""
    tags: tuple[str, ...] = ()
    actors: tuple[str, ...] = ()
    place: str | None = None
    sources: tuple[Source, ...] = ()
    unsourced: bool = False
    status: Status = Status.ACTIVE
    revision: int = 1
    """How many records concern this event (1 = recorded, never changed)."""
    created_at: str = ""
    updated_at: str = ""
    first_seq: int = 0
    last_seq: int = 0
    status_reason: str | None = None
    """Why it was retracted (or restored), from the latest such record."""
    last_reason: str | None = None
    history: tuple[HistoryEntry, ...] = field(default=())
    """One short line per record, oldest first: kind, time, author, reason, fields."""
    merged_into: str | None = None
    """The event this one was merged into as a duplicate (status ``merged``)."""
    claims: tuple[Claim, ...] = ()
    """What each source says where sources give values (see :mod:`chronicle.claims`)."""
    disputed_fields: tuple[str, ...] = ()
    """Fields whose live claims cannot all be true."""

    @property
    def disputed(self) -> bool:
        return bool(self.disputed_fields)

    @property
    def fields(self) -> EventFields:
        """What the event currently says (its content, without log-derived state)."""
        return EventFields(self.title, self.span, self.description, self.tags, self.actors, self.place,
                           self.sources, self.unsourced)

    @property
    def date(self) -> str:
        return span_parts(self.span)[0]

    @property
    def end(self) -> str | None:
        return span_parts(self.span)[1]

    @property
    def revisions(self) -> int:
        """How many times the content was changed after it was first recorded."""
        return sum(1 for h in self.history if h.kind is Kind.REVISED)

    def to_dict(self) -> dict[str, Any]:
        """The documented JSON shape of an event (README: "Event JSON")."""
        span = self.span
        return {
            "id": self.id,
            "title": self.title,
            **span_json(span),
            "description": self.description,
            "tags": list(self.tags),
            "actors": list(self.actors),
            "place": self.place,
            "sources": [s.to_dict() for s in self.sources],
            "unsourced": self.unsourced,
            "status": self.status.value,
            "status_reason": self.status_reason,
            "revision": self.revision,
            "created_at": self.created_at,
            "updated_at": self.updated_at,
            "history": [h.to_dict() for h in self.history],
            "disputed": list(self.disputed_fields),
            "claims": [c.to_dict() for c in self.claims],
        } | ({"merged_into": self.merged_into} if self.merged_into is not None else {})


@dataclass(frozen=True, slots=True)
class HistoryEntry:
    seq: int
    kind: Kind
    recorded_at: str
    author: str
    reason: str | None
    changed: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "seq": self.seq,
            "kind": self.kind.value,
            "recorded_at": self.recorded_at,
            "author": self.author,
            "reason": self.reason,
            "changed": list(self.changed),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> HistoryEntry:
        return cls(
            seq=data["seq"], kind=Kind(data["kind"]), recorded_at=data["recorded_at"],
            author=data["author"], reason=data.get("reason"), changed=tuple(data.get("changed", ())),
        )


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
