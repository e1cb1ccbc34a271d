"""Opening and creating the store behind an archive, for the archive service.

An archive is opened only once its schema is known to be this version's and its
projection is current; a refusal closes the store at once, so no pooled connection
outlives it. A new archive gets a short name (the folder's, or the database's) and,
in a folder, an ``exports/`` folder beside ``events/``. Below :mod:`chronicle.archive`,
which delegates to it.
"""

from __future__ import annotations

from pathlib import Path

from chronicle.errors import InvalidInput
from chronicle.locating import ARCHIVE_DIR, ARCHIVE_FILE, archive_url
from chronicle.model import check_author, slugify
from chronicle.store import Store


def open_store(url: str, author: str | None) -> Store:
    """The store at ``url``, checked to be an archive this version reads."""
    if author:
        check_author(author)  # before touching the database
    store = Store(url)
    try:
        store.check_schema(writing=False)
        store.refresh_projection()
    except BaseException:
        store.close()  # no pooled connection outlives a refusal
        raise
    return store


def create_store(directory: Path | None, url: str | None, name: str | None, description: str) -> Store:
    """A new archive under ``directory/events/`` (or at ``url``), named ``name`` (default:
    the folder's name), with an ``exports/`` folder beside it when in a folder."""
    directory = (directory or Path.cwd()).resolve()
    name = name if name is not None else directory.name
    name = slugify(name) if name.strip() else ""
    if not name:
        raise InvalidInput("is empty", field="--name", value=name, accepted="a short name, e.g. ecuador-security")
    store = Store.create(url or archive_url(directory), name=name, description=description)
    if url is None:
        (directory / "exports").mkdir(exist_ok=True)
    return store


def name_from_url(url: str) -> str:
    """The default name of an archive created at a database URL: the database's name;
    a folder's ``events/chronicle.db`` is named after the folder, as ``chronicle init`` names it."""
    parts = url.split("?", 1)[0].rstrip("/").split("/")
    name = parts[-3] if parts[-2:] == [ARCHIVE_DIR, ARCHIVE_FILE] and len(parts) > 2 else parts[-1]
    return name.removesuffix(".db")
