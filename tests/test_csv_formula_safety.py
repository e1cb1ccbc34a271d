"""No cell of a CSV export becomes a formula, whatever separator the spreadsheet picks.

The export is opened in real LibreOffice (headless, converted to .xlsx) with ``,``,
``;`` and tab as the separator, and every cell is read back with openpyxl. The raw
export of the same archive is the control: there LibreOffice does run formulas, so the
test would notice a neutraliser that stopped working.
"""

from __future__ import annotations

import csv
import io
import json
import subprocess
from pathlib import Path

import openpyxl
import pytest
from hypothesis import given
from hypothesis import strategies as st

from chronicle.archive import Archive
from chronicle.exporting import export
from chronicle.formats.csv_format import neutralise, neutralise_json, unneutralise
from chronicle.importing import import_file
from chronicle.model import make_source
from chronicle.query import EventQuery
from tests.conftest import require_program

#: Every formula starter, as a spreadsheet would run it.
FORMULAS = ("=1+1", "+1+1", "-1+1", "@SUM(1+1)", "\t=1+1", "\r=1+1")
#: Where a cell may begin, in one dialect or another: the start, or after these.
BOUNDARIES = ("", ",", ";", "\t", "\n", '"', "x,", "x;", "x\t", "x\n")
SEPARATORS = {"comma": 44, "semicolon": 59, "tab": 9}


def hostile_texts() -> list[str]:
    return [f"{boundary}{formula}" for boundary in BOUNDARIES for formula in FORMULAS]


def hostile_archive(directory: Path) -> Archive:
    """One event per hostile text, carrying it in every text field and every source field."""
    directory.mkdir()
    archive = Archive.init(directory, name="hostile")
    for number, text in enumerate(hostile_texts()):
        source = make_source(f"https://example.org/{number}?a=1;=1+1", title=f"t{text}", publisher=text,
                             quote=f"q{text}", archived_url=f"https://web.archive.org/{number};=1+1")
        archive.add(title=f"e{number} {text}", date="2024", description=text, tags=[f"tag{text}"],
                    actors=[text.strip() or "x", f"a{text}".strip()], place=f"p{text}", sources=[source],
                    event_id=f"e{number}")
    return archive


def test_neutralise_changes_every_hostile_text_and_round_trips() -> None:
    for text in hostile_texts():
        safe = neutralise(text)
        assert safe != text, repr(text)  # a do-nothing neutraliser fails here …
        assert unneutralise(safe) == text  # … and a do-nothing unneutraliser here
    for plain in ("Noboa takes office", "2023-2025", "a - b", "x = y", "", "González; Noboa"):
        assert neutralise(plain) == plain


CELL_STARTS = ("", *",;\t\r\n\"")


@given(st.text(alphabet=st.sampled_from(list("=+-@'\t\r\n,;\" ax")), max_size=30) | st.text(max_size=30))
def test_neutralised_text_has_no_formula_where_a_cell_may_start(text: str) -> None:
    safe = neutralise(text)
    assert unneutralise(safe) == text
    for index, char in enumerate(safe):
        if char in "=+-@\t\r" and (index == 0 or safe[index - 1] in CELL_STARTS):
            pytest.fail(f"{safe!r}: a formula starter at {index}")


@given(st.lists(st.dictionaries(st.sampled_from(["title", "url", "quote"]),
                                st.text(alphabet=st.sampled_from(list("=+-@'\t\",;\\ax")), max_size=12)),
                max_size=3))
def test_neutralised_json_decodes_to_the_same_value(value: list[dict[str, str]]) -> None:
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    safe = neutralise_json(text)
    assert json.loads(safe) == value
    for index, char in enumerate(safe[1:], start=1):
        assert not (char in "=+-@'" and safe[index - 1] in CELL_STARTS), safe


def test_the_export_round_trips_every_hostile_text(tmp_path: Path) -> None:
    archive = hostile_archive(tmp_path / "a")
    path = tmp_path / "out.csv"
    export(archive, "csv", EventQuery(), str(path), {"excel": True})
    (tmp_path / "b").mkdir()
    copy = Archive.init(tmp_path / "b", name="copy")
    report = import_file(copy, path)
    assert report.new_events == len(hostile_texts())
    for original, imported in zip(archive.show(EventQuery()), copy.show(EventQuery()), strict=True):
        assert (imported.title, imported.description, imported.tags, imported.actors, imported.place) == \
            (original.title, original.description, original.tags, original.actors, original.place)
        assert imported.sources == original.sources


def libreoffice_cells(soffice: str, path: Path, separator: int, workdir: Path) -> list[tuple[str, object, str]]:
    """Every non-empty cell of ``path`` as LibreOffice reads it: (coordinate, value, data type)."""
    outdir = workdir / f"xlsx-{separator}"
    subprocess.run([soffice, "--headless", f"-env:UserInstallation=file://{workdir / 'lo-profile'}",
                    f"--infilter=CSV:{separator},34,76,1", "--convert-to", "xlsx", "--outdir", str(outdir),
                    str(path)], capture_output=True, timeout=240, check=True)
    book = openpyxl.load_workbook(outdir / f"{path.stem}.xlsx")
    return [(cell.coordinate, cell.value, cell.data_type)
            for row in book.active.iter_rows() for cell in row if cell.value is not None]


@pytest.mark.parametrize("separator", list(SEPARATORS))
def test_libreoffice_runs_no_formula_with_any_separator(tmp_path: Path, separator: str) -> None:
    soffice = require_program("soffice", "LibreOffice (apt-get install libreoffice-calc-nogui)")
    archive = hostile_archive(tmp_path / "a")
    safe, raw, sources = tmp_path / "safe.csv", tmp_path / "raw.csv", tmp_path / "sources.csv"
    export(archive, "csv", EventQuery(), str(safe), {"excel": True, "sources_file": sources})
    export(archive, "csv", EventQuery(), str(raw), {"excel": True, "raw": True})
    code = SEPARATORS[separator]
    for path in (safe, sources):
        formulas = [c for c in libreoffice_cells(soffice, path, code, tmp_path) if c[2] == "f"]
        assert formulas == [], f"{path.name} with {separator}: {formulas[:5]}"
    # The control: the same cells, not neutralised, do run.
    assert any(c[2] == "f" for c in libreoffice_cells(soffice, raw, code, tmp_path))


def test_every_text_column_of_both_files_is_neutralised(tmp_path: Path) -> None:
    archive = hostile_archive(tmp_path / "a")
    out, sources = tmp_path / "safe.csv", tmp_path / "sources.csv"
    export(archive, "csv", EventQuery(), str(out), {"sources_file": sources})
    for path in (out, sources):
        for row in csv.reader(io.StringIO(path.read_text(encoding="utf-8"), newline="")):
            for cell in row:
                for index, char in enumerate(cell):
                    if char in "=+-@\t\r" and (index == 0 or cell[index - 1] in CELL_STARTS):
                        pytest.fail(f"{path.name}: {cell!r}")
