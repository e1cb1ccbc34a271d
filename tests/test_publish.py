"""``chronicle publish --caldav`` against a real Radicale server started on 127.0.0.1.

Read back with the ``caldav`` client (one resource per event, retractions cancelled,
deselected events removed, other people's events untouched, a second run changes
nothing — the server's ETags stay the same) and with khal after a vdirsyncer sync.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import icalendar
import pytest

from chronicle.errors import Conflict
from chronicle.model import make_source
from chronicle.publish import publish_caldav
from chronicle.query import EventQuery
from tests.conftest import run_chronicle
from tests.test_ical import SEED_NAME, seed_archive
from tests.test_ical_programs import khal, khal_config, radicale  # noqa: F401  (fixtures)
from tests.test_serve_clients import sync, vdirsyncer_config

CREDENTIALS = {"CHRONICLE_CALDAV_USER": "chronicle", "CHRONICLE_CALDAV_PASSWORD": "unused"}


@pytest.fixture
def calendar(radicale: str) -> Any:  # noqa: F811
    import caldav

    client = caldav.DAVClient(radicale, username="chronicle", password="unused")
    return client.principal().make_calendar(name="Ecuador", cal_id="ecuador")


def held(calendar: Any) -> dict[str, Any]:
    """UID -> the VEVENT the server holds; fails on a second copy of any event."""
    found: dict[str, Any] = {}
    for item in calendar.events():
        (vevent,) = icalendar.Calendar.from_ical(item.data).walk("VEVENT")
        uid = str(vevent["UID"])
        assert uid not in found, f"a second copy of {uid}"
        found[uid] = vevent
    return found


def etags(calendar: Any) -> dict[str, str]:
    from caldav.elements import dav

    response = calendar.client.propfind(str(calendar.url), props=["getetag"], depth=1)
    return {href: props[dav.GetEtag.tag] for href, props in response.expand_simple_props([dav.GetEtag()]).items()
            if props.get(dav.GetEtag.tag)}


def uid(event_id: str) -> str:
    return f"{event_id}@{SEED_NAME}.chronicle"


def publish(directory: Path, url: str, *args: str) -> str:
    result = run_chronicle("publish", "--caldav", url, *args, cwd=directory, env=CREDENTIALS)
    assert result.returncode == 0, result.stderr
    return result.stderr.strip()


def test_publish_puts_each_event_once_then_changes_only_what_changed(calendar: Any, tmp_path: Path) -> None:
    archive = seed_archive(tmp_path)
    url = str(calendar.url)
    # Someone else's event in the shared calendar: never touched.
    calendar.add_event("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//x//y//EN\r\nBEGIN:VEVENT\r\nUID:desk-meeting@x\r\n"
                       "DTSTAMP:20250101T000000Z\r\nDTSTART;VALUE=DATE:20250414\r\nSUMMARY:Desk meeting\r\n"
                       "END:VEVENT\r\nEND:VCALENDAR\r\n")

    assert publish(tmp_path, url) == f"{url}: 18 created, 0 updated, 0 removed, 0 unchanged"
    events = held(calendar)
    assert len(events) == 19 and "desk-meeting@x" in events
    hrefs = set(etags(calendar))
    assert any(href.endswith("/runoff-2025.ics") for href in hrefs)  # one resource per event, by its id
    assert str(events[uid("manta-base-closes")]["SUMMARY"]).endswith("(2009)")

    # Nothing changed: nothing is sent, the server's ETags stay the same.
    before = etags(calendar)
    assert publish(tmp_path, url) == f"{url}: 0 created, 0 updated, 0 removed, 18 unchanged"
    assert etags(calendar) == before

    archive.revise("runoff-2025", reason="Say who won", title="Runoff: Noboa re-elected")
    archive.retract("foreign-special-forces-call", reason="A statement of intent, not an event")
    archive.add(title="Noboa sworn in", date="2025-05-24", event_id="second-inauguration",
                sources=[make_source("https://example.org/inauguration")])
    assert publish(tmp_path, url) == f"{url}: 1 created, 2 updated, 0 removed, 16 unchanged"
    events = held(calendar)
    assert str(events[uid("runoff-2025")]["SUMMARY"]) == "Runoff: Noboa re-elected"
    assert events[uid("runoff-2025")]["SEQUENCE"] == 1
    assert events[uid("foreign-special-forces-call")]["STATUS"] == "CANCELLED"
    assert "METHOD" not in icalendar.Calendar.from_ical(next(iter(calendar.events())).data)

    # A narrower selection removes the events it no longer holds (and only ours).
    assert publish(tmp_path, url, "--since", "2024") == f"{url}: 0 created, 0 updated, 3 removed, 16 unchanged"
    events = held(calendar)
    assert uid("manta-base-closes") not in events and "desk-meeting@x" in events and len(events) == 17
    archive.close()


def test_a_resource_someone_else_created_is_not_overwritten(calendar: Any, tmp_path: Path) -> None:
    archive = seed_archive(tmp_path)
    url = str(calendar.url)
    calendar.client.put(url + "runoff-2025.ics",
                        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//x//y//EN\r\nBEGIN:VEVENT\r\nUID:theirs@x\r\n"
                        "DTSTAMP:20250101T000000Z\r\nDTSTART;VALUE=DATE:20250414\r\nSUMMARY:Theirs\r\n"
                        "END:VEVENT\r\nEND:VCALENDAR\r\n", {"Content-Type": "text/calendar"})
    with pytest.raises(Conflict, match="changed on the server"):
        publish_caldav(archive, url, EventQuery(include_retracted=True), user="chronicle", password="unused")
    assert str(held(calendar)["theirs@x"]["SUMMARY"]) == "Theirs"
    archive.close()


def test_a_change_made_between_the_read_and_the_write_is_not_overwritten(
        calendar: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import chronicle.publish

    archive = seed_archive(tmp_path)
    url = str(calendar.url)
    publish_caldav(archive, url, EventQuery(include_retracted=True), user="chronicle", password="unused")
    archive.revise("runoff-2025", reason="Say who won", title="Runoff: Noboa re-elected")
    read = chronicle.publish._held

    def read_then_someone_edits(*args: Any) -> Any:
        found = read(*args)
        (item,) = [i for i in calendar.events() if "runoff-2025@" in i.data]
        item.data = item.data.replace("SUMMARY:Presidential runoff", "SUMMARY:Edited by a colleague")
        item.save()
        return found

    monkeypatch.setattr(chronicle.publish, "_held", read_then_someone_edits)
    with pytest.raises(Conflict):  # the PUT carried If-Match with the ETag read before the edit
        publish_caldav(archive, url, EventQuery(include_retracted=True), user="chronicle", password="unused")
    assert str(held(calendar)[uid("runoff-2025")]["SUMMARY"]).startswith("Edited by a colleague")
    archive.close()


def test_credentials_never_come_from_the_command_line(tmp_path: Path) -> None:
    seed_archive(tmp_path).close()
    result = run_chronicle("publish", "--caldav", "http://127.0.0.1:9/cal/", "--password", "x", cwd=tmp_path)
    assert result.returncode == 2 and "No such option '--password'" in result.stderr
    unreachable = run_chronicle("publish", "--caldav", "http://127.0.0.1:9/cal/", cwd=tmp_path, env=CREDENTIALS)
    assert unreachable.returncode == 1
    assert unreachable.stderr.startswith(
        "chronicle: error: --caldav: 'http://127.0.0.1:9/cal/': cannot be reached (connection refused)")
    assert unreachable.stderr.count("\n") == 1 and "Traceback" not in unreachable.stderr


def test_khal_reads_the_published_calendar_after_a_vdirsyncer_sync(
        calendar: Any, khal_config: Path, tmp_path: Path) -> None:  # noqa: F811
    archive = seed_archive(tmp_path / "archive")
    url = str(calendar.url)
    publish(tmp_path / "archive", url)
    vdir = khal_config.parent / "timeline"
    config = vdirsyncer_config(tmp_path / "vdirsyncer", url, vdir, kind="caldav", user="chronicle")
    sync(config)
    assert len(list(vdir.glob("*.ics"))) == 18

    archive.retract("tc-television-attack", reason="Checking the sources")
    archive.revise("runoff-2025", reason="Say who won", title="Runoff: Noboa re-elected")
    publish(tmp_path / "archive", url)
    sync(config)
    assert len(list(vdir.glob("*.ics"))) == 18

    def day(when: date) -> list[str]:
        listed = khal(khal_config, "list", "--day-format", "", "--format", "{title}|{status}", when.isoformat(), "1d")
        return sorted(line.strip() for line in listed.stdout.splitlines() if line.strip())

    # The runoff's day also ends the seed's spans "between the inauguration and the runoff".
    runoff_day = day(date(2025, 4, 13))
    assert "Runoff: Noboa re-elected|CONFIRMED" in runoff_day
    assert not [line for line in runoff_day if line.startswith("Presidential runoff")]
    assert "Armed men take over a live TC Televisión broadcast in Guayaquil|CANCELLED" in day(date(2024, 1, 9))
    archive.close()


def test_events_a_calendar_cannot_hold_are_left_out_and_counted(calendar: Any, tmp_path: Path) -> None:
    """BC, after 9999 or with no start: the rest is published, the summary says how many
    were left out and why (was: one error line and nothing published). Issue 16."""
    from chronicle.archive import Archive
    from tests.test_bc_dates import EVENTS, ICAL_IDS

    archive = Archive.init(tmp_path, name=SEED_NAME)
    for event_id, when, title in EVENTS:
        archive.add(title=title, date=when, event_id=event_id, unsourced=True)
    url = str(calendar.url)
    left_out = len(EVENTS) - len(ICAL_IDS)
    note = f", {left_out} left out (dates iCalendar cannot hold: BC, after 9999 or with no start)"
    assert publish(tmp_path, url) == f"{url}: {len(ICAL_IDS)} created, 0 updated, 0 removed, 0 unchanged{note}"
    assert set(held(calendar)) == {uid(event_id) for event_id in ICAL_IDS}
    assert publish(tmp_path, url) == f"{url}: 0 created, 0 updated, 0 removed, {len(ICAL_IDS)} unchanged{note}"
    # An event revised to a date the calendar cannot hold leaves the calendar.
    archive.revise("claudius", reason="Test: moved before the era", date="-0043")
    assert publish(tmp_path, url) == f"{url}: 0 created, 0 updated, 1 removed, 1 unchanged, " \
                                     f"{left_out + 1} left out (dates iCalendar cannot hold: BC, after 9999 or " \
                                     "with no start)"
    assert set(held(calendar)) == {uid("runoff")}
    report = publish_caldav(archive, url, EventQuery(), dry_run=True)
    assert (report.created, report.left_out) == (0, left_out + 1)
    archive.close()
