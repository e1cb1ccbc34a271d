"""Safe by default, for ``chronicle serve``: security headers on every answer, no request
bodies (413), and errors as one line of text (4xx naming what was wrong, a bare 500),
never a traceback.
"""

from __future__ import annotations

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from chronicle.serve.params import BadRequest

#: Headers every answer carries (unless it sets its own).
BASE_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
}
#: The Content-Security-Policy of every answer but the page (which has its own).
DATA_CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"


async def http_error(request: Request, error: Exception) -> Response:
    assert isinstance(error, HTTPException)
    detail = error.detail if isinstance(error, BadRequest) else {
        404: f"no such page: {request.url.path[:100]} (try /, /calendar.ics, /events.json, /log.jsonl, /corrections.atom)",
        405: f"{request.method} is not allowed: this server only reads (GET, HEAD)",
    }.get(error.status_code, error.detail)
    line = "".join(c if c.isprintable() else "?" for c in str(detail))
    return PlainTextResponse(f"{error.status_code} {line}\n", status_code=error.status_code,
                             headers={**(error.headers or {}), "Content-Security-Policy": DATA_CSP})


async def server_error(request: Request, error: Exception) -> Response:
    return PlainTextResponse("500 the server could not answer this request\n", status_code=500,
                             headers={"Content-Security-Policy": DATA_CSP})


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
                                    headers={**BASE_HEADERS, "Content-Security-Policy": DATA_CSP})(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                present = {name.lower() for name, _ in message.get("headers", [])}
                extra = [(k.lower().encode(), v.encode()) for k, v in BASE_HEADERS.items() if k.lower().encode() not in present]
                if b"content-security-policy" not in present:
                    extra.append((b"content-security-policy", DATA_CSP.encode()))
                message["headers"] = [*message.get("headers", []), *extra]
            await send(message)

        await self.app(scope, receive, send_with_headers)

