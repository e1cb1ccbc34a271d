"""iCalendar export and import: what a calendar user and a re-importing archivist see.

Every exported file is read back by three independent parsers (icalendar, vobject, ics);
the hard cases of issue 3 each have a test; the seed export is pinned by a golden file
built on a fixed clock. Real programs (Radicale over CalDAV, khal) are in
``test_ical_programs.py``.
"""

from __future__ import annotations

import io
import itertools
import json
import os
import warnings
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import icalendar
import pytest
import vobject
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chronicle.archive import Archive
from chronicle.dates import parse_span
from chronicle.errors import InvalidInput
from chronicle.exporting import context
from chronicle.formats import ExportContext
from chronicle.formats.ical import (
    escape_text,
    event_id_for,
    export_ical,
    fold,
    read_ical,
    source_json,
    unescape_text,
)
from chronicle.importing import import_file
from chronicle.model import Event, make_source
from chronicle.query import EventQuery
from tests.conftest import GOLDEN, REALDATA, SEED, run_chronicle

ICS = REALDATA / "ics"
SEED_NAME = "ecuador-security"
SEED_DESCRIPTION = (
    "Ecuador's security crisis under President Daniel Noboa, 2023–2025: "
    "what happened when, and who says so."
)

#: The seed timeline's calendar under ``--imprecise span``: id -> (DTSTART, exclusive DTEND).
SEED_DAYS = {
    "manta-base-closes": ("2009-01-01", "2010-01-01"),
    "noboa-wins-snap-election": ("2023-10-15", "2023-10-16"),
    "matrix-aviation-fara": ("2023-11-23", "2025-04-14"),
    "noboa-takes-office": ("2023-11-23", "2023-11-24"),
    "southcom-warning": ("2023-11-23", "2025-04-14"),
    "states-of-exception": ("2023-11-23", "2025-04-14"),
    "internal-armed-conflict": ("2024-01-09", "2024-01-10"),
    "tc-television-attack": ("2024-01-09", "2024-01-10"),
    "us-ecuador-sofa": ("2024-01-09", "2025-04-14"),
    "soviet-equipment-swap": ("2024-01-10", "2024-01-11"),
    "matrix-aviation-memorandum": ("2024-01-31", "2024-02-01"),
    "russia-banana-ban": ("2024-02-03", "2024-02-04"),
    "russia-lifts-banana-ban": ("2024-02-16", "2024-02-17"),
    "foreign-bases-amendment": ("2024-09-16", "2024-09-17"),
    "homicides-first-50-days-2025": ("2025-01-01", "2025-02-20"),
    "foreign-special-forces-call": ("2025-02-01", "2025-03-01"),
    "first-round-2025": ("2025-02-09", "2025-02-10"),
    "runoff-2025": ("2025-04-13", "2025-04-14"),
}


def fixed_clock(start: datetime = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)) -> Callable[[], datetime]:
    """A clock that ticks one second per record: the same import gives the same log."""
    ticks = itertools.count()
    return lambda: start + timedelta(seconds=next(ticks))


def seed_archive(directory: Path) -> Archive:
    """The seed timeline in a SQLite archive named like the demo's, on a fixed clock."""
    archive = Archive.init(directory, name=SEED_NAME, description=SEED_DESCRIPTION, author="tester")
    import_file(archive, SEED, label="seeds/ecuador.toml", now=fixed_clock())
    return archive


def export_text(archive: Archive, query: EventQuery = EventQuery(), **options: Any) -> str:
    out = io.StringIO(newline="")
    export_ical(archive.show(query), out, context(archive, query), {"imprecise": "span", **options})
    return out.getvalue()


def export_with_stats(archive: Archive, **options: Any) -> tuple[str, Any]:
    out = io.StringIO(newline="")
    stats = export_ical(archive.show(), out, context(archive, EventQuery()), options)
    return out.getvalue(), stats


def vevents(text: str) -> dict[str, Any]:
    """UID -> icalendar VEVENT."""
    return {str(e["UID"]): e for e in icalendar.Calendar.from_ical(text).walk("VEVENT")}


def only_event(text: str) -> Any:
    (event,) = vevents(text).values()
    return event


def day(value: Any) -> str:
    return value.isoformat()[:10]


def ics_events(text: str) -> list[Any]:
    import ics

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the ics package warns about its own future API
        return list(ics.Calendar(text).events)


@pytest.fixture
def seed_dir(tmp_path: Path) -> Iterator[Archive]:
    archive = seed_archive(tmp_path)
    yield archive
    archive.close()


@pytest.fixture
def empty(tmp_path: Path) -> Iterator[Archive]:
    archive = Archive.init(tmp_path, name="cases", description="Hard cases", author="tester")
    yield archive
    archive.close()


def add(archive: Archive, **fields: Any) -> str:
    fields.setdefault("title", "An event")
    fields.setdefault("date", "2024-05-01")
    if "sources" not in fields and not fields.get("unsourced"):
        fields["sources"] = [make_source("https://example.org/a", publisher="Example")]
    return archive.add(**fields)


