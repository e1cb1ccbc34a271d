"""Where an archive is: a database URL, or a folder whose ``events/chronicle.db`` it is.

Pure path logic, no database: the CLI, the Python API and ``copy`` find archives the
same way through these functions.
"""

from __future__ import annotations

import os
from pathlib import Path

from chronicle.errors import ArchiveNotFound, InvalidInput

ARCHIVE_DIR = "events"
ARCHIVE_FILE = "chronicle.db"


def archive_url(directory: Path) -> str:
    """The SQLite URL of the archive kept under ``directory/events/``."""
    return f"sqlite:///{(directory / ARCHIVE_DIR / ARCHIVE_FILE).resolve()}"


def is_url(text: str) -> bool:
    """Whether ``text`` names a database (``sqlite:///…``, ``postgresql+psycopg://…``)."""
    return "://" in text


def locate(db: str | None, cwd: Path | None = None) -> str:
    """Find the archive like git finds a repository.

    ``--db URL`` / ``CHRONICLE_DB`` first; else the nearest ``events/chronicle.db`` in
    this directory or a parent.
    """
    if db:
        return db
    start = (cwd or Path.cwd()).resolve()
    for directory in (start, *start.parents):
        if (directory / ARCHIVE_DIR / ARCHIVE_FILE).is_file():
            return archive_url(directory)
    raise ArchiveNotFound(
        f"no archive in {start} or any parent directory; create one with "
        "`chronicle init` or point to one with --db URL / CHRONICLE_DB"
    )


def existing_url(path_or_url: str | os.PathLike[str]) -> str:
    """The URL of an existing archive named by a URL, a folder (the nearest
    ``events/chronicle.db`` in it or a parent, as the CLI finds one) or a database file."""
    text = os.fspath(path_or_url)
    if is_url(text):
        return text
    if not text.strip():
        raise InvalidInput("is empty", field="path_or_url", value=text,
                           accepted="a folder, an archive file, or a database URL")
    path = Path(text)
    if path.is_file():
        return f"sqlite:///{path.resolve()}"
    if not path.is_dir():
        raise ArchiveNotFound("no such folder or file", field="path_or_url", value=text)
    return locate(None, cwd=path)


def new_url(path_or_url: str | os.PathLike[str]) -> tuple[str, Path | None]:
    """Where a new archive goes: a URL as given, or a folder's ``events/chronicle.db``.

    Returns the URL and the folder (None for a URL).
    """
    text = os.fspath(path_or_url)
    if is_url(text):
        return text, None
    if not text.strip():
        raise InvalidInput("is empty", field="path_or_url", value=text,
                           accepted="a folder or a database URL")
    directory = Path(text).resolve()
    return archive_url(directory), directory
