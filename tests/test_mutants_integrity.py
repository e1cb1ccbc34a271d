"""`verify`'s checks, one forgery each, fast enough for mutation testing (`make mutate`).

Each test copies one small SQLite archive (made once per module), forges one thing in
it behind the triggers' back, and asserts the exact line ``verify`` gives: which check
caught it, which record, which event and column. The log checks run both in one pass
and split across two worker processes (``workers=2``), where a forgery at the seam
between the two ranges is the caller's to catch. ``tests/test_integrity.py`` holds the
same checks on both backends; this file is what ``make mutate`` runs against the
integrity code (docs/mutation.md), so it stays SQLite-only and fast.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from chronicle.archive import Archive
from chronicle.errors import ProjectionMismatch, TamperedLog
from chronicle.model import Source
from chronicle.store.integrity import check_projection
from tests.forging import forge_sql as _sql
from tests.forging import rehash


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One archive: five records (a source definition among them), three events."""
    directory = tmp_path_factory.mktemp("template")
    archive = Archive.init(directory, name="t", author="tester")
    try:
        archive.add(title="Curfew declared", date="2024-01-09", unsourced=True)  # 1
        archive.add(title="Runoff", date="2025-04-13", tags=["elections"], actors=["Daniel Noboa"],  # 2
                    place="Quito", unsourced=True, event_id="runoff-2025")
        archive.revise("runoff-2025", reason="More precise", description="Second round")  # 3
        archive.add_source("cne", Source(url="https://cne.example/results", title="Results"))  # 4
        archive.add(title="Referendum", date="2024-04", end="2025-11", unsourced=True)  # 5
        archive.verify()
    finally:
        archive.close()
    return directory / "events" / "chronicle.db"


@pytest.fixture
def archive(template: Path, tmp_path: Path) -> Iterator[Archive]:
    copy = tmp_path / "chronicle.db"
    shutil.copyfile(template, copy)
    opened = Archive.open(f"sqlite:///{copy}", author="tester")
    yield opened
    opened.close()


def _log_error(archive: Archive, workers: int) -> TamperedLog:
    with pytest.raises(TamperedLog) as caught:
        archive.store.verify(workers=workers)
    return caught.value


def _mismatch(archive: Archive, workers: int = 1) -> ProjectionMismatch:
    with pytest.raises(ProjectionMismatch) as caught:
        check_projection(archive.store, workers=workers)
    return caught.value


# -- a clean archive ----------------------------------------------------------------------


@pytest.mark.parametrize("workers", [1, 2, 3])
def test_a_clean_archive_verifies_in_one_pass_or_split(archive: Archive, workers: int) -> None:
    with archive.store.engine.connect() as conn:
        last_hash, last_at = conn.execute(text("SELECT hash, recorded_at FROM log WHERE seq = 5")).one()
    head = archive.store.verify(workers=workers)
    assert (head.count, head.hash, head.recorded_at) == (5, last_hash, last_at)
    report = check_projection(archive.store, workers=workers)
    assert (report.records, report.versions) == (4, 4)  # the source's record has no version
    assert archive.verify().entries == 5


def test_verify_reports_its_progress(archive: Archive) -> None:
    seen: list[int] = []
    check_projection(archive.store, progress=seen.append)
    assert seen == [4]


def test_an_empty_archive_verifies(tmp_path: Path) -> None:
    empty = Archive.init(tmp_path, name="empty", author="tester")
    try:
        head = empty.store.verify()
        assert (head.count, head.recorded_at) == (0, None)
        assert check_projection(empty.store).records == 0
    finally:
        empty.close()


def test_records_in_the_same_instant_verify(archive: Archive) -> None:
    with archive.store.engine.connect() as conn:
        second = conn.execute(text("SELECT recorded_at FROM log WHERE seq = 2")).scalar_one()
    _sql(archive, "UPDATE log SET recorded_at = :at WHERE seq = 3", at=second)
    rehash(archive, 3)
    archive.store.rebuild_projection()
    assert archive.store.verify(workers=1).count == 5
    assert archive.store.verify(workers=2).count == 5  # 3 starts the second range: the seam


# -- the log: link, sequence, hash, time order -------------------------------------------


@pytest.mark.parametrize("workers", [1, 2])
@pytest.mark.parametrize("seq", [2, 3, 5])
def test_a_broken_previous_hash_link_is_named(archive: Archive, workers: int, seq: int) -> None:
    # Only the link changes; with two workers record 3 starts the second range (the seam).
    _sql(archive, "UPDATE log SET prev_hash = :forged WHERE seq = :seq", forged="f" * 64, seq=seq)
    error = _log_error(archive, workers)
    assert (error.describe(), error.seq) == (f"record {seq}: previous-hash link is broken", seq)