# --- the seed calendar --------------------------------------------------------------


def test_seed_export_matches_the_golden_file(seed_dir: Archive) -> None:
    """The whole seed calendar as `chronicle export --format ics` writes it by default (the
    ``start`` policy, retracted events included), byte for byte (regenerate:
    UPDATE_GOLDEN=1)."""
    text = export_text(seed_dir, EventQuery(include_retracted=True), imprecise="start")
    golden = GOLDEN / "ecuador.ics"
    if os.environ.get("UPDATE_GOLDEN") == "1":  # the one switch for every golden file
        golden.write_bytes(text.encode("utf-8"))
    assert text.encode("utf-8") == golden.read_bytes()


def test_same_archive_state_gives_a_byte_identical_file(seed_dir: Archive, tmp_path: Path) -> None:
    first = export_text(seed_dir)
    again = export_text(Archive.open(seed_dir.store.url))
    assert first == again
    # An unrelated later event changes the calendar's header but no other VEVENT.
    add(seed_dir, title="Something later", date="2026-01-01")
    later = vevents(export_text(seed_dir))
    for uid, event in vevents(first).items():
        assert later[uid].to_ical() == event.to_ical()


def test_three_parsers_put_every_seed_event_on_its_days(seed_dir: Archive) -> None:
    text = export_text(seed_dir)
    suffix = f"@{SEED_NAME}.chronicle"
    expected = {f"{event_id}{suffix}": days for event_id, days in SEED_DAYS.items()}

    by_icalendar = {uid: (day(e["DTSTART"].dt), day(e["DTEND"].dt)) for uid, e in vevents(text).items()}
    by_vobject = {
        e.uid.value: (day(e.dtstart.value), day(e.dtend.value)) for e in vobject.readOne(text).vevent_list
    }
    by_ics = {e.uid: (day(e.begin), day(e.end)) for e in ics_events(text)}
    assert by_icalendar == expected
    assert by_vobject == expected
    assert by_ics == expected


def test_every_backend_gives_the_same_calendar_days(seeded: Archive) -> None:
    """SQLite and PostgreSQL archives export the seed with the same UIDs and dates."""
    events = vevents(export_text(seeded))
    found = {uid.split("@")[0]: (day(e["DTSTART"].dt), day(e["DTEND"].dt)) for uid, e in events.items()}
    assert found == SEED_DAYS


def test_the_runoff_is_an_all_day_event_on_13_april_2025(seed_dir: Archive) -> None:
    runoff = vevents(export_text(seed_dir))[f"runoff-2025@{SEED_NAME}.chronicle"]
    assert runoff["DTSTART"].dt == date(2025, 4, 13)
    assert runoff["DTSTART"].params["VALUE"] == "DATE"
    assert runoff["DTEND"].dt == date(2025, 4, 14)  # exclusive: one day
    assert str(runoff["SUMMARY"]) == "Presidential runoff: Noboa vs Luisa González"
    assert runoff["STATUS"] == "CONFIRMED"
    assert [str(c) for c in runoff["CATEGORIES"].cats] == ["elections", "politics"]
    assert str(runoff["LOCATION"]) == "Ecuador"
    assert str(runoff["URL"]) == "https://responsiblestatecraft.org/"
    description = str(runoff["DESCRIPTION"])
    assert description.startswith(
        "The second round of the 2025 presidential election, still ahead when the primary source was written."
        "\n\nSources:\n- Responsible Statecraft, “Analysis of")
    assert "(published 19 Feb – 13 Apr 2025): https://responsiblestatecraft.org/" in description
    assert "Date:" not in description  # day-exact dates get no precision line


def test_calendar_metadata(seed_dir: Archive) -> None:
    calendar = icalendar.Calendar.from_ical(export_text(seed_dir))
    assert calendar["VERSION"] == "2.0"
    assert str(calendar["PRODID"]).startswith("-//chronicle//chronicle ")
    assert calendar["CALSCALE"] == "GREGORIAN"
    assert calendar["METHOD"] == "PUBLISH"
    assert str(calendar["NAME"]) == str(calendar["X-WR-CALNAME"]) == SEED_NAME
    assert str(calendar["DESCRIPTION"]) == unescape_text(str(calendar["X-WR-CALDESC"])) == SEED_DESCRIPTION
    assert calendar["REFRESH-INTERVAL"].dt == timedelta(days=1)
    assert str(calendar["X-PUBLISHED-TTL"]) == "P1D"
    assert not calendar.walk("VTIMEZONE")  # dates and UTC times need none


