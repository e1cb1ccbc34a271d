"""The endpoints of ``chronicle serve``, bound to one open archive (:class:`Site`).

Each answer is validated first (:mod:`.caching`: a 304 reads the log head and nothing
else), then rendered: the page as the HTML export with subscribe links after its
masthead, the calendar from the cache or one render, events a page at a time pinned to
the first page's moment, the log and the corrections feed streamed.
"""

from __future__ import annotations

import html
import itertools
import json
import re
import tempfile
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from starlette.requests import Request
from starlette.responses import Response, StreamingResponse

from chronicle.archive import Archive
from chronicle.exporting import context
from chronicle.feed import FEED_SIZE, corrections_atom
from chronicle.formats import exporter
from chronicle.formats.ical import check_policy, ical_chunks
from chronicle.query import EventQuery
from chronicle.serve.caching import (
    CACHE_BYTES,
    CHUNK,
    CalendarCache,
    ServeStats,
    entity_tag,
    gunzip_chunks,
    gzip_chunks,
    gzipped,
    http_date,
    not_modified,
)
from chronicle.serve.guard import DATA_CSP
from chronicle.serve.params import FILTERS, filter_key, flag, integer, query_from, query_params, read_cursor, single, write_cursor

#: Events per ``/events.json`` page by default, and at most.
PAGE_SIZE, MAX_PAGE = 100, 1000
#: Records per ``/log.jsonl`` answer at most (a client pages on with ``after``).
MAX_LOG = 100_000
_CSP_META = re.compile(r'<meta http-equiv="Content-Security-Policy" content="([^"]*)">')


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
        last_modified = http_date(head.recorded_at)
        if last_modified:
            headers["Last-Modified"] = last_modified
        if not_modified(request, etag, last_modified):
            self.stats.count("not_modified")
            headers["ETag"] = etag[:-1] + '-gzip"' if gzipped(request) else etag
            return Response(status_code=304, headers=headers), headers
        headers["ETag"] = etag[:-1] + '-gzip"' if gzipped(request) else etag
        headers["Content-Type"] = media_type
        return None, headers

    def calendar(self, request: Request) -> Response:
        params = query_params(request, FILTERS)
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
        if gzipped(request):
            # Already compressed: the gzip middleware passes a Content-Encoding through.
            headers["Content-Encoding"] = "gzip"
            headers["Vary"] = "Accept-Encoding"
            return Response(body, headers=headers, media_type=media_type)
        headers["Vary"] = "Accept-Encoding"
        return StreamingResponse(gunzip_chunks(body), headers=headers, media_type=media_type)

    def page(self, request: Request) -> Response:
        params = query_params(request, (*FILTERS, "include_retracted"))
        retracted = flag(params, "include_retracted")
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
        csp = (html.unescape(meta.group(1)) + "; frame-ancestors 'none'") if meta else DATA_CSP
        headers["Content-Security-Policy"] = csp
        return StreamingResponse(_encoded(_rest_of(first, spool)), headers=headers, media_type=headers.pop("Content-Type"))

    def events(self, request: Request) -> Response:
        params = query_params(request, (*FILTERS, "include_retracted", "limit", "cursor"))
        size = integer(params, "limit", PAGE_SIZE, MAX_PAGE)
        offset, as_of = read_cursor(single(params, "cursor"))
        query = query_from(params, include_retracted=flag(params, "include_retracted"))
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
            "next": write_cursor(offset + size, as_of) if more else None,
            "as_of": as_of.isoformat() + "Z" if as_of else None,
        }
        return Response(json.dumps(body, ensure_ascii=False), headers=headers, media_type=headers.pop("Content-Type"))

    def log(self, request: Request) -> Response:
        params = query_params(request, ("after", "limit"))
        after = integer(params, "after", 0, 2**62)
        limit = integer(params, "limit", MAX_LOG, MAX_LOG)
        cached, headers = self._cached(request, "log.jsonl", f"{after} {limit}", "application/jsonl; charset=utf-8")
        if cached is not None:
            return cached
        self.stats.count("renders")
        lines = (json.dumps(r.to_dict(), ensure_ascii=False, sort_keys=True) + "\n"
                 for r in self.archive.log(after=after, limit=limit))
        return StreamingResponse(_encoded(_batched(lines)), headers=headers, media_type=headers.pop("Content-Type"))

    def corrections(self, request: Request) -> Response:
        params = query_params(request, ("limit",))
        size = integer(params, "limit", FEED_SIZE, 500)
        base = self.public_url or str(request.base_url).rstrip("/")
        cached, headers = self._cached(request, "corrections " + base, str(size), "application/atom+xml; charset=utf-8")
        if cached is not None:
            return cached
        self.stats.count("renders")
        return Response(corrections_atom(self.archive, base_url=base, limit=size), headers=headers,
                        media_type=headers.pop("Content-Type"))


def _naive(recorded_at: str) -> datetime:
    return datetime.fromisoformat(recorded_at.replace("Z", "+00:00")).astimezone(UTC).replace(tzinfo=None)


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

