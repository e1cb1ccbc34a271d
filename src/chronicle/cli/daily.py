"""Commands for working a story every day: what the archive holds (tags, actors, places,
sources), its likely duplicates and merging them, and editing in ``$EDITOR``."""

from __future__ import annotations

import json
from typing import Any

import click

from chronicle.aliases import name_key
from chronicle.cli.read import build_query, filter_options
from chronicle.cli.settings import Settings


def _facet_command(facet: str, noun: str, example: str, extra: str = "") -> click.Command:
    @click.command(facet, help=(
        f"List the {noun} of the timeline's events, most used first, with how many events each.\n\n"
        f"Spellings that differ only in case or accents count as one. The filters of `show` "
        f"narrow the events counted.{' ' + extra if extra else ''}\n\n\b\nExample:\n  {example}"
    ))
    @filter_options
    @click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True,
                  help="json: an array of {value, count[, url][, spellings]}.")
    @click.pass_obj
    def command(settings: Settings, /, fmt: str, **filters: Any) -> None:
        from chronicle.facets import facet_counts

        values = facet_counts(settings.archive(), facet, build_query(**filters))
        if fmt == "json":
            click.echo(json.dumps([v.to_dict() for v in values], ensure_ascii=False, indent=2))
            return
        width = len(str(values[0].count)) if values else 1
        for value in values:
            extra = f"  <{value.url}>" if value.url and value.url != value.value else ""
            if value.aliases:
                extra += f"  (also: {'; '.join(value.aliases)})"
            click.echo(f"{value.count:>{width}}  {value.value}{extra}")

    return command


tags = _facet_command("tags", "tags", "chronicle tags --since 2024")
actors = _facet_command(
    "actors", "actors (people and organisations)", "chronicle actors --tag antitrust --format json",
    extra="An actor with aliases (`chronicle alias`) is one line under its canonical name, counting "
          "the events that name it by any of its names; json gives its aliases.",
)
places = _facet_command("places", "places", "chronicle places")
sources = _facet_command("sources", "sources (by URL)", "chronicle sources --actor Mehta")


@click.command()
@filter_options
@click.option("--min-score", type=click.FloatRange(0, 1), default=0.5, show_default=True,
              help="Report pairs scoring at least this (0–1).")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True,
              help="json: an array of {first, second, score, reasons}.")
@click.pass_obj
def duplicates(settings: Settings, /, min_score: float, fmt: str, **filters: Any) -> None:
    """List pairs of events that are likely the same event, best first, with a score and why.

    A pair: dates that overlap (or lie within a week) and titles sharing most words
    (reworded titles and different precisions still match), or the same source URL
    with agreeing dates or titles. Merge one into the other with `chronicle merge`.

    \b
    Example:
      chronicle duplicates --since 2024
      chronicle merge ruling-day ruling-day-2 --reason "Same ruling, reported twice"
    """
    from chronicle.merging import archive_duplicates

    pairs = archive_duplicates(settings.archive(), build_query(**filters), threshold=min_score)
    if fmt == "json":
        click.echo(json.dumps([p.to_dict() for p in pairs], ensure_ascii=False, indent=2))
        return
    for pair in pairs:
        click.echo(f"{pair.score:.2f}  {pair.first}  {pair.second}  ({', '.join(pair.reasons)})")


@click.command()
@click.argument("keep", metavar="KEEP")
@click.argument("duplicate", metavar="DUPLICATE")
@click.option("--reason", required=True, help="Why they are one event (kept in both histories).")
@click.pass_obj
def merge(settings: Settings, /, keep: str, duplicate: str, reason: str) -> None:
    """Merge the event DUPLICATE into KEEP: appends records, changes nothing stored.

    KEEP gains DUPLICATE's tags, actors and sources; DUPLICATE leaves the timeline and
    exports, its id keeps working (it shows KEEP), and `history` of both tells the merge.

    \b
    Example:
      chronicle merge mehta-rules-google mehta-ruling --reason "Same ruling, two reports"
    """
    from chronicle.merging import merge as merge_events

    event = merge_events(settings.archive(), keep, duplicate, reason=reason)
    click.echo(f"{event.id}: merged, now {len(event.sources)} source(s), revision {event.revision}")


