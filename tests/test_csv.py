"""CSV as analysts meet it: spreadsheet-safe exports, round trips, foreign files, bad rows."""

from __future__ import annotations

import csv
import io
import json
import shutil
import subprocess
import sys
import zipfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click.testing
import pytest
from click.testing import CliRunner

from chronicle.archive import Archive
from chronicle.cli import main
from chronicle.exporting import export
from chronicle.formats.csv_format import COLUMNS, SOURCE_COLUMNS, decode_list, encode_list, neutralise, unneutralise
from chronicle.importing import import_file
from chronicle.model import make_source
from chronicle.query import EventQuery
from tests.conftest import GOLDEN, SEED, archive_bytes, missing

SRC = "https://example.org/report"
#: Columns that describe the exporting archive's log, not the events (see README).
# ``disputed`` comes from claims, which travel in --claims-file; the CSV importer does
# not read that file (yet), so a CSV round trip keeps the events but not their claims.
LOG_COLUMNS = ("revision_count", "first_recorded", "last_changed", "disputed")


def fixed_clock() -> datetime:
    return datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)


def cli(runner: CliRunner, directory: Path, *args: str) -> click.testing.Result:
    return runner.invoke(main, ["--db", f"sqlite:///{directory / 'events' / 'chronicle.db'}", *args])


def open_dir(directory: Path) -> Archive:
    return Archive.open(f"sqlite:///{directory / 'events' / 'chronicle.db'}")



def export_csv(archive: Archive, path: Path, **options: Any) -> str:
    export(archive, "csv", EventQuery(), str(path), options)
    return path.read_bytes().decode("utf-8")


def rows_of(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text.removeprefix("\ufeff"), newline="")))


def event_columns(text: str) -> list[dict[str, str]]:
    """The rows without the log-derived columns: what a round trip must keep identical."""
    return [{k: v for k, v in row.items() if k not in LOG_COLUMNS} for row in rows_of(text)]


def fresh(tmp_path: Path, name: str) -> Archive:
    directory = tmp_path / name
    directory.mkdir()
    return Archive.init(directory, name="test")


@pytest.fixture
def seeded_fixed(tmp_path: Path) -> Archive:
    """The seed timeline recorded at a fixed time, so exports are byte-identical."""
    archive = fresh(tmp_path, "seeded")
    import_file(archive, SEED, label="seeds/ecuador.toml", now=fixed_clock)
    return archive


# -- export ----------------------------------------------------------------------------


def test_seed_export_matches_the_golden_file(seeded_fixed: Archive, tmp_path: Path) -> None:
    text = export_csv(seeded_fixed, tmp_path / "seed.csv")
    golden = GOLDEN / "seed.csv"
    assert text == golden.read_text(encoding="utf-8")
    rows = rows_of(text)
    assert list(rows[0]) == list(COLUMNS)
    sofa = next(r for r in rows if r["id"] == "us-ecuador-sofa")
    assert (sofa["date"], sofa["end"], sofa["precision"]) == ("2024-01-09", "2025-04-13", "day")
    assert (sofa["earliest_day"], sofa["latest_day"]) == ("2024-01-09", "2025-04-13")


def test_excel_adds_bom_and_crlf_and_keeps_accents(seeded_fixed: Archive, tmp_path: Path) -> None:
    plain = (tmp_path / "plain.csv")
    export_csv(seeded_fixed, plain)
    excel = tmp_path / "excel.csv"
    export_csv(seeded_fixed, excel, excel=True)
    raw = excel.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    assert b"\n" not in raw.replace(b"\r\n", b"") and raw.count(b"\r\n") == 19  # header + 18 events
    assert not plain.read_bytes().startswith(b"\xef\xbb\xbf") and b"\r" not in plain.read_bytes()
    text = raw.decode("utf-8-sig")
    assert "González" in text and "Televisión" in text
    assert event_columns(text) == event_columns(plain.read_text(encoding="utf-8"))


