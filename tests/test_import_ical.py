"""Calendars: recurring events, moved occurrences, unknown zones and bad ends, all accounted for."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner

from chronicle.archive import Archive
from chronicle.cli import main
from chronicle.errors import InvalidInput
from chronicle.importing import import_file
from tests.conftest import REALDATA
from tests.test_ical import GOOD_FILES

ICS = REALDATA / "ics"

CALENDAR = """BEGIN:VCALENDAR\r
VERSION:2.0\r
PRODID:-//test//recurrences//EN\r
BEGIN:VEVENT\r
UID:weekly@example.org\r
DTSTAMP:20240101T000000Z\r
DTSTART;TZID=Nowhere/Atlantis:20240101T090000\r
DTEND;TZID=Nowhere/Atlantis:20240101T100000\r
RRULE:FREQ=WEEKLY;COUNT=4\r
EXDATE;TZID=Nowhere/Atlantis:20240108T090000\r
SUMMARY:Weekly meeting\r
END:VEVENT\r
BEGIN:VEVENT\r
UID:weekly@example.org\r
DTSTAMP:20240101T000000Z\r
RECURRENCE-ID;TZID=Nowhere/Atlantis:20240115T090000\r
DTSTART;TZID=Nowhere/Atlantis:20240116T090000\r
DTEND;TZID=Nowhere/Atlantis:20240116T100000\r
SUMMARY:Weekly meeting (moved to Tuesday)\r
END:VEVENT\r
BEGIN:VEVENT\r
UID:dates@example.org\r
DTSTAMP:20240101T000000Z\r
DTSTART:20240301T120000Z\r
RDATE:20240310T120000Z,20240320T120000Z\r
SUMMARY:Hearings\r
END:VEVENT\r
BEGIN:VEVENT\r
UID:backwards@example.org\r
DTSTAMP:20240101T000000Z\r
DTSTART:20240401T120000Z\r
DTEND:20240401T110000Z\r
SUMMARY:Ends before it starts\r
END:VEVENT\r
END:VCALENDAR\r
"""


@pytest.fixture
def calendar(tmp_path: Path) -> Path:
    path = tmp_path / "recurring.ics"
    path.write_bytes(CALENDAR.encode())
    return path


@pytest.fixture
def empty(tmp_path: Path) -> Archive:
    return Archive.init(tmp_path / "archive", name="cal", author="tester")


def test_first_occurrence_by_default_and_every_leftover_said(empty: Archive, calendar: Path) -> None:
    report = import_file(empty, calendar)
    assert (report.new_events, report.skipped) == (3, 1)
    assert report.skip_reasons == (
        ("a moved occurrence (RECURRENCE-ID) of a recurring event read as its first occurrence", 1),)
    notes = dict(report.notes)
    assert notes["a recurring event (RRULE/RDATE) imported as its first occurrence only "
                 "(--recurrences expand imports each occurrence in a window)"] == 2
    assert notes["RDATE dates not imported: the event is read as its first occurrence "
                 "(--recurrences expand imports each)"] == 1
    assert notes["unknown time zone TZID Nowhere/Atlantis: read as floating local time"] == 1
    assert notes["DTEND before DTSTART: the end was dropped"] == 1
    spans = {e.title: e.span.edtf for e in empty.show()}
    assert spans["Weekly meeting"] == "2024-01-01T09:00/2024-01-01T10:00"  # floating, as the note says
    assert spans["Ends before it starts"] == "2024-04-01T12:00Z"


def test_expand_makes_one_event_per_occurrence_in_the_window(empty: Archive, calendar: Path) -> None:
    options = {"recurrences": "expand", "window": (date(2024, 1, 1), date(2024, 3, 15))}
    report = import_file(empty, calendar, options=options)
    starts = sorted((e.span.start.edtf, e.title) for e in empty.show())
    assert starts == [
        ("2024-01-01T09:00", "Weekly meeting"),
        # 8 January is an EXDATE; the 15th was moved to the 16th.
        ("2024-01-16T09:00", "Weekly meeting (moved to Tuesday)"),
        ("2024-01-22T09:00", "Weekly meeting"),
        ("2024-03-01T12:00Z", "Hearings"),
        ("2024-03-10T12:00Z", "Hearings"),  # an RDATE; the 20th is after the window
        ("2024-04-01T12:00Z", "Ends before it starts"),  # not recurring: imported whatever the window
    ]
    assert report.new_events == 6
    again = import_file(empty, calendar, options=options)
    assert (again.records, again.unchanged) == (0, 6)
    wider = import_file(empty, calendar, options={"recurrences": "expand", "window": (date(2024, 1, 1), date(2024, 12, 31))})
    assert (wider.new_events, wider.records) == (1, 1)  # only the 20 March hearing is new


def test_expand_needs_a_window(empty: Archive, calendar: Path, runner: CliRunner) -> None:
    with pytest.raises(InvalidInput, match="needs a window"):
        import_file(empty, calendar, options={"recurrences": "expand"})
    result = runner.invoke(main, ["--db", empty.store.url, "import", str(calendar), "--recurrences", "expand",
                                  "--from", "2024-01-01"])
    assert result.exit_code == 2 and "--from and --until go together" in result.output
    ok = runner.invoke(main, ["--db", empty.store.url, "import", str(calendar), "--recurrences", "expand",
                              "--from", "2024-01-01", "--until", "2024-01-31", "--summary", "json"])
    assert ok.exit_code == 0, ok.output
    summary = json.loads(ok.stdout)
    assert (summary["new"], summary["skipped"]) == (4, 2)
    assert "a recurring event with no occurrence from 2024-01-01 to 2024-01-31" in {
        r["reason"] for r in summary["skip_reasons"]}


def test_an_override_without_its_series_is_its_own_event(empty: Archive) -> None:
    report = import_file(empty, ICS / "icalendar__issue_156_RDATE_with_PERIOD_TZID_khal_2.ics")
    assert (report.new_events, report.skipped) == (1, 0)
    (event,) = empty.show()
    # The series' UID and the occurrence it replaces: the same id its expansion would give.
    assert event.id.startswith("BF5109494E67AAE20025875100566D31-Lotus_Notes_Generated-20211101T1500Z-")
    assert event.span.edtf == "2021-11-01T16:00+01:00/2021-11-01T16:30+01:00"


@pytest.mark.parametrize("name", GOOD_FILES)
def test_real_calendars_expand_and_reimport_adds_nothing(tmp_path: Path, name: str) -> None:
    archive = Archive.init(tmp_path, name="real", author="tester")
    options = {"recurrences": "expand", "window": (date(1990, 1, 1), date(2030, 12, 31))}
    first = import_file(archive, ICS / name, options=options)
    assert first.new_events == archive.count() > 0
    again = import_file(archive, ICS / name, options=options)
    assert again.records == 0 and again.unchanged == first.items


def test_recurrence_options_are_refused_where_they_mean_nothing(empty: Archive, calendar: Path,
                                                                tmp_path: Path) -> None:
    window = (date(2024, 1, 1), date(2024, 1, 31))
    with pytest.raises(InvalidInput, match="is a window for expanded recurrences"):
        import_file(empty, calendar, options={"window": window})
    with pytest.raises(InvalidInput, match="is before --from"):
        import_file(empty, calendar, options={"recurrences": "expand", "window": (window[1], window[0])})
    sheet = tmp_path / "sheet.csv"
    sheet.write_text("title,date\nA,2024\n", encoding="utf-8")
    with pytest.raises(InvalidInput, match="applies to iCalendar files only"):
        import_file(empty, sheet, options={"recurrences": "expand", "window": window})
    assert empty.count() == 0
