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
from chronicle.errors import ArchiveNotFound, ChronicleError, InvalidInput, StorageError, os_failure
from chronicle.model import check_author

#: Exit statuses (documented in docs/fault-cases.md): 0 done; 1 refused (unknown id,
#: conflict, tampered log…); 2 bad input or usage; 3 a storage failure — the database or
#: a file could not be read or written (full disk, read-only, damaged, server gone).
EXIT_STORAGE = StorageError.exit_code


class ChronicleGroup(click.Group):
    """Translates library errors into one clean line and an exit status, once."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            result = super().invoke(ctx)
            # Surface a failed write to stdout (a full disk) here, not at interpreter exit.
            sys.stdout.flush()
            return result
        except BrokenPipeError:
            # `chronicle show | head`: the reader left; that is not an error.
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
            ctx.exit(0)
        except ArchiveNotFound as error:
            # "No archive here" caused by a full disk or a damaged file would send the
            # user to `chronicle init`: say what really happened.
            cause = error.__cause__
            _fail(ctx, (_storage_failure(cause, ctx) if cause is not None else None) or error)
        except ChronicleError as error:
            _fail(ctx, error)
        except (click.exceptions.Exit, click.ClickException, click.Abort):
            raise
        except RecursionError:
            # The format modules bound nesting where they parse; this is the backstop.
            _fail(ctx, InvalidInput("nests too deeply to be read", field="input",
                                    accepted="documents nested at most a few dozen levels"))
        except OSError as error:
            if error.errno is None:
                raise
            # A write to standard output failed (full disk, file-size limit): files name themselves.
            _fail(ctx, os_failure(error, "standard output" if error.filename is None else None))
        except Exception as error:
            failure = _storage_failure(error, ctx)
            if failure is None:
                raise
            _fail(ctx, failure)


def _storage_failure(error: BaseException, ctx: click.Context) -> StorageError | None:
    from chronicle.store.failures import storage_failure

    settings = ctx.obj if isinstance(ctx.obj, Settings) else None
    return storage_failure(error, settings.where() if settings is not None else None)


def _fail(ctx: click.Context, error: ChronicleError) -> None:
    click.echo(f"chronicle: error: {_one_line(error.describe())}", err=True)
    ctx.exit(error.exit_code)


def _one_line(text: str) -> str:
    """Messages are one line: a value with a newline in it must not forge a second one."""
    return text.replace("\r", "\\r").replace("\n", "\\n")


def checked_author(author: str | None) -> str | None:
    """``--author`` (or ``CHRONICLE_AUTHOR``) checked by the model's one rule
    (:func:`chronicle.model.check_author`); empty means "not set": the OS user."""
    if author is None or not author.strip():
        return None
    return check_author(author)


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
    ctx.obj = Settings(db, checked_author(author))
    ctx.call_on_close(ctx.obj.close)


def _register() -> None:
    from chronicle.cli import admin, claims, daily, publish, read, sources, transfer, write

    for module in (write, read, transfer, admin, publish, daily, claims, sources):
        for command in module.COMMANDS:
            main.add_command(command)


_register()
