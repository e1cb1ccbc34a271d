"""Appends slow the garbage collector down while they run, and give the caller's pace back."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from chronicle.store.collector import WRITING_GC_THRESHOLD, fewer_collections


@pytest.fixture
def own_thresholds() -> Iterator[tuple[int, int, int]]:
    saved = gc.get_threshold()
    gc.set_threshold(1234, 7, 9)
    try:
        yield gc.get_threshold()
    finally:
        gc.set_threshold(*saved)


def test_an_append_restores_the_callers_thresholds(own_thresholds: tuple[int, int, int]) -> None:
    with fewer_collections():
        assert gc.get_threshold() == (WRITING_GC_THRESHOLD, 7, 9)
        with fewer_collections():  # a second, concurrent append
            assert gc.get_threshold()[0] == WRITING_GC_THRESHOLD
        assert gc.get_threshold()[0] == WRITING_GC_THRESHOLD  # the first is still writing
    assert gc.get_threshold() == own_thresholds


def test_a_failed_append_restores_them_too(own_thresholds: tuple[int, int, int]) -> None:
    with pytest.raises(RuntimeError), fewer_collections():
        raise RuntimeError("the write failed")
    assert gc.get_threshold() == own_thresholds