def test_log_times_and_sequence_come_from_the_log(seed_dir: Archive) -> None:
    """DTSTAMP/CREATED/LAST-MODIFIED are the records' (fixed-clock) times, not the clock."""
    events = vevents(export_text(seed_dir))
    office = events[f"noboa-takes-office@{SEED_NAME}.chronicle"]
    state = seed_dir.get("noboa-takes-office")
    assert state.revision == 3  # recorded, then its two date claims
    assert office["SEQUENCE"] == 2
    assert office["CREATED"].dt == datetime.fromisoformat(state.created_at).replace(microsecond=0)
    assert office["LAST-MODIFIED"].dt == datetime.fromisoformat(state.updated_at).replace(microsecond=0)
    assert office["DTSTAMP"].dt == office["LAST-MODIFIED"].dt
    assert office["CREATED"].dt.year == 2026 and office["CREATED"].dt.month == 1  # the fixed clock
    assert events[f"runoff-2025@{SEED_NAME}.chronicle"]["SEQUENCE"] == 0


def test_revisions_raise_sequence_and_keep_the_uid(seed_dir: Archive) -> None:
    uid = f"runoff-2025@{SEED_NAME}.chronicle"
    before = vevents(export_text(seed_dir))[uid]
    seed_dir.revise("runoff-2025", reason="Full name", title="Presidential runoff: Daniel Noboa vs Luisa González")
    after = vevents(export_text(seed_dir))[uid]
    assert after["SEQUENCE"] == before["SEQUENCE"] + 1
    assert str(after["SUMMARY"]) == "Presidential runoff: Daniel Noboa vs Luisa González"
    assert after["LAST-MODIFIED"].dt >= before["LAST-MODIFIED"].dt


def test_retracted_events_are_left_out_unless_asked_then_cancelled(seed_dir: Archive) -> None:
    uid = f"southcom-warning@{SEED_NAME}.chronicle"
    sequence = vevents(export_text(seed_dir))[uid]["SEQUENCE"]
    seed_dir.retract("southcom-warning", reason="A slogan, not an event")
    assert uid not in vevents(export_text(seed_dir))
    cancelled = vevents(export_text(seed_dir, EventQuery(include_retracted=True)))[uid]
    assert cancelled["STATUS"] == "CANCELLED"
    assert cancelled["SEQUENCE"] == sequence + 1
    assert "Retracted: A slogan, not an event." in str(cancelled["DESCRIPTION"])


def test_uncertain_dates_are_tentative_with_a_precision_line(seed_dir: Archive) -> None:
    add(seed_dir, title="A warning", date="2024?", end="2025?", event_id="uncertain-warning")
    warning = vevents(export_text(seed_dir))[f"uncertain-warning@{SEED_NAME}.chronicle"]
    assert warning["STATUS"] == "TENTATIVE"
    assert str(warning["X-CHRONICLE-DATE"]) == "2024?/2025?"
    assert str(warning["DESCRIPTION"]).endswith(
        "Date: 2024? – 2025? (known to the year, uncertain); shown across the whole period it may cover."
    )


# --- imprecise dates ------------------------------------------------------------------


def test_imprecise_policy_start_puts_the_event_on_its_first_day(seed_dir: Archive) -> None:
    events = vevents(export_text(seed_dir, imprecise="start"))
    call = events[f"foreign-special-forces-call@{SEED_NAME}.chronicle"]
    assert (call["DTSTART"].dt, call["DTEND"].dt) == (date(2025, 2, 1), date(2025, 2, 2))
    assert str(call["DESCRIPTION"]).endswith(
        "Date: Feb 2025 (known to the month); shown on the first day it may have begun."
    )
    assert str(call["X-CHRONICLE-DATE"]) == "2025-02"
    # Day-exact intervals are not imprecise: they keep their days.
    homicides = events[f"homicides-first-50-days-2025@{SEED_NAME}.chronicle"]
    assert (homicides["DTSTART"].dt, homicides["DTEND"].dt) == (date(2025, 1, 1), date(2025, 2, 20))


def test_imprecise_policy_skip_leaves_them_out_and_counts_them(seed_dir: Archive) -> None:
    text, stats = export_with_stats(seed_dir, imprecise="skip")
    kept = {uid.split("@")[0] for uid in vevents(text)}
    assert kept == set(SEED_DAYS) - {"manta-base-closes", "foreign-special-forces-call"}
    assert (stats.written, stats.skipped) == (16, 2)
    assert stats.note and "month/year" in stats.note


def test_an_ongoing_event_covers_the_period_it_began_in(empty: Archive) -> None:
    add(empty, title="States of exception", date="2024-03", end="..")
    event = only_event(export_text(empty))
    assert (event["DTSTART"].dt, event["DTEND"].dt) == (date(2024, 3, 1), date(2024, 4, 1))
    assert str(event["DESCRIPTION"]).endswith(
        "Date: Mar 2024 – ongoing (known to the month, still going on); shown across the period it began in."
    )
    assert str(event["X-CHRONICLE-DATE"]) == "2024-03/.."
    text, stats = export_with_stats(empty, imprecise="skip")
    assert "BEGIN:VEVENT" not in text and stats.skipped == 1


def test_an_unknown_policy_is_refused(empty: Archive) -> None:
    with pytest.raises(InvalidInput, match="imprecise"):
        export_with_stats(empty, imprecise="guess")


