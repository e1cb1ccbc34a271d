"""Caching without rendering, for ``chronicle serve``: validators (a strong ETag from
the log head and the filters, ``Last-Modified`` from the newest record), the 304
decision, and the rendered calendars kept by ETag (:class:`CalendarCache`) so a change
of the archive is one render however many subscribers poll.
"""

from __future__ import annotations

import hashlib
import threading
import zlib
from collections import OrderedDict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import format_datetime, parsedate_to_datetime

from starlette.requests import Request

from chronicle import __version__
from chronicle.store import Head

#: Characters per chunk of a streamed body.
CHUNK = 64 * 1024
#: Compressed calendars kept in memory at most (bytes); a 100k-event calendar is ~25 MB.
CACHE_BYTES = 128 * 1024 * 1024


@dataclass
class ServeStats:
    """What the server did, for tests and the benchmark (not for the clients)."""

    renders: int = 0
    """Bodies rendered from the archive (a 304 renders none)."""
    not_modified: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def count(self, name: str) -> None:
        with self.lock:
            setattr(self, name, getattr(self, name) + 1)


class CalendarCache:
    """Rendered calendars, gzip-compressed, kept by ETag; one render per ETag at a time.

    A calendar's bytes depend only on the log head and the filter, so a body rendered
    once serves every client that asks for the same state: two hundred subscribers
    polling one archive cost one render per change of the archive, not one per poll.
    Concurrent requests for a state not yet rendered wait for the one render under way
    (a per-ETag lock) instead of starting their own. At most :data:`CACHE_BYTES` of
    compressed calendars are kept, least recently used dropped first; a body larger than
    that is streamed without being kept.
    """

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.bodies: OrderedDict[str, bytes] = OrderedDict()
        self.locks: dict[str, threading.Lock] = {}
        self.guard = threading.Lock()

    def get(self, key: str) -> bytes | None:
        with self.guard:
            body = self.bodies.get(key)
            if body is not None:
                self.bodies.move_to_end(key)
            return body

    def lock(self, key: str) -> threading.Lock:
        with self.guard:
            return self.locks.setdefault(key, threading.Lock())

    def put(self, key: str, body: bytes) -> None:
        with self.guard:
            self.locks.pop(key, None)
            if len(body) > self.limit:
                return
            self.bodies[key] = body
            while sum(len(b) for b in self.bodies.values()) > self.limit:
                self.bodies.popitem(last=False)


def gzip_chunks(chunks: Iterator[str]) -> bytes:
    """``chunks`` encoded and gzip-compressed (level 6, as web servers default to)."""
    compressor = zlib.compressobj(6, zlib.DEFLATED, 31)
    parts = [compressor.compress(chunk.encode("utf-8")) for chunk in chunks]
    parts.append(compressor.flush())
    return b"".join(parts)


def gunzip_chunks(body: bytes) -> Iterator[bytes]:
    """The identity body of a cached gzip body, a piece at a time."""
    inflater = zlib.decompressobj(31)
    for start in range(0, len(body), CHUNK):
        yield inflater.decompress(body[start:start + CHUNK])
    yield inflater.flush()


def entity_tag(head: Head, what: str, key: str) -> str:
    """A strong ETag (quoted) for ``what`` under filter ``key`` at log ``head``."""
    digest = hashlib.sha256(f"{__version__}\n{what}\n{head.count}\n{head.hash}\n{key}".encode()).hexdigest()
    return f'"{digest[:32]}"'


def http_date(recorded_at: str | None) -> str | None:
    if recorded_at is None:
        return None
    moment = datetime.fromisoformat(recorded_at.replace("Z", "+00:00")).astimezone(UTC)
    return format_datetime(moment.replace(microsecond=0), usegmt=True)


def gzipped(request: Request) -> bool:
    return "gzip" in request.headers.get("accept-encoding", "").lower()


def not_modified(request: Request, etag: str, last_modified: str | None) -> bool:
    """RFC 9110 13.2.2: If-None-Match (weak comparison) wins; else If-Modified-Since."""
    tags = request.headers.get("if-none-match")
    if tags is not None:
        if tags.strip() == "*":
            return True
        bare = etag.strip('"')
        for tag in tags.split(","):
            tag = tag.strip().removeprefix("W/").strip('"')
            if tag in (bare, f"{bare}-gzip"):
                return True
        return False
    since = request.headers.get("if-modified-since")
    if since is None or last_modified is None:
        return False
    try:
        return parsedate_to_datetime(since) >= parsedate_to_datetime(last_modified)
    except (TypeError, ValueError):
        return False  # an unreadable date is ignored, as RFC 9110 says

