"""`verify` and the stored event documents, found by mutation testing (issue 16).

``make mutate`` showed that no test stored a document that differs from the replay in
its text but not in its meaning (so making the comparison strict passed every test), nor
a document that cannot be read at all (so accepting one passed too). Both backends.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import text

from chronicle.archive import Archive
from chronicle.errors import ProjectionMismatch, TamperedLog
from chronicle.store.integrity import check_projection
from tests.test_integrity import _versions_sql, timeline  # noqa: F401  (fixture)

CURRENT = "event_id = 'runoff-2025' AND to_seq IS NULL"


def _stored_doc(archive: Archive) -> str:
    with archive.store.engine.connect() as conn:
        return str(conn.execute(text(f"SELECT doc FROM event_versions WHERE {CURRENT}")).scalar_one())


def test_a_document_written_another_way_with_the_same_meaning_verifies(timeline: Archive) -> None:  # noqa: F811
    """Key order and escapes are not content: a database that stores JSON its own way
    (or a copy that re-serialised it) still verifies."""
    stored = _stored_doc(timeline)
    rewritten = json.dumps(dict(reversed(list(json.loads(stored).items()))), ensure_ascii=True, indent=1)
    assert rewritten != stored
    _versions_sql(timeline, f"UPDATE event_versions SET doc = :doc WHERE {CURRENT}", doc=rewritten)
    check_projection(timeline.store)
    timeline.verify()
    assert timeline.get("runoff-2025").title == "Runoff"


@pytest.mark.parametrize("doc", ['{"id": "runoff-2025", "title": ', "[]", '{"id": "runoff-2025"}'])
def test_an_unreadable_document_is_named(timeline: Archive, doc: str) -> None:  # noqa: F811
    _versions_sql(timeline, f"UPDATE event_versions SET doc = :doc WHERE {CURRENT}", doc=doc)
    with pytest.raises(ProjectionMismatch) as caught:
        check_projection(timeline.store)
    assert (caught.value.event_id, caught.value.column) == ("runoff-2025", "doc")
    with pytest.raises(TamperedLog):
        timeline.verify()


def test_events_whose_records_interleave_verify(archive: Archive) -> None:
    """The replay folds each event's records in their order, whatever came between them
    (found by make mutate: every test archive had each event's records side by side)."""
    archive.add(title="First", date="2024-01-09", unsourced=True, event_id="a")
    archive.add(title="Second", date="2024-02-09", unsourced=True, event_id="b")
    archive.revise("a", reason="Corrected", title="First, corrected")
    archive.revise("b", reason="Corrected", title="Second, corrected")
    archive.retract("a", reason="Not an event")
    report = check_projection(archive.store)
    assert report.versions == 5
    archive.verify()


def test_a_mismatch_shows_a_value_up_to_60_characters_then_cuts_it(timeline: Archive) -> None:  # noqa: F811
    """The message quotes the stored value (its repr) whole up to 60 characters, and the
    first 60 and "…" beyond: one readable line whatever was planted."""
    exact = "x" * 58  # repr: 60 characters
    _versions_sql(timeline, f"UPDATE event_versions SET tags_key = :v WHERE {CURRENT}", v=exact)
    with pytest.raises(ProjectionMismatch) as caught:
        check_projection(timeline.store)
    assert f" has tags_key = '{exact}', a replay" in caught.value.describe()
    longer = "y" * 59  # repr: 61 characters
    _versions_sql(timeline, f"UPDATE event_versions SET tags_key = :v WHERE {CURRENT}", v=longer)
    with pytest.raises(ProjectionMismatch) as caught:
        check_projection(timeline.store)
    assert f" has tags_key = '{longer[:59]}…, a replay" in caught.value.describe()


@pytest.mark.parametrize("log_id", ["@court-docs", "~actors"])
def test_records_about_the_archive_are_checked_too(timeline: Archive, log_id: str) -> None:  # noqa: F811
    """A defined source (``@KEY``) and an actor alias (``~actors``) have no version row:
    one planted for them is named, and the events after them in the check's order are
    still compared (found by make mutate: no test of the check held such records)."""
    from chronicle.model import make_source

    timeline.add_source("court-docs", make_source("https://example.org/court"), reason="Filings")
    timeline.alias_actor("Noboa", "Daniel Noboa", reason="Surname only in wires")
    report = check_projection(timeline.store)
    assert report.records == 4  # event records; the two others have no version to compare
    seq = {"@court-docs": 5, "~actors": 6}[log_id]
    # A forged column of an event is still found, with records of both kinds in the log.
    _versions_sql(timeline, f"UPDATE event_versions SET status = 'retracted' WHERE {CURRENT}")
    with pytest.raises(ProjectionMismatch) as caught:
        check_projection(timeline.store)
    assert (caught.value.event_id, caught.value.column) == ("runoff-2025", "status")
    timeline.repair()
    # A version row planted for the record about the archive is named.
    _versions_sql(timeline, f"INSERT INTO event_versions SELECT '{log_id}', {seq}, to_seq, from_at, to_at, lo, hi, "
                  "precision, wide, status, tags_key, actors_key, search, doc FROM event_versions "
                  "WHERE event_id = 'curfew-declared'")
    with pytest.raises(ProjectionMismatch) as caught:
        check_projection(timeline.store)
    assert caught.value.describe() == (f"source {log_id}: record {seq} has a version row "
                                       "(a stray row in event_versions)")
    assert (caught.value.event_id, caught.value.column, caught.value.seq) == (log_id, None, seq)


def test_a_record_that_cannot_be_replayed_is_named(timeline: Archive) -> None:  # noqa: F811
    """A revision whose event's first record is gone (its version rows left in place)."""
    from tests.test_integrity import _sql

    _sql(timeline, "UPDATE log SET kind = 'revised' WHERE seq = 2")
    with pytest.raises(ProjectionMismatch) as caught:
        check_projection(timeline.store)
    assert caught.value.event_id == "runoff-2025" and caught.value.column is None and caught.value.seq == 2
    assert caught.value.describe().startswith("event runoff-2025: record 2 cannot be replayed (")


@pytest.mark.parametrize("doc", ['{"id": "runoff-2025", "title": ', "[]", '{"id": "runoff-2025"}'])
@pytest.mark.parametrize("command", [
    ["show"], ["show", "--format", "json"], ["show", "--format", "jsonl"], ["show", "runoff-2025"],
    ["export", "--format", "csv"], ["export", "--format", "ics"], ["export", "--format", "html"],
    ["export", "--format", "json"],
])
def test_reading_an_unreadable_document_is_one_line_and_writes_nothing(
    timeline: Archive, doc: str, command: list[str], tmp_path: Path,  # noqa: F811
) -> None:
    """``show`` and the exports stream the stored documents without checking each (that
    would parse every one twice): one that cannot be read stops them with one line that
    says what to run — never a traceback, never a half-written file."""
    from chronicle.cli import main

    _versions_sql(timeline, f"UPDATE event_versions SET doc = :doc WHERE {CURRENT}", doc=doc)
    out = tmp_path / "out"
    extra = ["-o", str(out)] if command[0] == "export" else []
    result = CliRunner().invoke(main, ["--db", timeline.url, *command, *extra])
    assert result.exit_code != 0
    assert isinstance(result.exception, SystemExit), result.exception
    assert "a stored event document cannot be read" in result.output
    assert "chronicle verify --repair" in result.output
    assert not out.exists()