def test_formula_cells_are_neutralised_in_text_columns_only(tmp_path: Path) -> None:
    archive = fresh(tmp_path, "a")
    archive.add(title="=HYPERLINK(\"http://evil\",\"click\")", date="2024-01-09", description="+1 more",
                tags=["-minus", "@at"], actors=["=SUM(A1)"], place="@home", sources=[make_source(SRC)])
    archive.add(title="'Quoted' title", date="2024-02", description="'tis plain", unsourced=True,
                event_id="quoted")
    rows = rows_of(export_csv(archive, tmp_path / "safe.csv"))
    evil = rows[0]
    assert evil["title"] == "'=HYPERLINK(\"http://evil\",\"click\")"
    assert evil["description"] == "'+1 more"
    assert evil["tags"] == "'-minus; @at" and evil["actors"] == "'=SUM(A1)" and evil["place"] == "'@home"
    assert evil["date"] == "2024-01-09" and evil["earliest_day"] == "2024-01-09"  # dates untouched
    assert rows[1]["title"] == "''Quoted' title"  # a real leading quote is doubled, so import can tell
    raw_rows = rows_of(export_csv(archive, tmp_path / "raw.csv", raw=True))
    assert raw_rows[0]["title"].startswith("=HYPERLINK") and raw_rows[1]["title"] == "'Quoted' title"


def test_neutralising_is_undone_exactly_on_import(tmp_path: Path) -> None:
    archive = fresh(tmp_path, "a")
    titles = ["=1+1", "'=1+1", "''", "'plain", "-5 degrees", "@handle", "x = y"]
    for number, title in enumerate(titles):
        archive.add(title=title, date="2024", unsourced=True, event_id=f"e{number}",
                    tags=[title.replace(";", "")], description=f"\t{title}")
    for options in ({}, {"excel": True}):
        path = tmp_path / "out.csv"
        export_csv(archive, path, **options)
        copy = fresh(tmp_path, f"copy{len(options)}")
        import_file(copy, path)
        assert sorted(e.title for e in copy.show()) == sorted(titles)
        assert {e.id: e.tags for e in copy.show()} == {e.id: e.tags for e in archive.show()}
        assert {e.id: e.description for e in copy.show()} == {e.id: e.description for e in archive.show()}
        # The model trims the leading tab away; what is left is neutralised like the title.
        cells = {row["id"]: row["description"] for row in rows_of(path.read_text(encoding="utf-8"))}
        assert cells == {f"e{n}": neutralise(t.strip()) for n, t in enumerate(titles)}
        assert cells["e0"] == "'=1+1" and cells["e1"] == "''=1+1" and cells["e6"] == "x = y"


@pytest.mark.parametrize("text", ["=x", "'", "''x", "+", "\t", "\r1", "plain", "", "'a"])
def test_unneutralise_inverts_neutralise(text: str) -> None:
    assert unneutralise(neutralise(text)) == text
    # …and not because both do nothing: every formula starter or quote is marked.
    assert (neutralise(text) == text) == (text in ("plain", ""))


@pytest.mark.parametrize("values", [[], ["a"], ["a", "b c"], ["semi;colon", "x"], ["[not json", "y"], ['["a"]']])
def test_list_cells_decode_to_the_same_list(values: list[str]) -> None:
    assert decode_list(encode_list(values)) == values


def test_sources_file_has_one_row_per_event_and_source(seeded_fixed: Archive, tmp_path: Path) -> None:
    main_text = export_csv(seeded_fixed, tmp_path / "e.csv", sources_file=tmp_path / "sources.csv")
    side = rows_of((tmp_path / "sources.csv").read_text(encoding="utf-8"))
    assert list(side[0]) == list(SOURCE_COLUMNS)
    events = rows_of(main_text)
    assert len(side) == sum(len(json.loads(e["sources"] or "[]")) for e in events)
    for event in events:
        cited = json.loads(event["sources"] or "[]")
        mine = [r for r in side if r["event_id"] == event["id"]]
        assert [r["url"] for r in mine] == [s.get("url", "") for s in cited]
        assert [r["source_number"] for r in mine] == [str(n) for n in range(1, len(cited) + 1)]


