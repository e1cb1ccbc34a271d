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


def _foreign_copy(sequence: int | None, modified: str, title: str) -> str:
    """One event of someone else's calendar, as a given copy (SEQUENCE, LAST-MODIFIED) says it."""
    sequence_line = f"SEQUENCE:{sequence}\r\n" if sequence is not None else ""
    return ("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//versions//EN\r\nBEGIN:VEVENT\r\n"
            "UID:hearing@courts.example.org\r\nDTSTAMP:20240601T000000Z\r\n"
            f"{sequence_line}LAST-MODIFIED:{modified}\r\nDTSTART;VALUE=DATE:20240610\r\n"
            f"SUMMARY:{title}\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n")


def _write_copy(tmp_path: Path, name: str, sequence: int | None, modified: str, title: str) -> Path:
    path = tmp_path / name
    path.write_text(_foreign_copy(sequence, modified, title), encoding="utf-8")
    return path


def test_an_older_copy_of_a_foreign_calendar_does_not_take_an_event_back(
    empty: Archive, tmp_path: Path, runner: CliRunner,
) -> None:
    first = _write_copy(tmp_path, "v1.ics", 1, "20240601T100000Z", "Hearing (first notice)")
    second = _write_copy(tmp_path, "v2.ics", 2, "20240605T100000Z", "Hearing moved to courtroom 4")
    import_file(empty, first)
    report = import_file(empty, second)
    assert (report.changed_events, report.older) == (1, ())
    (event,) = empty.show()
    assert event.title == "Hearing moved to courtroom 4"
    assert event.history[-1].reason == ("re-imported: the file changed title; "
                                        "calendar copy SEQUENCE 2, LAST-MODIFIED 2024-06-05T10:00:00Z")
    head = empty.head()
    result = runner.invoke(main, ["--db", empty.store.url, "import", str(first)])
    assert result.exit_code == 0, result.output
    assert empty.head() == head and empty.get(event.id).title == "Hearing moved to courtroom 4"
    lines = result.stderr.splitlines()
    assert "; 1 older than the archive (not imported)" in lines[0]
    assert any("the file's copy is SEQUENCE 1, LAST-MODIFIED 2024-06-01T10:00:00Z, the archive holds "
               "SEQUENCE 2, LAST-MODIFIED 2024-06-05T10:00:00Z; left as the archive has it (--force records it)"
               in line for line in lines), lines
    # An unchanged copy adds nothing, as always.
    assert import_file(empty, second).records == 0 and empty.head() == head
    forced = runner.invoke(main, ["--db", empty.store.url, "import", str(first), "--force"])
    assert forced.exit_code == 0, forced.output
    assert empty.get(event.id).title == "Hearing (first notice)"
    assert "recorded anyway (--force)" in forced.stderr


def test_last_modified_orders_copies_of_the_same_sequence(empty: Archive, tmp_path: Path) -> None:
    newer = _write_copy(tmp_path, "newer.ics", 3, "20240605T100000Z", "Hearing at 10:00")
    older = _write_copy(tmp_path, "older.ics", 3, "20240604T090000Z", "Hearing at 9:00")
    later_sequence = _write_copy(tmp_path, "s4.ics", 4, "20240603T000000Z", "Hearing postponed")
    import_file(empty, newer)
    skipped = import_file(empty, older)
    assert [o.reason for o in skipped.older] == [
        "the file's copy is SEQUENCE 3, LAST-MODIFIED 2024-06-04T09:00:00Z, the archive holds "
        "SEQUENCE 3, LAST-MODIFIED 2024-06-05T10:00:00Z"]
    # SEQUENCE decides first: a higher one is newer whatever its LAST-MODIFIED says.
    moved = import_file(empty, later_sequence)
    assert (moved.changed_events, moved.older) == (1, ())
    assert next(iter(empty.show())).title == "Hearing postponed"


def test_a_first_version_is_recorded_as_before(empty: Archive, tmp_path: Path) -> None:
    """SEQUENCE 0 (a calendar's first version) writes the records it always wrote; a
    later copy is then newer, and an S0 copy after it older."""
    original = _write_copy(tmp_path, "s0.ics", 0, "20240601T100000Z", "Hearing")
    missing = _write_copy(tmp_path, "none.ics", None, "20240601T100000Z", "Hearing (no sequence)")
    changed = _write_copy(tmp_path, "s1.ics", 1, "20240602T100000Z", "Hearing (changed)")
    import_file(empty, original)
    assert [r.reason for r in empty.log()][-1] is None
    assert import_file(empty, changed).changed_events == 1
    event_id = next(iter(empty.show())).id
    assert [o.event_id for o in import_file(empty, original).older] == [event_id]
    # No SEQUENCE at all is SEQUENCE 0 (RFC 5545's default): older than the noted copy too.
    assert len(import_file(empty, missing).older) == 1
