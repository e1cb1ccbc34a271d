"""The manual stays honest: every command and option in the reference, help everywhere,
a README that fits, links that resolve, and a strict mkdocs build.

The command tree is walked with the same function that writes ``docs/cli.md``
(``docs/gen_cli.py``), so a command added to any CLI module is checked without editing
this file.
"""

from __future__ import annotations

import importlib.util
import inspect
import os
import re
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import click
import pytest

from chronicle.cli import main
from tests.conftest import ROOT

DOCS = ROOT / "docs"
REFERENCE = DOCS / "cli.md"


def _load_generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("gen_cli", DOCS / "gen_cli.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


gen_cli = _load_generator()
COMMANDS: list[tuple[click.Context, click.Command]] = list(gen_cli.walk(main))


def _sections(markdown: str) -> dict[str, str]:
    """The reference's ``## chronicle …`` sections, by command path."""
    parts = re.split(r"^## (chronicle[^\n]*)\n", markdown, flags=re.M)
    return {parts[i].strip(): parts[i + 1] for i in range(1, len(parts), 2)}


def test_the_walk_finds_every_command() -> None:
    # Guards the other tests: a walk that found nothing would make them pass vacuously.
    names = {ctx.command_path for ctx, _ in COMMANDS}
    assert {"chronicle", "chronicle add", "chronicle show", "chronicle export", "chronicle copy"} <= names
    def count(group: click.Group) -> int:
        """Visible commands, a group's subcommands included (``chronicle source add``)."""
        shown = [c for c in group.commands.values() if not c.hidden]
        return len(shown) + sum(count(c) for c in shown if isinstance(c, click.Group))

    assert len(names) == 1 + count(main)


@pytest.mark.parametrize(("ctx", "command"), COMMANDS, ids=[ctx.command_path for ctx, _ in COMMANDS])
def test_reference_documents_the_command_and_every_option(ctx: click.Context, command: click.Command) -> None:
    sections = _sections(REFERENCE.read_text(encoding="utf-8"))
    assert ctx.command_path in sections, (
        f"docs/cli.md has no section for `{ctx.command_path}`: run `python docs/gen_cli.py`")
    section = sections[ctx.command_path]
    for parameter in command.get_params(ctx):
        if isinstance(parameter, click.Option):
            if parameter.hidden:
                continue
            for flag in parameter.opts + parameter.secondary_opts:
                assert re.search(rf"(?<![\w-]){re.escape(flag)}(?![\w-])", section), (
                    f"docs/cli.md does not document {flag} of `{ctx.command_path}`: run `python docs/gen_cli.py`")
        else:
            metavar = parameter.make_metavar(ctx) if _takes_ctx(parameter) else parameter.human_readable_name
            assert metavar.strip("[]. ") in section, (
                f"docs/cli.md does not show the argument {metavar} of `{ctx.command_path}`")


def _takes_ctx(parameter: click.Parameter) -> bool:
    # click 8.2 added the ctx argument to make_metavar; earlier versions take none.
    return "ctx" in inspect.signature(parameter.make_metavar).parameters


def test_reference_is_what_the_generator_writes_today() -> None:
    assert REFERENCE.read_text(encoding="utf-8") == gen_cli.render(main), (
        "docs/cli.md is out of date with the click commands: run `python docs/gen_cli.py` (or `make docs`)")


@pytest.mark.parametrize(("ctx", "command"), COMMANDS, ids=[ctx.command_path for ctx, _ in COMMANDS])
def test_every_command_and_option_has_help_text(ctx: click.Context, command: click.Command) -> None:
    assert (command.help or "").strip(), f"`{ctx.command_path}` has no help text"
    for parameter in command.get_params(ctx):
        if isinstance(parameter, click.Option) and not parameter.hidden:
            assert (parameter.help or "").strip(), f"`{ctx.command_path}` {parameter.opts} has no help text"


def test_readme_fits_and_starts_with_the_two_commands() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert len(readme.splitlines()) <= 200
    first_section = readme.split("\n## ", 2)[1]
    assert first_section.startswith("Two commands")
    assert "make demo" in first_section and "make test" in first_section


def test_readme_links_resolve() -> None:
    # mkdocs checks docs/; nothing else would notice a README link to a page that moved.
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    targets = re.findall(r"\]\(([^)#]+)(?:#[^)]*)?\)", readme)
    local = [target for target in targets if not re.match(r"[a-z]+:", target)]
    assert "docs/cli.md" in local
    missing = [target for target in local if not (ROOT / target).exists()]
    assert not missing, f"README links to files that do not exist: {missing}"


def test_shell_completion_works_as_documented() -> None:
    install = (DOCS / "install.md").read_text(encoding="utf-8")
    assert 'eval "$(_CHRONICLE_COMPLETE=bash_source chronicle)"' in install
    env = {**os.environ, "_CHRONICLE_COMPLETE": "bash_source"}
    script = subprocess.run([sys.executable, "-m", "chronicle"], env=env, capture_output=True,
                            text=True, timeout=60, check=False)
    assert script.returncode == 0, script.stderr
    assert "complete -o nosort -F _chronicle_completion chronicle" in script.stdout
    # What bash asks when the user types `chronicle ex<Tab>`.
    env = {**os.environ, "_CHRONICLE_COMPLETE": "bash_complete", "COMP_WORDS": "chronicle ex", "COMP_CWORD": "1"}
    answer = subprocess.run([sys.executable, "-m", "chronicle"], env=env, capture_output=True,
                            text=True, timeout=60, check=False)
    assert answer.stdout.split() == ["plain,export"]


def test_mkdocs_builds_the_manual_strictly(tmp_path: Path) -> None:
    if importlib.util.find_spec("mkdocs") is None:
        if os.environ.get("CI"):
            pytest.fail("mkdocs is not installed (pip install --group docs): CI must build the manual")
        pytest.skip("mkdocs is not installed (pip install --group docs)")
    site = tmp_path / "site"
    result = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--config-file", str(ROOT / "mkdocs.yml"),
         "--site-dir", str(site)],
        capture_output=True, text=True, timeout=300, check=False,
    )
    assert result.returncode == 0, result.stderr
    reference = (site / "cli" / "index.html").read_text(encoding="utf-8")
    assert 'id="chronicle-export"' in reference and "--sources-file" in reference
    # The files the hook brings in from outside docs/.
    assert (site / "exports" / "screenshot.png").stat().st_size > 0
    assert (site / "benchmarks" / "RESULTS" / "index.html").exists()


def test_every_preset_is_described_in_the_importing_guide() -> None:
    """The preset registry is the one list: each preset in it has its paragraph in
    docs/importing.md (``- **`name`**: …``), and the guide describes no preset it lacks."""
    from chronicle.formats.presets import NAMES, load

    described = set(re.findall(r"^- \*\*`([a-z0-9_-]+)`\*\*:", (DOCS / "importing.md").read_text(encoding="utf-8"),
                               flags=re.M))
    assert described == set(NAMES)
    for name in NAMES:
        assert load(name).name == name  # each module defines the preset it is registered as
