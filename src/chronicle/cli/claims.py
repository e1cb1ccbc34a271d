"""Commands for claims, when sources disagree: claim, rank, disputes."""

from __future__ import annotations

import sys
from typing import Any

import click

from chronicle.cli.output import claim_lines, event_line, json_array
from chronicle.cli.read import build_query, filter_options
from chronicle.cli.settings import Settings
from chronicle.cli.write import given_source, source_options


def value_options(function: Any) -> Any:
    """``--date``/``--title``/``--place``/``--actor``: the one field a claim is about."""
    options = [
        click.option("--date", metavar="WHEN", help="The date this source gives (any date form; an interval as A/B)."),
        click.option("--title", metavar="TEXT", help="The title this source gives."),
        click.option("--place", metavar="PLACE", help="The place this source gives."),
        click.option("--actor", "actors", multiple=True, metavar="NAME",
                     help="The actors this source names (repeatable: together one claim)."),
    ]
    for option in reversed(options):
        function = option(function)
    return function


def _one_value(date: str | None, title: str | None, place: str | None, actors: tuple[str, ...]) -> tuple[str, Any]:
    given = [(name, value) for name, value in
             (("date", date), ("title", title), ("place", place), ("actors", actors or None)) if value is not None]
    if len(given) != 1:
        from chronicle.errors import InvalidInput

        raise InvalidInput("say exactly one value", field="claim", value=", ".join(n for n, _ in given) or None,
                           accepted="one of --date, --title, --place, --actor")
    return given[0]


@click.command()
@click.argument("event_id", metavar="ID")
@value_options
@source_options(required=False)
@click.option("--rank", "rank", type=click.Choice(["preferred", "normal", "deprecated"]),
              help="preferred: this becomes the value shown; deprecated: known to be wrong. "
                   "[default: normal for a new claim; unchanged for a value already claimed]")
@click.option("--note", metavar="TEXT", help="Why the claim is doubtful, or how it was read from the source.")
@click.option("--reason", help="Why this claim is recorded (optional).")
@click.pass_obj
def claim(settings: Settings, /, event_id: str, date: str | None, title: str | None, place: str | None,
          actors: tuple[str, ...], rank: str | None, note: str | None, reason: str | None,
          **source: Any) -> None:
    """Record what one source says about an event's date, title, place or actors.

    The event keeps its value unless the claim is ranked preferred; a claim that cannot
    be true together with the present value makes the event disputed.

    \b
    Example:
      chronicle claim noboa-takes-office --date "Oct 2023" \\
        --source https://responsiblestatecraft.org/ --note "the summary's loose month"
    """
    field, value = _one_value(date, title, place, actors)
    result = settings.archive().claim(event_id, field, value, [given_source(settings, source)], rank=rank, note=note,
                                      reason=reason)
    event = result.event
    click.echo(f"{event.id}: {len([c for c in event.claims if c.field == field])} claim(s) on {field}"
               + ("; sources disagree (disputed)" if event.disputed else ""))


@click.command()
@click.argument("event_id", metavar="ID")
@value_options
@click.option("--rank", "rank", type=click.Choice(["preferred", "normal", "deprecated"]), required=True,
              help="The claim's new rank.")
@click.option("--reason", required=True, help="Why its rank changes (kept in the history).")
@click.pass_obj
def rank(settings: Settings, /, event_id: str, date: str | None, title: str | None, place: str | None,
         actors: tuple[str, ...], rank: str, reason: str) -> None:
    """Change the rank of one of an event's claims (named by its value).

    \b
    Example:
      chronicle rank noboa-takes-office --date 2023-11-23 --rank preferred \\
        --reason "Two reports of the ceremony"
    """
    field, value = _one_value(date, title, place, actors)
    event = settings.archive().rank(event_id, field, value, rank, reason=reason)
    chosen = next(c for c in event.claims if c.field == field and c.rank.value == rank) if rank == "preferred" else None
    click.echo(f"{event.id}: claim ranked {rank}" + (f"; {field} is now {chosen.display()}" if chosen else ""))


@click.command()
@filter_options
@click.option("--limit", type=click.IntRange(min=0), metavar="N", help="At most N events.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True,
              help="json: the disputed events with their claims.")
@click.pass_obj
def disputes(settings: Settings, /, fmt: str, limit: int | None, **filters: Any) -> None:
    """Events whose sources disagree, each with its claims and their sources.

    \b
    Example:
      chronicle disputes --since 2023
    """
    events = settings.archive().disputed(build_query(limit=limit, **filters))
    if fmt == "json":
        for chunk in json_array(e.to_dict() for e in events):
            sys.stdout.write(chunk)
        return
    for number, event in enumerate(events):
        click.echo(("\n" if number else "") + event_line(event))
        for line in claim_lines(event, only_disputed=True):
            click.echo(line)


COMMANDS = [claim, rank, disputes]
