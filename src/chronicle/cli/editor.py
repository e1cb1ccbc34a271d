"""Running the user's editor on a file, as ``git commit`` does (``$VISUAL``, ``$EDITOR``, vi)."""

from __future__ import annotations

import os
import subprocess
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from chronicle.errors import ChronicleError, EditAborted

T = TypeVar("T")


def edit_in_editor(text: str, read: Callable[[str], T], *, name: str = "event") -> T:
    """Open ``text`` in the user's editor and return ``read(what was saved)``.

    The file is removed when ``read`` accepts it or the user aborted (an empty file);
    when ``read`` rejects it, it is kept and the error says where, so no typing is lost.
    """
    editor = os.environ.get("VISUAL") or os.environ.get("EDITOR") or "vi"
    handle, name_on_disk = tempfile.mkstemp(prefix=f"chronicle-{name}-", suffix=".toml")
    path = Path(name_on_disk)
    with os.fdopen(handle, "w", encoding="utf-8") as out:
        out.write(text)
    keep = False
    try:
        # Through the shell, like git: EDITOR may hold arguments ("code --wait").
        status = subprocess.run(["sh", "-c", f'{editor} "$@"', editor, str(path)], check=False).returncode
        if status != 0:
            raise ChronicleError(f"the editor ({editor}) exited with status {status}; nothing was recorded",
                                 field="EDITOR", value=editor)
        saved = path.read_text(encoding="utf-8")
        try:
            return read(saved)
        except EditAborted:
            raise
        except ChronicleError as error:
            keep = True
            error.message += f" — your text is kept in {path}"
            error.args = (error.describe(),)
            raise
    finally:
        if not keep:
            path.unlink(missing_ok=True)
