"""``chronicle serve``: the archive, live and read-only, over HTTP (Starlette under uvicorn).

What it answers (``GET``/``HEAD`` only; there is no endpoint that writes):

- ``/`` — the HTML timeline page, with ``webcal://`` and ``https://`` subscribe links;
- ``/calendar.ics`` — the calendar a subscriber polls. The filters of ``chronicle show``
  in the query string (``?tag=…&actor=…&since=…&until=…&text=…``); retracted events are
  always in it, ``STATUS:CANCELLED``, so they leave every subscribed calendar;
- ``/events.json?limit=N&cursor=…`` — events in timeline order, a page at a time; the
  cursor pins the archive as it stood at the first page (transaction time), so pages
  never skip or repeat an event while records arrive;
- ``/log.jsonl?after=N&limit=M`` — the change feed: log records after sequence ``N``,
  streamed one JSON object per line (the same lines as ``export --format jsonl``);
- ``/corrections.atom`` — the corrections feed (:mod:`chronicle.feed`).

**Caching without rendering.** Every answer that depends only on the archive carries a
strong ``ETag`` made from the log head hash and the request's filters, and a
``Last-Modified`` from the newest record. A request whose ``If-None-Match`` (or
``If-Modified-Since``) matches is answered ``304`` after one indexed read of the log head:
no event is read and nothing is rendered (``stats.renders`` counts the renders; the
benchmark shows a 304's cost). A gzip body is a different representation, so its ETag
ends in ``-gzip``; ``If-None-Match`` accepts either.

**Live.** Every request reads the log head; a record appended by ``chronicle add`` or an
import in another process shows at the next request. Rendered calendars are kept by
their ETag (:class:`CalendarCache`), so a change of the archive is one render however
many subscribers poll, and a poll of an unchanged archive without a validator is answered
from memory.

**Safe by default.** Bad query strings, unknown paths and path tricks get a 4xx with one
line of text, never a traceback; other methods 405; a request with a body 413; a query
string longer than :data:`MAX_QUERY` 414. Every answer carries ``nosniff``, a
``Content-Security-Policy`` (on the page, the page's own hash-locked policy plus
``frame-ancestors 'none'``), ``Referrer-Policy: no-referrer`` and ``X-Frame-Options``.
"""

from __future__ import annotations

import base64
import hashlib
import html
import itertools
import json
import re
import tempfile
import threading
import zlib
from collections import OrderedDict
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from email.utils import format_datetime, parsedate_to_datetime
from typing import Any
from urllib.parse import urlencode

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.gzip import GZipMiddleware
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response, StreamingResponse
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from chronicle import __version__
from chronicle.archive import Archive
from chronicle.errors import ChronicleError
from chronicle.exporting import context
from chronicle.feed import FEED_SIZE, corrections_atom
from chronicle.formats.ical import check_policy, ical_chunks
from chronicle.query import EventQuery
from chronicle.store import Head

#: Longest query string accepted (a filter is a few words, not a document).
MAX_QUERY = 2048
#: Events per ``/events.json`` page by default, and at most.
PAGE_SIZE, MAX_PAGE = 100, 1000
#: Records per ``/log.jsonl`` answer at most (a client pages on with ``after``).
MAX_LOG = 100_000
#: Characters per chunk of a streamed body.
CHUNK = 64 * 1024
#: Compressed calendars kept in memory at most (bytes); a 100k-event calendar is ~25 MB.
CACHE_BYTES = 128 * 1024 * 1024

FILTERS = ("tag", "actor", "since", "until", "text")
_LOCAL_HOSTS = ("127.0.0.1", "localhost", "::1")
_CSP_META = re.compile(r'<meta http-equiv="Content-Security-Policy" content="([^"]*)">')
_BASE_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
}
_DATA_CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"


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


def is_local(host: str) -> bool:
    """Whether binding ``host`` keeps the server to this machine."""
    return host in _LOCAL_HOSTS


# --- query strings ---------------------------------------------------------------------------


