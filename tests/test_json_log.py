"""JSON exports and imports, and the log as JSON Lines: a backup that verifies to the same head."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from chronicle.archive import Archive
from chronicle.cli import main
from chronicle.errors import InvalidInput, TamperedLog
from chronicle.exporting import export
from chronicle.importing import import_file
from chronicle.model import canonical_json
from chronicle.query import EventQuery

#: Event keys that describe the exporting archive's log rather than the event.
LOG_KEYS = ("revision", "created_at", "updated_at", "history", "status_reason")


def fresh(tmp_path: Path, name: str) -> Archive:
    directory = tmp_path / name
    directory.mkdir()
    return Archive.init(directory, name="copy")


def export_to(archive: Archive, fmt: str, path: Path, **options: Any) -> str:
    export(archive, fmt, EventQuery(), str(path), options)
    return path.read_text(encoding="utf-8")


def event_content(document: dict[str, Any]) -> list[dict[str, Any]]:
    return [{k: v for k, v in e.items() if k not in LOG_KEYS} for e in document["events"]]


# -- JSON ---------------------------------------------------------------------------------


def test_json_export_holds_archive_metadata_and_events(seeded: Archive, tmp_path: Path) -> None:
    text = export_to(seeded, "json", tmp_path / "a.json")
    document = json.loads(text)
    head = seeded.head()
    assert document["chronicle"] == {"format": "events", "version": 1}
    assert document["archive"]["name"] == "test" and document["archive"]["count"] == 18
    assert (document["archive"]["head_seq"], document["archive"]["head_hash"]) == (head.count, head.hash)
    events = document["events"]
    assert len(events) == 18 and len(text.splitlines()) == 18 + 4  # one event per line
    claimed = [e for e in events if e["claims"]]
    assert claimed and all(len(e["history"]) == e["revision"] for e in events)
    assert all(e["sources"] or e["unsourced"] for e in events)
    assert export_to(seeded, "json", tmp_path / "b.json") == text  # byte-identical for the same state


def test_empty_archive_exports_valid_json(archive: Archive, tmp_path: Path) -> None:
    document = json.loads(export_to(archive, "json", tmp_path / "e.json"))
    assert document["events"] == [] and document["archive"]["count"] == 0


def test_json_round_trip_keeps_every_event_field(seeded: Archive, tmp_path: Path) -> None:
    first = json.loads(export_to(seeded, "json", tmp_path / "one.json"))
    copy = fresh(tmp_path, "copy")
    report = import_file(copy, tmp_path / "one.json")
    assert report.new_events == 18
    second = json.loads(export_to(copy, "json", tmp_path / "two.json"))
    assert event_content(second) == event_content(first)
    again = import_file(copy, tmp_path / "one.json")
    assert (again.new_events, again.changed_events, again.records) == (0, 0, 0)


def test_foreign_json_needs_a_mapping_and_reads_dotted_paths(tmp_path: Path) -> None:
    path = tmp_path / "items.json"
    path.write_text(json.dumps([
        {"when": "Oct 2023", "headline": "Noboa sworn in", "links": [{"href": "https://example.org/a"}],
         "meta": {"kind": "politics"}},
        {"when": "2024-01-09", "headline": "Studio stormed", "links": []},
    ]), encoding="utf-8")
    archive = fresh(tmp_path, "a")
    with pytest.raises(InvalidInput, match="is not a chronicle export"):
        import_file(archive, path)
    import_file(archive, path, options={"map": ["date=when", "title=headline", "source=links.href",
                                                 "tags=meta.kind"]})
    events = {e.title: e for e in archive.show()}
    sworn = events["Noboa sworn in"]
    assert sworn.date == "2023-10" and sworn.tags == ("politics",)
    assert [s.url for s in sworn.sources] == ["https://example.org/a"]
    assert events["Studio stormed"].unsourced


def test_bad_json_item_names_the_item_and_changes_nothing(seeded: Archive, tmp_path: Path) -> None:
    document = json.loads(export_to(seeded, "json", tmp_path / "one.json"))
    document["events"][3]["date"] = "2024-02-30"
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(document), encoding="utf-8")
    copy = fresh(tmp_path, "copy")
    with pytest.raises(InvalidInput) as caught:
        import_file(copy, bad)
    assert f"{bad}: item 4: date: '2024-02-30': day 30 does not exist in Feb 2024" in str(caught.value)
    assert copy.head().count == 0


# -- the log as JSON Lines ---------------------------------------------------------------------


def test_log_backup_replays_to_the_same_head(seeded: Archive, tmp_path: Path) -> None:
    backup = tmp_path / "backup.jsonl"
    text = export_to(seeded, "jsonl", backup)
    lines = text.splitlines()
    records = list(seeded.log())
    assert len(lines) == len(records) == seeded.head().count
    assert lines[0] == canonical_json(records[0].to_dict())
    assert {"seq", "prev_hash", "hash", "payload", "origin", "author", "recorded_at"} <= set(json.loads(lines[-1]))
    copy = fresh(tmp_path, "copy")
    report = import_file(copy, backup)
    assert report.records == len(records)
    assert copy.verify().head_hash == seeded.verify().head_hash == seeded.head().hash
    assert [e.to_dict() for e in copy.show()] == [e.to_dict() for e in seeded.show()]
    assert import_file(copy, backup).records == 0  # the same backup again adds nothing


def test_backup_continues_an_older_copy(seeded: Archive, tmp_path: Path) -> None:
    old_backup = tmp_path / "old.jsonl"
    export_to(seeded, "jsonl", old_backup)
    copy = fresh(tmp_path, "copy")
    import_file(copy, old_backup)
    seeded.retract("runoff-2025", reason="testing a later record")
    new_backup = tmp_path / "new.jsonl"
    export_to(seeded, "jsonl", new_backup)
    assert import_file(copy, new_backup).records == 1
    assert copy.verify().head_hash == seeded.head().hash


def test_a_tampered_backup_is_refused_and_writes_nothing(runner: CliRunner, seeded: Archive, tmp_path: Path) -> None:
    backup = tmp_path / "backup.jsonl"
    lines = export_to(seeded, "jsonl", backup).splitlines()
    record = json.loads(lines[4])
    record["payload"]["title"] = record["payload"].get("title", "x") + " (edited)"
    lines[4] = canonical_json(record)
    tampered = tmp_path / "tampered.jsonl"
    tampered.write_text("\n".join(lines) + "\n", encoding="utf-8")
    copy = fresh(tmp_path, "copy")
    with pytest.raises(TamperedLog, match="record 5: content does not match its hash"):
        import_file(copy, tampered)
    assert copy.head().count == 0
    result = runner.invoke(main, ["--db", copy.store.url, "import", str(tampered)])
    assert result.exit_code == 1 and "record 5: content does not match its hash" in result.output


def test_a_backup_of_another_archive_is_refused(seeded: Archive, tmp_path: Path) -> None:
    backup = tmp_path / "backup.jsonl"
    export_to(seeded, "jsonl", backup)
    other = fresh(tmp_path, "other")
    other.add(title="Something else", date="2024", unsourced=True)
    with pytest.raises(InvalidInput, match="is not a backup of this archive"):
        import_file(other, backup)
    assert other.head().count == 1


@pytest.mark.parametrize(("line", "expected"), [
    ("not json", "line 2: record: is not JSON"),
    ('{"seq": 2}', "line 2: record: '{\"seq\": 2}': has no event_id"),
    ("[1, 2]", "line 2: record: '[1, 2]': is not a JSON object"),
])
def test_a_broken_backup_line_is_named(seeded: Archive, tmp_path: Path, line: str, expected: str) -> None:
    lines = export_to(seeded, "jsonl", tmp_path / "b.jsonl").splitlines()
    broken = tmp_path / "broken.jsonl"
    broken.write_text("\n".join([lines[0], line, *lines[2:]]) + "\n", encoding="utf-8")
    copy = fresh(tmp_path, "copy")
    with pytest.raises(InvalidInput) as caught:
        import_file(copy, broken)
    assert expected in str(caught.value)
    assert copy.head().count == 0