def test_export_opens_in_python_csv_pandas_and_csvkit(seeded_fixed: Archive, tmp_path: Path) -> None:
    pandas = pytest.importorskip("pandas")
    path = tmp_path / "seed.csv"
    text = export_csv(seeded_fixed, path, excel=True)
    expected = rows_of(text)
    frame = pandas.read_csv(path, encoding="utf-8-sig", dtype=str, keep_default_na=False)
    assert list(frame.columns) == list(COLUMNS)
    assert frame.to_dict("records") == expected
    assert pandas.read_csv(path, encoding="utf-8-sig")["approximate"].dtype == bool
    csvjson = str(Path(sys.executable).parent / "csvjson")
    if not Path(csvjson).exists():
        missing("csvkit is not installed (pip install csvkit)")
    converted = subprocess.run([csvjson, "--no-inference", str(path)], capture_output=True, text=True, check=True)
    assert [{k: v or "" for k, v in row.items()} for row in json.loads(converted.stdout)] == expected
    csvclean = str(Path(csvjson).parent / "csvclean")
    checked = subprocess.run([csvclean, "-a", str(path)], capture_output=True, text=True, check=False)
    assert checked.returncode == 0 and checked.stderr == ""  # no ragged rows, no empty columns
    assert rows_of(checked.stdout) == expected


def test_seed_export_opens_in_libreoffice_with_accents_and_no_formulas(tmp_path: Path) -> None:
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        missing("LibreOffice is not installed (apt-get install libreoffice-calc-nogui)")
    archive = fresh(tmp_path, "a")
    import_file(archive, SEED, now=fixed_clock)
    archive.add(title="=1+1", date="2024", description="@SUM(1;2)", unsourced=True, event_id="formula")

    def convert(name: str, **options: Any) -> tuple[str, str]:
        path = tmp_path / f"{name}.csv"
        export_csv(archive, path, excel=True, **options)
        subprocess.run([soffice, "--headless", f"-env:UserInstallation=file://{tmp_path / 'lo'}",
                        "--infilter=CSV:44,34,76,1", "--convert-to", "xlsx", "--outdir", str(tmp_path), str(path)],
                       capture_output=True, timeout=180, check=True)
        with zipfile.ZipFile(tmp_path / f"{name}.xlsx") as book:
            return (book.read("xl/sharedStrings.xml").decode("utf-8"),
                    book.read("xl/worksheets/sheet1.xml").decode("utf-8"))

    strings, sheet = convert("seed")
    assert ">runoff-2025<" in strings  # read as columns, one id per cell
    assert "González" in strings and "Televisión" in strings
    assert "<f>" not in sheet and "<f " not in sheet  # no cell became a formula
    assert "=1+1" in strings and "@SUM(1;2)" in strings  # shown as the text it is
    _, raw_sheet = convert("raw", raw=True)
    assert "<f " in raw_sheet or "<f>" in raw_sheet  # the control: unneutralised, LibreOffice runs it


# -- round trips -------------------------------------------------------------------------


@pytest.mark.parametrize("options", [{}, {"excel": True}, {"sources_file": True}, {"excel": True, "raw": True}])
def test_seed_round_trip_gives_the_same_csv(seeded_fixed: Archive, tmp_path: Path, options: dict[str, Any]) -> None:
    if options.get("sources_file"):
        options = {**options, "sources_file": tmp_path / "sources1.csv"}
    first = export_csv(seeded_fixed, tmp_path / "one.csv", **options)
    copy = fresh(tmp_path, "copy")
    report = import_file(copy, tmp_path / "one.csv")
    assert report.new_events == len(rows_of(first)) == 18
    if options.get("sources_file"):
        options = {**options, "sources_file": tmp_path / "sources2.csv"}
    second = export_csv(copy, tmp_path / "two.csv", **options)
    assert event_columns(second) == event_columns(first)
    if options.get("sources_file"):
        assert (tmp_path / "sources2.csv").read_bytes() == (tmp_path / "sources1.csv").read_bytes()
    # every imported record names the file and the row it came from
    origins = [r.origin for r in copy.log()]
    assert all(o.startswith(f"import {tmp_path / 'one.csv'} sha256:") for o in origins)
    assert origins[0].endswith(" row 2") and origins[-1].endswith(f" row {len(origins) + 1}")


