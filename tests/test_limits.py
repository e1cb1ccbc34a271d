"""Limits with one clean line: deep nesting, huge numbers, long or multi-line values, control bytes."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from chronicle.archive import Archive
from chronicle.errors import InvalidInput, shown_value
from chronicle.formats.controls import without_controls
from chronicle.formats.depth import MAX_DEPTH, depth_exceeds, parse_bounded
from chronicle.model import make_source
from tests.conftest import archive_bytes, run_chronicle

DEPTH = 100_000


def one_line(result: subprocess.CompletedProcess[str], code: int, *needles: str) -> str:
    assert result.returncode == code, result.stderr
    assert "Traceback" not in result.stderr and "RecursionError" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr[:2000]
    assert len(lines[0]) < 400
    for needle in needles:
        assert needle in lines[0], lines[0]
    return lines[0]


DEEP_FILES = {
    "deep.json": "[" * DEPTH + "]" * DEPTH,
    "deep.toml": "x = " + "[" * DEPTH + "]" * DEPTH + "\n",
    "deep.jsonl": '{"seq":' + "[" * DEPTH + "]" * DEPTH + "}\n",
    "deep-events.json": json.dumps({"chronicle": {}, "events": [{"title": "x", "date": "2020"}]})
    .replace('"2020"', '"2020", "tags": ' + "[" * 500 + "]" * 500),
    "deep.csv": 'title,date,sources\nx,2020,"' + "[" * DEPTH + "]" * DEPTH + '"\n',
    "deep.ics": "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:x\r\nBEGIN:VEVENT\r\nUID:a\r\nDTSTAMP:20200101T000000Z\r\n"
                "DTSTART;VALUE=DATE:20200101\r\nSUMMARY:x\r\nX-CHRONICLE-SOURCE:" + "[" * 5000 + "]" * 5000
                + "\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n",
}


@pytest.mark.parametrize("name", list(DEEP_FILES))
def test_deep_nesting_is_one_line_and_changes_nothing(seeded_dir: Path, tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    path.write_text(DEEP_FILES[name], encoding="utf-8")
    before = archive_bytes(seeded_dir)
    result = run_chronicle("import", str(path), cwd=seeded_dir)
    assert result.returncode == 2, result.stderr[-3000:]
    one_line(result, 2)
    assert archive_bytes(seeded_dir) == before


def test_a_mapping_file_nested_too_deeply(seeded_dir: Path, tmp_path: Path) -> None:
    mapping = tmp_path / "map.toml"
    mapping.write_text("title = " + "[" * DEPTH + "]" * DEPTH + "\n")
    data = tmp_path / "x.csv"
    data.write_text("Name,When\nx,2020\n")
    result = run_chronicle("import", str(data), "--mapping", str(mapping), cwd=seeded_dir)
    one_line(result, 2, "--mapping", "nested too deeply")


def test_the_depth_helper_counts_levels_without_recursing() -> None:
    deep: list[object] = []
    for _ in range(200_000):
        deep = [deep]
    assert depth_exceeds(deep, MAX_DEPTH)
    assert not depth_exceeds({"a": [{"b": [1, 2]}]}, MAX_DEPTH)
    with pytest.raises(InvalidInput, match="nested too deeply"):
        parse_bounded(lambda: json.loads("[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1)),
                      field="file", value="x.json", what="JSON")


@pytest.mark.parametrize("args", [
    ["show", "--limit", "99999999999999999999"],
    ["log", "--after", "99999999999999999999"],
    ["log", "--limit", "99999999999999999999"],
    ["export", "--format", "csv", "--limit", "99999999999999999999", "-o", "-"],
    ["show", "--limit", "-1"],
])
def test_huge_or_negative_numbers_are_usage_errors(seeded_dir: Path, args: list[str]) -> None:
    result = run_chronicle(*args, cwd=seeded_dir)
    assert result.returncode == 2 and "Traceback" not in result.stderr and "Overflow" not in result.stderr
    assert "is not in the range 0<=x<=9223372036854775807" in result.stderr


def test_the_largest_accepted_numbers_work(seeded_dir: Path) -> None:
    assert run_chronicle("show", "--limit", str(2**63 - 1), cwd=seeded_dir).stdout.count("\n") == 18
    after = run_chronicle("log", "--after", str(2**63 - 1), "--limit", str(2**63 - 1), cwd=seeded_dir)
    assert after.returncode == 0 and after.stdout == ""


@pytest.mark.parametrize(("author", "says"), [
    ("Ana\nseq 99 forged line", "line break or control character"),
    ("Ana\r", "line break or control character"),
    ("Ana\x1b[2J", "line break or control character"),
    ("Ana\x00", "line break or control character"),
    ("x" * 100_000, "100000 characters long"),
    ("x" * 201, "201 characters long"),
])
def test_author_is_one_bounded_line(seeded_dir: Path, author: str, says: str) -> None:
    before = archive_bytes(seeded_dir)
    if "\x00" in author:  # an environment variable cannot hold NUL; the option cannot either
        result = run_chronicle("add", "x", "--date", "2020", "--unsourced", cwd=seeded_dir,
                               env={"CHRONICLE_AUTHOR": "Ana\x01"})
    else:
        result = run_chronicle("--author", author, "add", "x", "--date", "2020", "--unsourced", cwd=seeded_dir)
    line = one_line(result, 2, "--author")
    assert "line break or control character" in line if "\x00" in author else says in line
    assert archive_bytes(seeded_dir) == before


def test_a_fine_author_is_recorded(seeded_dir: Path) -> None:
    name = "María José Núñez <mjn@example.org>"
    assert run_chronicle("--author", name, "add", "x", "--date", "2020", "--unsourced", cwd=seeded_dir).returncode == 0
    assert run_chronicle("log", cwd=seeded_dir).stdout.splitlines()[-1].endswith(f"by {name}")


def test_long_values_are_cut_in_messages() -> None:
    assert len(shown_value("x" * 100_000)) < 140 and "100000 characters" in shown_value("x" * 100_000)
    assert shown_value("a\nb") == "'a\\nb'"


def test_control_characters_never_reach_the_html_page(seeded_dir: Path, tmp_path: Path) -> None:
    hostile = "NUL\x00 BEL\x07 ESC\x1b[31m DEL\x7f C1\x85 end"
    archive = Archive.open(f"sqlite:///{seeded_dir / 'events' / 'chronicle.db'}")
    try:  # the library: a command line cannot carry a NUL
        archive.add(title=f"T {hostile}", date="2020", description=hostile, place=hostile, actors=[hostile],
                    tags=["t"], sources=[make_source("https://example.org/x", title=hostile, quote=hostile)])
    except InvalidInput as error:  # the model may refuse control characters outright: also fine
        pytest.skip(f"the model refuses control characters: {error}")
    finally:
        archive.close()
    out = tmp_path / "x.html"
    assert run_chronicle("export", "--format", "html", "-o", str(out), cwd=seeded_dir).returncode == 0
    text = out.read_text(encoding="utf-8")
    assert without_controls(text) == text
    assert "NUL\ufffd BEL\ufffd ESC\ufffd[31m DEL\ufffd C1\ufffd end" in text
    # CSV keeps every stored value exactly (round trips); the text is data, not a page.
    csv_out = tmp_path / "x.csv"
    assert run_chronicle("export", "--format", "csv", "-o", str(csv_out), cwd=seeded_dir).returncode == 0
    assert hostile in csv_out.read_bytes().decode("utf-8")
