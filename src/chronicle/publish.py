"""Publish an archive's events to a CalDAV calendar (RFC 4791), with the ``caldav`` library.

Each event is its own calendar object resource, ``<event-id>.ics``, holding one VEVENT
(:func:`chronicle.formats.ical.resource_text`, no METHOD) and, at calendar level,
``X-CHRONICLE-DIGEST``: the SHA-256 of the resource as chronicle wrote it. Servers keep
unknown properties but may refold or reorder the text, so the digest — not the bytes —
says whether the server already holds this state of the event.

One run:

1. reads what the calendar holds (one calendar-query REPORT: each resource's data and
   ETag) and keeps those whose UID is one of this archive's (``…@<archive>.chronicle``):
   nobody else's events in a shared calendar are touched;
2. for each selected event: absent → ``PUT`` with ``If-None-Match: *`` (never overwrite
   a resource someone created meanwhile); digest differs → ``PUT`` with
   ``If-Match: <etag>`` (never overwrite a change made meanwhile); same digest → nothing;
3. each of this archive's resources no longer selected → ``DELETE`` with ``If-Match``.

Events whose dates iCalendar cannot hold (BC, after 9999, no start) are left out and
counted, as ``export --format ics`` does. Retracted events are selected (the CLI asks for them) and written ``STATUS:CANCELLED``,
so a retraction reaches every device that synced the event. A second run with nothing
changed sends no PUT and no DELETE. A ``412 Precondition Failed`` becomes
:class:`~chronicle.errors.Conflict`: someone changed the calendar between the read and
the write; running again resolves it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urljoin

from chronicle.archive import Archive
from chronicle.errors import ArchiveNotFound, Conflict, InvalidInput
from chronicle.exporting import context
from chronicle.formats.ical import UID_SUFFIX, check_policy, fold, ical_can_hold, resource_text
from chronicle.query import EventQuery

DIGEST = "X-CHRONICLE-DIGEST"


@dataclass(frozen=True, slots=True)
class PublishReport:
    created: int
    updated: int
    removed: int
    unchanged: int
    left_out: int = 0
    """Selected events iCalendar cannot hold (BC, after 9999, no start:
    :func:`chronicle.formats.ical.ical_can_hold`): not published, counted. A resource
    the calendar held for one (its date was since revised to such a date) is removed."""


@dataclass(frozen=True, slots=True)
class Held:
    """One of this archive's resources as the server holds it."""

    url: str
    etag: str | None
    digest: str | None


def signed_resource(text: str) -> str:
    """``text`` (a one-event VCALENDAR) with its digest line after ``BEGIN:VCALENDAR``."""
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    return text.replace("BEGIN:VCALENDAR\r\n", "BEGIN:VCALENDAR\r\n" + fold(f"{DIGEST}:{digest}"), 1)


def _unfolded_lines(data: str) -> list[str]:
    return data.replace("\r\n", "\n").replace("\n ", "").replace("\n\t", "").split("\n")


def _digest_of(data: str) -> str | None:
    for line in _unfolded_lines(data):
        if line.upper().startswith(DIGEST + ":"):
            return line.split(":", 1)[1].strip()
    return None


def _uid_of(data: str) -> str | None:
    for line in _unfolded_lines(data):
        if line.upper().startswith("UID:"):
            return line[4:].strip()
    return None


