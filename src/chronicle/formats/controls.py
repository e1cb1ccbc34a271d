"""Control characters never reach a published file.

A title may hold a NUL or an escape sequence (pasted from a terminal, or planted): in a
web page or a spreadsheet it is invisible, may truncate the text in some readers, and
``ESC [`` sequences rewrite a terminal that ``cat``s the file. Exports that people open
(HTML, CSV) pass every write through :class:`ControlFree`, which shows each such
character as U+FFFD. Tab, LF and CR are text and pass unchanged; nothing else is touched.
"""

from __future__ import annotations

import re
from typing import IO, Any

#: C0 controls except tab, LF, CR; DEL; the C1 controls.
CONTROLS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
REPLACEMENT = "\ufffd"


def without_controls(text: str) -> str:
    """``text`` with every control character (but tab, LF, CR) shown as U+FFFD."""
    return CONTROLS.sub(REPLACEMENT, text) if CONTROLS.search(text) else text


class ControlFree:
    """A write-only text stream over ``out`` that replaces control characters (see module)."""

    __slots__ = ("_out",)

    def __init__(self, out: IO[str] | Any) -> None:
        self._out = out

    def write(self, text: str) -> int:
        if CONTROLS.search(text):
            text = CONTROLS.sub(REPLACEMENT, text)
        return int(self._out.write(text))

    def writelines(self, lines: Any) -> None:
        for line in lines:
            self.write(line)

    def flush(self) -> None:
        self._out.flush()