def test_reimport_adds_nothing_and_a_corrected_file_revises_only_changed_rows(
        runner: CliRunner, seeded_dir: Path, tmp_path: Path) -> None:
    path = tmp_path / "seed.csv"
    assert cli(runner, seeded_dir, "export", "--format", "csv", "-o", str(path)).exit_code == 0
    target = tmp_path / "copy"
    target.mkdir()
    Archive.init(target, name="copy").close()
    first = cli(runner, target, "import", str(path))
    assert first.exit_code == 0 and "18 new" in first.output
    again = cli(runner, target, "import", str(path))
    assert again.exit_code == 0, again.output
    assert "0 new, 0 changed, 18 unchanged; 0 records appended" in again.output
    text = path.read_text(encoding="utf-8").replace("Noboa takes office", "Daniel Noboa takes office", 1)
    corrected = tmp_path / "corrected.csv"
    corrected.write_text(text, encoding="utf-8")
    third = cli(runner, target, "import", str(corrected))
    assert third.exit_code == 0 and "0 new, 1 changed, 17 unchanged; 1 records appended" in third.output
    archive = open_dir(target)
    changed = [e for e in archive.show() if e.revision > 1]
    assert len(changed) == 1 and changed[0].title.startswith("Daniel Noboa takes office")
    assert changed[0].history[-1].changed == ("title",)
    archive.close()


# -- foreign files ------------------------------------------------------------------------


def test_foreign_csv_with_map_detects_precision(runner: CliRunner, sqlite_dir: Path, tmp_path: Path) -> None:
    path = tmp_path / "mine.csv"
    path.write_text(
        "When,Until,What,Link,Who,Keywords\n"
        "Oct 2023,,Noboa sworn in,https://example.org/a,Daniel Noboa,politics; elections\n"
        "9 January 2024,,TV station stormed,https://example.org/b,,security\n"
        "2024,2025,Internal armed conflict,,,\n",
        encoding="utf-8",
    )
    result = cli(runner, sqlite_dir, "import", str(path), "--map", "date=When", "--map", "end=Until",
                 "--map", "title=What", "--map", "source=Link", "--map", "actors=Who", "--map", "tags=Keywords")
    assert result.exit_code == 0, result.output
    events = {e.title: e for e in open_dir(sqlite_dir).show()}
    assert events["Noboa sworn in"].date == "2023-10" and events["Noboa sworn in"].span.precision.label == "month"
    assert events["Noboa sworn in"].tags == ("politics", "elections")
    assert events["TV station stormed"].date == "2024-01-09"
    conflict = events["Internal armed conflict"]
    assert (conflict.date, conflict.end, conflict.unsourced) == ("2024", "2025", True)
    mapping = tmp_path / "map.toml"
    mapping.write_text('title = "What"\ndate = "When"\nend = "Until"\nsource = "Link"\n'
                       'actors = ["Who"]\ntags = "Keywords"\n', encoding="utf-8")
    again = cli(runner, sqlite_dir, "import", str(path), "--mapping", str(mapping))
    assert again.exit_code == 0 and "3 unchanged" in again.output  # same content key → same events


def test_mapping_to_a_missing_column_is_a_clear_error(runner: CliRunner, sqlite_dir: Path, tmp_path: Path) -> None:
    path = tmp_path / "mine.csv"
    path.write_text("When,What\n2024,x\n", encoding="utf-8")
    result = cli(runner, sqlite_dir, "import", str(path), "--map", "date=When", "--map", "title=Headline")
    assert result.exit_code == 2
    assert "'Headline': is not a column of this file (mapped to title)" in result.output
    assert "When, What" in result.output


# -- bad input ------------------------------------------------------------------------------


GOOD = "id,date,title,sources\nok-1,2024-01-09,Fine,https://example.org/a\n"


