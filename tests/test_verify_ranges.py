"""``verify`` split by sequence range across processes finds what one pass finds (issue 10)."""

from __future__ import annotations

import pytest

from chronicle.archive import Archive
from chronicle.errors import TamperedLog

from .test_log import _tamper


def _fill(archive: Archive, count: int) -> None:
    for number in range(count):
        archive.add(title=f"Event {number}", date=f"{2000 + number}", unsourced=True)
    archive.revise("event-0", reason="later", title="Event zero")


def test_ranges_give_the_same_head_as_one_pass(archive: Archive) -> None:
    _fill(archive, 8)
    one = archive.store.verify(workers=1)
    assert one.count == 9
    for workers in (2, 3, 9, 20):
        assert archive.store.verify(workers=workers) == one


@pytest.mark.parametrize("workers", [1, 3])
def test_a_record_changed_inside_a_range_is_named(archive: Archive, workers: int) -> None:
    _fill(archive, 8)
    _tamper(archive, "UPDATE log SET author = 'mallory' WHERE seq = 6")
    with pytest.raises(TamperedLog) as caught:
        archive.store.verify(workers=workers)
    assert caught.value.seq == 6 and "content does not match its hash" in caught.value.message


@pytest.mark.parametrize("workers", [1, 3])
def test_a_broken_link_at_a_seam_is_named_once(archive: Archive, workers: int) -> None:
    _fill(archive, 8)  # 9 records: with 3 workers the ranges are 1-3, 4-6, 7-9
    _tamper(archive, "UPDATE log SET prev_hash = '" + "e" * 64 + "' WHERE seq = 4")
    with pytest.raises(TamperedLog) as caught:
        archive.store.verify(workers=workers)
    assert caught.value.seq == 4 and "previous-hash link is broken" in caught.value.message


def test_the_earliest_problem_wins_across_ranges(archive: Archive) -> None:
    _fill(archive, 8)
    _tamper(archive, "UPDATE log SET author = 'mallory' WHERE seq IN (2, 8)")
    with pytest.raises(TamperedLog) as caught:
        archive.store.verify(workers=3)
    assert caught.value.seq == 2


def test_source_records_in_any_range_are_counted_and_a_lost_version_still_found(archive: Archive) -> None:
    from chronicle.model import make_source

    _fill(archive, 4)
    archive.add_source("cne", make_source("https://example.org/cne", publisher="CNE"))  # seq 6: no version
    archive.correct_source("cne", reason="the right page", source=make_source("https://example.org/cne/2025"))
    archive.add(title="Event after", date="2010", unsourced=True)
    one = archive.store.verify(workers=1)
    assert one.count == 8
    for workers in (2, 3, 8):  # the source records land in different ranges
        assert archive.store.verify(workers=workers) == one
    _tamper(archive, "DELETE FROM event_versions WHERE from_seq = 8")
    with pytest.raises(TamperedLog) as caught:
        archive.store.verify(workers=3)
    assert caught.value.seq == 8


def test_the_projection_check_split_by_event_ranges_finds_what_one_pass_finds(archive: Archive) -> None:
    from chronicle.errors import ProjectionMismatch
    from chronicle.store import check_projection

    _fill(archive, 8)
    one = check_projection(archive.store, workers=1)
    assert one.records == 9
    for workers in (2, 3, 9):
        assert check_projection(archive.store, workers=workers) == one
    # Two events forged: whatever the split, the first in id order is named, as one pass names it.
    _tamper(archive, "UPDATE event_versions SET status = 'retracted' WHERE event_id IN ('event-2', 'event-7')")
    for workers in (1, 2, 3, 9):
        with pytest.raises(ProjectionMismatch) as caught:
            check_projection(archive.store, workers=workers)
        assert caught.value.event_id == "event-2" and caught.value.column == "status"
