"""The CSV formula guard, cell by cell and byte by byte (mutation testing, `make mutate`).

A spreadsheet runs a cell that starts with ``=``, ``+``, ``-``, ``@``, tab or CR; with
another separator than ours (``;``, tab) a cell can start after any of ``, ; TAB CR LF "``.
Here every starter is put at the start and after every boundary, in every text column
of the events file, the sources file and the claims file, and the exact cells are
asserted — neutralised in the default and ``--excel`` exports, untouched in ``--raw``
and in the columns that are not free text — together with the other guarantees of the
``--excel`` file (BOM, CRLF, control characters shown as U+FFFD) and the quoting of a
lone carriage return. No LibreOffice here (``tests/test_csv_formula_safety.py`` opens
the files in it): this file is fast, so that ``make mutate`` can run it for every mutant
of the guard (docs/mutation.md).
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from chronicle.archive import Archive
from chronicle.errors import InvalidInput
from chronicle.formats import csv_format
from chronicle.formats.controls import ControlFree, without_controls
from chronicle.formats.csv_cells import COLUMNS, TEXT_COLUMNS, neutralise, neutralise_json, unneutralise
from chronicle.formats.csv_format import export_csv_docs
from chronicle.model import make_source

STARTERS = ("=", "+", "-", "@", "\t", "\r")


@pytest.fixture(autouse=True)
def _no_cached_cells() -> None:
    """Cells are cached per distinct value; a cache filled before a mutant was switched on
    (mutmut forks each mutant from a process that ran the tests) would hide it."""
    for cached in (csv_format._date_cells, csv_format._list_cell, csv_format._place_cell):
        cached.cache_clear()
BOUNDARIES = (",", ";", "\t", "\r", "\n", '"')


@pytest.mark.parametrize("starter", STARTERS)
def test_a_starter_at_the_start_or_after_any_boundary_gets_a_mark(starter: str) -> None:
    assert neutralise(f"{starter}1") == f"'{starter}1"
    for boundary in BOUNDARIES:
        assert neutralise(f"x{boundary}{starter}1") == f"x{boundary}'{starter}1", repr(boundary)
        assert unneutralise(neutralise(f"x{boundary}{starter}1")) == f"x{boundary}{starter}1"
    assert neutralise(f"a{starter}b") == f"a{starter}b"  # not where a cell can start
    assert unneutralise(f"'{starter}1") == f"{starter}1"


@pytest.mark.parametrize(
    ("text", "safe"),
    [
        ("''", "'''"), ("'", "''"), ("it's", "it's"), ("'x", "''x"), ("x;'=1", "x;''=1"), ("a - b", "a - b"),
        ("2023-2025", "2023-2025"), ("", ""), ("plain text", "plain text"), ("=", "'="), ("x;", "x;"),
        ("==", "'=="), ("=a;=b", "'=a;'=b"),
    ],
)
def test_neutralise_exact_cells(text: str, safe: str) -> None:
    assert neutralise(text) == safe
    assert unneutralise(safe) == text


@pytest.mark.parametrize("text", ["'abc", "x'=1", "it's", "''", "a'-1", "'"])
def test_unneutralise_removes_only_the_marks_neutralise_adds(text: str) -> None:
    # None of these came out of neutralise with a mark added: they are left as they are.
    if neutralise(text) == text:
        assert unneutralise(text) == text
    else:
        assert unneutralise(neutralise(text)) == text


@pytest.mark.parametrize("starter", ("=", "+", "-", "@", "'"))
@pytest.mark.parametrize("boundary", BOUNDARIES)
def test_json_cells_escape_a_starter_after_a_boundary(starter: str, boundary: str) -> None:
    text = f'["a{boundary}{starter}1"]' if boundary != '"' else f'["{starter}1"]'
    safe = neutralise_json(text)
    escape = f"\\u{ord(starter):04x}"
    assert escape in safe
    assert starter + "1" not in safe
    if boundary not in "\r\n\t":
        assert json.loads(safe) == json.loads(text)


@pytest.mark.parametrize("text", ['["a-b"]', '["2024-01-02"]', '["x"]', "", '["a b"]', '{"url":"https://x.org/a-b"}'])
def test_json_cells_without_a_starter_at_a_boundary_are_unchanged(text: str) -> None:
    assert neutralise_json(text) == text


@pytest.mark.parametrize("text", ['["a\t=1"]', '["x;=1"]', '["x,+1"]', '["x;@1"]', '["x,\'1"]', '["x;-1"]',
                                  '["x,-1"]', '["-1"]', 'a\r=1', 'a\n+1'])
def test_each_fast_path_check_lets_its_starter_through_to_the_escape(text: str) -> None:
    assert neutralise_json(text) != text


def test_control_characters_are_shown_as_replacement_characters() -> None:
    assert without_controls("a\x00b\x1bc\x7fd\x9fe\x08f\x0bg\x0ch\x0ei\x1fj") == (
        "a\ufffdb\ufffdc\ufffdd\ufffde\ufffdf\ufffdg\ufffdh\ufffdi\ufffdj")
    assert without_controls("tab\tlf\ncr\r é\u00a0€") == "tab\tlf\ncr\r é\u00a0€"
    out = io.StringIO()
    shown = ControlFree(out)
    assert shown.write("a\x00b") == 3
    shown.writelines(["\x1b[31m", "ok\t\n"])
    shown.flush()
    assert out.getvalue() == "a\ufffdb\ufffd[31mok\t\n"


# -- whole exports -----------------------------------------------------------------------------

HOSTILE = [f"{boundary}{starter}1" for boundary in ("", "x;", "x,", "x\t") for starter in STARTERS]


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Archive]:
    """One event per hostile text, in every text field, every source field and a claim note."""
    directory = tmp_path_factory.mktemp("hostile")
    archive = Archive.init(directory, name="hostile", author="tester")
    for number, text in enumerate(HOSTILE):
        source = make_source(f"https://example.org/{number}?a=1;=1+1", title=f"t{text}", publisher=text,
                             quote=f"q{text}", archived_url=f"https://web.archive.org/{number};=1+1")
        archive.add(title=f"e{number} {text}", date="2024", description=text, tags=[f"tag{text}"],
                    actors=[f"a{text}".strip()], place=f"p{text}", sources=[source], event_id=f"e{number:02d}")
    archive.claim("e00", "place", "=claimed", [make_source("https://example.org/c", title="@claim")], note="-note")
    archive.claim("e00", "actors", ["=one", "two"], [make_source("https://example.org/d")])
    archive.add(title="Unsourced", date="2024-04", end="2025-11", place="Guayaquil", unsourced=True,
                event_id="z-unsourced")
    archive.claim("z-unsourced", "place", "Quito", [make_source("https://example.org/z")])
    yield archive
    archive.close()


def _export(archive: Archive, tmp_path: Path, **options: Any) -> tuple[str, dict[str, str]]:
    out = io.StringIO(newline="")
    files = {name: tmp_path / f"{name}.csv" for name in ("sources_file", "claims_file") if options.pop(name, False)}
    docs = list(archive.event_docs())
    export_csv_docs(iter(docs), out, None, {**options, **files})
    return out.getvalue(), {name: _read(path) for name, path in files.items()}


def _read(path: Path) -> str:
    with path.open(encoding="utf-8", newline="") as opened:
        return opened.read()


def _rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text.removeprefix("\ufeff"), newline="")))


def _unsafe(cell: str) -> bool:
    return any(char in "=+-@\t\r" and (index == 0 or cell[index - 1] in ",;\t\r\n\"")
               for index, char in enumerate(cell))


@pytest.mark.parametrize("options", [{}, {"excel": True}, {"sources_file": True}, {"claims_file": True},
                                     {"excel": True, "sources_file": True, "claims_file": True}])
def test_no_text_cell_of_any_file_can_start_a_formula(hostile: Archive, tmp_path: Path,
                                                      options: dict[str, Any]) -> None:
    events, side = _export(hostile, tmp_path, **options)
    rows = _rows(events)
    assert len(rows) == len(HOSTILE) + 1
    for row in rows:
        for column in TEXT_COLUMNS:
            assert not _unsafe(row[column]), (column, row[column])
        assert not _unsafe(row["sources"]), row["sources"]  # the JSON cell escapes them
        assert json.loads(row["sources"])[0]["url"].endswith(";=1+1") or row["id"] == "z-unsourced"
        assert row["date"] in ("2024", "2024-04") and row["revision_count"] in ("1", "3", "5")
    by_id = {row["id"]: row for row in rows}
    assert unneutralise(by_id["e01"]["description"]) == "+1"
    assert by_id["e01"]["description"] == "'+1"
    for name, text in side.items():
        side_rows = _rows(text)
        assert side_rows, name
        for row in side_rows:
            for column, cell in row.items():
                assert not _unsafe(cell), (name, column, cell)
    if "claims_file" in side:
        claims = _rows(side["claims_file"])
        assert [(c["event_id"], c["claim_number"], c["field"], c["value"], c["note"]) for c in claims] == [
            ("e00", "1", "place", "p=1", ""), ("e00", "2", "place", "'=claimed", "'-note"),
            ("e00", "3", "actors", "a=1", ""), ("e00", "4", "actors", "'=one; two", ""),
            ("z-unsourced", "1", "place", "Guayaquil", ""), ("z-unsourced", "2", "place", "Quito", ""),
        ]
        assert json.loads(claims[0]["sources"])[0]["url"] == "https://example.org/0?a=1;=1+1"
        assert "\\u003d1+1" in claims[0]["sources"]
        assert claims[4]["sources"] == ""  # the unsourced event's own value: no sources
    if "sources_file" in side:
        first = next(row for row in _rows(side["sources_file"]) if row["event_id"] == "e01")
        assert (first["event_id"], first["source_number"], first["url"], first["publisher"]) == (
            "e01", "1", "https://example.org/1?a=1;'=1+1", "'+1")
        assert (first["published"], first["accessed"]) == ("", "")


def test_raw_keeps_every_cell_as_stored(hostile: Archive, tmp_path: Path) -> None:
    events, side = _export(hostile, tmp_path, raw=True, sources_file=True, claims_file=True)
    by_id = {row["id"]: row for row in _rows(events)}
    for doc in map(json.loads, hostile.event_docs()):
        row = by_id[doc["id"]]
        assert (row["title"], row["description"], row["place"]) == (doc["title"], doc["description"], doc["place"])
        assert json.loads(row["sources"]) == doc["sources"]
    assert by_id["e01"]["description"] == "+1"
    assert next(row for row in _rows(side["sources_file"]) if row["event_id"] == "e01")["publisher"] == "+1"
    assert _rows(side["claims_file"])[1]["note"] == "-note"
    assert json.loads(_rows(side["claims_file"])[0]["sources"])[0]["publisher"] == "=1"


def test_the_excel_file_has_a_bom_crlf_and_no_control_characters(hostile: Archive, tmp_path: Path) -> None:
    events, side = _export(hostile, tmp_path, excel=True, sources_file=True, claims_file=True)
    for text in (events, *side.values()):
        assert text.startswith("\ufeff")
        assert text.count("\r\n") >= 2 and "\n" not in text.replace("\r\n", "").replace('\r1"', "")
    plain, plain_side = _export(hostile, tmp_path, sources_file=True, claims_file=True)
    for text in (plain, *plain_side.values()):
        assert not text.startswith("\ufeff")
        assert text.splitlines(keepends=True)[0].endswith(",sources,revision_count,first_recorded,last_changed,"
                                                          "status,disputed\n") or "\r\n" not in text[:200]


def _doc(event_id: str, **fields: Any) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "id": event_id, "title": "t", "date": "2024-01-09", "end": None, "description": "", "tags": [],
        "actors": [], "place": None, "sources": [], "unsourced": True, "status": "active", "revision": 1,
        "created_at": "2024-01-10T00:00:00.000000Z", "updated_at": "2024-01-10T00:00:00.000000Z",
        "first_seq": 1, "last_seq": 1, "status_reason": None, "last_reason": None, "history": [],
    }
    doc.update(fields)
    return doc


@pytest.mark.parametrize("column", TEXT_COLUMNS)
@pytest.mark.parametrize("options", [{}, {"excel": True}, {"raw": True}])
def test_a_lone_carriage_return_in_any_text_column_is_quoted(column: str, options: dict[str, Any]) -> None:
    value: Any = ["a\rb"] if column in ("tags", "actors") else "a\rb"
    docs = [_doc("before"), _doc("cr", **{column: value}), _doc("after")]
    for form in (docs, [json.dumps(doc, ensure_ascii=False, separators=(",", ":")) for doc in docs]):
        out = io.StringIO(newline="")
        export_csv_docs(iter(form), out, None, options)
        text = out.getvalue()
        rows = _rows(text)
        assert [row["id"] for row in rows] == ["before", "cr", "after"]
        assert rows[1][column] == "a\rb"
        ending = "\r\n" if options.get("excel") else "\n"
        assert text.count(ending) == 4 and text.endswith(f"after,2024-01-09,2024-01-09,2024-01-09,day,false,false,,t,,,,,,"
                                                          f"1,2024-01-10T00:00:00.000000Z,2024-01-10T00:00:00.000000Z,"
                                                          f"active,{ending}")
        assert '"a\rb"' in text


def test_rows_from_stored_text_and_from_dicts_are_the_same_bytes(hostile: Archive, tmp_path: Path) -> None:
    docs = list(hostile.event_docs())
    for options in ({}, {"excel": True}, {"raw": True}):
        from_text, from_dicts = io.StringIO(newline=""), io.StringIO(newline="")
        export_csv_docs(iter(docs), from_text, None, options)
        export_csv_docs((json.loads(doc) for doc in docs), from_dicts, None, options)
        assert from_text.getvalue() == from_dicts.getvalue()
        assert _rows(from_text.getvalue())[0].keys() == set(COLUMNS)


def test_the_disputed_column_names_the_fields_whose_sources_disagree(tmp_path: Path) -> None:
    docs = [_doc("d", disputed=["date", "place"]), _doc("n")]
    out = io.StringIO(newline="")
    stats = export_csv_docs(iter(docs), out, None, {})
    assert stats.written == 2
    assert [row["disputed"] for row in _rows(out.getvalue())] == ["date; place", ""]


def test_the_sources_and_claims_files_come_from_stored_text_or_dicts_alike(hostile: Archive, tmp_path: Path) -> None:
    docs = list(hostile.event_docs())
    outputs: list[tuple[str, str, str]] = []
    for form in (docs, [json.loads(doc) for doc in docs]):
        out = io.StringIO(newline="")
        side, claims = tmp_path / f"s{len(outputs)}.csv", tmp_path / f"c{len(outputs)}.csv"
        stats = export_csv_docs(iter(form), out, None, {"sources_file": side, "claims_file": claims})
        assert stats.written == len(docs)
        outputs.append((out.getvalue(), _read(side), _read(claims)))
    assert outputs[0] == outputs[1]


def test_a_sources_file_that_is_a_folder_is_refused_naming_the_option(hostile: Archive, tmp_path: Path) -> None:
    with pytest.raises(InvalidInput) as caught:
        export_csv_docs(iter(hostile.event_docs()), io.StringIO(), None, {"sources_file": tmp_path})
    assert caught.value.field == "--sources-file"


@pytest.mark.parametrize(("date", "end", "cells"), [
    ("2024-04", "2025-11", ["2024-04", "2024-04-01", "2025-11-30", "month", "false", "false", "2025-11"]),
    ("2024-04", "..", ["2024-04", "2024-04-01", "", "month", "false", "false", ".."]),
    ("2024~", None, ["2024~", "2024-01-01", "2024-12-31", "year", "true", "false", ""]),
])
def test_the_date_columns(date: str, end: str | None, cells: list[str]) -> None:
    out = io.StringIO(newline="")
    export_csv_docs(iter([_doc("d", date=date, end=end)]), out, None, {})
    row = _rows(out.getvalue())[0]
    assert [row[c] for c in ("date", "earliest_day", "latest_day", "precision", "approximate", "uncertain",
                             "end")] == cells
