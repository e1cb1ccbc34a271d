"""Commands that look after an archive rather than its events: upgrade, copy."""

from __future__ import annotations

import click

from chronicle.cli.settings import Settings


@click.command()
@click.option("--rebuild", is_flag=True,
              help="Rebuild the projection and search index from the log even if current (repairs what `verify` found).")
@click.pass_obj
def upgrade(settings: Settings, rebuild: bool) -> None:
    """Bring an archive made by an older chronicle up to this version.

    Runs the schema migrations shipped with chronicle (in one transaction, while
    writers wait) and rebuilds the projection from the log if it was built by another
    version. The log is never touched: `verify` gives the same head hash afterwards.
    Safe to run again.

    \b
    Example:
      chronicle upgrade
      chronicle --db postgresql+psycopg://owner@db.example.org/newsroom upgrade
    """
    from chronicle.archive import locate
    from chronicle.store.upgrade import upgrade_archive

    report = upgrade_archive(locate(settings.db), rebuild=rebuild)
    if not report.changed:
        click.echo(f"up to date: schema version {report.schema_after}")
        return
    if report.schema_before != report.schema_after:
        click.echo(f"schema upgraded: version {report.schema_before} → {report.schema_after}")
    if report.replayed:
        click.echo(f"projection rebuilt from the log: {report.replayed} records replayed")


@click.command("copy")
@click.option("--to", "target", required=True, metavar="URL",
              help="Where to copy the archive: sqlite:///…/chronicle.db, postgresql+psycopg://…, "
                   "or a directory (its events/chronicle.db).")
@click.pass_obj
def copy(settings: Settings, target: str) -> None:
    """Copy the whole archive — log, hashes, name — to another database.

    The target gets every record verbatim (each hash checked on the way in) and its
    own projection, so `verify` gives the same head hash on both. Copies between
    SQLite and PostgreSQL either way. A target holding an earlier copy gets the
    records it lacks; a target holding anything else is refused.

    \b
    Example:
      chronicle copy --to postgresql+psycopg://writer@db.example.org/newsroom
      chronicle --db postgresql+psycopg://reader@db.example.org/newsroom copy --to ./laptop
    """
    from chronicle.cli.progress import Progress
    from chronicle.store import dialects

    archive = settings.archive(read_only=True)
    with Progress("copied", "records") as progress:
        report = archive.copy_to(target, progress=progress)
    where = dialects.display_url(report.target_url)
    verb = "created" if report.created else "updated"
    click.echo(f"{verb} {where}: {report.copied} records copied, "
               f"{report.head.count} in all, head {report.head.hash}")


COMMANDS = [upgrade, copy]
