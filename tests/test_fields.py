"""One definition of an event's fields (issue 10): parsed once, the same on every path.

``add``, ``revise``, every importer and the projection go through
:class:`chronicle.model.EventFields`; formats hand the importer parsed values through
one declared protocol and never import the service modules.
"""

from __future__ import annotations

import ast
import json
from pathlib import Path

import click
import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

import chronicle
from chronicle.cli import main
from chronicle.errors import InvalidInput
from chronicle.formats import IMPORTERS, importer
from chronicle.model import EventFields, make_source

from .conftest import GOLDEN, archive_bytes

PACKAGE = Path(chronicle.__file__).resolve().parent
SERVICE = ("chronicle.archive", "chronicle.importing", "chronicle.exporting")


def cli(runner: CliRunner, directory: Path, *args: str) -> click.testing.Result:
    return runner.invoke(main, ["--db", f"sqlite:///{directory / 'events' / 'chronicle.db'}", *args])


def _imports(path: Path) -> list[tuple[str, bool]]:
    """Every module ``path`` imports, and whether the import is inside a function."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: list[tuple[str, bool]] = []

    def visit(node: ast.AST, in_function: bool) -> None:
        for child in ast.iter_child_nodes(node):
            inner = in_function or isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef))
            if isinstance(child, ast.Import):
                found.extend((alias.name, in_function) for alias in child.names)
            elif isinstance(child, ast.ImportFrom) and child.module:
                found.append((child.module, in_function))
                found.extend((f"{child.module}.{alias.name}", in_function) for alias in child.names)
            visit(child, inner)

    visit(tree, False)
    return found


def test_no_format_module_imports_the_service_modules() -> None:
    offenders = [
        f"{path.name} imports {name}"
        for path in sorted((PACKAGE / "formats").glob("*.py"))
        for name, _ in _imports(path)
        if name.startswith(SERVICE)
    ]
    assert offenders == []


def test_the_service_and_the_model_import_no_chronicle_module_inside_a_function() -> None:
    """A lazy import of chronicle's own modules would be hiding a cycle."""
    rooms = ["archive.py", "importing.py", "model.py", "incoming.py", "projection.py",
             *(f"store/{p.name}" for p in (PACKAGE / "store").glob("*.py")),
             *(f"formats/{p.name}" for p in (PACKAGE / "formats").glob("*.py"))]
    offenders = [f"{room}: {name}" for room in rooms for name, inside in _imports(PACKAGE / room)
                 if inside and name.startswith("chronicle")]
    assert offenders == []


def test_every_importer_returns_items_with_its_own_counts(tmp_path: Path) -> None:
    first = GOLDEN / "logs" / "inputs"  # the first edition of the seed (19 events) in each format
    inputs = {"toml": first / "seed_first_edition.toml", "ics": first / "ecuador_first_edition.ics",
              "csv": first / "seed_first_edition.csv", "json": first / "seed.json"}
    assert set(inputs) == set(IMPORTERS)
    for fmt, path in inputs.items():
        items = importer(fmt)(path, {"label": path.name})
        read = list(items)
        assert len(read) == 19, fmt
        assert all(isinstance(item.fields, EventFields) for item in read), fmt
        assert (items.rejected, items.skipped) == (0, 0), fmt


def test_a_cancelled_calendar_event_is_counted_as_skipped(tmp_path: Path) -> None:
    path = tmp_path / "c.ics"
    path.write_text(
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//t//EN\r\n"
        "BEGIN:VEVENT\r\nUID:a@t\r\nDTSTART;VALUE=DATE:20240101\r\nSUMMARY:Kept\r\nEND:VEVENT\r\n"
        "BEGIN:VEVENT\r\nUID:b@t\r\nDTSTART;VALUE=DATE:20240102\r\nSUMMARY:Off\r\nSTATUS:CANCELLED\r\nEND:VEVENT\r\n"
        "END:VCALENDAR\r\n", encoding="utf-8")
    items = importer("ics")(path, {})
    assert [item.fields.title for item in items] == ["Kept"]
    assert items.skipped == 1


# -- the field model itself ----------------------------------------------------------


def test_parse_gives_the_canonical_payload() -> None:
    fields = EventFields.parse(title="  Noboa   takes office ", date="Oct 2023", end="2024~",
                               description=" x \n", tags=["b", "a", "b", " "], actors=("X  Y",),
                               place="  ", sources=[make_source("https://example.org/a")])
    assert fields.payload() == {
        "title": "Noboa takes office", "date": "2023-10", "end": "2024~", "description": "x",
        "tags": ["b", "a"], "actors": ["X Y"], "place": None,
        "sources": [{"url": "https://example.org/a"}], "unsourced": False,
    }
    assert EventFields.from_payload(fields.payload()) == fields


