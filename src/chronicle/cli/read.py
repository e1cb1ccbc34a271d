"""Commands that read: show, history, log, verify."""

from __future__ import annotations

import itertools
import json
import sys
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

import click

from chronicle.cli.output import event_detail, event_line, json_array, listing_lines, record_history, record_line, use_colour
from chronicle.cli.settings import Settings
from chronicle.projection import ListingRow, event_json, event_to_doc, load_doc, reading_documents

if TYPE_CHECKING:
    from chronicle.archive import Archive
    from chronicle.query import EventQuery  # loaded by the commands that filter

#: Counts and sequence numbers: what the databases can hold (64-bit signed), so a huge
#: number is a one-line usage error from click, not an OverflowError from the driver.
COUNT = click.IntRange(min=0, max=2**63 - 1)


def filter_options(function: Callable[..., Any]) -> Callable[..., Any]:
    """The filters shared by ``show`` and ``export``."""
    options = [
        click.option("--since", metavar="WHEN", help="Events that may fall on or after this (e.g. 2023, 'Oct 2023')."),
        click.option("--until", metavar="WHEN",
                     help="Events that may fall on or before this (2024 = up to 31 Dec 2024)."),
        click.option("--tag", "tags", multiple=True, metavar="TAG",
                     help="Only events with this tag (repeatable: all must match; case and accents ignored)."),
        click.option("--any-tag", "any_tags", multiple=True, metavar="TAG",
                     help="Only events with at least one of these tags (repeatable: any may match)."),
        click.option("--actor", "actors", multiple=True, metavar="NAME",
                     help="Only events involving this actor (repeatable). Case and accents ignored; whole words "
                          "of a name match too: --actor Mehta finds 'Judge Amit Mehta'."),
        click.option("--text", metavar="WORDS",
                     help="Substrings in title, description, place, tags or actors (accents ignored; "
                          "'chrom' finds 'Chrome'). Unchanged; for a search language use --search."),
        click.option("--search", metavar="QUERY",
                     help='Full-text search: words (all must match), "a phrase", a OR b, -excluded, '
                          "prefix*; whole words, case and accents ignored. Rank with --sort relevance."),
        click.option("--as-of", metavar="TIMESTAMP",
                     help="The archive as it stood then (transaction time), e.g. 2026-11-28T12:00Z."),
        click.option("--include-retracted", is_flag=True, help="Also list retracted events."),
    ]
    for option in reversed(options):
        function = option(function)
    return function


def build_query(*, limit: int | None = None, sort: str = "timeline", **filters: Any) -> EventQuery:
    from chronicle.query import EventQuery

    return EventQuery.parse(limit=limit, sort=sort, **filters)


@click.command()
@click.argument("event_id", metavar="[ID]", required=False)
@filter_options
@click.option("--limit", type=COUNT, metavar="N", help="At most N events.")
@click.option("--sort", type=click.Choice(["timeline", "relevance"]), default="timeline", show_default=True,
              help="relevance: best --search matches first (title matches weigh most).")
@click.option("--format", "fmt", type=click.Choice(["table", "json", "jsonl"]), default="table",
              show_default=True, help="json: one array; jsonl: one event per line (for scripts).")
@click.option("--disputed", is_flag=True, help="Only events whose sources disagree (see `chronicle disputes`).")
@click.pass_obj
def show(settings: Settings, /, event_id: str | None, fmt: str, limit: int | None, sort: str, disputed: bool,
         **filters: Any) -> None:
    """List events in timeline order, or show one event (by id or unique id prefix) in full.

    \b
    Examples:
      chronicle show --since 2023
      chronicle show --since 2024 --until 2024 --tag security
      chronicle show --text "González" --format json
      chronicle show --search '"search engine" chrome OR android -appeal' --sort relevance --limit 20
      chronicle show noboa-takes
      chronicle show noboa-takes-office --as-of 2026-11-28T00:00Z
    """
    archive = settings.archive(read_only=True)
    if event_id is not None:
        with reading_documents():
            event = archive.get(event_id, as_of=filters.get("as_of"))
        if fmt == "table":
            click.echo(event_detail(event))
        else:
            click.echo(json.dumps(event.to_dict(), ensure_ascii=False, indent=2 if fmt == "json" else None))
        return
    query = build_query(limit=limit, sort=sort, **filters)
    with reading_documents():
        _list(archive, query, fmt, disputed)


