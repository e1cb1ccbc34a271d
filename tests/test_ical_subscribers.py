"""The `.ics` a subscriber keeps: retractions reach calendars, RFC 5546 holds, links are
safe, and imprecise dates neither invent precision nor flood a calendar view.

RFC 5546 is checked by libical itself (the parser GNOME Evolution uses): its
``icalrestriction_check`` called through ``ctypes`` on Debian's ``libical3`` (Debian ships
no checker program). Imprecise dates are shown in khal's day view.
"""

from __future__ import annotations

import ctypes
import ctypes.util
from datetime import date
from pathlib import Path

import pytest

from chronicle.archive import Archive
from chronicle.importing import import_file
from chronicle.model import make_source
from chronicle.query import EventQuery
from tests.conftest import run_chronicle
from tests.test_ical import SEED_NAME, add, export_text, seed_archive, vevents
from tests.test_ical_programs import khal, khal_config, khal_day  # noqa: F401  (a fixture)

# --- libical's RFC 5546 restriction check ----------------------------------------------


def _libical() -> ctypes.CDLL | None:
    name = ctypes.util.find_library("ical") or "libical.so.3"
    try:
        lib = ctypes.CDLL(name)
    except OSError:
        return None
    lib.icalparser_parse_string.restype = ctypes.c_void_p
    lib.icalparser_parse_string.argtypes = [ctypes.c_char_p]
    lib.icalrestriction_check.restype = ctypes.c_int
    lib.icalrestriction_check.argtypes = [ctypes.c_void_p]
    lib.icalcomponent_as_ical_string.restype = ctypes.c_char_p
    lib.icalcomponent_as_ical_string.argtypes = [ctypes.c_void_p]
    lib.icalcomponent_free.argtypes = [ctypes.c_void_p]
    return lib


LIBICAL = _libical()
needs_libical = pytest.mark.skipif(LIBICAL is None, reason="libical is not installed (Debian: libical3)")


def libical_errors(text: str) -> list[str]:
    """libical's complaints about a calendar: parse errors and failed RFC 5546 restrictions.

    libical records each problem as an ``X-LIC-ERROR`` property in the parsed tree; an
    empty list means the restriction check passed.
    """
    assert LIBICAL is not None
    component = LIBICAL.icalparser_parse_string(text.encode("utf-8"))
    assert component, "libical could not parse the calendar at all"
    try:
        passed = LIBICAL.icalrestriction_check(component)
        parsed = LIBICAL.icalcomponent_as_ical_string(component).decode("utf-8")
    finally:
        LIBICAL.icalcomponent_free(component)
    errors = [line for line in parsed.replace("\r\n ", "").split("\r\n") if line.startswith("X-LIC-ERROR")]
    if not passed and not errors:
        errors.append("icalrestriction_check failed without saying why")
    return errors


@needs_libical
def test_libical_passes_the_default_seed_calendar_and_catches_what_main_wrote(tmp_path: Path) -> None:
    archive = seed_archive(tmp_path)
    text = export_text(archive, EventQuery(include_retracted=True), imprecise="start")
    assert libical_errors(text) == []
    # The checker can fail: without ORGANIZER (what main wrote) it names exactly that.
    without = "".join(line for line in text.splitlines(keepends=True) if not line.startswith("ORGANIZER"))
    assert any("ORGANIZER" in error for error in libical_errors(without))
    archive.close()


@needs_libical
def test_libical_passes_cancelled_and_restored_events(tmp_path: Path) -> None:
    archive = seed_archive(tmp_path)
    archive.retract("foreign-special-forces-call", reason="A statement of intent, not an event")
    archive.retract("runoff-2025", reason="Checking the count")
    archive.restore("runoff-2025", reason="Count confirmed")
    assert libical_errors(export_text(archive, EventQuery(include_retracted=True))) == []
    archive.close()


# --- retractions reach subscribers -------------------------------------------------------


def test_cli_export_writes_retracted_events_cancelled_by_default(tmp_path: Path) -> None:
    seed_archive(tmp_path).close()
    uid = f"foreign-special-forces-call@{SEED_NAME}.chronicle"
    before = run_chronicle("export", "--format", "ics", "-o", "-", cwd=tmp_path)
    assert before.returncode == 0, before.stderr
    sequence = vevents(before.stdout)[uid]["SEQUENCE"]
    assert run_chronicle("retract", "foreign-special-forces-call", "--reason", "A statement of intent",
                         cwd=tmp_path).returncode == 0

    default = run_chronicle("export", "--format", "ics", "-o", "-", cwd=tmp_path)
    cancelled = vevents(default.stdout)[uid]
    assert cancelled["STATUS"] == "CANCELLED"
    assert cancelled["SEQUENCE"] == sequence + 1
    assert len(vevents(default.stdout)) == 18

    omitted = run_chronicle("export", "--format", "ics", "--omit-retracted", "-o", "-", cwd=tmp_path)
    assert omitted.returncode == 0, omitted.stderr
    assert uid not in vevents(omitted.stdout) and len(vevents(omitted.stdout)) == 17

    # The old flag still works and means what it meant: retracted events, cancelled.
    old = run_chronicle("export", "--format", "ics", "--include-retracted", "-o", "-", cwd=tmp_path)
    assert old.returncode == 0, old.stderr
    assert old.stdout == default.stdout