class BadRequest(HTTPException):
    def __init__(self, detail: str, status: int = 400) -> None:
        super().__init__(status_code=status, detail=detail)


def _params(request: Request, allowed: tuple[str, ...]) -> dict[str, list[str]]:
    """The query string as ``name -> values``; an unknown name is a 400 naming it."""
    if len(request.url.query) > MAX_QUERY:
        raise BadRequest(f"query string is longer than {MAX_QUERY} characters", 414)
    found: dict[str, list[str]] = {}
    for name, value in request.query_params.multi_items():
        if name not in allowed:
            raise BadRequest(f"unknown parameter {name!r} (accepted: {', '.join(allowed)})")
        if value.strip():
            found.setdefault(name, []).append(value.strip())
    return found


def _single(params: Mapping[str, list[str]], name: str) -> str | None:
    values = params.get(name, [])
    if len(values) > 1:
        raise BadRequest(f"{name}: given {len(values)} times (accepted: once)")
    return values[0] if values else None


def _integer(params: Mapping[str, list[str]], name: str, default: int, highest: int) -> int:
    text = _single(params, name)
    if text is None:
        return default
    if not text.isdigit() or int(text) > highest:
        raise BadRequest(f"{name}: {text!r} is not a whole number from 0 to {highest}")
    return int(text)


def query_from(params: Mapping[str, list[str]], *, include_retracted: bool) -> EventQuery:
    """The ``show`` filters of a query string as an :class:`EventQuery` (errors name the parameter)."""
    try:
        return EventQuery.parse(
            since=_single(params, "since"), until=_single(params, "until"),
            tags=params.get("tag", []), actors=params.get("actor", []), text=_single(params, "text"),
            include_retracted=include_retracted,
        )
    except ChronicleError as error:
        error.field = (error.field or "").lstrip("-") or None
        raise BadRequest(error.describe()) from None


def filter_key(params: Mapping[str, list[str]]) -> str:
    """A canonical text of the filters: the same filters in any order give the same ETag."""
    return urlencode(sorted((name, value) for name, values in params.items() for value in values))


# --- validators -------------------------------------------------------------------------------


def entity_tag(head: Head, what: str, key: str) -> str:
    """A strong ETag (quoted) for ``what`` under filter ``key`` at log ``head``."""
    digest = hashlib.sha256(f"{__version__}\n{what}\n{head.count}\n{head.hash}\n{key}".encode()).hexdigest()
    return f'"{digest[:32]}"'


def _http_date(recorded_at: str | None) -> str | None:
    if recorded_at is None:
        return None
    moment = datetime.fromisoformat(recorded_at.replace("Z", "+00:00")).astimezone(UTC)
    return format_datetime(moment.replace(microsecond=0), usegmt=True)


def _gzipped(request: Request) -> bool:
    return "gzip" in request.headers.get("accept-encoding", "").lower()


def _not_modified(request: Request, etag: str, last_modified: str | None) -> bool:
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


# --- the application ------------------------------------------------------------------------


