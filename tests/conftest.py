"""Shared fixtures: real archives on real databases, and the real seed timeline.

``archive_url`` is parametrized over the backends: SQLite always; PostgreSQL when a
server is available (``CHRONICLE_TEST_PG_URL``, set by ``.ci/run``, or one the
``postgres`` fixture in ``tests/pg_server.py`` can start) — otherwise those cases are
skipped with the reason.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import NoReturn

import pytest
from click.testing import CliRunner

from chronicle.archive import Archive

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "seeds" / "ecuador.toml"
SHARED = ROOT.parent / "shared"
REALDATA = SHARED / "realdata"
GOLDEN = Path(__file__).resolve().parent / "golden"

#: A fixed clock for deterministic logs in golden tests.
FIXED_AUTHOR = "tester"

pytest_plugins = ["tests.pg_server"]


@pytest.fixture(autouse=True)
def _isolated_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """No test sees the developer's archive, author or colour settings."""
    monkeypatch.delenv("CHRONICLE_DB", raising=False)
    monkeypatch.setenv("CHRONICLE_AUTHOR", FIXED_AUTHOR)
    monkeypatch.setenv("NO_COLOR", "1")


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def archive_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A URL where a new archive may be created, on each backend."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'events' / 'chronicle.db'}"
    fresh_database = request.getfixturevalue("pg_database")
    return str(fresh_database)


@pytest.fixture
def sqlite_dir(tmp_path: Path) -> Path:
    """A directory holding a new, empty SQLite archive (events/chronicle.db)."""
    Archive.init(tmp_path, name="test", description="A test archive").close()
    return tmp_path


@pytest.fixture
def archive(archive_url: str) -> Iterator[Archive]:
    """An empty archive on each backend."""
    created = Archive.init(url=archive_url, name="test", description="A test archive")
    yield created
    created.close()


@pytest.fixture
def seeded(archive: Archive) -> Archive:
    """The archive with the Ecuador seed timeline imported."""
    from chronicle.importing import import_file

    import_file(archive, SEED, label="seeds/ecuador.toml")
    return archive


@pytest.fixture
def seeded_dir(sqlite_dir: Path) -> Path:
    """A directory with a SQLite archive holding the seed timeline."""
    from chronicle.importing import import_file

    archive = Archive.open(f"sqlite:///{sqlite_dir / 'events' / 'chronicle.db'}")
    import_file(archive, SEED, label="seeds/ecuador.toml")
    archive.close()
    return sqlite_dir


@pytest.fixture
def runner(monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    return CliRunner()


def archive_bytes(directory: Path) -> str:
    """A digest of every file of a SQLite archive (database and any WAL): "unchanged" means equal.

    The ``-shm`` file (SQLite's shared-memory index, rebuilt from the WAL) and an empty
    WAL are not content: a read-only reader may leave them behind.
    """
    digest = hashlib.sha256()
    for path in sorted((directory / "events").glob("chronicle.db*")):
        if path.name.endswith("-shm") or (path.name.endswith("-wal") and path.stat().st_size == 0):
            continue
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def under_ci() -> bool:
    """True on CI (``CI`` set to anything but empty/0/false), where every real program must be there."""
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def missing(reason: str) -> NoReturn:
    """Skip a test whose real program or server is missing — but fail it under CI, so a
    green CI run means the browser, validator, LibreOffice, calendar clients and
    PostgreSQL tests really ran."""
    if under_ci():
        pytest.fail(f"CI must run this test, but {reason}", pytrace=False)
    pytest.skip(reason)


def require_program(name: str, what: str, *others: str) -> str:
    """The path of program ``name`` (or one of ``others``), else :func:`missing` (``what``: how to get it)."""
    for candidate in (name, *others):
        found = shutil.which(candidate)
        if found:
            return found
    missing(f"{name} is not installed: {what}")


def installed_chronicle() -> str:
    """The real ``chronicle`` entry point of this environment."""
    found = shutil.which("chronicle", path=str(Path(sys.executable).parent)) or shutil.which("chronicle")
    if not found:
        pytest.skip("the chronicle entry point is not installed (pip install -e .)")
    return found


def run_chronicle(*args: str, cwd: Path, input: str | None = None,
                  env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """Run the installed ``chronicle`` as a user would, in ``cwd``."""
    # The archive is found from ``cwd`` unless the caller names one explicitly.
    inherited = {k: v for k, v in os.environ.items() if k != "CHRONICLE_DB"}
    full_env = {**inherited, "CHRONICLE_AUTHOR": FIXED_AUTHOR, "NO_COLOR": "1", **(env or {})}
    return subprocess.run(
        [installed_chronicle(), *args], cwd=cwd, input=input, capture_output=True,
        text=True, env=full_env, timeout=120, check=False,
    )
