"""Who recorded a record: ``--author`` is one bounded line, and the OS user is noted beside it.

Issue 16: ``--author`` accepted newlines (forging lines in ``chronicle log``) and
100,000 characters, and nothing recorded which account actually ran the command.
"""

from __future__ import annotations

import getpass
from pathlib import Path

import pytest
from click.testing import CliRunner

from chronicle.archive import Archive, os_user
from chronicle.cli import main
from chronicle.errors import InvalidInput
from chronicle.model import AUTHOR_MAX, check_author

from .conftest import SEED

ADD = ["add", "Curfew declared", "--date", "2024-01-09", "--unsourced"]


@pytest.mark.parametrize(("author", "expected"), [
    ("Ana\nPérez", "--author: 'Ana\\nPérez': contains a line break or control character "
                   f"(accepted: one line of at most {AUTHOR_MAX} printable characters)"),
    ("Ana\rforged line", "--author: 'Ana\\rforged line': contains a line break or control character "
                         f"(accepted: one line of at most {AUTHOR_MAX} printable characters)"),
    ("Ana\u2028Pérez", "--author: 'Ana\\u2028Pérez': contains a line break or control character "
                       f"(accepted: one line of at most {AUTHOR_MAX} printable characters)"),
    ("a" * (AUTHOR_MAX + 1), f"--author: '{'a' * 40}…': is {AUTHOR_MAX + 1} characters long "
                             f"(accepted: one line of at most {AUTHOR_MAX} printable characters)"),
])
def test_a_bad_author_is_refused_in_one_line_and_nothing_is_written(
        archive: Archive, author: str, expected: str) -> None:
    result = CliRunner().invoke(main, ["--db", archive.store.url, "--author", author, *ADD])
    assert result.exit_code == 2
    assert result.output == f"chronicle: error: {expected}\n"
    assert archive.head().count == 0


def test_a_bad_author_from_the_environment_is_refused(archive: Archive, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CHRONICLE_AUTHOR", "x\x1by")
    result = CliRunner().invoke(main, ["--db", archive.store.url, *ADD])
    assert result.exit_code == 2 and result.output.startswith("chronicle: error: --author: 'x\\x1by': contains")
    assert archive.head().count == 0


def test_the_longest_author_and_joiners_are_accepted() -> None:
    assert check_author("a" * AUTHOR_MAX) == "a" * AUTHOR_MAX
    assert check_author("  می\u200cخواهم ") == "می\u200cخواهم"
    with pytest.raises(InvalidInput):
        check_author("evil\u202eright-to-left")


def test_every_record_the_command_line_writes_names_the_os_user(archive: Archive, tmp_path: Path) -> None:
    runner = CliRunner()
    assert runner.invoke(main, ["--db", archive.store.url, "--author", "Ana Pérez", *ADD]).exit_code == 0
    imported = runner.invoke(main, ["--db", archive.store.url, "import", str(SEED)])
    assert imported.exit_code == 0, imported.output
    records = list(archive.log())
    user = getpass.getuser()
    assert os_user() == user
    assert records[0].author == "Ana Pérez"
    # (The command line part is this process's argv, pytest's under CliRunner.)
    assert records[0].origin.startswith("chronicle ") and records[0].origin.endswith(f" (OS user {user})")
    assert all(f" (OS user {user})" in r.origin for r in records)
    assert all(r.origin.startswith(f"import {SEED} sha256:") for r in records[1:])
    # The log stays valid and verifies: the note is part of the hashed origin text.
    assert archive.verify().entries == len(records)


def test_the_library_leaves_the_origin_as_given(archive: Archive) -> None:
    """Programs (and the golden logs) pin their origin; the OS user is the command line's addition."""
    archive.origin = "a program"
    archive.add(title="Curfew declared", date="2024-01-09", unsourced=True)
    assert next(archive.log()).origin == "a program"
