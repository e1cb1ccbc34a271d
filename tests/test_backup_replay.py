"""Replaying a log backup into a non-empty archive: the records they share must be identical.

A backup replayed into the archive it came from skips what the archive has. Before
issue 16 only the head record was compared, so a backup edited in the middle replayed
with exit 0; now every shared record is compared byte for byte, the first difference is
named, and nothing is written. Both backends.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from chronicle.archive import Archive
from chronicle.cli import main
from chronicle.errors import InvalidInput, TamperedLog
from chronicle.exporting import export
from chronicle.importing import import_file
from chronicle.model import canonical_json, chain_hash
from chronicle.query import EventQuery


def _backup(archive: Archive, path: Path) -> list[str]:
    export(archive, "jsonl", EventQuery(), str(path), {})
    return path.read_text(encoding="utf-8").splitlines()


def _write(path: Path, lines: list[str]) -> Path:
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _edit(line: str) -> str:
    """The record with an edited payload, its stored hashes left as they were."""
    record = json.loads(line)
    record["payload"]["note"] = "forged"
    return canonical_json(record)


def _rehash(lines: list[str], first: int) -> list[str]:
    """Recompute the chain from line ``first`` (0-based) on, as a careful forger would."""
    out = lines[:first]
    prev = json.loads(lines[first - 1])["hash"] if first else "0" * 64
    for line in lines[first:]:
        record = json.loads(line)
        body = {k: v for k, v in record.items() if k not in ("prev_hash", "hash")}
        record["prev_hash"] = prev
        record["hash"] = prev = chain_hash(prev, canonical_json(body))
        out.append(canonical_json(record))
    return out


def _unchanged(archive: Archive, log: list[str]) -> None:
    assert [canonical_json(r.to_dict()) for r in archive.log()] == log


def test_a_backup_edited_in_the_middle_is_refused_naming_the_record(seeded: Archive, tmp_path: Path) -> None:
    lines = _backup(seeded, tmp_path / "backup.jsonl")
    lines[4] = _edit(lines[4])
    tampered = _write(tmp_path / "tampered.jsonl", lines)
    result = CliRunner().invoke(main, ["--db", seeded.store.url, "import", str(tampered)])
    assert result.exit_code == 1
    assert result.output == ("chronicle: error: record 5: the backup's record differs from the archive's "
                             "(one of them was altered); nothing was imported\n")
    _unchanged(seeded, _backup(seeded, tmp_path / "after.jsonl"))


def test_a_tampered_backup_with_newer_records_appends_nothing(seeded: Archive, tmp_path: Path) -> None:
    before = _backup(seeded, tmp_path / "before.jsonl")
    seeded.retract("runoff-2025", reason="a later record the archive will lack")
    newer = _backup(seeded, tmp_path / "newer.jsonl")
    copy = Archive.init(url=f"sqlite:///{tmp_path / 'copy' / 'chronicle.db'}", name="copy")
    import_file(copy, _write(tmp_path / "old.jsonl", before))
    newer[2] = _edit(newer[2])
    with pytest.raises(TamperedLog) as caught:
        import_file(copy, _write(tmp_path / "tampered.jsonl", newer))
    assert caught.value.seq == 3
    _unchanged(copy, before)
    copy.close()


def test_a_rehashed_forgery_is_refused_naming_the_first_differing_record(seeded: Archive, tmp_path: Path) -> None:
    lines = _backup(seeded, tmp_path / "backup.jsonl")
    lines[6] = _edit(lines[6])
    forged = _write(tmp_path / "forged.jsonl", _rehash(lines, 6))
    with pytest.raises(InvalidInput) as caught:
        import_file(seeded, forged)
    assert caught.value.describe().startswith(
        f"file: '{json.loads(forged.read_text().splitlines()[-1])['hash'][:12]}': is not a backup of this archive: "
        f"its record {len(lines)} differs from the archive's (the first that differs is record 7)")
    _unchanged(seeded, _backup(seeded, tmp_path / "after.jsonl"))


def test_a_record_dropped_from_the_backup_is_named(seeded: Archive, tmp_path: Path) -> None:
    lines = _backup(seeded, tmp_path / "backup.jsonl")
    seeded.retract("runoff-2025", reason="one more record for the backup to carry")
    dropped = _write(tmp_path / "dropped.jsonl", lines[:3] + lines[4:])
    with pytest.raises(TamperedLog) as caught:
        import_file(seeded, dropped)
    assert caught.value.describe().startswith("record 4: the backup and the archive differ")


def test_an_identical_backup_replays_and_a_newer_one_continues(seeded: Archive, tmp_path: Path) -> None:
    backup = tmp_path / "backup.jsonl"
    lines = _backup(seeded, backup)
    assert import_file(seeded, backup).records == 0
    copy = Archive.init(url=f"sqlite:///{tmp_path / 'copy' / 'chronicle.db'}", name="copy")
    import_file(copy, _write(tmp_path / "part.jsonl", lines[:10]))
    assert import_file(copy, backup).records == len(lines) - 10
    assert copy.verify().head_hash == seeded.head().hash
    copy.close()
