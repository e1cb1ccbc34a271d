"""Write a file through a temporary sibling renamed into place.

A failed or interrupted export never leaves half a calendar where a good one was, and
readers of the old file never see a torn one. What is at the path decides what happens:

* nothing, or a **regular file**: the new content is written to
  ``.NAME.PID.RANDOM.part`` in the same folder, flushed to disk and renamed over it;
  an existing file keeps its permission bits (a 0600 file stays 0600) and, where the
  user may, its owner and group. A new file gets the usual ``0666 & ~umask``.
* a **symbolic link**: followed (every level) and the file it points to is replaced as
  above; the link itself stays a link. A dangling link creates its target.
* a **directory, device, FIFO or socket**: refused with one line, before anything is
  opened — chronicle never writes into ``/dev/…`` or a pipe by accident. To write to a
  pipe or a terminal, give ``-`` (standard output) and redirect.

Temporary files left by an export that was killed (``kill -9``, a power cut) are
removed by the next write to the same path, once the process that made them is gone.
"""

from __future__ import annotations

import contextlib
import os
import re
import stat
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TextIO

from chronicle.errors import InvalidInput, os_failure

#: What we call the things we refuse to replace.
_SPECIAL = (
    (stat.S_ISDIR, "is a directory", "give a file name inside it"),
    (stat.S_ISCHR, "is a character device", "give a regular file, or `-` for standard output"),
    (stat.S_ISBLK, "is a block device", "give a regular file"),
    (stat.S_ISFIFO, "is a FIFO (named pipe)", "give `-` and redirect standard output into the pipe"),
    (stat.S_ISSOCK, "is a socket", "give a regular file"),
)
#: A leftover without a PID in its name is removed once it is this old (seconds).
_STALE_AFTER = 3600.0


@contextmanager
def atomic_text(path: Path, *, field: str = "--output") -> Iterator[TextIO]:
    """A UTF-8 text stream (``newline=""``: the writer chooses line ends) for ``path``.

    Raises :class:`InvalidInput` for a path that is not (or does not lead to) a regular
    file, and :class:`StorageError` when the folder cannot be written (full, read-only,
    permission); in both cases whatever was at ``path`` is left as it was.
    """
    target = _resolve(path)
    existing = _check_target(target, path, field)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        remove_stale_parts(target)
        handle, temp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.{os.getpid()}.",
                                        suffix=".part")
    except OSError as error:
        raise os_failure(error, str(target.parent)) from None
    try:
        with open(handle, "w", encoding="utf-8", newline="") as stream:
            yield stream
            stream.flush()
            os.fsync(stream.fileno())
        _copy_mode(temp, existing)
        os.replace(temp, target)
        _sync_folder(target.parent)
    except BaseException as error:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temp)
        if isinstance(error, OSError) and error.errno is not None:
            raise os_failure(error, str(path)) from None
        raise


def _resolve(path: Path) -> Path:
    """Where a write to ``path`` lands: symbolic links followed, every level."""
    return Path(os.path.realpath(path)) if path.is_symlink() else path


def _check_target(target: Path, given: Path, field: str) -> os.stat_result | None:
    """The target's status if it is a regular file, None if absent; refuses anything else."""
    try:
        status = os.stat(target)
    except FileNotFoundError:
        return None
    except OSError as error:
        raise os_failure(error, str(given)) from None
    for test, what, todo in _SPECIAL:
        if test(status.st_mode):
            shown = str(given) if target == given else f"{given} (→ {target})"
            raise InvalidInput(f"{what}; chronicle writes only regular files and left it untouched — {todo}",
                               field=field, value=shown)
    return status


def _copy_mode(temp: str, existing: os.stat_result | None) -> None:
    if existing is None:
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(temp, 0o666 & ~umask)
        return
    os.chmod(temp, stat.S_IMODE(existing.st_mode))
    with contextlib.suppress(PermissionError):
        os.chown(temp, existing.st_uid, existing.st_gid)


def _sync_folder(folder: Path) -> None:
    """Make the rename itself durable (the folder's entry), where the platform allows it."""
    try:
        descriptor = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        with contextlib.suppress(OSError):
            os.fsync(descriptor)
    finally:
        os.close(descriptor)


def remove_stale_parts(target: Path, *, now: float | None = None) -> list[Path]:
    """Remove ``.NAME.*.part`` files left beside ``target`` by writers that were killed.

    A part file whose name carries the PID of a process that no longer runs is stale;
    one with a live PID belongs to a writer at work and is left alone. Returns what was
    removed.
    """
    pattern = re.compile(rf"^\.{re.escape(target.name)}\.(?:(\d+)\.)?[^.]+\.part$")
    now = time.time() if now is None else now
    removed: list[Path] = []
    try:
        entries = list(target.parent.iterdir())
    except OSError:
        return removed
    for entry in entries:
        match = pattern.match(entry.name)
        if match is None:
            continue
        pid = match.group(1)
        try:
            stale = (not _running(int(pid))) if pid else now - entry.lstat().st_mtime > _STALE_AFTER
            if stale and stat.S_ISREG(entry.lstat().st_mode):
                entry.unlink()
                removed.append(entry)
        except OSError:
            continue
    return removed


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True