@pytest.mark.parametrize("workers", [1, 2])
def test_the_first_record_must_link_to_the_genesis_hash(archive: Archive, workers: int) -> None:
    _sql(archive, "UPDATE log SET prev_hash = :forged WHERE seq = 1", forged="e" * 64)
    error = _log_error(archive, workers)
    assert (error.describe(), error.seq) == ("record 1: previous-hash link is broken", 1)


@pytest.mark.parametrize("workers", [1, 2])
@pytest.mark.parametrize(("old", "new", "expected", "found"), [(3, 9, 3, 4), (5, 9, 5, 9), (1, 0, 1, 2)])
def test_a_sequence_gap_is_named(archive: Archive, workers: int, old: int, new: int, expected: int,
                                 found: int) -> None:
    # Record 0 is outside 1..last: the log is read from 2 on, and 1 is missing.
    _sql(archive, "UPDATE event_versions SET from_seq = :new WHERE from_seq = :old", old=old, new=new)
    _sql(archive, "UPDATE log SET seq = :new WHERE seq = :old", old=old, new=new)
    rehash(archive, 1)
    error = _log_error(archive, workers)
    assert (error.describe(), error.seq) == (f"sequence gap: expected {expected}, found {found}", expected)


@pytest.mark.parametrize("workers", [1, 2])
@pytest.mark.parametrize("seq", [2, 3, 5])
def test_records_out_of_time_order_are_named(archive: Archive, workers: int, seq: int) -> None:
    _sql(archive, "UPDATE log SET recorded_at = '2000-01-01T00:00:00.000000Z' WHERE seq = :seq", seq=seq)
    rehash(archive, seq)
    archive.store.rebuild_projection()
    error = _log_error(archive, workers)
    assert (error.describe(), error.seq) == (f"record {seq}: recorded before its predecessor", seq)


@pytest.mark.parametrize("workers", [1, 2])
@pytest.mark.parametrize("seq", [1, 3, 5])
def test_a_forged_record_is_caught_by_its_hash(archive: Archive, workers: int, seq: int) -> None:
    _sql(archive, "UPDATE log SET author = 'mallory' WHERE seq = :seq", seq=seq)
    error = _log_error(archive, workers)
    assert (error.describe(), error.seq) == (f"record {seq}: content does not match its hash", seq)
    with pytest.raises(TamperedLog, match=f"^record {seq}: content does not match its hash$"):
        archive.verify()


@pytest.mark.parametrize("column", ["event_id", "kind", "payload", "recorded_at", "origin", "reason", "v"])
def test_every_hashed_field_is_covered_by_the_hash(archive: Archive, column: str) -> None:
    value = {"event_id": "'other'", "kind": "'retracted'", "payload": "'{}'",
             "recorded_at": "recorded_at || '1'", "origin": "'forged'", "reason": "'forged'", "v": "v + 1"}[column]
    _sql(archive, f"UPDATE log SET {column} = {value} WHERE seq = 3")
    assert _log_error(archive, 1).describe() == "record 3: content does not match its hash"


# -- the log against the projection: version rows and their chain -------------------------


@pytest.mark.parametrize("workers", [1, 2])
def test_an_extra_version_row_fails_the_version_count(archive: Archive, workers: int) -> None:
    _sql(archive, "INSERT INTO event_versions SELECT 'ghost', 99, to_seq, from_at, to_at, lo, hi, precision, "
         "wide, status, tags_key, actors_key, search, doc FROM event_versions WHERE event_id = 'curfew-declared'")
    error = _log_error(archive, workers)
    assert (error.describe(), error.seq) == ("projection holds 5 versions for 4 event records", 6)
    assert _mismatch(archive).describe() == ("event ghost: version row from record 99 is not in the log "
                                             "(a stray row in event_versions)")
    assert (_mismatch(archive).event_id, _mismatch(archive).seq) == ("ghost", 99)


@pytest.mark.parametrize("workers", [1, 2])
def test_a_missing_version_row_is_named(archive: Archive, workers: int) -> None:
    _sql(archive, "DELETE FROM event_versions WHERE event_id = 'referendum'")
    error = _log_error(archive, workers)
    assert (error.describe(), error.seq) == ("record 5: no projected version", 5)
    mismatch = _mismatch(archive, workers)
    assert mismatch.describe() == "event referendum: record 5 has no version row (missing from event_versions)"
    assert (mismatch.event_id, mismatch.column, mismatch.seq) == ("referendum", None, 5)


