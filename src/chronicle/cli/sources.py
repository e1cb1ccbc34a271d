"""``chronicle source``: define a source once, cite it as ``@KEY``, correct or withdraw it."""

from __future__ import annotations

import json
from typing import Any

import click

from chronicle.cli.settings import Settings
from chronicle.cli.write import source_from_options


def _entry_line(entry: Any) -> str:
    kind = f" [{entry.kind}]" if entry.kind else ""
    state = f" (withdrawn: {entry.reason})" if entry.withdrawn else ""
    where = f" <{entry.source.url}>" if entry.source.url else ""
    return f"@{entry.key}{kind} {entry.source.label}{where}{state}"


def _details(function: Any) -> Any:
    options = [
        click.option("--url", metavar="URL", help="Where it is (optional: interviews and documents may have none)."),
        click.option("--title", "source_title", metavar="TEXT", help="Its title."),
        click.option("--publisher", metavar="TEXT", help="Who published or made it."),
        click.option("--published", metavar="WHEN", help="Its own date (any date form)."),
        click.option("--accessed", metavar="WHEN", help="When you read it ('today' works)."),
        click.option("--archived-url", metavar="URL", help="An archived copy."),
        click.option("--kind", metavar="KIND", help="article, report, interview, document, dataset, book, broadcast, other."),
        click.option("--description", metavar="TEXT", help="What it is, e.g. 'interview with a ministry official'."),
    ]
    for option in reversed(options):
        function = option(function)
    return function


@click.group()
def source() -> None:
    """Sources as records: define once, cite as --source @KEY, correct or withdraw with a reason.

    \b
    Example:
      chronicle source add --key rs --url https://responsiblestatecraft.org/ --publisher "Responsible Statecraft"
      chronicle cite runoff-2025 --source @rs
    """


@source.command("add")
@click.option("--key", required=True, metavar="KEY", help="The short name to cite it by (@KEY).")
@_details
@click.option("--reason", help="Why it is added (optional).")
@click.pass_obj
def add(settings: Settings, /, key: str, url: str | None, source_title: str | None, publisher: str | None,
        published: str | None, accessed: str | None, archived_url: str | None, kind: str | None,
        description: str | None, reason: str | None) -> None:
    """Define a source once; then cite it anywhere with --source @KEY.

    \b
    Example:
      chronicle source add --key minister-interview --kind interview \\
        --title "Interview with the defence minister" --published 2025-02-03
      chronicle cite matrix-aviation-memorandum --source @minister-interview
    """
    cited = source_from_options(url, source_title, publisher, published, accessed, archived_url, None)
    entry = settings.archive().add_source(key, cited, kind=kind, description=description, reason=reason)
    click.echo(f"@{entry.key}: defined")


@source.command("correct")
@click.argument("key", metavar="@KEY")
@_details
@click.option("--reason", required=True, help="What was wrong (kept in the log).")
@click.pass_obj
def correct(settings: Settings, /, key: str, url: str | None, source_title: str | None, publisher: str | None,
            published: str | None, accessed: str | None, archived_url: str | None, kind: str | None,
            description: str | None, reason: str) -> None:
    """Record a corrected version of a defined source; the given fields replace the old ones.

    Events that cited the old version keep it; new citations of @KEY get this one.

    \b
    Example:
      chronicle source correct @rs --url https://responsiblestatecraft.org/plan-ecuador/ \\
        --reason "The permalink was found"
    """
    archive = settings.archive()
    old = archive.source_entry(key, include_withdrawn=True).source
    given = {"url": url, "title": source_title, "publisher": publisher, "published": published,
             "accessed": accessed, "archived_url": archived_url}
    merged = {k: (v if v is not None else getattr(old, k)) for k, v in given.items()}
    cited = source_from_options(merged["url"], merged["title"], merged["publisher"], merged["published"],
                    merged["accessed"], merged["archived_url"], old.quote)
    entry = archive.correct_source(key, reason=reason, source=cited, kind=kind, description=description)
    click.echo(f"@{entry.key}: corrected (version {entry.versions})")


@source.command("withdraw")
@click.argument("key", metavar="@KEY")
@click.option("--reason", required=True, help="Why it should no longer be cited.")
@click.pass_obj
def withdraw(settings: Settings, /, key: str, reason: str) -> None:
    """Withdraw a defined source: @KEY can no longer be cited; past citations stay.

    \b
    Example:
      chronicle source withdraw @blog-post --reason "Anonymous, unverifiable"
    """
    entry = settings.archive().withdraw_source(key, reason=reason)
    click.echo(f"@{entry.key}: withdrawn")


@source.command("list")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True,
              help="json: every source with its kind, description, versions and whether withdrawn.")
@click.pass_obj
def list_sources(settings: Settings, /, fmt: str) -> None:
    """The defined sources, with their kind and whether they were withdrawn.

    \b
    Example:
      chronicle source list
    """
    entries = settings.archive().source_entries()
    if fmt == "json":
        click.echo(json.dumps([e.to_dict() for e in entries], ensure_ascii=False, indent=2))
        return
    for entry in entries:
        click.echo(_entry_line(entry))


COMMANDS = [source]
