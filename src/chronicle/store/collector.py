"""The garbage collector's pace while records are written.

A bulk append keeps a batch's rows, states and documents alive for a while: with
Python's default first threshold (700 allocations) the collector traversed them again
and again and moved them into the old generations, whose full passes then scanned
everything the process holds — about 30 µs a row of a 100k import, the largest stage
of ``benchmarks/import_split.py`` before this (benchmarks/RESULTS.md).
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

#: The garbage collector's first threshold while an append runs (Python's default: 700).
WRITING_GC_THRESHOLD = 100_000
_gc_lock = threading.Lock()
_gc_writers = 0
_gc_saved: tuple[int, int, int] | None = None


@contextmanager
def fewer_collections() -> Iterator[None]:
    """Let the garbage collector run less often while records are written.

    An append creates almost no reference cycles, so collecting every 100,000
    allocations frees the same memory. The previous thresholds come back when the last
    concurrent append ends.
    """
    global _gc_writers, _gc_saved
    with _gc_lock:
        if _gc_writers == 0:
            _gc_saved = gc.get_threshold()
            first, *rest = _gc_saved
            gc.set_threshold(max(first, WRITING_GC_THRESHOLD), *rest)
        _gc_writers += 1
    try:
        yield
    finally:
        with _gc_lock:
            _gc_writers -= 1
            if _gc_writers == 0 and _gc_saved is not None:
                gc.set_threshold(*_gc_saved)
                _gc_saved = None