class Site:
    """The endpoints, bound to one open archive."""

    def __init__(self, archive: Archive, *, public_url: str | None = None, imprecise: str | None = None) -> None:
        self.archive = archive
        self.public_url = public_url.rstrip("/") if public_url else None
        self.policy = check_policy(imprecise)
        self.stats = ServeStats()
        self.calendars = CalendarCache(CACHE_BYTES)

    def _cached(self, request: Request, what: str, key: str, media_type: str) -> tuple[Response | None, dict[str, str]]:
        """The 304 answer if the client's copy is current, and the validator headers."""
        head = self.archive.head()
        etag = entity_tag(head, what, key)
        headers = {"Cache-Control": "no-cache"}  # the gzip middleware adds Vary: Accept-Encoding
        last_modified = _http_date(head.recorded_at)
        if last_modified:
            headers["Last-Modified"] = last_modified
        if _not_modified(request, etag, last_modified):
            self.stats.count("not_modified")
            headers["ETag"] = etag[:-1] + '-gzip"' if _gzipped(request) else etag
            return Response(status_code=304, headers=headers), headers
        headers["ETag"] = etag[:-1] + '-gzip"' if _gzipped(request) else etag
        headers["Content-Type"] = media_type
        return None, headers

    def calendar(self, request: Request) -> Response:
        params = _params(request, FILTERS)
        query = query_from(params, include_retracted=True)
        cached, headers = self._cached(request, "calendar.ics", filter_key(params), "text/calendar; charset=utf-8")
        if cached is not None:
            return cached
        key = headers["ETag"].removesuffix('-gzip"').strip('"')
        body = self.calendars.get(key)
        if body is None:
            with self.calendars.lock(key):
                body = self.calendars.get(key)  # rendered while this request waited
                if body is None:
                    self.stats.count("renders")
                    ctx = context(self.archive, query)
                    body = gzip_chunks(ical_chunks(self.archive.show(query), ctx, {"imprecise": self.policy},
                                                   chunk_chars=CHUNK))
                    self.calendars.put(key, body)
        headers["Content-Disposition"] = f'inline; filename="{self.archive.name}.ics"'
        media_type = headers.pop("Content-Type")
        if _gzipped(request):
            # Already compressed: the gzip middleware passes a Content-Encoding through.
            headers["Content-Encoding"] = "gzip"
            headers["Vary"] = "Accept-Encoding"
            return Response(body, headers=headers, media_type=media_type)
        headers["Vary"] = "Accept-Encoding"
        return StreamingResponse(gunzip_chunks(body), headers=headers, media_type=media_type)

    def page(self, request: Request) -> Response:
        params = _params(request, (*FILTERS, "include_retracted"))
        retracted = _flag(params, "include_retracted")
        query = query_from(params, include_retracted=retracted)
        key = filter_key(params)
        base = self.public_url or str(request.base_url).rstrip("/")
        cached, headers = self._cached(request, "page " + base, key, "text/html; charset=utf-8")
        if cached is not None:
            return cached
        self.stats.count("renders")
        spool = _render_page(self.archive, query)
        first = _page_start(spool, subscribe_links(base, filter_key({k: v for k, v in params.items() if k in FILTERS})))
        meta = _CSP_META.search(first)
        csp = (html.unescape(meta.group(1)) + "; frame-ancestors 'none'") if meta else _DATA_CSP
        headers["Content-Security-Policy"] = csp
        return StreamingResponse(_encoded(_rest_of(first, spool)), headers=headers, media_type=headers.pop("Content-Type"))

    def events(self, request: Request) -> Response:
        params = _params(request, (*FILTERS, "include_retracted", "limit", "cursor"))
        size = _integer(params, "limit", PAGE_SIZE, MAX_PAGE)
        offset, as_of = _read_cursor(_single(params, "cursor"))
        query = query_from(params, include_retracted=_flag(params, "include_retracted"))
        if as_of is None:
            head = self.archive.head()
            as_of = _naive(head.recorded_at) if head.recorded_at else None
        key = filter_key({k: v for k, v in params.items() if k != "limit"}) + f"&limit={size}"
        cached, headers = self._cached(request, "events.json", key, "application/json")
        if cached is not None:
            return cached
        self.stats.count("renders")
        pinned = replace(query, as_of=as_of, limit=offset + size + 1)
        page = [event.to_dict() for event in itertools.islice(self.archive.show(pinned), offset, offset + size + 1)]
        more = len(page) > size
        body = {
            "events": page[:size],
            "next": _write_cursor(offset + size, as_of) if more else None,
            "as_of": as_of.isoformat() + "Z" if as_of else None,
        }
        return Response(json.dumps(body, ensure_ascii=False), headers=headers, media_type=headers.pop("Content-Type"))

    def log(self, request: Request) -> Response:
        params = _params(request, ("after", "limit"))
        after = _integer(params, "after", 0, 2**62)
        limit = _integer(params, "limit", MAX_LOG, MAX_LOG)
        cached, headers = self._cached(request, "log.jsonl", f"{after} {limit}", "application/jsonl; charset=utf-8")
        if cached is not None:
            return cached
        self.stats.count("renders")
        lines = (json.dumps(r.to_dict(), ensure_ascii=False, sort_keys=True) + "\n"
                 for r in self.archive.log(after=after, limit=limit))
        return StreamingResponse(_encoded(_batched(lines)), headers=headers, media_type=headers.pop("Content-Type"))

    def corrections(self, request: Request) -> Response:
        params = _params(request, ("limit",))
        size = _integer(params, "limit", FEED_SIZE, 500)
        base = self.public_url or str(request.base_url).rstrip("/")
        cached, headers = self._cached(request, "corrections " + base, str(size), "application/atom+xml; charset=utf-8")
        if cached is not None:
            return cached
        self.stats.count("renders")
        return Response(corrections_atom(self.archive, base_url=base, limit=size), headers=headers,
                        media_type=headers.pop("Content-Type"))


