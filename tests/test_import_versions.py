"""Re-imports: an unchanged file adds nothing, always; an older copy never takes an event back."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from chronicle.archive import Archive
from chronicle.cli import main
from chronicle.exporting import export
from chronicle.importing import import_file
from chronicle.query import EventQuery
from tests.conftest import REALDATA, SEED

FORMATS = ("csv", "json", "ics")


def _seeded(path: Path) -> Archive:
    archive = Archive.init(path, name="ecuador", author="tester")
    import_file(archive, SEED)
    return archive


def _export(archive: Archive, fmt: str, path: Path) -> Path:
    export(archive, fmt, EventQuery(), str(path), {"imprecise": "span"})
    return path


@pytest.mark.parametrize("fmt", FORMATS)
def test_an_unchanged_export_reimported_adds_nothing(tmp_path: Path, fmt: str) -> None:
    archive = _seeded(tmp_path / "a")
    exported = _export(archive, fmt, tmp_path / f"out.{fmt}")
    head = archive.head()
    into_itself = import_file(archive, exported)
    assert (into_itself.records, archive.head()) == (0, head)
    other = Archive.init(tmp_path / "b", name="copy", author="tester")
    first = import_file(other, exported)
    assert first.new_events == archive.count()
    copy_head = other.head()
    for _ in range(2):
        again = import_file(other, exported)
        assert (again.records, again.unchanged, other.head()) == (0, first.items, copy_head)


def test_an_unchanged_seed_reimported_adds_nothing(tmp_path: Path) -> None:
    archive = _seeded(tmp_path)
    head = archive.head()
    assert import_file(archive, SEED).records == 0 and archive.head() == head


@pytest.mark.parametrize("path", sorted((REALDATA / "historicaldate").glob("*.csv")), ids=lambda p: p.name)
def test_real_mapped_files_reimported_add_nothing(tmp_path: Path, path: Path) -> None:
    archive = Archive.init(tmp_path, name="real", author="tester")
    options = {"map": ["title=label", "date=hdate", "source=url"], "skip_invalid": True,
               "rejects": tmp_path / "rejects.csv"}
    first = import_file(archive, path, options=options, duplicates="first")
    head = archive.head()
    again = import_file(archive, path, options=options, duplicates="first")
    assert (again.records, again.unchanged, archive.head()) == (0, first.new_events, head)


@pytest.mark.parametrize("fmt", FORMATS)
def test_an_older_export_does_not_revert_a_correction(tmp_path: Path, fmt: str, runner: CliRunner) -> None:
    archive = _seeded(tmp_path)
    old = _export(archive, fmt, tmp_path / f"old.{fmt}")
    event = next(iter(archive.show()))
    archive.revise(event.id, reason="the name was misspelt", title="Corrected title")
    head = archive.head()
    result = runner.invoke(main, ["--db", archive.store.url, "import", str(old)])
    assert result.exit_code == 0, result.output
    assert archive.get(event.id).title == "Corrected title" and archive.head() == head
    lines = result.stderr.splitlines()
    assert "; 1 older than the archive (not imported)" in lines[0]
    assert any(f"(id {event.id}): the file's copy is revision {event.revision}, the archive holds revision "
               f"{event.revision + 1}; left as the archive has it (--force records it)" in line for line in lines)
    forced = runner.invoke(main, ["--db", archive.store.url, "import", str(old), "--force", "--summary", "json"])
    assert forced.exit_code == 0, forced.output
    assert archive.get(event.id).title == event.title  # --force: the file's copy, recorded as a revision
    assert '"forced": true' in forced.stdout


def test_a_newer_export_still_updates(tmp_path: Path) -> None:
    source = _seeded(tmp_path / "a")
    copy = Archive.init(tmp_path / "b", name="copy", author="tester")
    import_file(copy, _export(source, "json", tmp_path / "v1.json"))
    event = next(iter(source.show()))
    source.revise(event.id, reason="a better title", title="Better title")
    report = import_file(copy, _export(source, "json", tmp_path / "v2.json"))
    assert (report.changed_events, report.older) == (1, ())
    assert copy.get(event.id).title == "Better title"


def test_a_log_backup_reimported_or_older_appends_nothing(tmp_path: Path, runner: CliRunner) -> None:
    archive = _seeded(tmp_path)
    backup = _export(archive, "jsonl", tmp_path / "backup.jsonl")
    event = next(iter(archive.show()))
    archive.revise(event.id, reason="the name was misspelt", title="Corrected title")
    head = archive.head()
    result = runner.invoke(main, ["--db", archive.store.url, "import", str(backup)])
    assert result.exit_code == 0, result.output
    assert result.stderr.strip() == (f"{backup}: a log backup; 0 records appended "
                                     "(records the archive already holds are not appended again)")
    assert archive.head() == head and archive.get(event.id).title == "Corrected title"
