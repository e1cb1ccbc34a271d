"""Commands that append to the log: init, add, revise, cite, retract, restore."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from chronicle.cli.settings import Settings

if TYPE_CHECKING:
    from chronicle.model import Source


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


def source_from_options(source_url: str | None, source_title: str | None, publisher: str | None,
            published: str | None, accessed: str | None, archived_url: str | None,
            quote: str | None) -> Source:
    """A source from the command line's source options (``--accessed today`` means today)."""
    from chronicle.model import make_source

    if accessed is not None and accessed.strip().lower() == "today":
        import datetime

        accessed = datetime.date.today().isoformat()
    return make_source(source_url, title=source_title, publisher=publisher, published=published,
                       accessed=accessed, archived_url=archived_url, quote=quote)


def given_source(settings: Settings, source: dict[str, Any]) -> Any:
    """The source the options describe: ``--source @KEY`` (a defined source) or its fields."""
    url = source.get("source_url")
    if url is not None and url.startswith("@"):
        if any(v for k, v in source.items() if k != "source_url"):
            from chronicle.errors import InvalidInput

            raise InvalidInput("is a defined source: its details come from `chronicle source add`",
                               field="--source", value=url, accepted="@KEY alone, or a URL with details")
        return settings.archive().source_entry(url).source
    return source_from_options(**source)


@click.command()
@click.argument("directory", required=False, type=click.Path(file_okay=False, path_type=Path))
@click.option("--name", help="Short name; titles the exports and names their files (default: the directory's name).")
@click.option("--description", default="", help="One or two sentences on what this archive follows.")
@click.pass_obj
def init(settings: Settings, /, directory: Path | None, name: str | None, description: str) -> None:
    """Create an archive in DIRECTORY (default: here) under events/.

    With --db URL the archive is created in that database instead (e.g. PostgreSQL).

    \b
    Example:
      chronicle init --name ecuador-security --description "Ecuador's security crisis, 2023–2025"
    """
    from chronicle.archive import Archive

    archive = Archive.init(directory, url=settings.db, name=name, description=description)
    click.echo(f"created archive {archive.name!r} at {archive.url}")
    archive.close()


@click.command()
@click.argument("title", required=False)
@click.option("--date", "date", metavar="WHEN",
              help="When it happened: 2024-01-09, 'Oct 2023', 2024~, 2025?, 2025-01-01/2025-02-19 …")
@click.option("--end", metavar="WHEN", help="End of an interval ('..' = still going on).")
@click.option("--description", default="", help="What happened, in your words.")
@click.option("--tag", "tags", multiple=True, metavar="TAG", help="A tag (repeatable).")
@click.option("--actor", "actors", multiple=True, metavar="NAME", help="A person or group involved (repeatable).")
@click.option("--place", metavar="PLACE", help="Where it happened.")
@source_options(required=False)
@click.option("--unsourced", is_flag=True, help="Record it without a source, on purpose (it is marked so).")
@click.option("--id", "event_id", metavar="SLUG", help="Choose the id (default: made from the title).")
@click.option("--allow-duplicate", is_flag=True,
              help="Record it even if the archive holds an event with the same dates and a like title or source.")