@pytest.mark.parametrize(("raw", "field", "value", "accepted"), [
    ({"title": " ", "date": "2024"}, "title", " ", "a non-empty title"),
    ({"title": "t", "date": "2024-13-01"}, "date", "2024-13-01", "months 01–12"),
    ({"title": "t", "date": "2024", "end": "2023"}, "end", "2023", "an end on or after the start"),
    ({"title": "t", "date": "2024/2025", "end": "2025"}, "date", "2024/2025", "--date START/END"),
    ({"title": "t", "date": "2024", "tags": "a"}, "tags", "a", None),
])
def test_errors_name_the_field_the_value_and_what_is_accepted(
        raw: dict[str, object], field: str, value: object, accepted: str | None) -> None:
    with pytest.raises(InvalidInput) as caught:
        EventFields.parse(**raw, unsourced=True)  # type: ignore[arg-type]
    error = caught.value
    assert error.field == field
    assert error.value == value
    if accepted is not None:
        assert accepted in (error.accepted or "")


def test_a_date_interval_replaces_an_existing_end() -> None:
    before = EventFields.parse(title="t", date="2025-04-01", end="2025-04-10", unsourced=True)
    after = before.revised(date="2025-04-21/2025-05-30")
    assert after.changes_from(before) == {"date": "2025-04-21", "end": "2025-05-30"}
    assert before.revised(date="2025-04-02").span.end_edtf == "2025-04-10"  # a start alone keeps the end
    assert before.revised(end="").changes_from(before) == {"end": None}
    assert before.revised(end="..").span.open_end


_text = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=12)
_dates = st.sampled_from(["2023", "2023-10", "2024-01-09", "2024~", "2025?", "2025-04-13T20:00-05:00"])
_ends = st.sampled_from([None, "2026", "2026-02-01", ".."])


@settings(max_examples=150, deadline=None)
@given(title=_text.filter(str.strip), date=_dates, end=_ends, description=_text,
       tags=st.lists(_text, max_size=3), place=st.one_of(st.none(), _text),
       new_title=st.one_of(st.none(), _text.filter(str.strip)), new_date=st.one_of(st.none(), _dates),
       new_end=st.one_of(st.none(), _ends.map(lambda e: e or "")), new_tags=st.one_of(st.none(), st.lists(_text)))
def test_the_changes_a_revision_records_rebuild_the_revised_fields(
        title: str, date: str, end: str | None, description: str, tags: list[str], place: str | None,
        new_title: str | None, new_date: str | None, new_end: str | None, new_tags: list[str] | None) -> None:
    before = EventFields.parse(title=title, date=date, end=end, description=description, tags=tags,
                               place=place, unsourced=True)
    after = before.revised(title=new_title, date=new_date, end=new_end, tags=new_tags)
    changes = after.changes_from(before)
    assert before.with_changes(changes) == after
    assert after.changes_from(after) == {}
    # what is stored is canonical: the stored payload parses back to the same value
    assert EventFields.from_payload(after.payload()) == after
    assert json.loads(json.dumps(changes)) == changes


# -- the bugs the seam made ---------------------------------------------------------


def test_revise_with_an_interval_on_an_event_that_has_an_end(runner: CliRunner, sqlite_dir: Path) -> None:
    added = cli(runner, sqlite_dir, "add", "Strike", "--date", "2025-04-01", "--end", "2025-04-10", "--unsourced")
    assert added.exit_code == 0, added.output
    result = cli(runner, sqlite_dir, "revise", "strike", "--date", "2025-04-21/2025-05-30", "--reason", "dates")
    assert result.exit_code == 0, result.output
    assert result.output == "strike: revision 2 recorded\n"
    event = json.loads(cli(runner, sqlite_dir, "show", "strike", "--format", "json").output)
    assert (event["date"], event["end"]) == ("2025-04-21", "2025-05-30")
    assert event["history"][-1]["changed"] == ["date", "end"]


def test_an_interval_date_with_an_end_is_refused_in_one_line(runner: CliRunner, sqlite_dir: Path) -> None:
    before = archive_bytes(sqlite_dir)
    result = cli(runner, sqlite_dir, "add", "X", "--date", "2025-01-01/2025-02-19", "--end", "2025-02-19",
                 "--unsourced")
    assert result.exit_code == 2
    assert result.output.count("\n") == 1 and "Traceback" not in result.output
    assert "interval" in result.output and "--end" in result.output
    assert archive_bytes(sqlite_dir) == before
    cli(runner, sqlite_dir, "add", "Y", "--date", "2025-01-01", "--end", "2025-01-05", "--unsourced")
    revised = cli(runner, sqlite_dir, "revise", "y", "--date", "2025-01-01/2025-02-19", "--end", "2025-03",
                  "--reason", "r")
    assert revised.exit_code == 2 and revised.output.count("\n") == 1
    assert "interval" in revised.output