def _flag(params: Mapping[str, list[str]], name: str) -> bool:
    text = _single(params, name)
    if text is None:
        return False
    if text.lower() not in ("1", "true", "yes", "0", "false", "no"):
        raise BadRequest(f"{name}: {text!r} is not a yes/no value (accepted: true, false, 1, 0)")
    return text.lower() in ("1", "true", "yes")


def _naive(recorded_at: str) -> datetime:
    return datetime.fromisoformat(recorded_at.replace("Z", "+00:00")).astimezone(UTC).replace(tzinfo=None)


def _write_cursor(offset: int, as_of: datetime | None) -> str:
    data = json.dumps({"o": offset, "t": as_of.isoformat() if as_of else None}, separators=(",", ":"))
    return base64.urlsafe_b64encode(data.encode()).decode().rstrip("=")


def _read_cursor(cursor: str | None) -> tuple[int, datetime | None]:
    if cursor is None:
        return 0, None
    try:
        data = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        offset, moment = data["o"], data["t"]
        if not isinstance(offset, int) or isinstance(offset, bool) or offset < 0:
            raise ValueError
        return offset, datetime.fromisoformat(moment) if moment is not None else None
    except (ValueError, KeyError, TypeError):
        raise BadRequest(f"cursor: {cursor[:40]!r} is not a cursor this server gave (accepted: the 'next' of a page)") from None


def _batched(pieces: Iterator[str]) -> Iterator[str]:
    buffer: list[str] = []
    size = 0
    for piece in pieces:
        buffer.append(piece)
        size += len(piece)
        if size >= CHUNK:
            yield "".join(buffer)
            buffer, size = [], 0
    if buffer:
        yield "".join(buffer)


def _encoded(chunks: Iterator[str]) -> Iterator[bytes]:
    for chunk in chunks:
        yield chunk.encode("utf-8")


def _rest_of(first: str, spool: Any) -> Iterator[str]:
    try:
        yield first
        while chunk := spool.read(CHUNK):
            yield chunk
    finally:
        spool.close()


def subscribe_links(base: str, filters: str) -> str:
    """The page's subscribe box: ``webcal://`` for calendar apps, the https address to paste."""
    escape = html.escape
    address = f"{base}/calendar.ics" + (f"?{filters}" if filters else "")
    host_path = address.split("://", 1)[1]
    web = "https://" + host_path if not base.startswith("http://") else address
    return (
        '\n<nav class="subscribe" aria-label="Subscribe"><p>Subscribe to this timeline in your calendar: '
        f'<a href="{escape("webcal://" + host_path)}">webcal://{escape(host_path)}</a> · '
        f'<a href="{escape(web)}">{escape(web)}</a> (paste into a calendar’s “subscribe by URL”). '
        f'Corrections: <a href="{escape(base)}/corrections.atom">feed</a>.</p></nav>\n'
    )


