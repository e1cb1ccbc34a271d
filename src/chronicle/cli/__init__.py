"""The ``chronicle`` command: parse arguments, call one library function, print.

Heavy modules (SQLAlchemy, exporters, dateutil) are imported inside the commands that
need them, so ``chronicle --help`` and ``--version`` start fast.
"""

from __future__ import annotations

import os
import shlex
import sys
from typing import Any

import click

from chronicle import __version__
from chronicle.errors import ChronicleError


class ChronicleGroup(click.Group):
    """Translates library errors into one clean line and an exit status, once."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except ChronicleError as error:
            click.echo(f"chronicle: error: {error.describe()}", err=True)
            ctx.exit(error.exit_code)
        except BrokenPipeError:
            # `chronicle show | head`: the reader left; that is not an error.
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
            ctx.exit(0)


class Settings:
    """What the global options say; opens the archive on first use."""

    def __init__(self, db: str | None, author: str | None) -> None:
        self.db = db
        self.author = author
        self._archive: Any = None

    def archive(self) -> Any:
        from chronicle.archive import Archive, locate

        if self._archive is None:
            origin = "chronicle " + shlex.join(sys.argv[1:])
            self._archive = Archive.open(locate(self.db), author=self.author, origin=origin)
        return self._archive


@click.group(cls=ChronicleGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="chronicle")
@click.option("--db", envvar="CHRONICLE_DB", metavar="URL",
              help="Archive database URL (sqlite:///… or postgresql+psycopg://…). "
                   "Default: the nearest events/chronicle.db in this or a parent directory. [env: CHRONICLE_DB]")
@click.option("--author", envvar="CHRONICLE_AUTHOR", metavar="NAME",
              help="Who is recording, for the provenance of every record. [env: CHRONICLE_AUTHOR; default: your OS user]")
@click.pass_context
def main(ctx: click.Context, db: str | None, author: str | None) -> None:
    """chronicle — an append-only, sourced timeline archive.

    Every change is a new, hash-chained record that says who, when and why;
    nothing stored is ever updated or deleted.

    \b
    Start:    chronicle init --name my-story
    Record:   chronicle add "Runoff election" --date 2025-04-13 --source https://…
    Read:     chronicle show --since 2023
    Publish:  chronicle export --format html   (also ics, csv, json, jsonl)
    Check:    chronicle verify
    """
    ctx.obj = Settings(db, author)
    ctx.call_on_close(lambda: ctx.obj._archive.close() if ctx.obj._archive is not None else None)


def _register() -> None:
    from chronicle.cli import admin, claims, publish, read, sources, transfer, write

    for module in (write, read, transfer, admin, publish, claims, sources):
        for command in module.COMMANDS:
            main.add_command(command)


_register()
