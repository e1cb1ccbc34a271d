"""A large append builds the secondary indexes after its rows are in (issue 10, item 2).

On SQLite, once one append has written :data:`chronicle.store.writer.DEFER_INDEXES_AT`
records, the writer drops the secondary indexes and builds them again, from their exact
stored definitions, before it commits. What a user notices: the indexes are all there
afterwards and queries walk them; an append that fails after the drop leaves the
archive — indexes included — exactly as it was; a killed one too.
"""

from __future__ import annotations

import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event, text

from chronicle.archive import Archive, open_archive
from chronicle.model import Draft, Kind, Provenance
from chronicle.query import EventQuery
from chronicle.store import writer


def _indexes(archive: Archive) -> list[tuple[str, str]]:
    with archive.store.engine.connect() as conn:
        return [tuple(row) for row in conn.execute(text(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL ORDER BY name"))]


def _drafts(archive: Archive, count: int, *, fail_at: int | None = None) -> Iterator[Draft]:
    """``count`` new events like the archive's first one; raises at ``fail_at``."""
    template = next(iter(archive.log())).payload
    prov = Provenance(author="bulk", origin="test", reason=None)
    for n in range(count):
        if n == fail_at:
            raise RuntimeError("the source went away")
        yield Draft(f"bulk-{n}", Kind.RECORDED, {**template, "title": f"Bulk event {n}"}, prov)


@pytest.fixture
def statements(archive: Archive) -> list[str]:
    """Every statement the archive's engine runs from now on."""
    seen: list[str] = []

    def record(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        seen.append(statement)

    event.listen(archive.store.engine, "before_cursor_execute", record)
    return seen


@pytest.mark.parametrize("archive_url", ["sqlite"], indirect=True)
def test_a_large_append_builds_the_indexes_after_its_rows(
    archive: Archive, statements: list[str], monkeypatch: pytest.MonkeyPatch,
) -> None:
    archive.add(title="Curfew declared", date="2024-01-09", tags=["security"], unsourced=True)
    before = _indexes(archive)
    monkeypatch.setattr(writer, "DEFER_INDEXES_AT", 100)
    result = archive.store.append(_drafts(archive, 500), batch_size=50)
    assert result.count == 500
    dropped = [s for s in statements if s.startswith("DROP INDEX")]
    assert sorted(s.split('"')[1] for s in dropped) == sorted(writer.DEFERRABLE_INDEXES)
    assert _indexes(archive) == before  # all built again, exactly as they were defined
    archive.verify()
    assert archive.store.count(EventQuery.parse(since="2024")) == 501
    assert any("ix_versions_current_lo" in line for line in archive.store.query_plan(EventQuery(limit=5)))


@pytest.mark.parametrize("archive_url", ["sqlite"], indirect=True)
def test_a_small_append_to_a_large_archive_keeps_its_indexes(
    archive: Archive, statements: list[str], monkeypatch: pytest.MonkeyPatch,
) -> None:
    archive.add(title="Curfew declared", date="2024-01-09", unsourced=True)
    monkeypatch.setattr(writer, "DEFER_INDEXES_AT", 100)
    archive.store.append(_drafts(archive, 300), batch_size=50)
    statements.clear()
    # 100 records in, this append into an archive of 301 is not a bulk load: decided then,
    # once, even though it goes on to write more than the archive held.
    archive.store.append([Draft(f"more-{n}", d.kind, d.payload, d.provenance)
                          for n, d in enumerate(_drafts(archive, 400))], batch_size=50)
    assert not [s for s in statements if s.startswith("DROP INDEX")]


@pytest.mark.parametrize("archive_url", ["sqlite"], indirect=True)
def test_an_append_that_fails_after_the_drop_leaves_the_archive_and_its_indexes(
    archive: Archive, statements: list[str], monkeypatch: pytest.MonkeyPatch,
) -> None:
    archive.add(title="Curfew declared", date="2024-01-09", unsourced=True)
    before, head = _indexes(archive), archive.head()
    monkeypatch.setattr(writer, "DEFER_INDEXES_AT", 100)
    with pytest.raises(RuntimeError, match="the source went away"):
        archive.store.append(_drafts(archive, 500, fail_at=400), batch_size=50)
    assert [s for s in statements if s.startswith("DROP INDEX")]  # it failed after the drop
    assert _indexes(archive) == before
    assert archive.head() == head
    archive.verify()


#: A child that appends 500 records with the deferral from 100 on, and kills itself with
#: SIGKILL at the point named by its argument: while rows go in after the drop, or
#: after the first index was built again (before the commit).
_KILLED_CHILD = """
import os, signal, sys
from chronicle.archive import open_archive
from chronicle.model import Draft, Kind, Provenance
from chronicle.store import writer

archive = open_archive(sys.argv[1])
writer.DEFER_INDEXES_AT = 100
template = next(iter(archive.log())).payload
prov = Provenance(author="bulk", origin="test")
point = sys.argv[2]

def drafts():
    for n in range(500):
        if point == "rows" and n == 400:
            os.kill(os.getpid(), signal.SIGKILL)
        yield Draft(f"bulk-{n}", Kind.RECORDED, {**template, "title": f"Bulk event {n}"}, prov)

if point == "rebuild":
    def finish(self):
        self.flush()
        self.conn.exec_driver_sql(self._deferred[0])
        os.kill(os.getpid(), signal.SIGKILL)
    writer.BatchWriter.finish = finish
archive.store.append(drafts(), batch_size=50)
"""


@pytest.mark.parametrize("point", ["rows", "rebuild"])
def test_a_killed_large_append_leaves_the_archive_and_its_indexes(seeded_dir: Path, point: str) -> None:
    archive = open_archive(seeded_dir)
    before_indexes, head = _indexes(archive), archive.head()
    archive.close()
    child = subprocess.run([sys.executable, "-c", _KILLED_CHILD, str(seeded_dir), point],
                           capture_output=True, text=True, check=False)
    assert child.returncode == -signal.SIGKILL, child.stderr
    archive = open_archive(seeded_dir)
    try:
        assert _indexes(archive) == before_indexes
        assert archive.head() == head
        archive.verify()
    finally:
        archive.close()
