"""The Python API as a script uses it: the examples of docs/python-api.md run, in order,
on SQLite and on PostgreSQL, and what they did is checked through the same API."""

from __future__ import annotations

import contextlib
import io
import re
import subprocess
import sys
from pathlib import Path

import pytest

import chronicle
from chronicle.errors import ArchiveExists, ArchiveNotFound
from tests.conftest import ROOT

PAGE = ROOT / "docs" / "python-api.md"


def doc_examples() -> list[str]:
    """The page's fenced ``python`` blocks, in order."""
    return re.findall(r"^```python\n(.*?)^```$", PAGE.read_text(encoding="utf-8"), flags=re.M | re.S)


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def newsroom(request: pytest.FixtureRequest) -> str:
    """Where the page's ``newsroom`` archive lives: the folder itself, or a new PostgreSQL database."""
    if request.param == "sqlite":
        return "newsroom"
    return str(request.getfixturevalue("pg_database"))


def test_the_page_has_examples_for_every_section() -> None:
    blocks = doc_examples()
    assert len(blocks) >= 6
    used = "\n".join(blocks)
    for call in ("chronicle.init(", "chronicle.open(", ".add(", ".revise(", ".retract(", ".restore(",
                 ".events(", ".event(", ".history(", ".verify(", ".export(", ".import_file("):
        assert call in used, call


def test_the_documented_script_runs(newsroom: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    namespace: dict[str, object] = {"__name__": "__docs__"}
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        for block in doc_examples():
            exec(compile(block.replace('"newsroom"', repr(newsroom)), str(PAGE), "exec"), namespace)
    printed = out.getvalue()

    with chronicle.open(newsroom) as archive:
        report = archive.verify()
        # runoff: recorded, revised; attack: recorded, revised, retracted, restored;
        # the unsourced conflict: recorded. The refused 30 February left nothing.
        assert (report.entries, report.events) == (7, 3)
        titles = [event.title for event in archive.events()]
        assert titles == ["State of internal armed conflict", "Gunmen storm TC Televisión live on air",
                          "Presidential runoff: Noboa vs Luisa González"]
        runoff = archive.event("presidential-runoff")
        assert runoff.tags == ("elections", "noboa")
        assert runoff.sources[0].url == "https://en.wikipedia.org/wiki/2025_Ecuadorian_general_election"
        assert archive.event("state-of").span.precision.label == "month"
        assert [r.kind.value for r in archive.history("armed-gang")] == ["recorded", "revised", "retracted", "restored"]
        assert all(r.origin == "python" for r in archive.log())
    assert "presidential-runoff-noboa-vs-luisa 13 Apr 2025 Presidential runoff" in printed
    assert "date: '2024-02-30': day 30 does not exist in Feb 2024" in printed  # the error's one line
    assert "SUMMARY:Presidential runoff: Noboa vs Luisa González" in (tmp_path / "runoff.ics").read_text()
    assert "Gunmen storm TC Televisión" in (tmp_path / "timeline.csv").read_text(encoding="utf-8")
    assert "Gunmen storm TC Televisión" in (tmp_path / "timeline.html").read_text(encoding="utf-8")
    assert len((tmp_path / "backup.jsonl").read_text().splitlines()) >= 7
    assert "\n0 0\n" in printed  # the CSV imported again: no new event, no record
    with chronicle.open(tmp_path / "copy") as copy:
        assert [e.title for e in copy.events()] == titles


def test_open_finds_the_archive_from_a_subfolder_and_refuses_where_there_is_none(tmp_path: Path) -> None:
    chronicle.init(tmp_path / "project", name="found").close()
    (tmp_path / "project" / "notes" / "deep").mkdir(parents=True)
    with chronicle.open(tmp_path / "project" / "notes" / "deep") as archive:
        assert archive.name == "found"
    with chronicle.open(tmp_path / "project" / "events" / "chronicle.db") as archive:
        assert archive.name == "found"
    with pytest.raises(ArchiveNotFound):
        chronicle.open(tmp_path / "elsewhere")
    (tmp_path / "empty").mkdir()
    with pytest.raises(ArchiveNotFound):
        chronicle.open(tmp_path / "empty")
    with pytest.raises(ArchiveExists):
        chronicle.init(tmp_path / "project")


def test_init_at_a_url_names_the_archive_after_the_database(archive_url: str, tmp_path: Path) -> None:
    with chronicle.init(archive_url, description="by URL") as archive:
        assert archive.url == archive_url
        database = archive_url.rsplit("/", 1)[-1]
        assert archive.name == (tmp_path.name if database == "chronicle.db" else database).replace("_", "-").lower()
        assert archive.description == "by URL"


def test_every_public_name_loads() -> None:
    for name in chronicle.__all__:
        assert getattr(chronicle, name) is not None, name
    assert set(chronicle.__all__) <= set(dir(chronicle))
    with pytest.raises(AttributeError):
        _ = chronicle.no_such_thing  # type: ignore[attr-defined]


@pytest.mark.parametrize("code", ["import chronicle", "import chronicle.cli"])
def test_importing_chronicle_loads_no_database_driver(code: str) -> None:
    """``import chronicle`` and the command's start import neither SQLAlchemy nor a
    driver; using the API loads them (so the check can tell the two apart)."""
    def imported(source: str) -> str:
        result = subprocess.run([sys.executable, "-X", "importtime", "-c", source],
                                capture_output=True, text=True, check=True)
        return result.stderr

    assert "sqlalchemy" not in imported(code)
    assert "sqlalchemy" in imported(code + "; import chronicle as c; c.open")
