"""TimelineJS: its sheet (CSV) and its own JSON, through one ``--preset timelinejs``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from chronicle.archive import Archive
from chronicle.cli import main
from chronicle.dates import parse_span
from chronicle.errors import InvalidInput
from chronicle.importing import import_file
from tests.conftest import REALDATA

TLJS = REALDATA / "timelinejs"

pytestmark = pytest.mark.skipif(not TLJS.exists(), reason=f"real data not found under {TLJS}")


@pytest.fixture
def empty(tmp_path: Path) -> Archive:
    return Archive.init(tmp_path, name="tljs", author="tester")


def test_timelinejs_json_reads_parts_text_media_and_counts_the_title_slide(empty: Archive) -> None:
    report = import_file(empty, TLJS / "women_in_computing.json", options={"preset": "timelinejs"})
    assert (report.new_events, report.skipped, report.rejected) == (10, 1, 0)
    assert report.skip_reasons == (("the TimelineJS title slide (the timeline's own title), not an event", 1),)
    events = {e.title: e for e in empty.show()}
    assert "Women in Computing" not in events
    assert events["Ada Lovelace"].span.edtf == "1815-12-10/1852-11-27"
    assert events["...And the women who made it work"].span.edtf == "1943-07/1946"  # blanks: unknown parts
    assert events["Rózsa Péter writes recursion"].span.edtf == "1951"
    ada = events["Ada Lovelace"]
    assert ada.sources[0].publisher == "Wikimedia Commons" and ada.sources[0].url.startswith("https://upload")
    assert ada.sources[0].title == "Portrait by Alfred Edward Chalon"  # the caption, HTML reduced to text
    assert all("<" not in e.description for e in events.values())


def test_the_sheet_and_the_json_of_one_timeline_make_the_same_events(empty: Archive) -> None:
    import_file(empty, TLJS / "women_in_computing.csv", options={"preset": "timelinejs"})
    again = import_file(empty, TLJS / "women_in_computing.json", options={"preset": "timelinejs"})
    assert (again.new_events, again.records) == (0, 0)  # same ids, same dates, same text


def test_eras_are_skipped_with_their_reason_and_times_keep_their_precision(empty: Archive, tmp_path: Path) -> None:
    eras = import_file(empty, TLJS / "eras.json", options={"preset": "timelinejs"})
    assert (eras.new_events, eras.skipped) == (20, 4)
    assert dict(eras.skip_reasons)["a TimelineJS era (a background period), not an event"] == 3
    assert {e.title: e.span.edtf for e in empty.show()}["Last great Roman-Persian War."] == "0602/0629"
    other = Archive.init(tmp_path / "twain", name="twain", author="tester")
    twain = import_file(other, TLJS / "marktwain.json", options={"preset": "timelinejs"})
    # Slides with a date but no words are said, not recorded; the rest are all there.
    assert (twain.new_events, twain.skipped) == (14, 4)
    assert dict(twain.skip_reasons)["a TimelineJS slide with a date but no headline or text: nothing to record"] == 3
    born = next(e for e in other.show() if e.title == "Florida, Missouri")
    assert born.span.edtf == "2000-01-05T06:45:56" and born.place == "Florida, Missouri"


def test_reimporting_every_timelinejs_file_appends_nothing(empty: Archive, tmp_path: Path) -> None:
    for number, path in enumerate(sorted(TLJS.iterdir())):
        archive = Archive.init(tmp_path / str(number), name="again", author="tester")
        first = import_file(archive, path, options={"preset": "timelinejs"})
        assert first.records > 0
        second = import_file(archive, path, options={"preset": "timelinejs"})
        assert (second.records, second.unchanged) == (0, first.items), path.name


def test_a_json_file_without_timelinejs_events_fails_and_says_why(empty: Archive, tmp_path: Path) -> None:
    path = tmp_path / "other.json"
    path.write_text(json.dumps([{"headline": "x", "date": "2020"}]), encoding="utf-8")
    with pytest.raises(InvalidInput) as caught:
        import_file(empty, path, options={"preset": "timelinejs"})
    assert f"0 events in {path}: the timelinejs preset found no `events` list and no Year column" in str(caught.value)
    assert empty.count() == 0


def _bce_supported() -> bool:
    try:
        return parse_span("-3500").edtf == "-3500"
    except InvalidInput:
        return False


@pytest.mark.xfail(not _bce_supported(), reason="needs the dates branch", strict=True)
def test_negative_years_stay_bce(empty: Archive, tmp_path: Path, runner: CliRunner) -> None:
    document = {"events": [
        {"start_date": {"year": "-3500"}, "text": {"headline": "Writing in Sumer"}},
        {"start_date": {"year": "-490", "month": "9"}, "end_date": {"year": "-479"},
         "text": {"headline": "Persian Wars"}},
    ]}
    path = tmp_path / "bce.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    result = runner.invoke(main, ["--db", empty.store.url, "import", str(path), "--preset", "timelinejs"])
    assert result.exit_code == 0, result.output
    spans = {e.title: e.span.edtf for e in empty.show()}
    assert spans == {"Writing in Sumer": "-3500", "Persian Wars": "-0490-09/-0479"}
    sheet = tmp_path / "bce.csv"
    sheet.write_text("Year,Month,Day,End Year,Headline\n-44,3,15,,Caesar is killed\n", encoding="utf-8")
    assert import_file(empty, sheet, options={"preset": "timelinejs"}).new_events == 1
    assert empty.get(next(e.id for e in empty.show() if e.title == "Caesar is killed")).span.edtf == "-0044-03-15"