def _render_page(archive: Archive, query: EventQuery) -> Any:
    """The HTML export of ``query``, spooled to a temporary file (a page can be large)."""
    from chronicle.formats import exporter

    spool = tempfile.TemporaryFile("w+", encoding="utf-8", newline="")  # noqa: SIM115 (closed by the response)
    try:
        exporter("html")(archive.show(query), spool, context(archive, query), {})
        spool.seek(0)
        return spool
    except BaseException:
        spool.close()
        raise


def _page_start(spool: Any, links: str) -> str:
    """The page up to and including its masthead, with the subscribe links after it."""
    text = ""
    while "</header>" not in text and (chunk := spool.read(CHUNK)):
        text += chunk
    return text.replace("</header>", "</header>" + links, 1)


# --- errors and limits -------------------------------------------------------------------------


async def _http_error(request: Request, error: Exception) -> Response:
    assert isinstance(error, HTTPException)
    detail = error.detail if isinstance(error, BadRequest) else {
        404: f"no such page: {request.url.path[:100]} (try /, /calendar.ics, /events.json, /log.jsonl, /corrections.atom)",
        405: f"{request.method} is not allowed: this server only reads (GET, HEAD)",
    }.get(error.status_code, error.detail)
    line = "".join(c if c.isprintable() else "?" for c in str(detail))
    return PlainTextResponse(f"{error.status_code} {line}\n", status_code=error.status_code,
                             headers={**(error.headers or {}), "Content-Security-Policy": _DATA_CSP})


async def _server_error(request: Request, error: Exception) -> Response:
    return PlainTextResponse("500 the server could not answer this request\n", status_code=500,
                             headers={"Content-Security-Policy": _DATA_CSP})


class Guard:
    """ASGI middleware: security headers on every answer; no request bodies."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        length = headers.get(b"content-length", b"0")
        if (length.strip() not in (b"", b"0")) or b"transfer-encoding" in headers:
            await PlainTextResponse("413 this server takes no request bodies\n", status_code=413,
                                    headers={**_BASE_HEADERS, "Content-Security-Policy": _DATA_CSP})(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                present = {name.lower() for name, _ in message.get("headers", [])}
                extra = [(k.lower().encode(), v.encode()) for k, v in _BASE_HEADERS.items() if k.lower().encode() not in present]
                if b"content-security-policy" not in present:
                    extra.append((b"content-security-policy", _DATA_CSP.encode()))
                message["headers"] = [*message.get("headers", []), *extra]
            await send(message)

        await self.app(scope, receive, send_with_headers)


def build_app(archive: Archive, *, public_url: str | None = None, imprecise: str | None = None) -> Starlette:
    """The read-only web application over ``archive`` (``app.state.site.stats`` counts renders)."""
    site = Site(archive, public_url=public_url, imprecise=imprecise)
    methods = ["GET", "HEAD"]
    app = Starlette(
        routes=[
            Route("/", site.page, methods=methods),
            Route("/calendar.ics", site.calendar, methods=methods),
            Route("/events.json", site.events, methods=methods),
            Route("/log.jsonl", site.log, methods=methods),
            Route("/corrections.atom", site.corrections, methods=methods),
        ],
        middleware=[Middleware(Guard), Middleware(GZipMiddleware, minimum_size=500)],
        exception_handlers={HTTPException: _http_error, Exception: _server_error},
    )
    app.state.site = site
    return app


def serve(archive: Archive, *, host: str = "127.0.0.1", port: int = 8000, public_url: str | None = None,
          imprecise: str | None = None, log_level: str = "warning") -> None:
    """Run the server until interrupted (uvicorn; headers limited to 16 KiB)."""
    import uvicorn

    app = build_app(archive, public_url=public_url, imprecise=imprecise)
    uvicorn.run(app, host=host, port=port, log_level=log_level, server_header=False,
                h11_max_incomplete_event_size=16 * 1024, timeout_keep_alive=5, timeout_graceful_shutdown=5)


__all__ = ["build_app", "is_local", "serve"]
