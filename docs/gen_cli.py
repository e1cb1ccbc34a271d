"""Write docs/cli.md, the command-line reference, from the click commands themselves.

The reference is each command's own ``--help`` (what a user sees at a terminal, at a
fixed width so the file does not depend on who generated it), one section per command,
walked from the ``chronicle`` group down. ``make docs`` runs this before building;
``tests/test_docs.py`` fails when the committed file is missing a command or option or
differs from what this script writes.

    python docs/gen_cli.py            # rewrite docs/cli.md
    python docs/gen_cli.py --check    # exit 1 if docs/cli.md is out of date
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import click

REFERENCE = Path(__file__).resolve().parent / "cli.md"
#: Help is rendered at this width whatever the terminal, so the output is reproducible.
WIDTH = 100

HEADER = """\
# Command-line reference

<!-- Generated from the click commands by docs/gen_cli.py (`make docs` runs it). Do not edit by hand. -->

Every `chronicle` command with the help it prints (`chronicle COMMAND --help`). The
global options (`--db`, `--author`) go before the command name:
`chronicle --db postgresql+psycopg://… show --since 2024`. The same commands run as
`python -m chronicle …` where the `chronicle` script is not on your PATH. Tab completion
for bash, zsh and fish: see [Shell completion](install.md#shell-completion).

"""


def walk(command: click.Command, parent: click.Context | None = None,
         name: str = "chronicle") -> Iterator[tuple[click.Context, click.Command]]:
    """Every command under ``command`` (itself first), each with the context it runs in.

    Commands come in the order they were registered, which follows a user's work
    (init, add, revise … export, upgrade); hidden commands are left out.
    """
    settings = {**command.context_settings, "terminal_width": WIDTH, "max_content_width": WIDTH}
    ctx = click.Context(command, info_name=name, parent=parent, **settings)
    yield ctx, command
    if isinstance(command, click.Group):
        for sub_name, sub in command.commands.items():
            if not sub.hidden:
                yield from walk(sub, ctx, sub_name)


def render(root: click.Command) -> str:
    """The whole reference page as Markdown."""
    commands = list(walk(root))
    lines = [HEADER]
    for ctx, command in commands[1:]:
        summary = command.get_short_help_str(limit=WIDTH)
        lines.append(f"- [`{ctx.command_path}`](#{anchor(ctx)}) — {summary}\n")
    lines.append("\n")
    for ctx, command in commands:
        lines.append(f"## {ctx.command_path}\n\n```text\n{command.get_help(ctx).rstrip()}\n```\n\n")
    return "".join(lines).rstrip() + "\n"


def anchor(ctx: click.Context) -> str:
    """The id mkdocs gives the heading ``## chronicle add`` (``chronicle-add``)."""
    return ctx.command_path.lower().replace(" ", "-")


def main(argv: list[str]) -> int:
    # The reference documents this tree's code, wherever the script is run from.
    sys.path.insert(0, str(REFERENCE.parent.parent / "src"))
    from chronicle.cli import main as chronicle

    text = render(chronicle)
    if "--check" in argv:
        if not REFERENCE.exists() or REFERENCE.read_text(encoding="utf-8") != text:
            print(f"{REFERENCE} is out of date: run `python docs/gen_cli.py` (or `make docs`)", file=sys.stderr)
            return 1
        return 0
    REFERENCE.write_text(text, encoding="utf-8")
    print(f"wrote {REFERENCE}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
