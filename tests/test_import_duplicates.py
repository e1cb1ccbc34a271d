"""A key repeated inside one file is a duplicate — named, never merged into a false "re-import"."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from chronicle.archive import Archive
from chronicle.cli import main
from chronicle.importing import DuplicateKeys, import_file
from tests.conftest import archive_bytes

#: Two distinct battles a Wikidata query gave the same label and date, and one repeat.
CSV = """title,date,description
Battle of Zela,-0067,Mithridates defeats Triarius
Battle of Zela,-0067,Caesar defeats Pharnaces (a different battle)
Siege of Alesia,-0052,
"""

ICS = """BEGIN:VCALENDAR\r
VERSION:2.0\r
PRODID:-//test//dup//EN\r
BEGIN:VEVENT\r
UID:same@example.org\r
DTSTAMP:20240101T000000Z\r
DTSTART;VALUE=DATE:20240105\r
SUMMARY:First copy\r
END:VEVENT\r
BEGIN:VEVENT\r
UID:same@example.org\r
DTSTAMP:20240101T000000Z\r
DTSTART;VALUE=DATE:20240106\r
SUMMARY:Second copy\r
END:VEVENT\r
BEGIN:VEVENT\r
UID:other@example.org\r
DTSTAMP:20240101T000000Z\r
DTSTART;VALUE=DATE:20240107\r
SUMMARY:Other\r
END:VEVENT\r
END:VCALENDAR\r
"""

JSON = json.dumps({"chronicle": {"format": "events", "version": 1}, "events": [
    {"id": "zela", "title": "Battle of Zela", "date": "1900"},
    {"id": "zela", "title": "Battle of Zela (again)", "date": "1901"},
    {"id": "alesia", "title": "Siege of Alesia", "date": "1902"},
]})

#: A seed whose second event repeats the first one's id (an edited copy pasted in).
TOML = """[[events]]
id = "zela"
title = "Battle of Zela"
date = "-0066"
unsourced = true

[[events]]
id = "zela"
title = "Battle of Zela (again)"
date = "-0046"
unsourced = true

[[events]]
id = "alesia"
title = "Siege of Alesia"
date = "-0051"
unsourced = true
"""

FILES = {"dups.csv": CSV, "dups.ics": ICS, "dups.json": JSON, "dups.toml": TOML}
#: What each file's duplicate rows are called, and the titles kept by first and last.
WHERE = {"dups.csv": ("row 3", "row 2"), "dups.ics": ("VEVENT 2", "VEVENT 1"), "dups.json": ("item 2", "item 1"),
         "dups.toml": ("event 2 (zela)", "event 1 (zela)")}
KEPT = {
    "dups.csv": ("Mithridates defeats Triarius", "Caesar defeats Pharnaces (a different battle)"),
    "dups.ics": ("First copy", "Second copy"),
    "dups.json": ("Battle of Zela", "Battle of Zela (again)"),
    "dups.toml": ("Battle of Zela", "Battle of Zela (again)"),
}


def _write(tmp_path: Path, name: str) -> Path:
    path = tmp_path / name
    path.write_text(FILES[name], encoding="utf-8")
    return path


def _archive(tmp_path: Path) -> Archive:
    return Archive.init(tmp_path / "archive", name="dups", author="tester")


@pytest.mark.parametrize("name", sorted(FILES))
def test_duplicates_refuse_the_import_by_default_and_name_the_rows(tmp_path: Path, name: str) -> None:
    archive = _archive(tmp_path)
    path = _write(tmp_path, name)
    before = archive_bytes(tmp_path / "archive" / "events")
    with pytest.raises(DuplicateKeys) as caught:
        import_file(archive, path)
    repeat, first = WHERE[name]
    message = str(caught.value)
    assert "1 item repeats a key already in this file" in message and "nothing was imported" in message
    assert repeat in message and first in message and "--duplicates first" in message
    assert archive.count() == 0
    archive.close()
    assert archive_bytes(tmp_path / "archive" / "events") == before


@pytest.mark.parametrize("name", sorted(FILES))
@pytest.mark.parametrize("policy", ["first", "last"])
def test_first_or_last_keeps_one_and_reimport_adds_nothing(tmp_path: Path, name: str, policy: str) -> None:
    archive = _archive(tmp_path)
    path = _write(tmp_path, name)
    report = import_file(archive, path, duplicates=policy)
    assert (report.new_events, report.changed_events, len(report.duplicates)) == (2, 0, 1)
    (duplicate,) = report.duplicates
    assert duplicate.kept == policy
    texts = {e.title + e.description for e in archive.show()}
    wanted = KEPT[name][0 if policy == "first" else 1]
    assert any(wanted in text for text in texts)
    assert not any(KEPT[name][1 if policy == "first" else 0] in text for text in texts if text != wanted)
    # Never a revision whose reason would say the file changed.
    assert not any(r.reason and "re-imported" in r.reason for r in archive.log())
    records = archive.head().count
    again = import_file(archive, path, duplicates=policy)
    assert (again.records, again.unchanged, archive.head().count) == (0, 2, records)


def test_cli_names_duplicates_in_the_summary(tmp_path: Path, runner: CliRunner) -> None:
    archive = _archive(tmp_path)
    path = _write(tmp_path, "dups.csv")
    refused = runner.invoke(main, ["--db", archive.store.url, "import", str(path)])
    assert refused.exit_code == 2
    assert "row 3 repeats row 2" in refused.stderr
    result = runner.invoke(main, ["--db", archive.store.url, "import", str(path), "--duplicates", "last"])
    assert result.exit_code == 0, result.output
    lines = result.stderr.splitlines()
    assert lines[0].endswith("; 1 duplicates (not imported)")
    assert any(line.startswith("  duplicate: row 2 has the key of row 3 (id battle-of-zela-") and
               line.endswith("imported row 3 only") for line in lines)
