"""The import summary accounts for every item of the file, each count with its reason."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from chronicle.archive import Archive
from chronicle.cli import main
from tests.conftest import archive_bytes

SHEET = """Year,Month,Day,Time,End Year,End Month,End Day,End Time,Display Date,Headline,Text,Media,\
Media Credit,Media Caption,Media Thumbnail,Type,Group,Background
,,,,,,,,,A timeline,Intro,,,,,title,,
1990,,,,,,,,,Founded,,,,,,,,
1991,13,,,,,,,,Bad month,,,,,,,,
,,,,,,,,,The nineties,,,,,,era,,
1995,6,1,,,,,,,Moved,,https://example.org/a,Example,,,,,
"""


def _archive(tmp_path: Path) -> str:
    Archive.init(tmp_path, name="report", author="tester").close()
    return f"sqlite:///{tmp_path / 'events' / 'chronicle.db'}"


def test_text_summary_counts_and_reasons(tmp_path: Path, runner: CliRunner) -> None:
    url = _archive(tmp_path)
    sheet = tmp_path / "sheet.csv"
    sheet.write_text(SHEET, encoding="utf-8")
    rejects = tmp_path / "rejects.csv"
    result = runner.invoke(main, ["--db", url, "import", str(sheet), "--preset", "timelinejs",
                                  "--skip-invalid", "--rejects", str(rejects)])
    assert result.exit_code == 0, result.output
    lines = result.stderr.splitlines()
    assert lines[0] == (f"{sheet}: 2 events read, 2 new, 0 changed, 0 unchanged; 2 records appended; "
                        f"1 rejected (see {rejects}); 2 skipped (not events)")
    assert "  skipped 1: a TimelineJS title slide, not an event (no date)" in lines
    assert "  skipped 1: a TimelineJS era (a background period), not an event" in lines


def test_json_summary_for_scripts(tmp_path: Path, runner: CliRunner) -> None:
    url = _archive(tmp_path)
    sheet = tmp_path / "sheet.csv"
    sheet.write_text(SHEET, encoding="utf-8")
    args = ["--db", url, "import", str(sheet), "--preset", "timelinejs", "--skip-invalid",
            "--rejects", str(tmp_path / "r.csv"), "--summary", "json"]
    first = json.loads(runner.invoke(main, args).stdout)
    assert {k: first[k] for k in ("read", "events", "new", "changed", "unchanged", "skipped", "rejected",
                                  "records")} == {
        "read": 5, "events": 2, "new": 2, "changed": 0, "unchanged": 0, "skipped": 2, "rejected": 1, "records": 2}
    assert sorted(r["reason"] for r in first["skip_reasons"]) == [
        "a TimelineJS era (a background period), not an event", "a TimelineJS title slide, not an event (no date)"]
    again = json.loads(runner.invoke(main, args).stdout)
    assert (again["new"], again["unchanged"], again["records"]) == (0, 2, 0)


def test_a_file_with_no_event_fails_and_says_why(tmp_path: Path, runner: CliRunner) -> None:
    url = _archive(tmp_path)
    sheet = tmp_path / "titles.csv"
    sheet.write_text(SHEET.splitlines()[0] + "\n" + SHEET.splitlines()[1] + "\n", encoding="utf-8")
    before = archive_bytes(tmp_path / "events")
    result = runner.invoke(main, ["--db", url, "import", str(sheet), "--preset", "timelinejs"])
    assert result.exit_code != 0
    assert result.stderr.strip() == (
        f"chronicle: error: 0 events in {sheet}: 1 skipped (a TimelineJS title slide, not an event (no date)) "
        "(accepted: rows with a title and a date (chronicle's columns, --map or a --preset))")
    assert archive_bytes(tmp_path / "events") == before
    header_only = tmp_path / "empty.csv"
    header_only.write_text("title,date\n", encoding="utf-8")
    empty = runner.invoke(main, ["--db", url, "import", str(header_only)])
    assert empty.exit_code != 0 and "0 events in" in empty.stderr and "holds no items" in empty.stderr
