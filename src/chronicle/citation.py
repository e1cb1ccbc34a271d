"""A source as a value: where a claim comes from, validated and normalised once.

(Sources defined once under a key and cited as ``@KEY`` are records of their own:
:mod:`chronicle.sources`.) Pure values, no I/O; :mod:`chronicle.model` re-exports these.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from typing import Any

from chronicle.dates import Span, parse_span
from chronicle.errors import InvalidInput

_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:\S+$")


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