@click.command()
@click.argument("event_id", metavar="ID")
@click.pass_obj
def edit(settings: Settings, /, event_id: str) -> None:
    """Correct an event in your editor: its current state opens as TOML; what you change
    is recorded as one revision, with the reason you write in the same file.

    New [[sources]] tables are cited. An empty file, or no change, records nothing.
    The editor is $VISUAL, else $EDITOR, else vi.

    \b
    Example:
      EDITOR=nano chronicle edit noboa-takes-office
    """
    from chronicle.cli.editor import edit_in_editor
    from chronicle.editing import edit_text, read_edit
    from chronicle.merging import apply_edit

    archive = settings.archive()
    event = archive.get(event_id)
    wanted = edit_in_editor(edit_text(event), lambda text: apply_edit(archive, event, read_edit(text, event)),
                            name=event.id)
    if wanted is None:
        click.echo(f"{event.id}: nothing changed, nothing recorded")
    else:
        click.echo(f"{wanted.id}: revision {wanted.revision} recorded")


@click.command()
@click.argument("name", metavar="NAME")
@click.argument("canonical", metavar="CANONICAL", required=False)
@click.option("--remove", is_flag=True, help="NAME is no longer an alias: it names an actor of its own again.")
@click.option("--reason", required=True, help="Why (kept in the log with your name and the time).")
@click.pass_obj
def alias(settings: Settings, /, name: str, canonical: str | None, remove: bool, reason: str) -> None:
    """Record that NAME is another name of the actor CANONICAL.

    Events keep the names their sources used, and exports show them unchanged; but
    `--actor` with any name of the actor matches all of them, and `chronicle actors`
    counts them as one, under CANONICAL. Appended to the log (author, time, reason);
    `--remove` appends the opposite. List them with `chronicle aliases`.

    \b
    Example:
      chronicle alias "Judge Amit Mehta" "Amit Mehta" --reason "Same judge, with title"
      chronicle alias "Mehta, Amit" "Amit Mehta" --reason "Surname first in court filings"
      chronicle alias --remove "Mehta, Amit" --reason "Another Amit Mehta, a lawyer"
    """
    archive = settings.archive()
    if remove:
        if canonical is not None:
            raise click.UsageError("--remove takes NAME only")
        removed = archive.unalias_actor(name, reason=reason)
        click.echo(f"{removed.name}: no longer an alias of {removed.canonical}")
        return
    if canonical is None:
        raise click.UsageError("Missing argument 'CANONICAL' (the actor NAME is another name of).")
    recorded = archive.alias_actor(name, canonical, reason=reason)
    click.echo(f"{recorded.name}: alias of {recorded.canonical} recorded")


@click.command()
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True,
              help="json: an array of {name, canonical, author, recorded_at, reason, seq}.")
@click.pass_obj
def aliases(settings: Settings, /, fmt: str) -> None:
    """List the actor aliases in force: each canonical name with its aliases, who
    recorded each, when and why.

    \b
    Example:
      chronicle aliases --format json
    """
    found = settings.archive().actor_aliases()
    if fmt == "json":
        click.echo(json.dumps([a.to_dict() for a in found.aliases.values()], ensure_ascii=False, indent=2))
        return
    for canonical, names in found.groups().items():
        click.echo(canonical)
        for name in names:
            entry = found.aliases[name_key(name)]
            why = f": {entry.reason}" if entry.reason else ""
            click.echo(f"  = {entry.name}  (by {entry.author}, {entry.recorded_at[:10]}{why})")


COMMANDS = [tags, actors, places, sources, duplicates, merge, edit, alias, aliases]
