"""Commands for working a story every day: what the archive holds (tags, actors, places,
sources), its likely duplicates and merging them, and editing in ``$EDITOR``."""

from __future__ import annotations

import json
from typing import Any

import click

from chronicle.cli.read import build_query, filter_options
from chronicle.cli.settings import Settings


def _facet_command(facet: str, noun: str, example: str) -> click.Command:
    @click.command(facet, help=(
        f"List the {noun} of the timeline's events, most used first, with how many events each.\n\n"
        f"Spellings that differ only in case or accents count as one. The filters of `show` "
        f"narrow the events counted.\n\n\b\nExample:\n  {example}"
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
            click.echo(f"{value.count:>{width}}  {value.value}{extra}")

    return command


tags = _facet_command("tags", "tags", "chronicle tags --since 2024")
actors = _facet_command("actors", "actors (people and organisations)", "chronicle actors --tag antitrust --format json")
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


COMMANDS = [tags, actors, places, sources, duplicates, merge, edit]
