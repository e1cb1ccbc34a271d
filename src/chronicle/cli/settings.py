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
        self._archive: Archive | None = None

    def archive(self) -> Archive:
        """The archive ``--db`` names (else the nearest one), opened for this command."""
        from chronicle.archive import Archive, locate, os_user

        if self._archive is None:
            origin = "chronicle " + shlex.join(sys.argv[1:])
            self._archive = Archive.open(locate(self.db), author=self.author, origin=origin,
                                         os_user=os_user())
        return self._archive

    def close(self) -> None:
        """Close the archive if a command opened it."""
        if self._archive is not None:
            self._archive.close()
            self._archive = None
