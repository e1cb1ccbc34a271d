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
string longer than :data:`.params.MAX_QUERY` 414. Every answer carries ``nosniff``, a
``Content-Security-Policy`` (on the page, the page's own hash-locked policy plus
``frame-ancestors 'none'``), ``Referrer-Policy: no-referrer`` and ``X-Frame-Options``.

The rooms: :mod:`.site` (the endpoints), :mod:`.params` (query strings), :mod:`.caching`
(validators, the calendar cache), :mod:`.guard` (headers, limits, errors).
"""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.gzip import GZipMiddleware
from starlette.routing import Route

from chronicle.archive import Archive
from chronicle.serve.guard import Guard, http_error, server_error
from chronicle.serve.site import Site

_LOCAL_HOSTS = ("127.0.0.1", "localhost", "::1")


def is_local(host: str) -> bool:
    """Whether binding ``host`` keeps the server to this machine."""
    return host in _LOCAL_HOSTS


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
        exception_handlers={HTTPException: http_error, Exception: server_error},
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
