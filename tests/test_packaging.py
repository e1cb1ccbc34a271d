"""chronicle installs the way users expect.

``python -m chronicle`` works; a PostgreSQL URL without the driver says in one line what
to install; and the wheel that ``python -m build`` makes from a copy of the sources
installs into a clean venv (no system site-packages) where ``chronicle --help`` works,
the templates render a page and the migrations upgrade an old archive.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from tests.conftest import ROOT, SEED

FIXTURE_V1 = ROOT / "tests" / "fixtures" / "schema_v1" / "chronicle.db"
NO_SERVER = "postgresql+psycopg://nobody@127.0.0.1:1/none"


def _run(*args: str | Path, cwd: Path | None = None, env: dict[str, str] | None = None,
         timeout: int = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(arg) for arg in args], cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=timeout, check=False)


def _clean_env() -> dict[str, str]:
    """This environment without anything that would let a venv see the development tree."""
    hidden = {"PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV", "CHRONICLE_DB"}
    return {**{k: v for k, v in os.environ.items() if k not in hidden}, "NO_COLOR": "1"}


def test_python_m_chronicle_is_the_chronicle_command() -> None:
    result = _run(sys.executable, "-m", "chronicle", "--help")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("Usage: chronicle [OPTIONS] COMMAND [ARGS]...")
    assert "export" in result.stdout
    version = _run(sys.executable, "-m", "chronicle", "--version")
    assert version.stdout.startswith("chronicle, version ")


def test_postgresql_without_its_driver_says_what_to_install(tmp_path: Path) -> None:
    # A Python in which psycopg cannot be imported, as after a plain `pip install .`.
    program = ("import sys; sys.modules['psycopg'] = None; from chronicle.cli import main; "
               "main(prog_name='chronicle')")
    result = _run(sys.executable, "-c", program, "--db", NO_SERVER, "verify", cwd=tmp_path)
    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr == (
        f"chronicle: error: --db: '{NO_SERVER}': PostgreSQL archives need the psycopg driver, "
        "which is not installed; install it with: pip install 'chronicle[postgres]'\n")


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The wheel ``python -m build`` makes (sdist first, then the wheel from the sdist)."""
    pytest.importorskip("build", reason="the `build` package (pip install --group test)")
    tree = tmp_path_factory.mktemp("tree")
    # Build from a copy: the build writes egg-info next to the sources, and the copy holds
    # only what a clean checkout would, so nothing untracked can sneak into the wheel.
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(ROOT / name, tree / name)
    shutil.copytree(ROOT / "src", tree / "src", ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
    dist = tmp_path_factory.mktemp("dist")
    result = _run(sys.executable, "-m", "build", "--outdir", dist, tree, env=_clean_env(), timeout=600)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    (built,) = dist.glob("chronicle-*.whl")
    return built


@pytest.mark.slow
def test_wheel_holds_the_package_its_templates_and_migrations(wheel: Path) -> None:
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        metadata = next(archive.read(n).decode() for n in names if n.endswith(".dist-info/METADATA"))
    for shipped in ("__main__.py", "py.typed", "templates/page.html", "templates/timeline.html",
                    "templates/overview.svg", "templates/style.css", "templates/filter.js",
                    "store/migrations/env.py", "store/migrations/script.py.mako"):
        assert f"chronicle/{shipped}" in names
    migrations = {n for n in names if n.startswith("chronicle/store/migrations/versions/") and n.endswith(".py")}
    source_migrations = {f"chronicle/store/migrations/versions/{p.name}"
                         for p in (ROOT / "src/chronicle/store/migrations/versions").glob("*.py")}
    assert migrations == source_migrations
    assert not any(n.startswith(("tests/", "docs/", "benchmarks/")) or "__pycache__" in n for n in names)
    requires = [line for line in metadata.splitlines() if line.startswith("Requires-Dist:")]
    assert 'Requires-Dist: psycopg[binary]>=3.1; extra == "postgres"' in requires
    # Test, lint, docs and benchmark tools are dependency groups: never published.
    assert not [r for r in requires if any(tool in r for tool in ("pytest", "mypy", "radicale", "mkdocs"))]


@pytest.mark.slow
def test_wheel_works_in_a_clean_venv(wheel: Path, tmp_path: Path) -> None:
    venv = tmp_path / "venv"
    env = _clean_env()
    made = _run(sys.executable, "-m", "venv", venv, env=env)
    assert made.returncode == 0, made.stderr
    assert "include-system-site-packages = false" in (venv / "pyvenv.cfg").read_text()
    # pip reaches the package index the machine is configured with (pip.conf).
    installed = _run(venv / "bin" / "python", "-m", "pip", "install", "--quiet", wheel, env=env, timeout=900)
    assert installed.returncode == 0, installed.stderr[-3000:]
    chronicle = venv / "bin" / "chronicle"

    helped = _run(chronicle, "--help", env=env)
    assert helped.returncode == 0, helped.stderr
    assert "Usage: chronicle [OPTIONS] COMMAND [ARGS]..." in helped.stdout
    assert _run(venv / "bin" / "python", "-m", "chronicle", "--help", env=env).returncode == 0

    # The installed code, not this tree's: it must be the venv's own copy.
    where = _run(venv / "bin" / "python", "-c", "import chronicle; print(chronicle.__file__)", env=env)
    assert where.stdout.startswith(str(venv))

    # The packaged templates render a page; the packaged migrations upgrade an old archive.
    work = tmp_path / "work"
    work.mkdir()
    for args in (("init", "--name", "wheel-test"), ("import", SEED), ("export", "--format", "html")):
        step = _run(chronicle, *args, cwd=work, env=env)
        assert step.returncode == 0, f"chronicle {args}: {step.stderr}"
    assert "Noboa takes office" in (work / "exports" / "wheel-test.html").read_text(encoding="utf-8")
    old = tmp_path / "old"
    (old / "events").mkdir(parents=True)
    shutil.copy2(FIXTURE_V1, old / "events" / "chronicle.db")
    upgraded = _run(chronicle, "upgrade", cwd=old, env=env)
    assert upgraded.returncode == 0, upgraded.stderr
    assert upgraded.stdout.startswith("schema upgraded: version 1 → ")
    expected = json.loads((FIXTURE_V1.parent / "expected.json").read_text())
    verified = _run(chronicle, "verify", cwd=old, env=env)
    assert verified.stdout.strip().endswith(f"head {expected['head_hash']}"), verified.stdout + verified.stderr

    # No PostgreSQL extra here: a PostgreSQL URL gets one line saying what to install.
    refused = _run(chronicle, "--db", NO_SERVER, "verify", cwd=work, env=env)
    assert refused.returncode == 1
    assert refused.stderr.strip().splitlines() == [
        f"chronicle: error: --db: '{NO_SERVER}': PostgreSQL archives need the psycopg driver, "
        "which is not installed; install it with: pip install 'chronicle[postgres]'"]
