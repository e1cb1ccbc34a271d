"""Real subscribers of ``chronicle serve``: vdirsyncer's ``http`` storage polls the served
``/calendar.ics`` into a local calendar folder that khal reads.

The archive changes between syncs (an event added, one revised, one retracted) as it
would while a newsroom works; after each sync khal must show the new event, the revised
one once with its new title, and the retracted one cancelled or gone — never a duplicate.
The server is the real ``chronicle serve`` command, in its own process.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from chronicle.archive import Archive
from chronicle.model import make_source
from tests.conftest import installed_chronicle
from tests.test_ical import seed_archive
from tests.test_ical_programs import khal, khal_config  # noqa: F401  (a fixture)
from tests.test_serve import free_port


def vdirsyncer(config: Path, *args: str) -> subprocess.CompletedProcess[str]:
    program = Path(sys.executable).parent / "vdirsyncer"
    env = {**os.environ, "HOME": str(config.parent), "XDG_CONFIG_HOME": str(config.parent),
           "XDG_DATA_HOME": str(config.parent)}
    result = subprocess.run([str(program), "-c", str(config), *args], capture_output=True, text=True,
                            env=env, timeout=120, check=False, input="")
    assert result.returncode == 0, result.stdout + result.stderr
    return result


def vdirsyncer_config(folder: Path, remote: str, vdir: Path, *, kind: str = "http",
                      user: str | None = None) -> Path:
    """A vdirsyncer pair: ``remote`` (an ``http`` subscription or a ``caldav`` calendar) → ``vdir``."""
    folder.mkdir(parents=True, exist_ok=True)
    extra = f'username = "{user}"\npassword = "unused"\n' if user else ""
    config = folder / "vdirsyncer.conf"
    config.write_text(
        f'[general]\nstatus_path = "{folder / "status"}"\n\n'
        '[pair timeline]\na = "remote"\nb = "local"\ncollections = null\nconflict_resolution = "a wins"\n\n'
        f'[storage remote]\ntype = "{kind}"\nurl = "{remote}"\n{extra}'
        + ('read_only = true\n' if kind == "caldav" else "") + "\n"
        f'[storage local]\ntype = "filesystem"\npath = "{vdir}"\nfileext = ".ics"\n',
        encoding="utf-8",
    )
    return config


def sync(config: Path) -> None:
    vdirsyncer(config, "discover")
    vdirsyncer(config, "sync")


@pytest.fixture
def served_archive(tmp_path: Path) -> Iterator[tuple[Archive, str]]:
    """The seed archive, and the URL of ``chronicle serve`` serving it from another process."""
    archive = seed_archive(tmp_path / "archive")
    port = free_port()
    env = {**os.environ, "CHRONICLE_AUTHOR": "tester"}
    env.pop("CHRONICLE_DB", None)
    server = subprocess.Popen([installed_chronicle(), "serve", "--port", str(port)], cwd=tmp_path / "archive",
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    assert server.stderr is not None
                    raise RuntimeError(f"chronicle serve did not start: {server.stderr.read()!r}") from None
                time.sleep(0.1)
        yield archive, f"http://127.0.0.1:{port}"
    finally:
        server.terminate()
        server.wait(timeout=10)
        assert server.stderr is not None
        server.stderr.close()
        archive.close()


def titles_on(config: Path, day: date, words: str) -> list[str]:
    """The titles khal lists on ``day`` that contain ``words``, each with its status.

    (vdirsyncer's filesystem storage renames a UID holding ``@`` to a safe one, so
    khal's UIDs are not chronicle's: events are recognised by their titles.)
    """
    listed = khal(config, "list", "--day-format", "", "--format", "{title}|{status}", day.isoformat(), "1d")
    return [line.strip() for line in listed.stdout.splitlines() if words in line]


def test_a_vdirsyncer_subscription_follows_add_revise_and_retract(
        served_archive: tuple[Archive, str], khal_config: Path, tmp_path: Path) -> None:  # noqa: F811
    archive, base = served_archive
    vdir = khal_config.parent / "timeline"
    config = vdirsyncer_config(tmp_path / "vdirsyncer", f"{base}/calendar.ics", vdir)
    sync(config)
    assert len(list(vdir.glob("*.ics"))) == 18
    assert titles_on(khal_config, date(2025, 4, 13), "unoff") == ["Presidential runoff: Noboa vs Luisa González|CONFIRMED"]

    archive.add(title="Noboa sworn in for a full term", date="2025-05-24", event_id="second-inauguration",
                sources=[make_source("https://example.org/inauguration")])
    archive.revise("runoff-2025", reason="Say who won", title="Runoff: Noboa re-elected over Luisa González")
    archive.retract("tc-television-attack", reason="Checking the sources")
    sync(config)

    assert titles_on(khal_config, date(2025, 5, 24), "sworn in") == ["Noboa sworn in for a full term|CONFIRMED"]
    assert titles_on(khal_config, date(2025, 4, 13), "unoff") == ["Runoff: Noboa re-elected over Luisa González|CONFIRMED"]
    # khal keeps the retracted event on its day, marked CANCELLED (the file's STATUS).
    assert titles_on(khal_config, date(2024, 1, 9), "TC Televisión") == [
        "Armed men take over a live TC Televisión broadcast in Guayaquil|CANCELLED"]
    stored = list(vdir.glob("*.ics"))
    assert len(stored) == 19  # one file per event: nothing duplicated
    # A sync with nothing changed changes nothing.
    before = {p.name: p.read_bytes() for p in stored}
    sync(config)
    assert {p.name: p.read_bytes() for p in vdir.glob("*.ics")} == before
