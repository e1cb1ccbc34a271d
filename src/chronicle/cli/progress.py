"""Progress on long work — on a terminal only, on stderr, never in pipes or logs."""

from __future__ import annotations

import sys
import time
from types import TracebackType


class Progress:
    """A callable counter that redraws one stderr line at most every 0.2 s."""

    def __init__(self, verb: str, unit: str) -> None:
        self.verb = verb
        self.unit = unit
        self.enabled = sys.stderr.isatty()
        self._last = 0.0
        self._shown = False

    def __call__(self, count: int) -> None:
        if not self.enabled:
            return
        now = time.monotonic()
        if now - self._last >= 0.2:
            self._last = now
            self._shown = True
            sys.stderr.write(f"\r{self.verb} {count:,} {self.unit}…")
            sys.stderr.flush()

    def __enter__(self) -> Progress:
        return self

    def __exit__(self, kind: type[BaseException] | None, value: BaseException | None,
                 traceback: TracebackType | None) -> None:
        if self._shown:
            sys.stderr.write("\r\033[K")
            sys.stderr.flush()