def _list(archive: Archive, query: EventQuery, fmt: str, disputed: bool) -> None:
    """Write a listing of ``query``'s events in ``fmt``."""
    # Every listing is written from what the store streams — the table from each event's
    # listing row, JSON from its stored document — without building an Event per row.
    stream: Iterator[Any] = (archive.disputed(query) if disputed
                             else archive.listing(query) if fmt == "table" else archive.show_docs(query))
    try:
        if fmt == "table":
            lines = (event_line(event) for event in stream) if disputed else _table_lines(stream)
            _write_table(lines)
        else:
            docs = (event_to_doc(event) for event in stream) if disputed else (load_doc(doc) for doc in stream)
            _write_json(docs, fmt)
    finally:
        # A listing stopped half-way (a damaged document, a closed pipe) hands its
        # database connection back now, not whenever the stream is collected.
        getattr(stream, "close", lambda: None)()


def _table_lines(rows: Iterator[ListingRow]) -> Iterator[str]:
    # One look at the terminal for the whole listing.
    return listing_lines(rows, colour=use_colour())


def _write_table(lines: Iterator[str]) -> None:
    """The lines to standard output, a few hundred per write: click.echo flushes every
    line, and each write encodes its text (the table is a million lines for a large archive)."""
    write, count = sys.stdout.write, 0
    while chunk := list(itertools.islice(lines, 500)):
        count += len(chunk)
        chunk.append("")
        write("\n".join(chunk))
    sys.stdout.flush()
    if count == 0 and sys.stdout.isatty():
        click.echo("no events match", err=True)


def _write_json(docs: Iterator[dict[str, Any]], fmt: str) -> None:
    if fmt == "json":
        for chunk in json_array(event_json(doc) for doc in docs):
            sys.stdout.write(chunk)
    else:
        dumps = json.dumps
        for doc in docs:
            sys.stdout.write(dumps(event_json(doc), ensure_ascii=False, sort_keys=True) + "\n")


@click.command()
@click.argument("event_id", metavar="ID")
@click.option("--format", "fmt", type=click.Choice(["text", "jsonl"]), default="text", show_default=True,
              help="jsonl: the full records, one per line, with their hashes.")
@click.pass_obj
def history(settings: Settings, /, event_id: str, fmt: str) -> None:
    """Every record about one event: what changed, who, when, why, and from which command or file.

    \b
    Example:
      chronicle history noboa-takes-office
    """
    for number, record in enumerate(settings.archive(read_only=True).history(event_id)):
        if fmt == "jsonl":
            click.echo(json.dumps(record.to_dict(), ensure_ascii=False))
        else:
            click.echo(("\n" if number else "") + record_history(record))


@click.command()
@click.option("--after", type=COUNT, default=0, metavar="SEQ", help="Start after this sequence number.")
@click.option("--limit", type=COUNT, metavar="N", help="At most N records.")
@click.option("--format", "fmt", type=click.Choice(["text", "jsonl"]), default="text", show_default=True,
              help="jsonl: full records with hashes (same as `export --format jsonl`).")
@click.pass_obj
def log(settings: Settings, /, after: int, limit: int | None, fmt: str) -> None:
    """The raw log, oldest first: sequence number, hash, time, kind, event, author, reason.

    \b
    Example:
      chronicle log --limit 5
    """
    for record in settings.archive(read_only=True).log(after=after, limit=limit):
        if fmt == "jsonl":
            sys.stdout.write(json.dumps(record.to_dict(), ensure_ascii=False, sort_keys=True) + "\n")
        else:
            click.echo(record_line(record))


@click.command()
@click.option("--repair", is_flag=True,
              help="Rebuild the derived tables (event_versions) from the log if they differ from it.")
@click.pass_obj
def verify(settings: Settings, repair: bool) -> None:
    """Check the hash chain and that every projected column equals a replay of the log.

    Prints one line (entries, events, the head hash) and exits 0; or names the first
    bad sequence number (and, for the projection, the event and column) and exits 1.

    With --repair, a projection that differs from the log is thrown away and rebuilt
    from the log, then verified again. The log itself is never changed: a damaged
    log still fails, and only a backup can replace it.
    """
    from chronicle.cli.progress import Progress

    if repair:
        fixed = settings.archive().repair()
        if fixed.found is not None:
            click.echo(f"found: {fixed.found}")
            click.echo(f"rebuilt event_versions from the log: {fixed.replayed} records replayed")
        report = fixed.verified
    else:
        with Progress("verified", "records") as progress:
            report = settings.archive(read_only=True).verify(progress=progress)
    click.echo(f"ok: {report.entries} entries, {report.events} events, head {report.head_hash}")


COMMANDS = [show, history, log, verify]
