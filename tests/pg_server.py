"""A real PostgreSQL server for the tests, and a fresh empty database for each test.

``CHRONICLE_TEST_PG_URL`` (set by ``.ci/run`` through ``.ci/postgres.sh``) names a server
to use. Without it, the session tries once to start a throwaway server of its own from
Debian's ``postgresql`` binaries: ``initdb`` into a temporary directory, listening on
127.0.0.1 on a free port, with ``fsync=off`` (nothing here needs to survive a crash).
PostgreSQL refuses to run as root, so as root the server runs as the ``postgres`` user
(``runuser``). When neither works, every PostgreSQL case is skipped with the reason.

``pg_database`` yields the URL of a new, empty database (``CREATE DATABASE t_<uuid>``),
dropped after the test, so each test starts from nothing exactly as on SQLite.
The server-starting functions are plain functions so the benchmarks can use them too.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg
import pytest
from sqlalchemy.engine import make_url

#: Where Debian puts the server binaries, one directory per major version.
_BIN_GLOB = "/usr/lib/postgresql/*/bin"


class ServerUnavailable(Exception):
    """No PostgreSQL server could be found or started; the message says why."""


@dataclass
class PgServer:
    """A running server: its admin URL, and how to stop it if we started it."""

    url: str
    stop: Callable[[], None] = field(default=lambda: None)
    databases: list[str] = field(default_factory=list)

    def create_database(self) -> str:
        """Create a new, empty database; returns its ``postgresql+psycopg://`` URL."""
        name = f"t_{uuid.uuid4().hex[:16]}"
        with _admin(self.url) as conn:
            # FILE_COPY: cheapest for a tiny template with fsync off (no per-block WAL).
            conn.execute(f'CREATE DATABASE "{name}" STRATEGY = FILE_COPY'.encode())
        self.databases.append(name)
        return _with_database(self.url, name)

    def drop_database(self, url: str) -> None:
        """Drop a database made by :meth:`create_database`, cutting off stray connections."""
        name = make_url(url).database
        with _admin(self.url) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'.encode())
        if name in self.databases:
            self.databases.remove(name)


def _admin(url: str) -> psycopg.Connection[tuple[Any, ...]]:
    return psycopg.connect(_libpq_url(url), autocommit=True)


def _libpq_url(url: str) -> str:
    """``postgresql+psycopg://…`` → ``postgresql://…`` for psycopg itself."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def _with_database(url: str, name: str) -> str:
    parsed = make_url(url).set(drivername="postgresql+psycopg", database=name)
    return parsed.render_as_string(hide_password=False)


def server_from_env() -> PgServer | None:
    """The server named by ``CHRONICLE_TEST_PG_URL``, if set (checked to answer)."""
    url = os.environ.get("CHRONICLE_TEST_PG_URL")
    if not url:
        return None
    try:
        with _admin(url) as conn:
            conn.execute("SELECT 1")
    except Exception as error:
        raise ServerUnavailable(f"CHRONICLE_TEST_PG_URL={url} does not answer: {error}") from None
    return PgServer(url)


#: Settings for a test server: nothing in it needs to survive a crash.
TEST_SETTINGS = "-c fsync=off -c synchronous_commit=off -c full_page_writes=off"


def start_server(settings: str = TEST_SETTINGS) -> PgServer:
    """Start a throwaway server in a temporary directory; raises ServerUnavailable.

    ``settings`` are extra ``postgres -c`` options (the benchmark keeps fsync on).
    """
    bindirs = sorted(Path("/").glob(_BIN_GLOB.lstrip("/")), key=lambda p: int(p.parent.name)
                     if p.parent.name.isdigit() else 0)
    if not bindirs:
        raise ServerUnavailable(
            "PostgreSQL is not installed (apt-get install postgresql), and "
            "CHRONICLE_TEST_PG_URL is not set"
        )
    bindir = bindirs[-1]
    run_as: list[str] = []
    if os.geteuid() == 0:
        if shutil.which("runuser") is None:
            raise ServerUnavailable("running as root without runuser: cannot start PostgreSQL as another user")
        try:
            import pwd

            pwd.getpwnam("postgres")
        except KeyError:
            raise ServerUnavailable("running as root and there is no `postgres` user to run the server") from None
        run_as = ["runuser", "-u", "postgres", "--"]
    directory = Path(tempfile.mkdtemp(prefix="chronicle-pg-"))
    if run_as:
        shutil.chown(directory, user="postgres")
    data, log = directory / "data", directory / "log"
    port = _free_port()

    def run(*args: str) -> None:
        result = subprocess.run([*run_as, *args], capture_output=True, text=True, timeout=120, check=False)
        if result.returncode != 0:
            raise ServerUnavailable(f"{Path(args[0]).name} failed: {(result.stderr or result.stdout).strip()[-500:]}")

    def stop() -> None:
        subprocess.run([*run_as, str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"],
                       capture_output=True, timeout=60, check=False)
        shutil.rmtree(directory, ignore_errors=True)

    try:
        run(str(bindir / "initdb"), "-D", str(data), "-U", "postgres", "--auth=trust", "-E", "UTF8",
            "--no-sync")
        options = f"-c listen_addresses=127.0.0.1 -p {port} -k {directory} -c max_connections=100 {settings}"
        run(str(bindir / "pg_ctl"), "-D", str(data), "-l", str(log), "-w", "-o", options, "start")
    except (ServerUnavailable, OSError, subprocess.TimeoutExpired) as error:
        stop()
        raise ServerUnavailable(f"could not start a PostgreSQL server: {error}") from None
    return PgServer(f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres", stop=stop)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PgServer]:
    """The session's PostgreSQL server (CI's, or one started here), or a skip with the reason."""
    try:
        server = server_from_env() or start_server()
    except ServerUnavailable as error:
        if os.environ.get("CI"):
            # CI promises the PostgreSQL half of the suite; skipping it there would hide that.
            pytest.fail(f"CI needs a PostgreSQL server: {error}")
        pytest.skip(f"no PostgreSQL server: {error}")
    try:
        yield server
    finally:
        for name in list(server.databases):
            server.drop_database(_with_database(server.url, name))
        server.stop()


@pytest.fixture
def pg_database(pg_server: PgServer) -> Iterator[str]:
    """The URL of a new, empty PostgreSQL database, dropped after the test."""
    url = pg_server.create_database()
    yield url
    pg_server.drop_database(url)
