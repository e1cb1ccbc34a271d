"""iCalendar content lines: TEXT escaping, folding, stamps, UIDs and the source lines both
the writer and the reader need (the reader strips what the writer added)."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from functools import lru_cache
from urllib.parse import quote

from chronicle.dates import parse_span
from chronicle.model import Source

WEB_SCHEMES = ("http://", "https://")
"""The only URLs written as ``URL``: a calendar makes it a link."""

UID_SUFFIX = ".chronicle"
"""UIDs are ``<event-id>@<archive-name>.chronicle``; the reader maps them back."""

_CRLF = "\r\n"
_SOURCE_KEYS = ("url", "title", "publisher", "published", "accessed", "archived_url", "quote")
_json_string: Callable[[str], str] = getattr(json.encoder, "c_encode_basestring", None) or json.encoder.py_encode_basestring
_SPECIAL = re.compile(r"[\\;,\r\n\x00-\x08\x0b-\x1f\x7f]")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
CHRONICLE_UID = re.compile(r"^(?P<id>[A-Za-z0-9][A-Za-z0-9._-]{0,99})@[A-Za-z0-9._-]+\.chronicle$")
_URL_SAFE = "".join(chr(c) for c in range(0x21, 0x7F))


def escape_text(text: str) -> str:
    """A TEXT value (RFC 5545 3.3.11): ``\\``, ``;``, ``,`` and newlines escaped.

    Any CR/LF becomes the two characters ``\\n``, so no value can start a new property
    (a title holding ``\\r\\nDTSTART:…`` stays text); other control characters, which
    TEXT may not contain, are dropped.
    """
    if _SPECIAL.search(text) is None:
        return text
    text = text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = text.replace("\n", "\\n")
    # No line ends are left, so a printable text (the usual case, checked in C) has no
    # control character; only the rest pays for the regex.
    if text.isprintable() or _CONTROL.search(text) is None:
        return text
    return _CONTROL.sub("", text)


_ESCAPED = re.compile(r"\\([\\;,nN])")
_UNESCAPED = {"\\": "\\", ";": ";", ",": ",", "n": "\n", "N": "\n"}


def unescape_text(text: str) -> str:
    """The inverse of :func:`escape_text`."""
    return _ESCAPED.sub(lambda match: _UNESCAPED[match.group(1)], text) if "\\" in text else text


def fold(line: str) -> str:
    """One content line, folded at 75 octets (RFC 5545 3.1), CRLF-terminated.

    Continuation lines start with a space and hold 74 octets; a cut never falls inside
    a UTF-8 sequence, so "ñ" is never split across lines.
    """
    if line.isascii():  # one character is one octet: cut the string itself
        if len(line) <= 75:
            return line + _CRLF
        return line[:75] + "".join([f"\r\n {line[i:i + 74]}" for i in range(75, len(line), 74)]) + _CRLF
    raw = line.encode("utf-8")
    size = len(raw)
    if size <= 75:
        return line + _CRLF
    parts = []
    start, limit = 0, 75
    while size - start > limit:
        cut = start + limit
        while raw[cut] & 0xC0 == 0x80:  # a continuation byte: back up to the sequence start
            cut -= 1
        parts.append(raw[start:cut])
        start, limit = cut, 74
    parts.append(raw[start:])
    return b"\r\n ".join(parts).decode("utf-8") + _CRLF


def ical_stamp(iso: str) -> str:
    """``2025-04-13T20:00:05.123456Z`` (a log time) → ``20250413T200005Z``."""
    return f"{iso[0:4]}{iso[5:7]}{iso[8:10]}T{iso[11:13]}{iso[14:16]}{iso[17:19]}Z"


def uid_for(event_id: str, archive_name: str) -> str:
    return f"{event_id}@{archive_name}{UID_SUFFIX}"


def is_web_url(url: str) -> bool:
    """``http``/``https`` with a host: what a calendar may turn into a link."""
    scheme, _, rest = url.partition("://")
    return scheme.lower() in ("http", "https") and bool(rest.split("/", 1)[0].strip())


def param_text(text: str) -> str:
    """A quoted parameter value may hold anything but ``"`` and control characters."""
    return _CONTROL.sub("", text.replace('"', "'").replace("\r", " ").replace("\n", " "))


def uri_value(url: str) -> str:
    """A URI value: non-ASCII and control characters percent-encoded, the rest kept."""
    if url.isascii() and url.isprintable():
        return url
    return quote(url, safe=_URL_SAFE)


def source_json(source: Source) -> str:
    """``Source.to_dict()`` as compact JSON, built directly (this runs once per citation)."""
    fields = [
        f'"{key}":{_json_string(value)}'
        for key in _SOURCE_KEYS if (value := getattr(source, key)) is not None
    ]
    return "{" + ",".join(fields) + "}"


@lru_cache(maxsize=4096)
def _published_words(published: str) -> str:
    """`` (published 19 Feb – 13 Apr 2025)``; cached, since many sources share a date."""
    return f" (published {parse_span(published).render()})"


def sources_block(sources: Iterable[Source], unsourced: bool) -> str:
    """The sources part of DESCRIPTION: one line each, with publisher, title and URL."""
    lines = []
    for source in sources:
        words = [p for p in (source.publisher, f"“{source.title}”" if source.title else None) if p]
        text = ", ".join(words)
        if source.published:
            text += _published_words(source.published)
        if source.url:
            text = f"{text}: {source.url}" if text else source.url
        if source.archived_url:
            text += f" (archived: {source.archived_url})"
        lines.append(f"- {text}")
    if not lines:
        return "No source: recorded as unsourced." if unsourced else "No source."
    return "Sources:\n" + "\n".join(lines)
