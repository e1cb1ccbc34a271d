"""The seed calendar in real calendar programs: a CalDAV server and a terminal calendar.

- Radicale (a CalDAV server), started here on 127.0.0.1 with its files in a temporary
  folder, receives each event through the ``caldav`` client library and serves it back;
  a server-side time-range query finds the events on the expected days; an updated export
  PUT again leaves one copy of each event, with the new content.
- khal imports the file into a vdir (``khal import --batch``) and ``khal list`` shows the
  events on the expected days; importing an updated export replaces, not duplicates.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import icalendar
import pytest

from chronicle.archive import Archive
from chronicle.model import make_source
from chronicle.query import EventQuery
from tests.test_ical import SEED_DAYS, SEED_NAME, export_text, seed_archive

#: Days to look at, chosen at the edges: exclusive ends, the runoff, the day of two events.
CHECK_DAYS = [date(2025, 4, 13), date(2025, 2, 19), date(2025, 2, 20), date(2024, 1, 9), date(2023, 11, 23),
              date(2023, 10, 31), date(2023, 11, 1)]


def expected_on(day: date) -> set[str]:
    return {
        event_id for event_id, (start, end) in SEED_DAYS.items()
        if date.fromisoformat(start) <= day < date.fromisoformat(end)
    }


def per_event_objects(calendar_text: str) -> dict[str, str]:
    """UID -> a one-event VCALENDAR, cut from the export's own bytes.

    A CalDAV calendar object resource holds one event and no METHOD (RFC 4791 4.1), so
    the header is kept without METHOD and each VEVENT block is kept verbatim.
    """
    header, _, body = calendar_text.partition("BEGIN:VEVENT\r\n")
    header = header.replace("METHOD:PUBLISH\r\n", "")
    objects = {}
    for block in body.removesuffix("END:VCALENDAR\r\n").split("BEGIN:VEVENT\r\n"):
        uid = next(line[4:] for line in block.split("\r\n") if line.startswith("UID:"))
        objects[uid] = f"{header}BEGIN:VEVENT\r\n{block}END:VCALENDAR\r\n"
    return objects


def properties(text: str) -> list[tuple[str, bytes, tuple[tuple[str, str], ...]]]:
    """A VEVENT's properties, order-independent, for comparing sent and served copies."""
    (event,) = icalendar.Calendar.from_ical(text).walk("VEVENT")
    found = []
    for name, value in event.property_items(recursive=False, sorted=False):
        if name in ("BEGIN", "END"):
            continue
        params = tuple(sorted((k, str(v)) for k, v in getattr(value, "params", {}).items()))
        found.append((name, value.to_ical() if hasattr(value, "to_ical") else bytes(value), params))
    return sorted(found)


def update_archive(archive: Archive) -> None:
    """Changes a subscriber must see: a new title, a new source, a retraction."""
    archive.revise("runoff-2025", reason="Say who won", title="Runoff: Noboa re-elected over Luisa González")
    archive.cite("first-round-2025", make_source("https://example.org/cne-results", publisher="CNE"))
    archive.retract("southcom-warning", reason="A slogan, not an event")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def radicale(tmp_path: Path) -> Iterator[str]:
    """A Radicale server on 127.0.0.1 (no auth, files in tmp); yields its URL."""
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "radicale", "--server-hosts", f"127.0.0.1:{port}",
         "--storage-filesystem-folder", str(tmp_path / "radicale"), "--auth-type", "none",
         "--logging-level", "error"],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"radicale did not start: {server.stderr.read()!r}") from None  # type: ignore[union-attr]
                time.sleep(0.1)
        yield f"http://127.0.0.1:{port}/"
    finally:
        server.terminate()
        server.wait(timeout=10)
        assert server.stderr is not None
        server.stderr.close()


def put_all(calendar: Any, text: str) -> None:
    for data in per_event_objects(text).values():
        # increase_seqno=False: store our SEQUENCE as it is, as a sync client must.
        calendar.add_event(data, increase_seqno=False)


def served(calendar: Any) -> dict[str, str]:
    found = {}
    for event in calendar.events():
        event.load()
        (vevent,) = icalendar.Calendar.from_ical(event.data).walk("VEVENT")
        assert str(vevent["UID"]) not in found, "a second copy of an event"
        found[str(vevent["UID"])] = event.data
    return found


def on_day(calendar: Any, day: date) -> set[str]:
    """A server-side time-range query (CalDAV calendar-query), as a client's day view asks."""
    start = datetime(day.year, day.month, day.day)
    results = calendar.search(event=True, start=start, end=start + timedelta(days=1), expand=False)
    uids = set()
    for result in results:
        (vevent,) = icalendar.Calendar.from_ical(result.data).walk("VEVENT")
        uids.add(str(vevent["UID"]).split("@")[0])
    return uids