@click.pass_obj
def add(settings: Settings, /, title: str | None, date: str | None, end: str | None, description: str, tags: tuple[str, ...],
        actors: tuple[str, ...], place: str | None, unsourced: bool, event_id: str | None,
        allow_duplicate: bool, **source: Any) -> None:
    """Record a new event; prints its id alone on stdout.

    Every event needs a source unless you say --unsourced. Dates keep the precision
    you give them: "Oct 2023" is a month, never 1 October. An event that looks like one
    already recorded (dates overlapping or within a week, and a like title or the same
    source URL) is refused with the id of the other; --allow-duplicate records it anyway.

    Without TITLE, your editor ($VISUAL, $EDITOR, else vi) opens a commented TOML
    template, filled with the options given; save an empty file to abort.

    \b
    Example:
      chronicle add "Presidential runoff: Noboa vs Luisa González" --date 2025-04-13 \\
        --tag elections --actor "Daniel Noboa" --actor "Luisa González" --place Ecuador \\
        --source https://responsiblestatecraft.org/plan-ecuador/ --publisher "Responsible Statecraft"
      chronicle add --tag elections          (opens the template in your editor)
    """
    sources = [given_source(settings, source)] if source["source_url"] or source["source_title"] else []
    if not sources and any(v for k, v in source.items() if k != "source_url"):
        from chronicle.errors import InvalidInput

        raise InvalidInput("source details were given without --source URL or --source-title",
                           field="--source", value=None)
    from chronicle.merging import add_event

    fields: dict[str, Any] = {"title": title, "date": date, "end": end, "description": description, "tags": tags,
                              "actors": actors, "place": place, "sources": sources, "unsourced": unsourced}
    if title is None:
        from chronicle.cli.editor import edit_in_editor
        from chronicle.editing import new_event_text, read_new_event

        archive = settings.archive()  # an archive that is not there fails before the editor opens
        # Recorded inside the editor session: a refusal (bad date, likely duplicate) keeps the file.
        new_id = edit_in_editor(new_event_text(**fields), lambda text: add_event(
            archive, allow_duplicate=allow_duplicate, event_id=event_id, **read_new_event(text)), name="new")
    else:
        if date is None:
            from chronicle.errors import InvalidInput

            raise InvalidInput("is required with a TITLE", field="--date", value=None,
                               accepted="a date such as 2024-01-09 or 'Oct 2023' (or no TITLE, to use your editor)")
        new_id = add_event(settings.archive(), allow_duplicate=allow_duplicate, event_id=event_id, **fields)
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
@click.option("--add-actor", multiple=True, metavar="NAME", help="Add an actor (repeatable).")
@click.option("--remove-actor", multiple=True, metavar="NAME",
              help="Remove an actor (repeatable; case and accents ignored).")
@click.option("--place", help="New place ('' removes it).")
@click.option("--reason", required=True, help="Why it changes (kept in the history).")
@click.pass_obj
def revise(settings: Settings, /, event_id: str, title: str | None, date: str | None, end: str | None,
           description: str | None, tags: tuple[str, ...], add_tag: tuple[str, ...],
           remove_tag: tuple[str, ...], actors: tuple[str, ...], add_actor: tuple[str, ...],
           remove_actor: tuple[str, ...], place: str | None, reason: str) -> None:
    """Correct an event: appends a 'revised' record; the old version stays in the history.

    \b
    Example:
      chronicle revise noboa-takes-office --date 2023-11-23 \\
        --reason "Inauguration was 23 Nov 2023, not October"
    """
    from chronicle.model import fold_text

    archive = settings.archive()
    new_tags: tuple[str, ...] | None = tags or None
    if add_tag or remove_tag:
        current = archive.get(event_id).tags
        new_tags = tuple(t for t in (*(tags or current), *add_tag) if t not in remove_tag)
    new_actors: tuple[str, ...] | None = actors or None
    if add_actor or remove_actor:
        removed = {fold_text(" ".join(a.split())) for a in remove_actor}
        current = archive.get(event_id).actors
        new_actors = tuple(a for a in (*(actors or current), *add_actor) if fold_text(a) not in removed)
    event = archive.revise(event_id, reason=reason, title=title, date=date, end=end,
                           description=description, tags=new_tags, actors=new_actors, place=place)
    click.echo(f"{event.id}: revision {event.revision} recorded")


@click.command()
@click.argument("event_id", metavar="ID")
@source_options(required=False)
@click.option("--reason", help="Why this source is added (optional).")
@click.option("--date", metavar="WHEN",
              help="The date this source gives: recorded as its claim; one that contradicts the event's makes it disputed.")
@click.pass_obj
def cite(settings: Settings, /, event_id: str, reason: str | None, date: str | None, **source: Any) -> None:
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
def retract(settings: Settings, /, event_id: str, reason: str) -> None:
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
def restore(settings: Settings, /, event_id: str, reason: str) -> None:
    """Bring a retracted event back to the timeline.

    \b
    Example:
      chronicle restore some-event --reason "Confirmed by a second outlet"
    """
    event = settings.archive().restore(event_id, reason=reason)
    click.echo(f"{event.id}: restored")


COMMANDS = [init, add, revise, cite, retract, restore]
