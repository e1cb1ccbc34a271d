"""Commands that read: show, history, log, verify."""

from __future__ import annotations

import json
import sys
from typing import Any

import click

from chronicle.cli.output import event_detail, event_line, json_array, record_history, record_line


def filter_options(function: Any) -> Any:
    """The filters shared by ``show`` and ``export``."""
    options = [
        click.option("--since", metavar="WHEN", help="Events that may fall on or after this (e.g. 2023, 'Oct 2023')."),
        click.option("--until", metavar="WHEN",
                     help="Events that may fall on or before this (2024 = up to 31 Dec 2024)."),
        click.option("--tag", "tags", multiple=True, metavar="TAG",
                     help="Only events with this tag (repeatable: all must match)."),
        click.option("--actor", "actors", multiple=True, metavar="NAME", help="Only events involving this actor (repeatable)."),
        click.option("--text", metavar="WORDS",
                     help="Words in title, description, place, tags or actors (accents ignored)."),
        click.option("--as-of", metavar="TIMESTAMP",
                     help="The archive as it stood then (transaction time), e.g. 2026-11-28T12:00Z."),
        click.option("--include-retracted", is_flag=True, help="Also list retracted events."),
    ]
    for option in reversed(options):
        function = option(function)
    return function


def build_query(*, limit: int | None = None, **filters: Any) -> Any:
    from chronicle.query import EventQuery

    return EventQuery.parse(limit=limit, **filters)


@click.command()
@click.argument("event_id", metavar="[ID]", required=False)
@filter_options
@click.option("--limit", type=click.IntRange(min=0), metavar="N", help="At most N events.")
@click.option("--format", "fmt", type=click.Choice(["table", "json", "jsonl"]), default="table",
              show_default=True, help="json: one array; jsonl: one event per line (for scripts).")
@click.option("--disputed", is_flag=True, help="Only events whose sources disagree (see `chronicle disputes`).")
@click.pass_obj
def show(settings: Any, /, event_id: str | None, fmt: str, limit: int | None, disputed: bool,
         **filters: Any) -> None:
    """List events in timeline order, or show one event (by id or unique id prefix) in full.

    \b
    Examples:
      chronicle show --since 2023
      chronicle show --since 2024 --until 2024 --tag security
      chronicle show --text "González" --format json
      chronicle show noboa-takes
      chronicle show noboa-takes-office --as-of 2026-11-28T00:00Z
    """
    archive = settings.archive()
    if event_id is not None:
        event = archive.get(event_id, as_of=filters.get("as_of"))
        if fmt == "table":
            click.echo(event_detail(event))
        else:
            click.echo(json.dumps(event.to_dict(), ensure_ascii=False, indent=2 if fmt == "json" else None))
        return
    query = build_query(limit=limit, **filters)
    events = archive.disputed(query) if disputed else archive.show(query)
    if fmt == "json":
        for chunk in json_array(e.to_dict() for e in events):
            sys.stdout.write(chunk)
    elif fmt == "jsonl":
        for event in events:
            sys.stdout.write(json.dumps(event.to_dict(), ensure_ascii=False, sort_keys=True) + "\n")
    else:
        count = 0
        for event in events:
            click.echo(event_line(event))
            count += 1
        if count == 0 and sys.stdout.isatty():
            click.echo("no events match", err=True)


@click.command()
@click.argument("event_id", metavar="ID")
@click.option("--format", "fmt", type=click.Choice(["text", "jsonl"]), default="text", show_default=True,
              help="jsonl: the full records, one per line, with their hashes.")
@click.pass_obj
def history(settings: Any, /, event_id: str, fmt: str) -> None:
    """Every record about one event: what changed, who, when, why, and from which command or file.

    \b
    Example:
      chronicle history noboa-takes-office
    """
    for number, record in enumerate(settings.archive().history(event_id)):
        if fmt == "jsonl":
            click.echo(json.dumps(record.to_dict(), ensure_ascii=False))
        else:
            click.echo(("\n" if number else "") + record_history(record))


@click.command()
@click.option("--after", type=click.IntRange(min=0), default=0, metavar="SEQ", help="Start after this sequence number.")
@click.option("--limit", type=click.IntRange(min=0), metavar="N", help="At most N records.")
@click.option("--format", "fmt", type=click.Choice(["text", "jsonl"]), default="text", show_default=True,
              help="jsonl: full records with hashes (same as `export --format jsonl`).")
@click.pass_obj
def log(settings: Any, /, after: int, limit: int | None, fmt: str) -> None:
    """The raw log, oldest first: sequence number, hash, time, kind, event, author, reason.

    \b
    Example:
      chronicle log --limit 5
    """
    for record in settings.archive().log(after=after, limit=limit):
        if fmt == "jsonl":
            sys.stdout.write(json.dumps(record.to_dict(), ensure_ascii=False, sort_keys=True) + "\n")
        else:
            click.echo(record_line(record))


@click.command()
@click.pass_obj
def verify(settings: Any) -> None:
    """Check the hash chain and that the projections equal a replay of the log.

    Prints one line (entries, events, the head hash) and exits 0; or names the first
    bad sequence number and exits 1.
    """
    from chronicle.cli.progress import Progress

    with Progress("verified", "records") as progress:
        report = settings.archive().verify(progress=progress)
    click.echo(f"ok: {report.entries} entries, {report.events} events, head {report.head_hash}")


COMMANDS = [show, history, log, verify]