def test_radicale_serves_every_event_back_and_updates_in_place(radicale: str, tmp_path: Path) -> None:
    import caldav

    archive = seed_archive(tmp_path / "archive")
    sent = per_event_objects(export_text(archive))
    assert len(sent) == 18

    client = caldav.DAVClient(radicale, username="chronicle", password="unused")
    calendar = client.principal().make_calendar(name="Ecuador", cal_id="ecuador")
    put_all(calendar, export_text(archive))

    back = served(calendar)
    assert set(back) == set(sent)
    for uid, text in sent.items():
        assert properties(back[uid]) == properties(text), uid
    for day in CHECK_DAYS:
        assert on_day(calendar, day) == expected_on(day), day

    # The archive changes; the updated calendar is PUT again, as a sync would.
    update_archive(archive)
    put_all(calendar, export_text(archive, EventQuery(include_retracted=True)))
    again = served(calendar)
    assert set(again) == set(sent)  # one copy of each event, no duplicates
    events = {uid.split("@")[0]: only(text) for uid, text in again.items()}
    assert str(events["runoff-2025"]["SUMMARY"]) == "Runoff: Noboa re-elected over Luisa González"
    assert events["runoff-2025"]["SEQUENCE"] == 1
    assert "CNE: https://example.org/cne-results" in str(events["first-round-2025"]["DESCRIPTION"])
    assert events["first-round-2025"]["SEQUENCE"] == 1
    assert events["southcom-warning"]["STATUS"] == "CANCELLED"
    assert events["southcom-warning"]["SEQUENCE"] == 1
    assert events["runoff-2025"]["DTSTART"].dt == date(2025, 4, 13)
    archive.close()


def only(text: str) -> Any:
    (vevent,) = icalendar.Calendar.from_ical(text).walk("VEVENT")
    return vevent


# --- khal ---------------------------------------------------------------------------------


def khal(config: Path, *args: str) -> subprocess.CompletedProcess[str]:
    program = Path(sys.executable).parent / "khal"
    env = {**os.environ, "HOME": str(config.parent), "XDG_CONFIG_HOME": str(config.parent),
           "XDG_DATA_HOME": str(config.parent)}
    result = subprocess.run([str(program), "-c", str(config), *args], capture_output=True, text=True,
                            env=env, timeout=120, check=False)
    assert result.returncode == 0, result.stderr
    return result


@pytest.fixture
def khal_config(tmp_path: Path) -> Path:
    vdir = tmp_path / "khal" / "timeline"
    vdir.mkdir(parents=True)
    config = tmp_path / "khal" / "config"
    config.write_text(
        f"[calendars]\n[[timeline]]\npath = {vdir}\ntype = calendar\n"
        "[locale]\nlocal_timezone = America/Guayaquil\ndefault_timezone = America/Guayaquil\n"
        "timeformat = %H:%M\ndateformat = %Y-%m-%d\nlongdateformat = %Y-%m-%d\n"
        "datetimeformat = %Y-%m-%d %H:%M\nlongdatetimeformat = %Y-%m-%d %H:%M\n"
        f"[default]\ndefault_calendar = timeline\n[sqlite]\npath = {tmp_path / 'khal' / 'cache.db'}\n",
        encoding="utf-8",
    )
    return config


def khal_day(config: Path, day: date) -> list[str]:
    """``khal list DAY 1d``: one line per event on that day, as ``uid|title``."""
    listed = khal(config, "list", "--day-format", "", "--format", "{uid}|{title}", day.isoformat(), "1d")
    return [line for line in listed.stdout.splitlines() if line.strip()]


def test_khal_imports_the_calendar_and_lists_events_on_their_days(khal_config: Path, tmp_path: Path) -> None:
    archive = seed_archive(tmp_path / "archive")
    path = tmp_path / "ecuador.ics"
    path.write_text(export_text(archive), encoding="utf-8", newline="")
    khal(khal_config, "import", "--batch", "-a", "timeline", str(path))

    for day in CHECK_DAYS:
        uids = {line.split("|")[0].split("@")[0] for line in khal_day(khal_config, day)}
        assert uids == expected_on(day), day
    assert f"runoff-2025@{SEED_NAME}.chronicle|Presidential runoff: Noboa vs Luisa González" in khal_day(
        khal_config, date(2025, 4, 13))

    # Importing the updated calendar replaces the changed event: one copy, new title.
    update_archive(archive)
    path.write_text(export_text(archive), encoding="utf-8", newline="")
    khal(khal_config, "import", "--batch", "-a", "timeline", str(path))
    runoff_day = khal_day(khal_config, date(2025, 4, 13))
    titles = [line.split("|", 1)[1] for line in runoff_day if line.startswith("runoff-2025@")]
    assert titles == ["Runoff: Noboa re-elected over Luisa González"]
    stored = sorted(p.name for p in (khal_config.parent / "timeline").glob("*.ics"))
    assert len(stored) == 18
    archive.close()
