"""Commands for working a story every day: what the archive holds (tags, actors, places,
sources), its likely duplicates and merging them, and editing in ``$EDITOR``."""

from __future__ import annotations

import json
from typing import Any

import click

from chronicle.cli.read import build_query, filter_options


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
    def command(settings: Any, /, fmt: str, **filters: Any) -> None:
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


COMMANDS = [tags, actors, places, sources]
