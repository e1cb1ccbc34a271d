"""Copy a whole archive to another database: ``chronicle copy --to URL``.

The log is copied verbatim, record by record, through :meth:`Store.append_records`,
which checks every sequence number, link and hash on the way in and builds the
target's projection with the same fold — so the copy verifies with the same head hash,
whichever backends are involved (SQLite ⇄ PostgreSQL). Name and description go along.

A target that already holds a *prefix* of the source's log (an earlier copy) is
brought up to date with the records it lacks, so the same command refreshes a copy;
a target whose log has diverged is refused.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from chronicle.errors import ArchiveExists, ArchiveNotFound, InvalidInput
from chronicle.locating import archive_url
from chronicle.model import Record
from chronicle.store import Head, Store, dialects


@dataclass(frozen=True, slots=True)
class CopyReport:
    """What ``copy`` did."""

    target_url: str
    #: True when the target archive was created by this copy.
    created: bool
    #: Records appended to the target (0: it was up to date).
    copied: int
    head: Head


def target_url(target: str) -> str:
    """A database URL as given, or a directory's ``events/chronicle.db`` for a plain path."""
    if "://" in target:
        return target
    if not target.strip():
        raise InvalidInput("is empty", field="--to", value=target,
                           accepted="sqlite:///…/chronicle.db, postgresql+psycopg://…, or a directory")
    return archive_url(Path(target))


def copy_archive(source: Store, target: str, *, progress: Callable[[int], None] | None = None) -> CopyReport:
    """Copy ``source``'s log (and name, description) to the archive at ``target``.

    Creates the target archive when there is none; otherwise appends what it lacks,
    after checking that its log is a prefix of the source's.
    """
    source.check_schema(writing=False)
    url = target_url(target)
    meta = source.meta()
    store = _open_if_there(url)
    created = store is None
    if store is None:
        store = Store.create(url, name=meta.get("name", "chronicle"), description=meta.get("description", ""))
    try:
        store.check_schema(writing=True)
        have = store.head()
        if have.count > 0:
            _check_prefix(source, have, url)
        result = store.append_records(_counted(source.records(after_seq=have.count), progress))
        return CopyReport(url, created, result.count, result.head)
    finally:
        store.close()


def _open_if_there(url: str) -> Store | None:
    try:
        store = Store(url)
    except ArchiveNotFound:
        return None
    try:
        store.meta()
    except ArchiveNotFound:
        store.close()
        return None
    return store


def _check_prefix(source: Store, have: Head, url: str) -> None:
    mine = list(source.records(after_seq=have.count - 1, limit=1))
    if not mine or mine[0].hash != have.hash:
        raise ArchiveExists(
            f"holds another archive, or a copy whose log has diverged (its record {have.count} "
            "differs from this archive's); copy to an empty database or a new directory",
            field="--to", value=dialects.display_url(url),
        )


def _counted(records: Iterable[Record], progress: Callable[[int], None] | None) -> Iterator[Record]:
    for count, record in enumerate(records, start=1):
        if progress is not None and count % 1000 == 0:
            progress(count)
        yield record
