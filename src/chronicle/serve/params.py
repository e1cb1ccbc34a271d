"""Query strings of ``chronicle serve``: the filters of ``chronicle show``, page sizes,
cursors. A bad one is a 4xx naming the parameter (:class:`BadRequest`), never a traceback.

A cursor pins the archive as it stood at the first page (transaction time) and the
offset reached, base64 of a small JSON object; one this server did not give is refused.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping
from datetime import datetime
from urllib.parse import urlencode

from starlette.exceptions import HTTPException
from starlette.requests import Request

from chronicle.errors import ChronicleError
from chronicle.query import EventQuery

#: Longest query string accepted (a filter is a few words, not a document).
MAX_QUERY = 2048

FILTERS = ("tag", "actor", "since", "until", "text")
"""The ``show`` filters a query string may carry."""


class BadRequest(HTTPException):
    def __init__(self, detail: str, status: int = 400) -> None:
        super().__init__(status_code=status, detail=detail)


def query_params(request: Request, allowed: tuple[str, ...]) -> dict[str, list[str]]:
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


def single(params: Mapping[str, list[str]], name: str) -> str | None:
    values = params.get(name, [])
    if len(values) > 1:
        raise BadRequest(f"{name}: given {len(values)} times (accepted: once)")
    return values[0] if values else None


def integer(params: Mapping[str, list[str]], name: str, default: int, highest: int) -> int:
    text = single(params, name)
    if text is None:
        return default
    if not text.isdigit() or int(text) > highest:
        raise BadRequest(f"{name}: {text!r} is not a whole number from 0 to {highest}")
    return int(text)


def query_from(params: Mapping[str, list[str]], *, include_retracted: bool) -> EventQuery:
    """The ``show`` filters of a query string as an :class:`EventQuery` (errors name the parameter)."""
    try:
        return EventQuery.parse(
            since=single(params, "since"), until=single(params, "until"),
            tags=params.get("tag", []), actors=params.get("actor", []), text=single(params, "text"),
            include_retracted=include_retracted,
        )
    except ChronicleError as error:
        error.field = (error.field or "").lstrip("-") or None
        raise BadRequest(error.describe()) from None


def filter_key(params: Mapping[str, list[str]]) -> str:
    """A canonical text of the filters: the same filters in any order give the same ETag."""
    return urlencode(sorted((name, value) for name, values in params.items() for value in values))


def flag(params: Mapping[str, list[str]], name: str) -> bool:
    text = single(params, name)
    if text is None:
        return False
    if text.lower() not in ("1", "true", "yes", "0", "false", "no"):
        raise BadRequest(f"{name}: {text!r} is not a yes/no value (accepted: true, false, 1, 0)")
    return text.lower() in ("1", "true", "yes")


def write_cursor(offset: int, as_of: datetime | None) -> str:
    data = json.dumps({"o": offset, "t": as_of.isoformat() if as_of else None}, separators=(",", ":"))
    return base64.urlsafe_b64encode(data.encode()).decode().rstrip("=")


def read_cursor(cursor: str | None) -> tuple[int, datetime | None]:
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

