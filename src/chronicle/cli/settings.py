"""What the global options say, and the archive they open (once, on first use)."""

from __future__ import annotations

import shlex
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    # Only for the annotation: the archive (and SQLAlchemy) load when a command needs
    # them, so `chronicle --help` stays fast.
    from chronicle.archive import Archive


class Settings:
    """``--db`` and ``--author``; opens the archive on first use."""

    def __init__(self, db: str | None, author: str | None) -> None:
        self.db = db
        self.author = author
        self.url: str | None = None
        self._archive: Archive | None = None

    def archive(self, *, read_only: bool = False) -> Archive:
        """The archive ``--db`` names (else the nearest one), opened once for this command.

        ``read_only``: for commands that only read (SQLite ``mode=ro``, so they never
        change the file and work on read-only media).
        """
        from chronicle.archive import Archive, locate, os_user
        from chronicle.errors import SchemaMismatch
        from chronicle.store import dialects

        if self._archive is None:
            origin = "chronicle " + shlex.join(sys.argv[1:])
            self.url = locate(self.db)
            if not read_only:
                self._archive = Archive.open(self.url, author=self.author, origin=origin, os_user=os_user())
                return self._archive
            try:
                with dialects.read_only():
                    self._archive = Archive.open(self.url, author=self.author, origin=origin, os_user=os_user())
            except SchemaMismatch as error:
                if error.field != "projection_version":
                    raise
                # The projection must be rebuilt first, which is a write: do it once.
                self._archive = Archive.open(self.url, author=self.author, origin=origin, os_user=os_user())
        return self._archive

    def where(self) -> str | None:
        """The archive's file or URL (password masked), for messages."""
        if self.url is None:
            return self.db
        from chronicle.store.dialects import display_url, sqlite_path

        path = sqlite_path(self.url)
        return str(path) if path is not None else display_url(self.url)

    def close(self) -> None:
        """Close the archive if a command opened it."""
        if self._archive is not None:
            self._archive.close()
            self._archive = None