def test_a_version_row_for_a_source_record_is_stray(archive: Archive) -> None:
    _sql(archive, "INSERT INTO event_versions SELECT '@cne', 4, NULL, from_at, to_at, lo, hi, precision, "
         "wide, status, tags_key, actors_key, search, doc FROM event_versions WHERE event_id = 'referendum'")
    mismatch = _mismatch(archive)
    assert mismatch.describe() == "source @cne: record 4 has a version row (a stray row in event_versions)"
    assert (mismatch.event_id, mismatch.column, mismatch.seq) == ("@cne", None, 4)


@pytest.mark.parametrize("workers", [1, 2])
def test_a_revision_whose_previous_version_is_not_closed_breaks_the_chain(archive: Archive, workers: int) -> None:
    _sql(archive, "UPDATE event_versions SET to_seq = 4 WHERE event_id = 'runoff-2025' AND from_seq = 2")
    error = _log_error(archive, workers)
    assert (error.describe(), error.seq) == ("record 3: projection chain is broken", 3)


def test_a_new_event_with_a_version_before_it_breaks_the_chain(archive: Archive) -> None:
    _sql(archive, "UPDATE event_versions SET to_seq = 1 WHERE event_id = 'curfew-declared'")
    error = _log_error(archive, 1)
    assert (error.describe(), error.seq) == ("record 1: projection chain is broken", 1)


# -- every projected column against a replay ----------------------------------------------

_CURRENT = "WHERE event_id = 'runoff-2025' AND to_seq IS NULL"
FORGERIES = {
    "to_seq": f"UPDATE event_versions SET to_seq = 99 {_CURRENT}",
    "from_at": f"UPDATE event_versions SET from_at = '2000-01-01T00:00:00.000000Z' {_CURRENT}",
    "to_at": ("UPDATE event_versions SET to_at = '2000-01-01T00:00:00.000000Z' "
              "WHERE event_id = 'runoff-2025' AND to_seq IS NOT NULL"),
    "lo": f"UPDATE event_versions SET lo = '1999-01-01T00:00:00' {_CURRENT}",
    "hi": f"UPDATE event_versions SET hi = '1999-01-01T00:00:00' {_CURRENT}",
    "precision": f"UPDATE event_versions SET precision = precision + 1 {_CURRENT}",
    "wide": f"UPDATE event_versions SET wide = 1 - wide {_CURRENT}",
    "status": f"UPDATE event_versions SET status = 'retracted' {_CURRENT}",
    "tags_key": f"UPDATE event_versions SET tags_key = '' {_CURRENT}",
    "actors_key": f"UPDATE event_versions SET actors_key = '' {_CURRENT}",
    "search": f"UPDATE event_versions SET search = 'nothing' {_CURRENT}",
    "doc": f"UPDATE event_versions SET doc = replace(doc, 'Runoff', 'Forged') {_CURRENT}",
}


@pytest.mark.parametrize("column", FORGERIES)
def test_every_projected_column_is_named_when_forged(archive: Archive, column: str) -> None:
    with archive.store.engine.connect() as conn:
        found = conn.execute(text(f"SELECT {column} FROM event_versions WHERE event_id = 'runoff-2025' "
                                  "ORDER BY from_seq")).scalars().all()
    _sql(archive, FORGERIES[column])
    with archive.store.engine.connect() as conn:
        forged = conn.execute(text(f"SELECT {column} FROM event_versions WHERE event_id = 'runoff-2025' "
                                   "ORDER BY from_seq")).scalars().all()
    index = 0 if column == "to_at" else 1
    mismatch = _mismatch(archive)
    shown_found, shown_want = repr(forged[index]), repr(found[index])
    if len(shown_found) > 60:
        shown_found = shown_found[:60] + "…"
    if len(shown_want) > 60:
        shown_want = shown_want[:60] + "…"
    assert mismatch.describe() == (f"event runoff-2025: the version from record {2 + index} has {column} = "
                                   f"{shown_found}, a replay of the log gives {shown_want}")
    assert (mismatch.event_id, mismatch.column, mismatch.seq) == ("runoff-2025", column, 2 + index)
    assert archive.repair().found == mismatch.describe()
    check_projection(archive.store)


def test_the_first_difference_in_event_order_is_named(archive: Archive) -> None:
    _sql(archive, "UPDATE event_versions SET status = 'retracted' WHERE event_id IN ('referendum', 'runoff-2025')")
    for workers in (1, 2, 3):
        mismatch = _mismatch(archive, workers)
        assert (mismatch.event_id, mismatch.column, mismatch.seq) == ("referendum", "status", 5)


