"""Sources as records: define once, cite as @KEY, correct or withdraw with a reason (issue 13)."""

from __future__ import annotations

import datetime
from pathlib import Path

import pytest
from click.testing import CliRunner

from chronicle.archive import Archive
from chronicle.cli import main
from chronicle.errors import Conflict, InvalidInput, UnknownEvent
from chronicle.exporting import export
from chronicle.importing import import_file
from chronicle.model import make_source
from chronicle.query import EventQuery
from tests.conftest import archive_bytes


def cli(runner: CliRunner, directory: Path, *args: str) -> str:
    result = runner.invoke(main, ["--db", f"sqlite:///{directory / 'events' / 'chronicle.db'}", *args])
    assert result.exit_code == 0, result.output
    return result.output


def test_a_source_defined_once_is_cited_by_key_corrected_and_withdrawn(runner: CliRunner, seeded_dir: Path) -> None:
    assert cli(runner, seeded_dir, "source", "add", "--key", "minister", "--kind", "interview",
               "--title", "Interview with a ministry official", "--published", "2025-02-03",
               "--accessed", "today", "--description", "by telephone") == "@minister: defined\n"
    cli(runner, seeded_dir, "cite", "runoff-2025", "--source", "@minister")
    assert cli(runner, seeded_dir, "source", "correct", "@minister", "--title", "Interview with a defence official",
               "--reason", "the title was vague") == "@minister: corrected (version 2)\n"
    cli(runner, seeded_dir, "claim", "first-round-2025", "--date", "2025-02-09", "--source", "@minister")
    archive = Archive.open(f"sqlite:///{seeded_dir / 'events' / 'chronicle.db'}")
    try:
        runoff = archive.get("runoff-2025").sources[-1]
        first_round = archive.get("first-round-2025").sources[-1]
        today = datetime.date.today().isoformat()
        assert (runoff.title, runoff.url, runoff.accessed) == ("Interview with a ministry official", None, today)
        assert first_round.title == "Interview with a defence official"  # the current version
    finally:
        archive.close()
    assert cli(runner, seeded_dir, "source", "withdraw", "@minister", "--reason", "asked not to be cited") \
        == "@minister: withdrawn\n"
    before = archive_bytes(seeded_dir)
    refused = runner.invoke(main, ["--db", f"sqlite:///{seeded_dir / 'events' / 'chronicle.db'}",
                                   "cite", "first-round-2025", "--source", "@minister"])
    assert refused.exit_code == 2
    assert "source: '@minister': was withdrawn (asked not to be cited)" in refused.output
    assert archive_bytes(seeded_dir) == before
    listed = cli(runner, seeded_dir, "source", "list")
    assert listed == "@minister [interview] Interview with a defence official (withdrawn: asked not to be cited)\n"
    log = cli(runner, seeded_dir, "log")
    assert "source-added" in log and "source-corrected" in log and "the title was vague" in log
    assert cli(runner, seeded_dir, "verify").startswith("ok: ")


def test_a_source_without_a_url_can_be_cited(runner: CliRunner, seeded_dir: Path) -> None:
    out = cli(runner, seeded_dir, "cite", "runoff-2025", "--source-title", "Court document 123/2025",
              "--published", "2025-03")
    assert out == "runoff-2025: now cites 2 source(s)\n"


def test_bad_source_records_are_refused(seeded: Archive) -> None:
    seeded.add_source("k", make_source(None, title="A document"), kind="document")
    with pytest.raises(Conflict, match="exists already"):
        seeded.add_source("k", make_source("https://example.org/x"))
    with pytest.raises(InvalidInput, match="is not a kind of source"):
        seeded.add_source("k2", make_source("https://example.org/x"), kind="rumour")
    with pytest.raises(UnknownEvent, match="no source has this key"):
        seeded.withdraw_source("nope", reason="x")
    with pytest.raises(Conflict, match="changes nothing"):
        seeded.correct_source("k", reason="x")
    with pytest.raises(InvalidInput, match="is required"):
        seeded.withdraw_source("k", reason=" ")


def test_sources_survive_the_jsonl_backup_with_the_same_head(archive: Archive, tmp_path: Path) -> None:
    archive.add_source("rs", make_source("https://responsiblestatecraft.org/", publisher="Responsible Statecraft"),
                       kind="article")
    archive.add(title="Runoff", date="2025-04-13", sources=[archive.source_entry("@rs").source])
    archive.correct_source("rs", reason="publisher's full name", source=make_source(
        "https://responsiblestatecraft.org/", publisher="Responsible Statecraft (Quincy Institute)"))
    export(archive, "jsonl", EventQuery(), str(tmp_path / "backup.jsonl"))
    restored = Archive.init(tmp_path / "restored", name="restored")
    import_file(restored, tmp_path / "backup.jsonl")
    assert restored.verify().head_hash == archive.verify().head_hash
    assert [e.to_dict() for e in restored.source_entries()] == [e.to_dict() for e in archive.source_entries()]
    assert restored.source_entry("rs").versions == 2