def publish_caldav(
    archive: Archive, url: str, query: EventQuery, *, user: str | None = None, password: str | None = None,
    imprecise: str | None = None, dry_run: bool = False,
) -> PublishReport:
    """Make the CalDAV calendar at ``url`` hold exactly the events ``query`` selects."""
    from caldav.davclient import DAVClient
    from caldav.lib import error as dav_error

    policy = check_policy(imprecise)
    if not url.lower().startswith(("http://", "https://")):
        raise InvalidInput("is not a CalDAV URL", field="--caldav", value=url, accepted="http(s)://host/path/to/calendar/")
    base = url if url.endswith("/") else url + "/"
    client = DAVClient(url=base, username=user, password=password)
    try:
        calendar = client.calendar(url=base)  # type: ignore[no-untyped-call]
        held = _held(calendar, client, base, f"@{archive.name}{UID_SUFFIX}")
        ctx = context(archive, EventQuery())
        created = updated = unchanged = left_out = 0
        selected: set[str] = set()
        for event in archive.show(query):
            if not ical_can_hold(event.span):
                left_out += 1
                continue
            uid = f"{event.id}@{archive.name}{UID_SUFFIX}"
            selected.add(uid)
            text = signed_resource(resource_text(event, ctx, policy))
            copy = held.get(uid)
            if copy is None:
                created += 1
                if not dry_run:
                    _put(client, urljoin(base, f"{event.id}.ics"), text, {"If-None-Match": "*"})
            elif copy.digest == _digest_of(text):
                unchanged += 1
            else:
                updated += 1
                if not dry_run:
                    _put(client, copy.url, text, {"If-Match": copy.etag} if copy.etag else {})
        removed = 0
        for uid, copy in held.items():
            if uid not in selected:
                removed += 1
                if not dry_run:
                    _delete(client, copy.url, copy.etag)
        return PublishReport(created, updated, removed, unchanged, left_out)
    except dav_error.AuthorizationError:
        raise InvalidInput("refused the credentials (set CHRONICLE_CALDAV_USER and CHRONICLE_CALDAV_PASSWORD)",
                           field="--caldav", value=url) from None
    except dav_error.NotFoundError:
        raise ArchiveNotFound("has no calendar at this address", field="--caldav", value=url) from None
    except dav_error.DAVError as error:
        raise ArchiveNotFound(f"the CalDAV server answered: {_short(error)}", field="--caldav", value=url) from None
    except OSError as error:  # requests' connection errors are OSErrors
        raise ArchiveNotFound(f"cannot be reached ({_network_words(error)})", field="--caldav", value=url) from None
    finally:
        client.close()


def _network_words(error: BaseException) -> str:
    """What went wrong on the network, in a few words (requests' own text is a paragraph)."""
    text = str(error).lower()
    for clue, words in (("refused", "connection refused"), ("timed out", "timed out"),
                        ("name or service not known", "unknown host"), ("certificate", "TLS certificate problem")):
        if clue in text:
            return words
    return _short(error)


def _short(error: BaseException) -> str:
    text = " ".join(str(error).split()) or type(error).__name__
    return text if len(text) <= 200 else text[:197] + "…"


def _held(calendar: Any, client: Any, base: str, suffix: str) -> dict[str, Held]:
    """UID -> this archive's resources in the calendar (data and ETag of each)."""
    from caldav.elements import dav

    etags = _etags(client, base)
    found: dict[str, Held] = {}
    for item in _objects(calendar):
        data = item.data if isinstance(item.data, str) else item.data.decode("utf-8")
        uid = _uid_of(data)
        if uid is None or not uid.endswith(suffix):
            continue
        href = str(item.url)
        etag = (getattr(item, "props", None) or {}).get(dav.GetEtag.tag) or etags.get(_path(href))
        found[uid] = Held(href, str(etag) if etag else None, _digest_of(data))
    return found


def _objects(calendar: Any) -> Iterator[Any]:
    yield from calendar.events()


def _path(href: str) -> str:
    from urllib.parse import unquote, urlsplit

    return unquote(urlsplit(href).path)


def _etags(client: Any, base: str) -> dict[str, str]:
    """href path -> ETag, from one depth-1 PROPFIND."""
    from caldav.elements import dav

    response = client.propfind(base, props=["getetag"], depth=1)
    props = response.expand_simple_props([dav.GetEtag()])
    return {_path(urljoin(base, href)): value[dav.GetEtag.tag] for href, value in props.items()
            if value.get(dav.GetEtag.tag)}


def _put(client: Any, url: str, text: str, condition: dict[str, str]) -> None:
    response = client.put(url, text, {"Content-Type": "text/calendar; charset=utf-8", **condition})
    _check(response, url, "PUT")


def _delete(client: Any, url: str, etag: str | None) -> None:
    response = client.delete(url, {"If-Match": etag} if etag else {})
    if response.status != 404:  # already gone is what we wanted
        _check(response, url, "DELETE")


def _check(response: Any, url: str, method: str) -> None:
    if response.status == 412:
        raise Conflict("changed on the server while publishing; run `chronicle publish` again",
                       field="--caldav", value=url)
    if response.status >= 300:
        raise ArchiveNotFound(f"{method} was refused: {response.status} {response.reason}", field="--caldav", value=url)