def test_cli_says_how_many_were_left_out(tmp_path: Path) -> None:
    seed_archive(tmp_path).close()
    result = run_chronicle("export", "--format", "ics", "--imprecise", "skip", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert f"wrote 16 events to {tmp_path / 'exports' / 'ecuador-security.ics'}, 2 left out" in result.stderr
    assert (tmp_path / "exports" / "ecuador-security.ics").read_bytes().count(b"BEGIN:VEVENT") == 16


# --- hard cases ---------------------------------------------------------------------------


def physical_lines(text: str) -> list[bytes]:
    raw = text.encode("utf-8")
    assert raw.endswith(b"\r\n")
    assert b"\n" not in raw.replace(b"\r\n", b"")  # no bare LF anywhere
    assert b"\r" not in raw.replace(b"\r\n", b"")  # no bare CR anywhere
    return raw[:-2].split(b"\r\n")


def test_spanish_text_folds_at_75_octets_without_splitting_a_character(empty: Archive) -> None:
    title = "Ataque armado a TC Televisión en Guayaquil: señal en vivo, pánico y detención de ñoños " * 3
    add(empty, title=title, description="Cañón, acción, niño, corazón — " * 40, place="Peñón del Río")
    text = export_text(empty)
    for line in physical_lines(text):
        assert len(line) <= 75
        line.decode("utf-8")  # each physical line is whole UTF-8: no sequence was cut
    event = only_event(text)
    assert str(event["SUMMARY"]) == " ".join(title.split())
    assert str(event["DESCRIPTION"]).startswith(("Cañón, acción, niño, corazón — " * 40).strip())
    assert str(event["LOCATION"]) == "Peñón del Río"


def test_fold_cuts_before_a_multibyte_character_at_the_boundary() -> None:
    line = "SUMMARY:" + "a" * 66 + "ñandú"  # 'ñ' starts at octet 75 and spans 75-76
    folded = fold(line).encode("utf-8")
    first, second = folded.split(b"\r\n ")
    assert len(first) == 74 and first.decode().endswith("a")
    assert second == "ñandú\r\n".encode()


def test_commas_semicolons_backslashes_and_newlines_survive_every_parser(empty: Archive) -> None:
    title = r'Decree 111; "internal armed conflict", per C:\decrees\111'
    description = "Line one; with, punctuation\\and a backslash.\nLine two.\n\nLine four, after a blank."
    tags = ["a,b", "semi;colon", "back\\slash"]
    add(empty, title=title, description=description, tags=tags, place="Quito; Pichincha, Ecuador")
    text = export_text(empty)
    event = only_event(text)
    assert str(event["SUMMARY"]) == title
    assert str(event["DESCRIPTION"]).startswith(description + "\n\nSources:")
    assert [str(c) for c in event["CATEGORIES"].cats] == tags
    assert str(event["LOCATION"]) == "Quito; Pichincha, Ecuador"
    (parsed,) = vobject.readOne(text).vevent_list
    assert parsed.summary.value == title
    assert parsed.description.value.startswith(description)
    assert parsed.location.value == "Quito; Pichincha, Ecuador"
    (other,) = ics_events(text)
    assert other.name == title
    assert other.description.startswith(description)


def test_a_title_or_description_cannot_inject_properties(empty: Archive) -> None:
    add(
        empty, title="Attack\r\nDTSTART:19700101T000000Z",
        description="ok\r\nDTSTART:19700101T000000Z\r\nEND:VEVENT\r\nBEGIN:VEVENT\r\nUID:evil\rX-Y:z\x00\x07",
    )
    text = export_text(empty)
    lines = text.split("\r\n")
    assert sum(1 for line in lines if line.startswith("BEGIN:VEVENT")) == 1
    assert sum(1 for line in lines if line.startswith("DTSTART")) == 1
    event = only_event(text)
    assert event["DTSTART"].dt == date(2024, 5, 1)
    assert str(event["SUMMARY"]) == "Attack DTSTART:19700101T000000Z"
    assert str(event["DESCRIPTION"]).startswith(
        "ok\nDTSTART:19700101T000000Z\nEND:VEVENT\nBEGIN:VEVENT\nUID:evil\nX-Y:z\n\nSources:"
    )
    assert len(vobject.readOne(text).vevent_list) == 1
    assert len(ics_events(text)) == 1


def test_a_5000_character_description_comes_back_whole(empty: Archive) -> None:
    description = "".join(f"{n:04d} señal; " for n in range(500))[:5000]
    add(empty, description=description)
    text = export_text(empty)
    assert str(only_event(text)["DESCRIPTION"]).startswith(description + "\n\nSources:")
    assert vobject.readOne(text).vevent_list[0].description.value.startswith(description)
    assert max(len(line) for line in physical_lines(text)) <= 75


@pytest.mark.parametrize(
    ("date_text", "end", "start", "stop"),
    [
        ("2024-02-29", None, date(2024, 2, 29), date(2024, 3, 1)),
        ("2024-12-30", "2025-01-02", date(2024, 12, 30), date(2025, 1, 3)),
        ("1895-06-05", None, date(1895, 6, 5), date(1895, 6, 6)),
        ("1820-05-24", "1822-05-24", date(1820, 5, 24), date(1822, 5, 25)),
    ],
    ids=["29-feb-2024", "across-a-year", "before-1900", "interval-before-1900"],
)
def test_all_day_dates_every_parser_agrees_on(
    empty: Archive, date_text: str, end: str | None, start: date, stop: date,
) -> None:
    add(empty, date=date_text, end=end)
    text = export_text(empty)
    event = only_event(text)
    assert (event["DTSTART"].dt, event["DTEND"].dt) == (start, stop)
    (parsed,) = vobject.readOne(text).vevent_list
    assert (parsed.dtstart.value, parsed.dtend.value) == (start, stop)
    (other,) = ics_events(text)
    assert (other.begin.date(), other.end.date()) == (start, stop)
    assert other.all_day


def test_timestamps_are_written_in_utc_or_floating(empty: Archive) -> None:
    add(empty, title="Curfew begins", date="2025-04-13T20:00-05:00")
    add(empty, title="Count announced", date="2025-04-13T22:30:15-05:00", end="2025-04-14T01:00-05:00")
    add(empty, title="Local time only", date="2025-04-13T09:15")
    events = {str(e["SUMMARY"]): e for e in vevents(export_text(empty)).values()}
    assert events["Curfew begins"]["DTSTART"].dt == datetime(2025, 4, 14, 1, 0, tzinfo=UTC)
    assert "DTEND" not in events["Curfew begins"]
    count = events["Count announced"]
    assert count["DTSTART"].dt == datetime(2025, 4, 14, 3, 30, 15, tzinfo=UTC)
    assert count["DTEND"].dt == datetime(2025, 4, 14, 6, 0, tzinfo=UTC)
    floating = events["Local time only"]["DTSTART"].dt
    assert floating == datetime(2025, 4, 13, 9, 15) and floating.tzinfo is None
    assert str(events["Curfew begins"]["X-CHRONICLE-DATE"]) == "2025-04-13T20:00-05:00"


def test_several_sources_are_listed_and_the_first_is_the_url(empty: Archive) -> None:
    sources = [
        make_source("https://example.org/one", title="First, report", publisher="El Universo", published="2024-01-10"),
        make_source("https://example.org/two", publisher="Primicias"),
        make_source(None, title="Decreto Ejecutivo 111", publisher="Registro Oficial"),
    ]
    add(empty, sources=sources)
    event = only_event(export_text(empty))
    assert str(event["URL"]) == "https://example.org/one"
    assert str(event["DESCRIPTION"]).endswith(
        "Sources:\n"
        "- El Universo, “First, report” (published 10 Jan 2024): https://example.org/one\n"
        "- Primicias: https://example.org/two\n"
        "- Registro Oficial, “Decreto Ejecutivo 111”"
    )
    assert len(event["X-CHRONICLE-SOURCE"]) == 3


def test_an_unsourced_event_says_so_and_has_no_url(empty: Archive) -> None:
    add(empty, unsourced=True, description="Heard on the radio.")
    event = only_event(export_text(empty))
    assert "URL" not in event
    assert str(event["DESCRIPTION"]) == "Heard on the radio.\n\nNo source: recorded as unsourced."


def test_non_ascii_urls_are_percent_encoded(empty: Archive) -> None:
    add(empty, sources=[make_source("https://es.wikipedia.org/wiki/Televisión_(Ecuador)")])
    event = only_event(export_text(empty))
    assert str(event["URL"]) == "https://es.wikipedia.org/wiki/Televisi%C3%B3n_(Ecuador)"


def test_source_json_is_the_sources_canonical_json() -> None:
    for source in [
        make_source("https://example.org/a\"b?c=1&d=ñ", title='A "quoted", title\n\t', publisher="Ñ\\P",
                    published="2025-02", accessed="2025-03-01", archived_url="https://web.example/x",
                    quote="«cita»\u2028"),
        make_source(None, title="Only a title"),
    ]:
        assert source_json(source) == json.dumps(source.to_dict(), ensure_ascii=False, separators=(",", ":"))


def test_escape_and_unescape_are_inverse() -> None:
    for text in ["plain", "a;b,c\\d\ne", "\\n is not a newline", "", "ñ;\\;,"]:
        assert unescape_text(escape_text(text)) == text
    assert escape_text("a\r\nb\rc") == "a\\nb\\nc"


# --- reading calendars back ---------------------------------------------------------------


def event_state(archive: Archive) -> list[tuple[Any, ...]]:
    return sorted(
        (e.id, e.title, e.span.edtf, e.description, e.tags, e.actors, e.place, e.sources, e.unsourced)
        for e in archive.show()
    )


def test_chronicle_export_round_trips_into_the_same_events(seed_dir: Archive, tmp_path: Path) -> None:
    path = tmp_path / "seed.ics"
    path.write_text(export_text(seed_dir), encoding="utf-8", newline="")
    other = Archive.init(tmp_path / "other", name="other", author="tester")
    report = import_file(other, path)
    assert report.new_events == 18
    assert event_state(other) == event_state(seed_dir)
    # Re-importing the same calendar, into either archive, adds nothing.
    assert import_file(other, path).records == 0
    assert import_file(seed_dir, path).records == 0


def test_hard_cases_round_trip(empty: Archive, tmp_path: Path) -> None:
    add(empty, title="Señal; cortada, en vivo", description="a\\b;c,d\nsecond line\n\nSources:\nnot really",
        tags=["a,b", "c"], actors=["Daniel Noboa", "Fuerzas Armadas, Ecuador"], place="Guayaquil")
    add(empty, title="Ongoing", date="2024-03", end="..", unsourced=True)
    add(empty, title="Approximate day", date="2024-01-09~", description="")
    add(empty, title="Timed", date="2025-04-13T20:00-05:00", end="2025-04-13T23:00-05:00")
    add(empty, title="Old", date="1820-05-24", sources=[make_source("https://example.org/x", title="A, B; C")])
    path = tmp_path / "cases.ics"
    path.write_text(export_text(empty), encoding="utf-8", newline="")
    other = Archive.init(tmp_path / "other", name="other", author="tester")
    import_file(other, path)
    assert event_state(other) == event_state(empty)


def test_a_re_exported_change_is_imported_as_one_revision(seed_dir: Archive, tmp_path: Path) -> None:
    path = tmp_path / "seed.ics"
    path.write_text(export_text(seed_dir), encoding="utf-8", newline="")
    other = Archive.init(tmp_path / "other", name="other", author="tester")
    import_file(other, path)
    seed_dir.revise("runoff-2025", reason="Clearer", title="Runoff: Noboa defeats González")
    path.write_text(export_text(seed_dir), encoding="utf-8", newline="")
    report = import_file(other, path)
    assert (report.new_events, report.changed_events, report.records) == (0, 1, 1)
    assert other.get("runoff-2025").title == "Runoff: Noboa defeats González"


def incoming(name: str) -> list[Any]:
    return list(read_ical(ICS / name, {"label": name}))


def test_real_calendars_map_to_events() -> None:
    (google,) = incoming("icalendar__alarm_google_future.ics")
    assert google.fields.payload()["date"] == "2024-10-04T18:15Z"
    assert google.fields.payload()["end"] == "2024-10-04T19:00Z"
    # A Windows zone name whose VTIMEZONE (oddly) says +01:00 in November: the file's own
    # definition is what counts, not a guess from the name.
    (windows,) = incoming("khal__tz_windows_format.ics")
    assert windows.fields.payload()["date"] == "2019-11-20T13:00+01:00"
    (long_event,) = incoming("khal__event_d_long.ics")  # a bare VEVENT, exclusive DTEND
    assert (long_event.fields.payload()["date"], long_event.fields.payload()["end"]) == ("2014-04-09", "2014-04-11")
    (one_day,) = incoming("khal__cal_d.ics")
    assert (one_day.fields.payload()["date"], one_day.fields.payload()["end"]) == ("2014-04-09", None)
    (commas,) = incoming("icalendar__issue_127_categories_with_commas.ics")
    assert commas.fields.payload()["tags"] == ["Meeting, John", "Work, Sarah", "Project"]
    assert commas.fields.unsourced and commas.fields.sources == ()
    (brazil,) = incoming("icalendar__issue_237_fail_to_parse_timezone_with_non_ascii_tzid.ics")
    assert brazil.fields.payload()["date"] == "2017-05-11T13:30-03:00"
    assert brazil.event_id.startswith("no-uid-")  # no UID: identity from start and title


def test_bogota_and_guayaquil_are_minus_five_even_with_a_bogus_dst_rule(tmp_path: Path) -> None:
    """Some software emits a DST rule for Ecuador, which has had none since 1993."""
    bogus_zone = (
        "BEGIN:VTIMEZONE\r\nTZID:America/Guayaquil\r\n"
        "BEGIN:STANDARD\r\nDTSTART:19700101T000000\r\nTZOFFSETFROM:-0400\r\nTZOFFSETTO:-0500\r\n"
        "RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU\r\nEND:STANDARD\r\n"
        "BEGIN:DAYLIGHT\r\nDTSTART:19700301T000000\r\nTZOFFSETFROM:-0500\r\nTZOFFSETTO:-0400\r\n"
        "RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU\r\nEND:DAYLIGHT\r\nEND:VTIMEZONE\r\n"
    )
    path = tmp_path / "ecuador.ics"
    path.write_text(
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//x//y//EN\r\n" + bogus_zone
        + "BEGIN:VEVENT\r\nUID:gye\r\nDTSTAMP:20250101T000000Z\r\n"
        "DTSTART;TZID=America/Guayaquil:20250413T200000\r\nSUMMARY:Polls close\r\nEND:VEVENT\r\n"
        "BEGIN:VEVENT\r\nUID:bog\r\nDTSTAMP:20250101T000000Z\r\n"
        "DTSTART;TZID=America/Bogota:20250413T200000\r\nSUMMARY:Bogotá\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n",
        encoding="utf-8", newline="",
    )
    dates = {item.event_id: item.fields.payload()["date"] for item in read_ical(path, {})}
    assert dates == {"gye": "2025-04-13T20:00-05:00", "bog": "2025-04-13T20:00-05:00"}


def test_url_becomes_the_source_else_the_event_is_unsourced(tmp_path: Path) -> None:
    path = tmp_path / "two.ics"
    path.write_bytes((
        "\ufeffBEGIN:VCALENDAR\nVERSION:2.0\nPRODID:-//x//y//EN\n"  # BOM and bare LF line ends
        "BEGIN:VEVENT\nUID:a@example.org\nDTSTAMP:20250101T000000Z\nDTSTART;VALUE=DATE:20250413\n"
        "SUMMARY:Runoff\nURL:https://example.org/runoff\nCATEGORIES:elections,politics\n"
        "LOCATION:Ecuador\nDESCRIPTION:Second round\\, Noboa v González\nEND:VEVENT\n"
        "BEGIN:VEVENT\nUID:b@example.org\nDTSTAMP:20250101T000000Z\nDTSTART;VALUE=DATE:20241230\n"
        "DTEND;VALUE=DATE:20250103\nSUMMARY:New year\nEND:VEVENT\nEND:VCALENDAR\n"
    ).encode("utf-8"))
    first, second = read_ical(path, {})
    assert first.event_id == "a-example.org-" + first.event_id.rsplit("-", 1)[1]
    assert first.fields.sources[0].url == "https://example.org/runoff"
    assert not first.fields.unsourced
    assert first.fields.payload()["tags"] == ["elections", "politics"]
    assert first.fields.place == "Ecuador"
    assert first.fields.description == "Second round, Noboa v González"
    assert (second.fields.payload()["date"], second.fields.payload()["end"]) == ("2024-12-30", "2025-01-02")
    assert second.fields.unsourced and second.fields.sources == ()


def test_event_ids_from_uids_are_valid_and_stable() -> None:
    from chronicle.model import check_id

    uids = ["runoff-2025@ecuador-security.chronicle", "7kukuqrfedlm2f9t0vo3nhl8sk@google.com",
            "040000008200E00074C5B7101A82E008000000008062306C6261CA01000000000000000010000000",
            "{A1B2} weird uid / with spaces", "ñ" * 300]
    ids = [event_id_for(uid) for uid in uids]
    assert ids[0] == "runoff-2025"
    for uid, event_id in zip(uids, ids, strict=True):
        assert check_id(event_id) == event_id_for(uid)
    assert len(set(ids)) == len(ids)


GOOD_FILES = [
    "icalendar__alarm_etar_future.ics", "icalendar__alarm_google_future.ics",
    "icalendar__alarm_thunderbird_future.ics",
    "icalendar__issue_127_categories_with_commas.ics", "icalendar__issue_156_RDATE_with_PERIOD_TZID_khal_2.ics",
    "icalendar__issue_237_fail_to_parse_timezone_with_non_ascii_tzid.ics", "icalendar__issue_348_exception_parsing_value.ics",
    "icalendar__issue_350.ics", "icalendar__issue_722_timezone_transition_ambiguity.ics",
    "icalendar__issue_836_do_not_quote_tzid.ics", "icalendar__multiple_calendar_components.ics",
    "icalendar__property_params.ics", "icalendar__rfc_7529.ics", "icalendar__timezone_same_start.ics",
    "icalendar__x_location.ics", "icaljs__day_long_recur_yearly.ics", "icaljs__duration_instead_of_dtend.ics",
    "icaljs__only_dtstart_date.ics", "icaljs__recur_instances.ics", "icaljs__utc_negative_zero.ics",
    "khal__cal_d.ics", "khal__cal_lots_of_timezones.ics", "khal__event_d_long.ics",
    "khal__event_dt_mixed_awareness.ics", "khal__part1.ics", "khal__tz_windows_format.ics",
]

#: Broken files and the problem the one-line error names.
BROKEN_FILES = {
    "icalendar__big_bad_calendar.ics": "holds no complete calendar",
    "icalendar__parsing_error.ics": "EXDATE",
    "icalendar__issue_165_missing_event.ics": "RRULE",
    "icalendar__pacific_fiji.ics": "DTSTART: appears more than once",
    "icalendar__rfc_5545_RDATE_example.ics": "DTSTART: is missing",
    "icalendar__created_calendar_with_unicode_fields.ics": "DTSTART: is missing",
    "icaljs__blank_line_mid.ics": "line 3 is blank",
    "icaljs__google_birthday.ics": "RDATE",
    "khal__invalid_tzoffset.ics": "Offset must be less than 24 hours",
    "khal__non_dst_error.ics": "Invalid iCalendar duration",
    # A calendar with no event (only free/busy, or nothing) imports nothing: said, not "0 read".
    "icalendar__bom_calendar.ics": "0 events in",
    "icalendar__issue_27_multiple_periods_in_freebusy_multiple_freebusies.ics": "0 events in",
}


def test_cli_imports_a_calendar_and_shows_its_events(tmp_path: Path) -> None:
    Archive.init(tmp_path, name="real", author="tester").close()
    result = run_chronicle("import", str(ICS / "khal__event_d_long.ics"), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "1 events read, 1 new" in result.stderr
    shown = run_chronicle("show", "--format", "json", cwd=tmp_path)
    (event,) = json.loads(shown.stdout)
    assert (event["date"], event["end"], event["unsourced"]) == ("2014-04-09", "2014-04-11", True)


def test_every_real_file_is_classified() -> None:
    assert sorted(p.name for p in ICS.glob("*.ics")) == sorted([*GOOD_FILES, *BROKEN_FILES])


@pytest.mark.parametrize("name", GOOD_FILES)
def test_real_calendars_import_and_reimport_adds_nothing(tmp_path: Path, name: str) -> None:
    archive = Archive.init(tmp_path, name="real", author="tester")
    first = import_file(archive, ICS / name)
    assert first.new_events == archive.count()
    assert import_file(archive, ICS / name).records == 0
    for event in archive.show():
        assert event.unsourced == (not event.sources)
    origins = {record.origin for record in archive.log()}
    assert all(str(ICS / name) in origin and "sha256:" in origin for origin in origins)


@pytest.mark.parametrize("name", sorted(BROKEN_FILES))
def test_broken_calendars_fail_with_one_clean_line_and_import_nothing(tmp_path: Path, name: str) -> None:
    Archive.init(tmp_path, name="real", author="tester").close()
    result = run_chronicle("import", str(ICS / name), cwd=tmp_path)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    (line,) = result.stderr.strip().splitlines()
    assert name in line and BROKEN_FILES[name] in line
    archive = Archive.open(f"sqlite:///{tmp_path / 'events' / 'chronicle.db'}")
    assert archive.head().count == 0
    archive.close()


# --- any text at all ----------------------------------------------------------------------

def _expected_text(text: str) -> str:
    """What a reader gets back: line ends as LF, control characters (but tab) gone."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return "".join(ch for ch in text if ch in "\t\n" or not (ord(ch) < 0x20 or ord(ch) == 0x7F))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(title=st.text(min_size=1, max_size=200), description=st.text(max_size=600),
       tag=st.text(min_size=1, max_size=40))
def test_any_text_survives_escaping_and_folding(title: str, description: str, tag: str) -> None:
    event = Event(
        id="any-text", title=title, span=parse_span("2024-02-29"), description=description,
        tags=(tag,), place=title, unsourced=True,
        created_at="2026-01-02T03:04:05.000000Z", updated_at="2026-01-02T03:04:05.000000Z",
    )
    ctx = ExportContext(name="fuzz", description="", filters="all events", count=1, head_seq=1,
                        head_hash="0" * 64, as_of="2026-01-02T03:04:05.000000Z", version="test")
    out = io.StringIO(newline="")
    export_ical([event], out, ctx, {"imprecise": "span"})
    text = out.getvalue()
    for line in physical_lines(text):
        assert len(line) <= 75
        line.decode("utf-8")
    parsed = only_event(text)
    assert str(parsed["SUMMARY"]) == _expected_text(title)
    assert str(parsed["LOCATION"]) == _expected_text(title)
    assert [str(c) for c in parsed["CATEGORIES"].cats] == [_expected_text(tag)]
    trailer = "No source: recorded as unsourced."
    assert str(parsed["DESCRIPTION"]) == _expected_text(f"{description}\n\n{trailer}" if description else trailer)
    assert parsed["DTSTART"].dt == date(2024, 2, 29)


def test_imprecise_exports_round_trip_and_cancelled_events_are_not_imported(
    seed_dir: Archive, tmp_path: Path,
) -> None:
    """``X-CHRONICLE-DATE`` restores the date whatever the policy; a retracted event, exported
    as CANCELLED, is not brought back to life by an import."""
    seed_dir.retract("southcom-warning", reason="A slogan, not an event")
    path = tmp_path / "start.ics"
    path.write_text(export_text(seed_dir, EventQuery(include_retracted=True), imprecise="start"),
                    encoding="utf-8", newline="")
    other = Archive.init(tmp_path / "other", name="other", author="tester")
    report = import_file(other, path)
    assert (report.items, report.new_events) == (17, 17)
    assert event_state(other) == event_state(seed_dir)
    assert other.get("us-ecuador-sofa").span.edtf == "2024-01-09/2025-04-13"
