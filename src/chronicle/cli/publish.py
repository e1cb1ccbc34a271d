"""Commands that publish live: serve (a read-only web server), publish (to a CalDAV server).

Starlette, uvicorn and caldav are imported only when these commands run, so every
other command starts as fast as before.
"""

from __future__ import annotations

import os
from typing import Any

import click

from chronicle.cli.read import build_query, filter_options
from chronicle.cli.settings import Settings

_POLICY = click.Choice(["start", "span", "skip"])


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on. Anything but 127.0.0.1/localhost opens the archive to the network.")
@click.option("--port", type=click.IntRange(0, 65535), default=8000, show_default=True, help="TCP port.")
@click.option("--public-url", metavar="URL",
              help="The address readers use (e.g. https://timeline.example.org behind a proxy), for the "
                   "subscribe links and the feed. Default: the address each request came to.")
@click.option("--imprecise", type=_POLICY, default="start", show_default=True,
              help="Calendar: month/year/approximate/ongoing dates as a marker on their first day, "
                   "across their whole period, or left out.")
@click.pass_obj
def serve(settings: Settings, /, host: str, port: int, public_url: str | None, imprecise: str) -> None:
    """Serve the archive read-only over HTTP: the timeline page, a calendar to subscribe
    to, events as JSON, the change feed and the corrections feed.

    New records appear at the next request, without a restart. There is no endpoint
    that changes the archive.

    \b
    Pages:
      /                    the timeline, with webcal:// and https:// subscribe links
      /calendar.ics        ?tag=&actor=&since=&until=&text= (the filters of `show`)
      /events.json         ?limit=N&cursor=… (paged), same filters
      /log.jsonl           ?after=SEQ&limit=N, the log as JSON lines
      /corrections.atom    every correction, retraction, restoration, new source and claim
    \b
    Example:
      chronicle serve --port 8000   then subscribe to webcal://127.0.0.1:8000/calendar.ics
    """
    from chronicle.serve import is_local
    from chronicle.serve import serve as run

    if not is_local(host):
        click.echo(f"chronicle: warning: listening on {host}: anyone who can reach this machine can read "
                   "the whole archive (put it behind a TLS proxy, or use --host 127.0.0.1)", err=True)
    archive = settings.archive()
    shown = f"[{host}]" if ":" in host else host
    click.echo(f"serving {archive.name} on http://{shown}:{port}/ (Ctrl-C stops)", err=True)
    run(archive, host=host, port=port, public_url=public_url, imprecise=imprecise)


@click.command()
@click.option("--caldav", "caldav_url", required=True, metavar="URL",
              help="The CalDAV calendar (collection) URL to publish into. Credentials: "
                   "CHRONICLE_CALDAV_USER / CHRONICLE_CALDAV_PASSWORD, else asked for.")
@filter_options
@click.option("--imprecise", type=_POLICY, default="start", show_default=True,
              help="Month/year/approximate/ongoing dates as a marker on their first day, across their "
                   "whole period, or left out.")
@click.option("--dry-run", is_flag=True, help="Say what would change on the server, change nothing.")
@click.pass_obj
def publish(settings: Settings, /, caldav_url: str, imprecise: str, dry_run: bool, **filters: Any) -> None:
    """Publish the timeline (or part of it) to a CalDAV calendar, one resource per event.

    Only what changed is sent (conditional PUT with If-Match / If-None-Match); retracted
    events are cancelled; events no longer selected are removed. Events whose dates a
    calendar cannot hold (BC, after 9999, no start) are left out and counted. Running it again with
    nothing changed changes nothing on the server.

    \b
    Example:
      CHRONICLE_CALDAV_USER=desk chronicle publish --caldav https://dav.example.org/desk/timeline/
    """
    from chronicle.formats.ical import OUT_OF_RANGE_NOTE
    from chronicle.publish import publish_caldav

    user = os.environ.get("CHRONICLE_CALDAV_USER")
    password = os.environ.get("CHRONICLE_CALDAV_PASSWORD")
    if user is None and password is None and _asks():
        user = click.prompt("CalDAV user", default="", show_default=False) or None
    if user is not None and password is None:
        password = click.prompt(f"CalDAV password for {user}", hide_input=True, default="", show_default=False)
    filters["include_retracted"] = True  # a retraction must reach the calendar as a cancellation
    query = build_query(**filters)
    report = publish_caldav(settings.archive(), caldav_url, query, user=user, password=password,
                            imprecise=imprecise, dry_run=dry_run)
    verb = "would be " if dry_run else ""
    left_out = f", {report.left_out} left out ({OUT_OF_RANGE_NOTE})" if report.left_out else ""
    click.echo(f"{caldav_url}: {report.created} {verb}created, {report.updated} {verb}updated, "
               f"{report.removed} {verb}removed, {report.unchanged} unchanged{left_out}", err=True)


def _asks() -> bool:
    """Ask for credentials only where someone can answer (a terminal)."""
    import sys

    return sys.stdin is not None and sys.stdin.isatty()


COMMANDS = [serve, publish]