@pytest.mark.parametrize(("content", "expected"), [
    (b"id,date,title\nx,2024,Caf\xe9\n", "is not valid UTF-8"),
    (b"", "has no header row"),
    (b"2024-01-01,Something happened\n", "has no header naming the columns title and date"),
    (GOOD.encode() + b"ragged,2024,too,many,cells\n", "row 3: row: 'ragged,2024,too,many,cells': has 5 cells, the header has 4"),
    (GOOD.encode() + b"bad-date,32/01/2024,Bad date,\n", "row 3: date: '32/01/2024'"),
    (GOOD.encode() + b"no-title,2024-01-10,  ,\n", "row 3: title: '  ': is empty"),
    (GOOD.encode() + b"bad id!,2024,Title,\n", "row 3: id: 'bad id!': is not a valid event id"),
    (GOOD.encode() + b'x,2024,T,"[{""url"": ""nope""}]"\n', "row 3: sources: 'nope': is not an absolute URL"),
])
def test_bad_files_are_refused_and_leave_the_archive_unchanged(
        runner: CliRunner, seeded_dir: Path, tmp_path: Path, content: bytes, expected: str) -> None:
    path = tmp_path / "bad.csv"
    path.write_bytes(content)
    before = archive_bytes(seeded_dir)
    result = cli(runner, seeded_dir, "import", str(path))
    assert result.exit_code == 2, result.output
    assert result.output.startswith("chronicle: error: ") and expected in result.output
    assert str(path) in result.output and "Traceback" not in result.output
    assert archive_bytes(seeded_dir) == before


