"""The three real datasets in ../shared/realdata import with one documented command each."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from chronicle.archive import Archive
from chronicle.cli import main
from chronicle.importing import import_file
from tests.conftest import REALDATA

UCDP = REALDATA / "ucdp_ged_car" / "GEDEvent_v23_1_CAR.csv"
WIKI = REALDATA / "wikitimes_cep" / "wikitimes_CEP_2015-09.json"
TIMELINEJS = REALDATA / "timelinejs" / "women_in_computing.csv"

pytestmark = pytest.mark.skipif(not UCDP.exists(), reason=f"real data not found under {REALDATA}")


@pytest.fixture
def empty(tmp_path: Path) -> Archive:
    return Archive.init(tmp_path, name="realdata")


def ucdp_rows() -> list[dict[str, str]]:
    with open(UCDP, encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def test_ucdp_imports_every_event_with_honest_dates(empty: Archive) -> None:
    report = import_file(empty, UCDP, options={"preset": "ucdp"})
    rows = ucdp_rows()
    assert (report.items, report.new_events, report.rejected, report.skipped) == (len(rows), 1848, 0, 0)
    events = {e.id: e for e in empty.show()}
    assert len(events) == 1848
    for number, row in enumerate(rows, start=2):
        event = events[f"ucdp-ged-{row['id']}"]
        start, stop = row["date_start"][:10], row["date_end"][:10]
        # The span covers exactly the coders' window: never narrower (invented), never wider.
        assert (event.span.start.earliest_day.isoformat(), (event.span.end or event.span.start).latest_day.isoformat()) \
            == (start, stop), row["id"]
        if row["date_prec"] == "1":
            assert event.date == start and event.end is None
        assert event.actors == tuple(dict.fromkeys(a for a in (row["side_a"], row["side_b"]) if a))
        citations = [c.strip() for c in row["source_article"].split(";") if c.strip()]
        assert [s.title for s in event.sources] == list(dict.fromkeys(citations))
        assert all(s.url is None for s in event.sources)
        if number in (2, 1849):
            origin = next(iter(empty.history(event.id))).origin
            assert origin.startswith(f"import {UCDP} sha256:") and origin.endswith(f" row {number}")
    week = events["ucdp-ged-36211"]  # date_prec 5: 7 Aug – 10 Sep 2009 stays an interval
    assert (week.date, week.end) == ("2009-08-07", "2009-09-10")
    month = next(e for e in events.values() if e.date == "2012-03" and e.end is None)
    assert "UCDP date precision 4" in month.description
    assert any(e.date == "2000" and e.end is None for e in events.values())  # a whole-year window


def test_wikipedia_current_events_import(empty: Archive) -> None:
    report = import_file(empty, WIKI, options={"preset": "wikipedia"})
    items = json.loads(WIKI.read_text(encoding="utf-8"))
    assert (report.new_events, report.rejected, report.skipped) == (len(items), 0, 0) == (428, 0, 0)
    events = {e.id: e for e in empty.show()}
    unsourced = [e for e in events.values() if e.unsourced]
    assert [e.id for e in unsourced] == ["wikipedia-cep-56766"]
    first = events["wikipedia-cep-56657"]
    assert first.date == "2015-09-01" and first.span.precision.label == "day"
    # No headline in the portal: the first sentence, cut at a word before 140 characters.
    assert first.title.endswith(", after…") and len(first.title) <= 141
    assert first.description.startswith(first.title[:-1])
    assert first.description.endswith("mostly intact.")  # trailing spaces gone
    bbc = first.sources[0]
    assert (bbc.publisher, bbc.url) == ("BBC", "http://www.bbc.com/news/world-middle-east-34111092")
    short = events["wikipedia-cep-56659"]
    assert short.title == short.description == (
        "Six suspected militants are killed in a United States drone attack in the tribal area of North Waziristan.")
    assert "War Conflict" in first.tags and "Palmyra" in first.actors
    trailing = events["wikipedia-cep-56658"]
    assert trailing.description.endswith("south of Mogadishu.")  # ", " junk removed
    assert sum(len(e.sources) for e in events.values()) == sum(len(i["source"]) for i in items)


def test_timelinejs_sheet_import(empty: Archive) -> None:
    report = import_file(empty, TIMELINEJS, options={"preset": "timelinejs"})
    assert (report.new_events, report.skipped, report.rejected) == (10, 1, 0)
    events = {e.title: e for e in empty.show()}
    assert events["Ada Lovelace"].span.edtf == "1815-12-10/1852-11-27"
    assert events["Rózsa Péter writes recursion"].span.edtf == "1951"
    assert events["...And the women who made it work"].span.edtf == "1943-07/1946"
    assert all("<" not in e.description for e in events.values())
    assert "Ada Lovelace: Daughter of Lord Byron" in events["Ada Lovelace"].description
    assert events["Edith Clarke: Bucking the Trend"].unsourced  # its Media is a quotation, not a URL
    assert events["Ada Lovelace"].sources[0].publisher == "Wikimedia Commons"
    assert "Women in Computing" not in events  # the title slide is not an event


@pytest.mark.parametrize(("path", "preset", "summary"), [
    (UCDP, "ucdp", "1848 events read, 1848 new"),
    (WIKI, "wikipedia", "428 events read, 428 new"),
    (TIMELINEJS, "timelinejs", "10 events read, 10 new, 0 changed, 0 unchanged; 10 records appended; 1 skipped"),
])
def test_documented_command_and_reimport_adds_nothing(
        runner: CliRunner, empty: Archive, path: Path, preset: str, summary: str) -> None:
    args = ["--db", empty.store.url, "import", str(path), "--preset", preset]
    first = runner.invoke(main, args)
    assert first.exit_code == 0, first.output
    assert summary in first.output
    again = runner.invoke(main, args)
    assert again.exit_code == 0 and "0 new, 0 changed" in again.output and "0 records appended" in again.output


def test_a_preset_on_the_wrong_file_says_what_is_missing(runner: CliRunner, empty: Archive) -> None:
    result = runner.invoke(main, ["--db", empty.store.url, "import", str(TIMELINEJS), "--preset", "ucdp"])
    assert result.exit_code == 2
    assert "is not a ucdp file: its header lacks id, date_start" in result.output
