"""A few fuzz cases of every importer and the date grammar (``make fuzz`` runs them for longer)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.fuzz_targets import Harness, fuzz_for


def test_every_importer_and_the_date_grammar_survive_a_fuzz_round(tmp_path: Path) -> None:
    targets = fuzz_for(3600, tmp_path, rounds=1)
    assert [t.name for t in targets] == ["toml", "csv", "json", "jsonl", "ics", "dates"]
    assert all(t.cases[0] >= 25 for t in targets)


def test_the_harness_notices_a_changed_archive(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    harness = Harness(tmp_path)
    digests = iter([b"before", b"after"])
    monkeypatch.setattr(harness, "digest", lambda: next(digests))
    with pytest.raises(AssertionError, match="the archive changed"):
        harness.check_import("toml", "not = [valid")