def test_a_document_written_differently_but_equal_passes(archive: Archive) -> None:
    with archive.store.engine.connect() as conn:
        doc = conn.execute(text(f"SELECT doc FROM event_versions {_CURRENT}")).scalar_one()
    reordered = json.dumps(dict(reversed(list(json.loads(doc).items()))), ensure_ascii=True, indent=1)
    _sql(archive, f"UPDATE event_versions SET doc = :doc {_CURRENT}", doc=reordered)
    check_projection(archive.store)


def test_a_document_that_is_not_json_is_named(archive: Archive) -> None:
    _sql(archive, f"UPDATE event_versions SET doc = 'not json' {_CURRENT}")
    mismatch = _mismatch(archive)
    assert mismatch.column == "doc"
    assert " has doc = 'not json', a replay of the log gives " in mismatch.describe()


def test_a_long_value_is_cut_in_the_message(archive: Archive) -> None:
    _sql(archive, f"UPDATE event_versions SET search = :long {_CURRENT}", long="x" * 100)
    described = _mismatch(archive).describe()
    assert f" has search = '{'x' * 59}…, a replay" in described


def test_a_record_that_cannot_be_replayed_is_named(archive: Archive) -> None:
    _sql(archive, "UPDATE log SET kind = 'recorded' WHERE seq = 3")
    rehash(archive, 3)
    mismatch = _mismatch(archive)
    assert mismatch.describe().startswith("event runoff-2025: record 3 cannot be replayed (")
    assert (mismatch.event_id, mismatch.column, mismatch.seq) == ("runoff-2025", None, 3)


# -- the full-text index against a replay -------------------------------------------------


@pytest.mark.parametrize(("column", "shown"), [("body", "'forged words'"), ("title", "'forged words'")])
def test_a_forged_search_row_is_named(archive: Archive, column: str, shown: str) -> None:
    _sql(archive, f"UPDATE event_search SET {column} = 'forged words' WHERE event_id = 'curfew-declared'")
    mismatch = _mismatch(archive)
    assert mismatch.describe().startswith(f"event curfew-declared: its row in the search index has {column} = "
                                          f"{shown}, a replay of the log gives '")
    assert mismatch.describe().endswith("; `chronicle upgrade --rebuild` rebuilds it from the log")
    assert (mismatch.event_id, mismatch.column, mismatch.seq) == ("curfew-declared", f"event_search.{column}", 1)


def test_a_forged_search_row_of_the_last_event_is_named(archive: Archive) -> None:
    _sql(archive, "UPDATE event_search SET title = 'forged' WHERE event_id = 'runoff-2025'")
    mismatch = _mismatch(archive)
    assert (mismatch.event_id, mismatch.column) == ("runoff-2025", "event_search.title")


def test_a_search_row_under_another_event_id_is_named(archive: Archive) -> None:
    _sql(archive, "UPDATE event_search SET event_id = 'other' WHERE event_id = 'curfew-declared'")
    mismatch = _mismatch(archive)
    assert mismatch.describe() == ("event curfew-declared: its row in the search index has event_id = 'other', "
                                   "a replay of the log gives 'curfew-declared'; `chronicle upgrade --rebuild` "
                                   "rebuilds it from the log")


@pytest.mark.parametrize("event_id", ["curfew-declared", "runoff-2025"])
def test_a_missing_search_row_is_named(archive: Archive, event_id: str) -> None:
    first = {"curfew-declared": 1, "runoff-2025": 2}[event_id]
    _sql(archive, "DELETE FROM event_search WHERE event_id = :id", id=event_id)
    mismatch = _mismatch(archive)
    assert mismatch.describe() == (f"event {event_id}: no row in the search index for its first record {first} "
                                   "(missing from event_search); `chronicle upgrade --rebuild` rebuilds it from "
                                   "the log")
    assert (mismatch.event_id, mismatch.column, mismatch.seq) == (event_id, None, first)


def test_a_search_row_keyed_on_a_later_record_is_stray(archive: Archive) -> None:
    _sql(archive, "UPDATE event_search SET rowid = 3 WHERE event_id = 'runoff-2025'")
    mismatch = _mismatch(archive)
    assert mismatch.describe() == ("event runoff-2025: its row in the search index is keyed on record 3, which "
                                   "starts no event (a stray row in event_search); `chronicle upgrade --rebuild` "
                                   "rebuilds it from the log")
    assert (mismatch.event_id, mismatch.column, mismatch.seq) == ("runoff-2025", None, 3)