def test_the_error_counts_the_other_bad_rows(runner: CliRunner, sqlite_dir: Path, tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_text(GOOD + "a,32/01/2024,A,\nb,2024,,\nc,2024,C,\nd,2024-13,D,\n", encoding="utf-8")
    before = archive_bytes(sqlite_dir)
    result = cli(runner, sqlite_dir, "import", str(path))
    assert result.exit_code == 2
    assert f"{path}: row 3: date: '32/01/2024'" in result.output
    assert "and 2 other rows are bad" in result.output and "--skip-invalid --rejects" in result.output
    assert archive_bytes(sqlite_dir) == before


def test_skip_invalid_imports_the_rest_and_writes_rejects(runner: CliRunner, sqlite_dir: Path, tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_text(GOOD + "a,32/01/2024,A,\nb,2024,,\nc,2024,C,\nd,2024,D,x,y\n", encoding="utf-8")
    rejects = tmp_path / "rejects.csv"
    result = cli(runner, sqlite_dir, "import", str(path), "--skip-invalid", "--rejects", str(rejects))
    assert result.exit_code == 0, result.output
    assert "2 new" in result.output and f"3 rejected (see {rejects})" in result.output
    assert sorted(e.id for e in open_dir(sqlite_dir).show()) == ["c", "ok-1"]
    rows = rows_of(rejects.read_text(encoding="utf-8"))
    assert [r["row"] for r in rows] == ["3", "4", "6"]
    assert rows[0]["column"] == "date" and rows[0]["value"] == "32/01/2024" and "cannot be read as a date" in rows[0]["reason"]
    assert rows[1]["column"] == "title" and rows[1]["reason"].startswith("is empty")
    assert rows[2]["column"] == "row" and "has 5 cells" in rows[2]["reason"]
    assert rows[0]["title"] == "A"  # the rejected row's own cells follow, under its header


def test_skip_invalid_needs_rejects(runner: CliRunner, sqlite_dir: Path, tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    path.write_text(GOOD, encoding="utf-8")
    result = cli(runner, sqlite_dir, "import", str(path), "--skip-invalid")
    assert result.exit_code == 2 and "--rejects" in result.output


def test_rows_from_events_and_from_stored_documents_are_the_same_bytes(seeded_fixed: Archive, tmp_path: Path) -> None:
    from chronicle.formats.csv_format import export_csv as write_events

    exported = export_csv(seeded_fixed, tmp_path / "docs.csv", excel=True)
    buffer = io.StringIO(newline="")
    write_events(seeded_fixed.show(), buffer, None, {"excel": True})  # type: ignore[arg-type]
    assert buffer.getvalue() == exported


def test_tsv_files_are_read_with_tabs(runner: CliRunner, sqlite_dir: Path, tmp_path: Path) -> None:
    path = tmp_path / "sheet.tsv"
    path.write_text("title\tdate\tsources\nA tab file, with a comma\t2024-03\thttps://example.org/x\n", encoding="utf-8")
    result = cli(runner, sqlite_dir, "import", str(path))
    assert result.exit_code == 0, result.output
    [event] = open_dir(sqlite_dir).show()
    assert (event.title, event.date, event.sources[0].url) == ("A tab file, with a comma", "2024-03", "https://example.org/x")


def test_timelinejs_eras_and_blank_parts(runner: CliRunner, sqlite_dir: Path, tmp_path: Path) -> None:
    path = tmp_path / "sheet.csv"
    path.write_text(
        "Year,Month,Day,Time,End Year,End Month,End Day,End Time,Display Date,Headline,Text,Media,Type\n"
        "1990,,,,1999,,,,,The nineties,,,era\n"
        "1995,6,,,,,,,,Month only,<p>Fish &amp; chips</p>,,\n"
        "1995,,3,,,,,,,Day without month,,,\n",
        encoding="utf-8",
    )
    rejects = tmp_path / "rejects.csv"
    result = cli(runner, sqlite_dir, "import", str(path), "--preset", "timelinejs",
                 "--skip-invalid", "--rejects", str(rejects))
    assert result.exit_code == 0, result.output
    assert "1 new" in result.output and "1 rejected" in result.output and "1 skipped" in result.output
    [event] = open_dir(sqlite_dir).show()
    assert (event.date, event.description, event.unsourced) == ("1995-06", "Fish & chips", True)
    [reject] = rows_of(rejects.read_text(encoding="utf-8"))
    assert (reject["row"], reject["column"], reject["reason"]) == ("4", "Month", "is blank but a day is given")


def test_invalid_utf8_deep_in_a_big_file_is_located(runner: CliRunner, sqlite_dir: Path, tmp_path: Path) -> None:
    rows = b"".join(b"r%d,2024,Caf\xc3\xa9 %d\n" % (n, n) for n in range(80_000))  # > 1 MB, multibyte at block edges
    content = b"id,date,title\n" + rows + b"bad,2024,Caf\xe9\n"
    path = tmp_path / "big.csv"
    path.write_bytes(content)
    before = archive_bytes(sqlite_dir)
    result = cli(runner, sqlite_dir, "import", str(path))
    assert result.exit_code == 2
    bad = content.index(b"Caf\xe9")  + 3
    assert f"is not valid UTF-8 (line 80002, byte {bad})" in result.output
    assert archive_bytes(sqlite_dir) == before


def test_round_trip_between_backends(seeded: Archive, tmp_path: Path) -> None:
    """The seed on each backend (SQLite, PostgreSQL) → CSV → a fresh archive → the same CSV."""
    first = export_csv(seeded, tmp_path / "one.csv", excel=True, sources_file=tmp_path / "s1.csv")
    copy = fresh(tmp_path, "copy")
    assert import_file(copy, tmp_path / "one.csv").new_events == 18
    second = export_csv(copy, tmp_path / "two.csv", excel=True, sources_file=tmp_path / "s2.csv")
    assert event_columns(second) == event_columns(first)
    assert (tmp_path / "s2.csv").read_bytes() == (tmp_path / "s1.csv").read_bytes()


def test_errors_name_the_users_column(runner: CliRunner, sqlite_dir: Path, tmp_path: Path) -> None:
    path = tmp_path / "mine.csv"
    path.write_text("What,When,Link,Pub\nX,2024,https://example.org/x,sometime\n", encoding="utf-8")
    result = cli(runner, sqlite_dir, "import", str(path), "--map", "title=What", "--map", "date=When",
                 "--map", "source=Link", "--map", "source_published=Pub")
    assert result.exit_code == 2
    assert f"{path}: row 2: Pub (source_published): 'sometime': cannot be read as a date" in result.output
    path.write_text("What,When\nX,31/02/2024\n", encoding="utf-8")
    result = cli(runner, sqlite_dir, "import", str(path), "--map", "title=What", "--map", "date=When")
    assert f"{path}: row 2: When (date): '31/02/2024'" in result.output
