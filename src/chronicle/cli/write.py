"""Commands that append to the log: init, add, revise, cite, retract, restore."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import click


def source_options(required: bool) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """The options that describe one source, shared by ``add`` and ``cite``."""
    options = [
        click.option("--source", "source_url", metavar="URL|@KEY", required=required,
                     help="URL of the source (article, report, decree), or @KEY for one defined with "
                          "`chronicle source add`."),
        click.option("--source-title", metavar="TEXT", help="Title of the source."),
        click.option("--publisher", metavar="TEXT", help="Who published it, e.g. 'Reuters'."),
        click.option("--published", metavar="WHEN", help="When it was published (any date form, e.g. 'Feb 2025')."),
        click.option("--accessed", metavar="WHEN", help="When you read it ('today' works)."),
        click.option("--archived-url", metavar="URL", help="An archived copy (e.g. web.archive.org)."),
        click.option("--quote", metavar="TEXT", help="A short quote that supports the claim."),
    ]

    def decorate(function: Callable[..., Any]) -> Callable[..., Any]:
        for option in reversed(options):
            function = option(function)
        return function

    return decorate


def _source(source_url: str | None, source_title: str | None, publisher: str | None,
            published: str | None, accessed: str | None, archived_url: str | None,
            quote: str | None) -> Any:
    from chronicle.model import make_source

    if accessed is not None and accessed.strip().lower() == "today":
        import datetime

        accessed = datetime.date.today().isoformat()
    return make_source(source_url, title=source_title, publisher=publisher, published=published,
                       accessed=accessed, archived_url=archived_url, quote=quote)


def given_source(settings: Any, source: dict[str, Any]) -> Any:
    """The source the options describe: ``--source @KEY`` (a defined source) or its fields."""
    url = source.get("source_url")
    if url is not None and url.startswith("@"):
        if any(v for k, v in source.items() if k != "source_url"):
            from chronicle.errors import InvalidInput

            raise InvalidInput("is a defined source: its details come from `chronicle source add`",
                               field="--source", value=url, accepted="@KEY alone, or a URL with details")
        return settings.archive().source_entry(url).source
    return _source(**source)


@click.command()
@click.argument("directory", required=False, type=click.Path(file_okay=False, path_type=Path))
@click.option("--name", help="Short name; titles the exports and names their files (default: the directory's name).")
@click.option("--description", default="", help="One or two sentences on what this archive follows.")
@click.pass_obj
def init(settings: Any, /, directory: Path | None, name: str | None, description: str) -> None:
    """Create an archive in DIRECTORY (default: here) under events/.

    With --db URL the archive is created in that database instead (e.g. PostgreSQL).

    \b
    Example:
      chronicle init --name ecuador-security --description "Ecuador's security crisis, 2023–2025"
    """
    from chronicle.archive import Archive

    archive = Archive.init(directory, url=settings.db, name=name, description=description)
    click.echo(f"created archive {archive.name!r} at {archive.store.url}")
    archive.close()


@click.command()
@click.argument("title")
@click.option("--date", "date", required=True, metavar="WHEN",
              help="When it happened: 2024-01-09, 'Oct 2023', 2024~, 2025?, 2025-01-01/2025-02-19 …")
@click.option("--end", metavar="WHEN", help="End of an interval ('..' = still going on).")
@click.option("--description", default="", help="What happened, in your words.")
@click.option("--tag", "tags", multiple=True, metavar="TAG", help="A tag (repeatable).")
@click.option("--actor", "actors", multiple=True, metavar="NAME", help="A person or group involved (repeatable).")
@click.option("--place", metavar="PLACE", help="Where it happened.")
@source_options(required=False)
@click.option("--unsourced", is_flag=True, help="Record it without a source, on purpose (it is marked so).")
@click.option("--id", "event_id", metavar="SLUG", help="Choose the id (default: made from the title).")
@click.pass_obj
def add(settings: Any, /, title: str, date: str, end: str | None, description: str, tags: tuple[str, ...],
        actors: tuple[str, ...], place: str | None, unsourced: bool, event_id: str | None,
        **source: Any) -> None:
    """Record a new event; prints its id alone on stdout.

    Every event needs a source unless you say --unsourced. Dates keep the precision
    you give them: "Oct 2023" is a month, never 1 October.

    \b
    Example:
      chronicle add "Presidential runoff: Noboa vs Luisa González" --date 2025-04-13 \\
        --tag elections --actor "Daniel Noboa" --actor "Luisa González" --place Ecuador \\
        --source https://responsiblestatecraft.org/plan-ecuador/ --publisher "Responsible Statecraft"
    """
    sources = [given_source(settings, source)] if source["source_url"] or source["source_title"] else []
    if not sources and any(v for k, v in source.items() if k != "source_url"):
        from chronicle.errors import InvalidInput

        raise InvalidInput("source details were given without --source URL or --source-title",
                           field="--source", value=None)
    new_id = settings.archive().add(
        title=title, date=date, end=end, description=description, tags=tags, actors=actors,
        place=place, sources=sources, unsourced=unsourced, event_id=event_id,
    )
    click.echo(new_id)


@click.command()
@click.argument("event_id", metavar="ID")
@click.option("--title", help="New title.")
@click.option("--date", metavar="WHEN", help="New date (same forms as `add`).")
@click.option("--end", metavar="WHEN", help="New end ('' removes it, '..' = ongoing).")
@click.option("--description", help="New description.")
@click.option("--tag", "tags", multiple=True, metavar="TAG", help="Replace the tags with these (repeatable).")
@click.option("--add-tag", multiple=True, metavar="TAG", help="Add a tag (repeatable).")
@click.option("--remove-tag", multiple=True, metavar="TAG", help="Remove a tag (repeatable).")
@click.option("--actor", "actors", multiple=True, metavar="NAME", help="Replace the actors with these.")
@click.option("--place", help="New place ('' removes it).")
@click.option("--reason", required=True, help="Why it changes (kept in the history).")
@click.pass_obj
def revise(settings: Any, /, event_id: str, title: str | None, date: str | None, end: str | None,
           description: str | None, tags: tuple[str, ...], add_tag: tuple[str, ...],
           remove_tag: tuple[str, ...], actors: tuple[str, ...], place: str | None, reason: str) -> None:
    """Correct an event: appends a 'revised' record; the old version stays in the history.

    \b
    Example:
      chronicle revise noboa-takes-office --date 2023-11-23 \\
        --reason "Inauguration was 23 Nov 2023, not October"
    """
    archive = settings.archive()
    new_tags: tuple[str, ...] | None = tags or None
    if add_tag or remove_tag:
        current = archive.get(event_id).tags
        new_tags = tuple(t for t in (*(tags or current), *add_tag) if t not in remove_tag)
    event = archive.revise(event_id, reason=reason, title=title, date=date, end=end,
                           description=description, tags=new_tags, actors=actors or None, place=place)
    click.echo(f"{event.id}: revision {event.revision} recorded")


@click.command()
@click.argument("event_id", metavar="ID")
@source_options(required=False)
@click.option("--reason", help="Why this source is added (optional).")
@click.option("--date", metavar="WHEN",
              help="The date this source gives: recorded as its claim; one that contradicts the event's makes it disputed.")
@click.pass_obj
def cite(settings: Any, /, event_id: str, reason: str | None, date: str | None, **source: Any) -> None:
    """Add a source to an event (appends a 'sourced' record).

    With --date the source's date is recorded as a claim (see `chronicle claim`): a finer
    date inside the event's agrees with it; one that cannot be true with it is a dispute.

    \b
    Example:
      chronicle cite tc-television-attack --source https://apnews.com/… --publisher AP
    """
    cited = given_source(settings, source)  # a URL, @KEY, or a title alone (an interview, a document)
    if date is not None:
        result = settings.archive().claim(event_id, "date", date, [cited], reason=reason)
        click.echo(f"{result.event.id}: now cites {len(result.event.sources)} source(s)"
                   + ("; its date contradicts the event's: sources disagree (see `chronicle disputes`)"
                      if result.dispute else ""))
        return
    event = settings.archive().cite(event_id, cited, reason=reason)
    click.echo(f"{event.id}: now cites {len(event.sources)} source(s)")


@click.command()
@click.argument("event_id", metavar="ID")
@click.option("--reason", required=True, help="Why it is retracted (shown wherever it appears).")
@click.pass_obj
def retract(settings: Any, /, event_id: str, reason: str) -> None:
    """Withdraw an event: it leaves the timeline but stays in the log and history.

    \b
    Example:
      chronicle retract some-event --reason "Single source, since denied"
    """
    event = settings.archive().retract(event_id, reason=reason)
    click.echo(f"{event.id}: retracted")


@click.command()
@click.argument("event_id", metavar="ID")
@click.option("--reason", required=True, help="Why it comes back.")
@click.pass_obj
def restore(settings: Any, /, event_id: str, reason: str) -> None:
    """Bring a retracted event back to the timeline.

    \b
    Example:
      chronicle restore some-event --reason "Confirmed by a second outlet"
    """
    event = settings.archive().restore(event_id, reason=reason)
    click.echo(f"{event.id}: restored")


COMMANDS = [init, add, revise, cite, retract, restore]