def test_a_search_row_keyed_on_a_source_record_is_stray(archive: Archive) -> None:
    _sql(archive, "INSERT INTO event_search (rowid, event_id, body, title) VALUES (4, 'ghost', 'x', 'x')")
    mismatch = _mismatch(archive)
    assert mismatch.describe().startswith("event ghost: its row in the search index is keyed on record 4, ")
    assert mismatch.seq == 4


def test_a_search_row_keyed_on_no_record_is_stray(archive: Archive) -> None:
    _sql(archive, "INSERT INTO event_search (rowid, event_id, body, title) VALUES (99, 'ghost', 'x', 'x')")
    mismatch = _mismatch(archive)
    assert mismatch.describe() == ("event ghost: its row in the search index is keyed 99, which is no record of "
                                   "the log (a stray row in event_search); `chronicle upgrade --rebuild` rebuilds "
                                   "it from the log")
    assert (mismatch.event_id, mismatch.column, mismatch.seq) == ("ghost", None, 99)


def test_a_value_of_sixty_characters_is_shown_whole(archive: Archive) -> None:
    _sql(archive, f"UPDATE event_versions SET search = :text {_CURRENT}", text="x" * 58)  # repr: 60 characters
    assert f" has search = '{'x' * 58}', a replay" in _mismatch(archive).describe()


def test_a_stray_version_row_of_an_existing_event_is_named(archive: Archive) -> None:
    _sql(archive, "INSERT INTO event_versions SELECT event_id, 99, 99, from_at, to_at, lo, hi, precision, "
         "wide, status, tags_key, actors_key, search, doc FROM event_versions WHERE event_id = 'curfew-declared'")
    mismatch = _mismatch(archive)
    assert mismatch.describe() == ("event curfew-declared: version row from record 99 is not in the log "
                                   "(a stray row in event_versions)")


def test_a_version_row_moved_to_another_event_is_missing_for_its_record(archive: Archive) -> None:
    _sql(archive, f"UPDATE event_versions SET event_id = 'runoff-2026' {_CURRENT}")
    mismatch = _mismatch(archive)
    assert mismatch.describe() == "event runoff-2025: record 3 has no version row (missing from event_versions)"
    assert _log_error(archive, 1).describe() == "record 3: no projected version"


def test_a_stray_version_row_on_a_record_of_another_event_is_named(archive: Archive) -> None:
    # Record 3 exists, but it is runoff-2025's: a "ghost" row from it is not in the log.
    _sql(archive, "INSERT INTO event_versions SELECT 'ghost', 3, NULL, from_at, to_at, lo, hi, precision, "
         "wide, status, tags_key, actors_key, search, doc FROM event_versions WHERE event_id = 'curfew-declared'")
    assert _mismatch(archive).describe() == ("event ghost: version row from record 3 is not in the log "
                                             "(a stray row in event_versions)")


def test_of_several_stray_rows_the_lowest_record_then_event_id_is_named(archive: Archive) -> None:
    for event_id, seq in [("b-ghost", 99), ("c-ghost", 98), ("a-ghost", 99), ("d-ghost", 98)]:
        _sql(archive, "INSERT INTO event_versions SELECT :id, :seq, NULL, from_at, to_at, lo, hi, precision, "
             "wide, status, tags_key, actors_key, search, doc FROM event_versions "
             "WHERE event_id = 'curfew-declared'", id=event_id, seq=seq)
    assert _mismatch(archive).describe().startswith("event c-ghost: version row from record 98 ")


def test_a_split_verify_reports_the_whole_log_as_done(archive: Archive) -> None:
    seen: list[int] = []
    assert archive.store.verify(workers=2, progress=seen.append).count == 5
    assert seen == [5]


def test_every_source_record_is_counted_apart_from_the_event_records(archive: Archive) -> None:
    archive.add_source("second", Source(url="https://example.org/second"))
    archive.add_source("third", Source(url="https://example.org/third"))
    for workers in (1, 2, 3):
        assert archive.store.verify(workers=workers).count == 7


def test_a_version_closed_by_another_events_record_is_named_by_its_column(archive: Archive) -> None:
    # The log's own check looks for a version closed by each record *of the same event*;
    # a row of another event is the projection check's to name, with its column.
    _sql(archive, "UPDATE event_versions SET to_seq = 5 WHERE event_id = 'curfew-declared'")
    assert archive.store.verify(workers=1).count == 5
    with pytest.raises(ProjectionMismatch) as caught:
        archive.verify()
    assert caught.value.describe() == ("event curfew-declared: the version from record 1 has to_seq = 5, "
                                       "a replay of the log gives None")
