"""Readers that work from the stored documents (``show``, CSV export) write exactly what
they wrote from Event objects; and ``chronicle add`` starts without the heavy modules."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from chronicle.archive import Archive
from chronicle.cli import main
from chronicle.cli.output import doc_line, event_line, json_array, listing_line
from chronicle.formats.csv_format import _compact_json, doc_row, stored_sources_cell
from chronicle.model import make_source
from chronicle.projection import event_from_doc, event_json, listing_row, load_doc
from chronicle.query import EventQuery
from chronicle.store import doc_json
from tests.conftest import SEED

SRC = make_source("https://news.example.org/a", publisher="Example")


def _varied(archive: Archive) -> None:
    """Events whose documents exercise every field: BC and open dates, a revision with a
    reason, a retraction, sources with extra fields, an unsourced event."""
    from chronicle.importing import import_file

    import_file(archive, SEED, label="seeds/ecuador.toml")
    archive.add(title="Caesar crosses to Britain", date="55 BC", sources=[SRC], tags=["rome"])
    archive.add(title="Still going", date="2024-03", end="..", unsourced=True, place="Quito")
    archive.add(title="Roughly then", date="2019~", end="2021?", actors=["A", "B"], sources=[SRC])
    archive.revise("still-going", reason="a better date", date="2024-03-05")
    archive.retract("roughly-then", reason="no such thing")


def test_every_stored_document_gives_the_event_json_and_table_line(archive: Archive) -> None:
    _varied(archive)
    docs = list(archive.show_docs(EventQuery(include_retracted=True)))
    assert len(docs) == archive.count(EventQuery(include_retracted=True)) > 20
    for text in docs:
        doc = json.loads(text)
        event = event_from_doc(doc)
        assert event_json(doc) == event.to_dict()
        assert json.dumps(event_json(doc), sort_keys=True) == json.dumps(event.to_dict(), sort_keys=True)
        assert doc_line(doc) == event_line(event)


def test_every_listing_row_holds_its_documents_fields(archive: Archive, monkeypatch: pytest.MonkeyPatch) -> None:
    """``show``'s table reads the title and dates from the head of each stored document
    and looks for disputes only in its tail: the fields are those of the parsed document
    (escapes, an open or missing end, every field disputed, a retraction), and a document
    spelled any other way is parsed whole to the same fields."""
    _varied(archive)
    odd = archive.add(title='Says "disputed":["date"] \\ and ","title":" in its title', date="2021-05",
                      end="2021-06", sources=[SRC], description=',"disputed":["x"]}', place="Quito", actors=["A"])
    other = make_source("https://example.org/other", publisher="Other")
    for field, value in [("date", "2021-07"), ("title", "Another title"), ("place", "Lima"), ("actors", ["Z"])]:
        assert archive.claim(odd, field, value, [other]).dispute
    query = EventQuery(include_retracted=True)
    docs = [load_doc(text) for text in archive.show_docs(query)]
    with monkeypatch.context() as patched:
        # The documents as the projection stores them are never parsed whole.
        patched.setattr("chronicle.projection.load_doc", lambda text: pytest.fail(f"parsed whole: {text}"))
        rows = list(archive.listing(query))
    assert len(rows) == len(docs) > 20
    for row, doc in zip(rows, docs, strict=True):
        fields = (doc["id"], doc["status"], doc["title"], doc["date"], doc["end"], bool(doc.get("disputed")))
        assert row == fields
        assert listing_row(doc["id"], doc["status"], json.dumps(doc, indent=1)) == fields
        assert listing_row(doc["id"], doc["status"], doc_json({**doc, "merged_into": "x" * 300})) == fields
        assert listing_line(row, colour=False) == doc_line(doc, colour=False)
    assert [row for row in rows if row[0] == odd] == [
        (odd, "active", 'Says "disputed":["date"] \\ and ","title":" in its title', "2021-05", "2021-06", True)]
    assert [d["disputed"] for d in docs if d["id"] == odd] == [["date", "title", "place", "actors"]]
    assert any(row[4] is None for row in rows) and any(row[4] == ".." for row in rows)
    assert any(row[1] == "retracted" for row in rows) and not all(row[5] for row in rows)


def test_show_writes_what_the_events_would_give(sqlite_dir: Path) -> None:
    url = f"sqlite:///{sqlite_dir / 'events' / 'chronicle.db'}"
    archive = Archive.open(url)
    _varied(archive)
    query = EventQuery(include_retracted=True)
    events = list(archive.show(query))
    archive.close()
    runner = CliRunner()

    def show(fmt: str) -> str:
        result = runner.invoke(main, ["--db", url, "show", "--include-retracted", "--format", fmt])
        assert result.exit_code == 0, result.output
        return result.output

    assert show("json") == "".join(json_array(e.to_dict() for e in events))
    assert show("jsonl") == "".join(
        json.dumps(e.to_dict(), ensure_ascii=False, sort_keys=True) + "\n" for e in events)
    assert show("table") == "".join(event_line(e) + "\n" for e in events)
    assert "[retracted]" in show("table") and "55 BC" in show("table")


#: Modules ``chronicle add`` must not load: templates, calendars, the web stack, the
#: format modules, and what only a large ``verify`` needs. (The service modules
#: ``importing``/``exporting`` and the format registry are small and import none of these:
#: ``Archive.import_file``/``export`` are methods of the one service.)
HEAVY = ("jinja2", "dateutil", "alembic", "icalendar", "hypothesis", "starlette", "uvicorn", "caldav",
         "psycopg", "multiprocessing", "sqlalchemy.dialects.postgresql", "chronicle.formats.html",
         "chronicle.formats.ical", "chronicle.formats.csv_format", "chronicle.formats.json_format",
         "chronicle.formats.mapping", "chronicle.formats.seed", "chronicle.formats.log_jsonl",
         "chronicle.formats.presets.ucdp", "chronicle.formats.presets.wikipedia",
         "chronicle.formats.presets.timelinejs", "chronicle.formats.plaintext",
         "chronicle.serve", "chronicle.publish")

_REPORT_MODULES = (
    "import atexit, sys\n"
    "atexit.register(lambda: sys.stderr.write('\\nMODULES ' + ' '.join(sorted(sys.modules)) + '\\n'))\n"
    "from chronicle.cli import main\n"
    "main(prog_name='chronicle')\n"
)


def _modules_loaded_by(*args: str, cwd: Path) -> set[str]:
    result = subprocess.run([sys.executable, "-c", _REPORT_MODULES, *args], cwd=cwd, capture_output=True,
                            text=True, timeout=120, check=False, env={**_env(), "CHRONICLE_AUTHOR": "t"})
    assert result.returncode == 0, result.stderr
    return set(result.stderr.rsplit("MODULES ", 1)[1].split())


def _env() -> dict[str, str]:
    import os

    return {k: v for k, v in os.environ.items() if k != "CHRONICLE_DB"}


def _heavy(modules: set[str]) -> list[str]:
    return sorted(m for m in modules
                  if any(m == h or m.startswith(h if h.endswith(".") else h + ".") for h in HEAVY))


@pytest.mark.parametrize("args", [["add", "--help"], ["add", "Bridge opens", "--date", "2024-01-09",
                                                      "--source", "https://news.example.org/b"]])
def test_add_loads_none_of_the_heavy_modules(tmp_path: Path, args: list[str]) -> None:
    assert subprocess.run([sys.executable, "-m", "chronicle", "init", str(tmp_path)], capture_output=True,
                          check=False, env=_env()).returncode == 0
    assert _heavy(_modules_loaded_by(*args, cwd=tmp_path)) == []


def test_the_module_check_sees_heavy_modules_when_a_command_needs_them(tmp_path: Path) -> None:
    # The control for the test above: an HTML export does load jinja2 and its format.
    assert subprocess.run([sys.executable, "-m", "chronicle", "init", str(tmp_path)], capture_output=True,
                          check=False, env=_env()).returncode == 0
    heavy = _heavy(_modules_loaded_by("export", "--format", "html", "--output", str(tmp_path / "o.html"),
                                      cwd=tmp_path))
    assert "jinja2" in heavy and "chronicle.formats.html" in heavy


_JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers(min_value=-(2**63), max_value=2**64 - 1) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=20,
)


@settings(max_examples=300, deadline=None)
@given(_JSON_VALUES)
def test_stored_documents_parse_the_same_with_orjson(value: object) -> None:
    # Written as the projection writes documents; read back as show and export read them.
    text = doc_json(value)  # type: ignore[arg-type]
    assert load_doc(text) == json.loads(text)
    assert type(load_doc(text)) is type(json.loads(text))


def test_the_sources_cell_cut_from_the_stored_text_is_the_encoded_sources(archive: Archive) -> None:
    _varied(archive)
    archive.add(title='Quotes "sources": and ,"unsourced": in text', date="2020",
                description='x,"sources":[1],"unsourced":true', sources=[
                    make_source("https://news.example.org/q", title='a ,"unsourced": b', quote="“q”")])
    docs = list(archive.show_docs(EventQuery(include_retracted=True)))
    cut = [stored_sources_cell(text) for text in docs]
    assert all(cell is not None for cell in cut)
    assert cut == [_compact_json(load_doc(text)["sources"]) if load_doc(text)["sources"] else "" for text in docs]
    assert "" in cut
    assert [doc_row(load_doc(t), True, c) for t, c in zip(docs, cut, strict=True)] == [
        doc_row(load_doc(t), True) for t in docs]
