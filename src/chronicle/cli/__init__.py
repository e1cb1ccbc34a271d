"""The ``chronicle`` command: parse arguments, call one library function, print.

Heavy modules (SQLAlchemy, exporters, dateutil) are imported inside the commands that
need them, so ``chronicle --help`` and ``--version`` start fast.
"""

from __future__ import annotations

import os
import sys
from typing import Any

import click

from chronicle import __version__
from chronicle.cli.settings import Settings
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


@click.group(cls=ChronicleGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="chronicle")
@click.option("--db", envvar="CHRONICLE_DB", metavar="URL",
              help="Archive database URL (sqlite:///… or postgresql+psycopg://…). "
                   "Default: the nearest events/chronicle.db in this or a parent directory. [env: CHRONICLE_DB]")
@click.option("--author", envvar="CHRONICLE_AUTHOR", metavar="NAME",
              help="Who is recording, for the provenance of every record: one line, at most 200 characters. "
                   "Each record also notes the OS user who ran the command. "
                   "[env: CHRONICLE_AUTHOR; default: your OS user]")
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
    ctx.call_on_close(ctx.obj.close)


def _register() -> None:
    from chronicle.cli import admin, publish, read, transfer, write

    for module in (write, read, transfer, admin, publish):
        for command in module.COMMANDS:
            main.add_command(command)


_register()