def test_a_restored_event_is_confirmed_again_with_a_higher_sequence(tmp_path: Path) -> None:
    archive = seed_archive(tmp_path)
    uid = f"runoff-2025@{SEED_NAME}.chronicle"
    everything = EventQuery(include_retracted=True)
    archive.retract("runoff-2025", reason="Checking the count")
    cancelled = vevents(export_text(archive, everything))[uid]
    archive.restore("runoff-2025", reason="Count confirmed")
    restored = vevents(export_text(archive, everything))[uid]
    assert (cancelled["STATUS"], restored["STATUS"]) == ("CANCELLED", "CONFIRMED")
    assert restored["SEQUENCE"] > cancelled["SEQUENCE"]
    assert "Retracted" not in str(restored["DESCRIPTION"])
    archive.close()


# --- links ---------------------------------------------------------------------------------


def test_only_web_urls_become_the_url_property(tmp_path: Path) -> None:
    archive = Archive.init(tmp_path, name="links", author="tester")
    archive.add(title="Scripted", date="2024-05-01", sources=[make_source("javascript:alert(1)")])
    archive.add(title="Inline", date="2024-05-02", sources=[make_source("data:text/html,<b>x</b>")])
    archive.add(title="Mixed", date="2024-05-03", sources=[
        make_source("javascript:alert(2)"), make_source("ftp://example.org/file"),
        make_source("https://example.org/real", publisher="Example")])
    text = export_text(archive)
    events = {str(e["SUMMARY"]): e for e in vevents(text).values()}
    assert "URL" not in events["Scripted"] and "URL" not in events["Inline"]
    assert str(events["Mixed"]["URL"]) == "https://example.org/real"
    assert "URL:javascript" not in text and "URL:data" not in text
    archive.close()


# --- imprecise and ongoing events -----------------------------------------------------------


def test_a_year_is_a_one_day_marker_that_says_its_year(tmp_path: Path) -> None:
    archive = seed_archive(tmp_path)
    events = vevents(export_text(archive, imprecise="start"))
    manta = events[f"manta-base-closes@{SEED_NAME}.chronicle"]
    assert (manta["DTSTART"].dt, manta["DTEND"].dt) == (date(2009, 1, 1), date(2009, 1, 2))
    assert str(manta["SUMMARY"]).endswith(" (2009)")
    assert str(manta["DESCRIPTION"]).endswith("Date: 2009 (known to the year); shown on the first day it may have begun.")
    # Day-exact events keep their own title and days.
    runoff = events[f"runoff-2025@{SEED_NAME}.chronicle"]
    assert str(runoff["SUMMARY"]) == "Presidential runoff: Noboa vs Luisa González"
    assert "X-CHRONICLE-TITLE" not in runoff
    archive.close()


def test_an_ongoing_event_is_a_marker_on_its_first_day_saying_ongoing(tmp_path: Path) -> None:
    archive = Archive.init(tmp_path, name="cases", author="tester")
    add(archive, title="States of exception", date="2024-03", end="..")
    (event,) = vevents(export_text(archive, imprecise="start")).values()
    assert (event["DTSTART"].dt, event["DTEND"].dt) == (date(2024, 3, 1), date(2024, 3, 2))
    assert str(event["SUMMARY"]) == "States of exception (Mar 2024 – ongoing)"
    archive.close()


def test_the_marker_title_round_trips_to_the_bare_title(tmp_path: Path) -> None:
    archive = seed_archive(tmp_path / "a")
    path = tmp_path / "out.ics"
    path.write_text(export_text(archive, imprecise="start"), encoding="utf-8", newline="")
    copy = Archive.init(tmp_path / "b", name="copy", author="tester")
    import_file(copy, path)
    assert {e.id: e.title for e in copy.show()} == {e.id: e.title for e in archive.show()}
    archive.close()
    copy.close()


def test_khal_shows_a_year_as_one_line_on_its_first_day_not_a_banner(
        khal_config: Path, tmp_path: Path) -> None:  # noqa: F811
    archive = seed_archive(tmp_path / "archive")
    # The seed has no interval of months; one like the first edition's bases debate.
    add(archive, title="Congress debates foreign bases", date="2024-09", end="2024-12", event_id="foreign-bases-debate")
    path = tmp_path / "ecuador.ics"
    path.write_text(export_text(archive, EventQuery(include_retracted=True), imprecise="start"),
                    encoding="utf-8", newline="")
    khal(khal_config, "import", "--batch", "-a", "timeline", str(path))
    first_day = khal_day(khal_config, date(2009, 1, 1))
    assert [line.split("|", 1)[1] for line in first_day] == [
        "The US base at Manta closes under President Rafael Correa (2009)",
    ]
    assert khal_day(khal_config, date(2009, 6, 15)) == []  # no banner across the year
    # An interval of months: one marker on its first day, nothing on the days after.
    assert [line for line in khal_day(khal_config, date(2024, 9, 1)) if line.startswith("foreign-bases-debate@")]
    assert not [line for line in khal_day(khal_config, date(2024, 10, 15)) if line.startswith("foreign-bases-debate@")]
    archive.close()
