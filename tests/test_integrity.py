"""`verify`: one test per check, each failing when its check is removed (issue 16).

Every test tampers with a real archive behind the triggers' back (as someone with
the file or a database login could), on SQLite and on PostgreSQL, and asserts the
exact check that catches it: the log's sequence, links and time order; every column
of the projection that a query or an export reads; stray and missing version rows;
the version count. ``verify --repair`` rebuilds the projection, never the log.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import text

from chronicle.archive import Archive
from chronicle.cli import main
from chronicle.errors import ProjectionMismatch, TamperedLog
from chronicle.query import EventQuery
from chronicle.store.integrity import COLUMNS, check_projection
from tests.forging import forge_sql as _sql
from tests.forging import rehash


def _versions_sql(archive: Archive, statement: str, **params: object) -> None:
    with archive.store.engine.begin() as conn:
        conn.execute(text(statement), params)


@pytest.fixture
def timeline(archive: Archive) -> Archive:
    """Three events; ``runoff-2025`` has tags, actors, a place and two versions."""
    archive.add(title="Curfew declared", date="2024-01-09", unsourced=True)
    archive.add(title="Runoff", date="2025-04-13", tags=["elections"], actors=["Daniel Noboa"],
                place="Quito", unsourced=True, event_id="runoff-2025")
    archive.revise("runoff-2025", reason="More precise", description="Second round")
    archive.add(title="Referendum", date="2024-04", end="2025-11", unsourced=True)
    archive.verify()
    return archive


def _rewrite_chain(archive: Archive, first: int, change: str) -> None:
    """Apply ``change`` to the log from record ``first`` on, then re-hash the chain after it.

    An attacker who recomputes hashes leaves no broken hash: only the other checks
    (links, sequence, time order) can catch what they did.
    """
    _sql(archive, change)
    rehash(archive, first)


# -- the log ----------------------------------------------------------------------------


def test_a_broken_previous_hash_link_is_named(timeline: Archive) -> None:
    # Only the stored link changes: the record's content still hashes to its stored
    # hash from the true predecessor, so only the link check can see it.
    _sql(timeline, "UPDATE log SET prev_hash = :forged WHERE seq = 3", forged="f" * 64)
    with pytest.raises(TamperedLog) as caught:
        timeline.verify()
    assert caught.value.describe() == "record 3: previous-hash link is broken"
    assert caught.value.seq == 3


def test_a_sequence_gap_is_named(timeline: Archive) -> None:
    _versions_sql(timeline, "UPDATE event_versions SET from_seq = 9 WHERE from_seq = 4")
    _rewrite_chain(timeline, 4, "UPDATE log SET seq = 9 WHERE seq = 4")
    with pytest.raises(TamperedLog) as caught:
        timeline.verify()
    assert caught.value.describe() == "sequence gap: expected 4, found 9"
    assert caught.value.seq == 4


def test_records_out_of_time_order_are_named(timeline: Archive) -> None:
    _rewrite_chain(timeline, 3, "UPDATE log SET recorded_at = '2000-01-01T00:00:00.000000Z' WHERE seq = 3")
    # The projection is rebuilt from the forged log so that only the time order is wrong.
    timeline.store.rebuild_projection()
    with pytest.raises(TamperedLog) as caught:
        timeline.verify()
    assert caught.value.describe() == "record 3: recorded before its predecessor"
    assert caught.value.seq == 3


def test_records_recorded_in_the_same_instant_verify(timeline: Archive) -> None:
    """Time order means "not before": a clock that did not move between two records
    (a coarse clock, a copy from a system that kept seconds) is no tampering."""
    with timeline.store.engine.connect() as conn:
        second = conn.execute(text("SELECT recorded_at FROM log WHERE seq = 2")).scalar_one()
    _rewrite_chain(timeline, 3, f"UPDATE log SET recorded_at = '{second}' WHERE seq = 3")
    timeline.store.rebuild_projection()
    timeline.verify()


def test_a_forged_log_record_is_caught_by_its_hash(timeline: Archive) -> None:
    _sql(timeline, "UPDATE log SET payload = replace(payload, 'Curfew', 'Curphew') WHERE seq = 1")
    with pytest.raises(TamperedLog, match=r"^record 1: content does not match its hash$"):
        timeline.verify()


# -- the projection ----------------------------------------------------------------------

#: For each column of event_versions, a forgery of it in one version row of runoff-2025.
FORGERIES = {
    "event_id": ("UPDATE event_versions SET event_id = 'runoff-2026' WHERE event_id = 'runoff-2025' "
                 "AND to_seq IS NULL"),
    "from_seq": "UPDATE event_versions SET from_seq = 99 WHERE event_id = 'runoff-2025' AND to_seq IS NULL",
    "to_seq": "UPDATE event_versions SET to_seq = 99 WHERE event_id = 'runoff-2025' AND to_seq IS NULL",
    "from_at": ("UPDATE event_versions SET from_at = '2000-01-01T00:00:00.000000Z' "
                "WHERE event_id = 'runoff-2025' AND to_seq IS NULL"),
    "to_at": ("UPDATE event_versions SET to_at = '2000-01-01T00:00:00.000000Z' "
              "WHERE event_id = 'runoff-2025' AND to_seq IS NOT NULL"),
    "lo": "UPDATE event_versions SET lo = '1999-01-01T00:00:00' WHERE event_id = 'runoff-2025' AND to_seq IS NULL",
    "hi": "UPDATE event_versions SET hi = '1999-01-01T00:00:00' WHERE event_id = 'runoff-2025' AND to_seq IS NULL",
    "precision": ("UPDATE event_versions SET precision = precision + 1 "
                  "WHERE event_id = 'runoff-2025' AND to_seq IS NULL"),
    "wide": "UPDATE event_versions SET wide = 1 - wide WHERE event_id = 'runoff-2025' AND to_seq IS NULL",
    "status": ("UPDATE event_versions SET status = 'retracted' "
               "WHERE event_id = 'runoff-2025' AND to_seq IS NULL"),
    "tags_key": "UPDATE event_versions SET tags_key = '' WHERE event_id = 'runoff-2025' AND to_seq IS NULL",
    "actors_key": "UPDATE event_versions SET actors_key = '' WHERE event_id = 'runoff-2025' AND to_seq IS NULL",
    "search": "UPDATE event_versions SET search = 'nothing' WHERE event_id = 'runoff-2025' AND to_seq IS NULL",
    "doc": ("UPDATE event_versions SET doc = replace(doc, 'Runoff', 'Forged') "
            "WHERE event_id = 'runoff-2025' AND to_seq IS NULL"),
}


def test_every_column_has_a_forgery() -> None:
    assert set(FORGERIES) == set(COLUMNS)


@pytest.mark.parametrize("column", [c for c in FORGERIES if c not in ("event_id", "from_seq")])
def test_every_projected_column_is_checked_against_a_replay(timeline: Archive, column: str) -> None:
    _versions_sql(timeline, FORGERIES[column])
    with pytest.raises(TamperedLog):
        timeline.verify()
    with pytest.raises(ProjectionMismatch) as caught:
        check_projection(timeline.store)
    assert caught.value.event_id == "runoff-2025"
    assert caught.value.column == column
    assert caught.value.describe().startswith("event runoff-2025: the version from record ")
    assert f" has {column} = " in caught.value.describe()
    # The projection is derived: --repair rebuilds it, and everything reads right again.
    fixed = timeline.repair()
    assert fixed.found is not None and fixed.replayed == 4
    assert [e.id for e in timeline.show(EventQuery.parse(since="2025"))] == ["referendum", "runoff-2025"]
    check_projection(timeline.store)


def test_the_issue_repro_fails_verify_naming_the_event_and_column(timeline: Archive, tmp_path: Path) -> None:
    url = timeline.store.url
    head = timeline.head()
    _versions_sql(timeline, FORGERIES["status"])
    runner = CliRunner()
    failed = runner.invoke(main, ["--db", url, "verify"])
    assert failed.exit_code == 1
    assert failed.output == ("chronicle: error: event runoff-2025: the version from record 3 has status = "
                             "'retracted', a replay of the log gives 'active'\n")
    repaired = runner.invoke(main, ["--db", url, "verify", "--repair"])
    assert repaired.exit_code == 0, repaired.output
    assert repaired.output == (
        "found: event runoff-2025: the version from record 3 has status = 'retracted', "
        "a replay of the log gives 'active'\n"
        "rebuilt event_versions from the log: 4 records replayed\n"
        f"ok: 4 entries, 3 events, head {head.hash}\n"
    )
    again = runner.invoke(main, ["--db", url, "verify", "--repair"])
    assert again.output == f"ok: 4 entries, 3 events, head {head.hash}\n"
    assert timeline.head() == head  # the log was not touched


def test_repair_never_changes_the_log(timeline: Archive) -> None:
    _sql(timeline, "UPDATE log SET payload = replace(payload, 'Curfew', 'Curphew') WHERE seq = 1")
    before = [r.to_dict() for r in timeline.log()]
    with pytest.raises(TamperedLog, match=r"^record 1: content does not match its hash$"):
        timeline.repair()
    assert [r.to_dict() for r in timeline.log()] == before


def test_a_stray_version_row_is_named(timeline: Archive) -> None:
    _versions_sql(timeline, "INSERT INTO event_versions SELECT 'ghost', 99, to_seq, from_at, to_at, lo, hi, "
                  "precision, wide, status, tags_key, actors_key, search, doc FROM event_versions "
                  "WHERE event_id = 'curfew-declared'")
    with pytest.raises(ProjectionMismatch) as caught:
        check_projection(timeline.store)
    assert caught.value.describe() == ("event ghost: version row from record 99 is not in the log "
                                       "(a stray row in event_versions)")
    assert timeline.repair().found is not None
    timeline.verify()


def test_a_moved_version_row_is_named_stray(timeline: Archive) -> None:
    _versions_sql(timeline, FORGERIES["from_seq"])
    with pytest.raises(ProjectionMismatch, match=r"^event runoff-2025: record 3 has no version row"):
        check_projection(timeline.store)
    with pytest.raises(TamperedLog, match=r"^record 3: no projected version$"):
        timeline.verify()


def test_a_missing_version_row_is_named(timeline: Archive) -> None:
    _versions_sql(timeline, "DELETE FROM event_versions WHERE event_id = 'referendum'")
    with pytest.raises(TamperedLog, match=r"^record 4: no projected version$"):
        timeline.verify()
    with pytest.raises(ProjectionMismatch) as caught:
        check_projection(timeline.store)
    assert caught.value.describe() == ("event referendum: record 4 has no version row "
                                       "(missing from event_versions)")
    assert caught.value.seq == 4


def test_the_version_count_check_finds_an_extra_row(timeline: Archive) -> None:
    _versions_sql(timeline, "INSERT INTO event_versions SELECT 'ghost', 99, to_seq, from_at, to_at, lo, hi, "
                  "precision, wide, status, tags_key, actors_key, search, doc FROM event_versions "
                  "WHERE event_id = 'curfew-declared'")
    with pytest.raises(TamperedLog) as caught:
        timeline.verify()
    assert caught.value.describe() == "projection holds 5 versions for 4 event records"


def test_a_clean_archive_verifies_every_column(seeded: Archive) -> None:
    report = check_projection(seeded.store)
    assert report.records == seeded.head().count
    assert seeded.repair().found is None
