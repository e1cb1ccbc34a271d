"""The CSV export's shortcuts give exactly what the long way gives.

A large export builds each line with string methods (``csv_line``), each date's cells
from its start's and end's own cells (``_date_cells`` over ``_one_date``), and a tags or
actors cell by joining values known to be plain (``_list_text``). Each is compared here
with the general code it stands in for: ``csv.writer``, ``parse_span`` and
``encode_list`` + ``neutralise``.
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from chronicle.errors import BadDate
from chronicle.formats.csv_cells import COLUMNS, encode_list, neutralise
from chronicle.formats.csv_format import (
    _date_cells,
    _list_text,
    _one_date,
    _parsed_date_cells,
    csv_line,
)

DATES_MD = Path(__file__).resolve().parent.parent / "docs" / "dates.md"
#: Every date form docs/dates.md shows (what you write, and what is stored), and a few
#: more: an end before its start, spaces, an ongoing end, English words for an end.
FORMS = sorted({
    *(form for form in re.findall(r"`([^`\n]+)`", DATES_MD.read_text(encoding="utf-8"))
      if not form.startswith("-") or form[1:2].isdigit()),
    "2024", "2023-12-31", "2024-01-01", " 2024", "2024 ", "2024\n", "..", "", "ongoing", "unknown",
    "2024-13", "2024-25", "2019-21", "2011-12", "2023-02-29", "-0000", "Y12000", "2024-06-11T10:00:00Z",
})


def _outcome(function: object, date: str, end: str | None) -> object:
    try:
        return function(date, end)  # type: ignore[operator]
    except BadDate as error:
        return ("refused", str(error))


def test_the_date_forms_are_many_and_most_take_the_shortcut() -> None:
    # The comparison below would prove nothing if the shortcut were never taken.
    assert len(FORMS) > 100
    plain = [form for form in FORMS if _one_date(form) is not None]
    assert len(plain) > 30
    assert _one_date("2024-01-09") is not None and _one_date("2024-25") is None and _one_date(" 2024") is None


@pytest.mark.parametrize("date", FORMS)
def test_date_cells_are_those_of_the_whole_span_for_every_documented_form(date: str) -> None:
    for end in (None, "..", *FORMS):
        assert _outcome(_date_cells, date, end) == _outcome(_parsed_date_cells, date, end), (date, end)


def test_an_end_before_its_start_is_still_refused() -> None:
    with pytest.raises(BadDate, match="before the start"):
        _date_cells("2024-05", "2024-04-30")
    assert _date_cells("2024-05", "2024-05-01")[2] == "2024-05-01"


_CELL = st.text(alphabet=st.sampled_from(list("ab ,;\"'\r\n\t=-+@[]{}é")), max_size=12)


def _by_writer(row: list[str]) -> str:
    buffer = io.StringIO(newline="")
    csv.writer(buffer, lineterminator="\r\n").writerow(row)
    return buffer.getvalue()[:-2] + "\n"


@given(st.lists(_CELL, min_size=len(COLUMNS), max_size=len(COLUMNS)))
@example(["x"] * len(COLUMNS))
@example(["a,b" if i in (8, 9, 13) else "x" for i in range(len(COLUMNS))])
def test_a_line_is_what_the_csv_writer_writes(row: list[str]) -> None:
    line = csv_line(row)
    assert line is None or line == _by_writer(row)


def test_a_line_is_built_when_only_the_free_text_and_sources_need_quotes() -> None:
    row = ["x"] * len(COLUMNS)
    row[8], row[9], row[13] = 'a "b", c', "two\r\nlines", '[{"url":"u"}]'
    assert csv_line(row) == _by_writer(row)
    row[10] = "a, b"  # any other cell: left to the writer
    assert csv_line(row) is None


_ITEM = st.text(alphabet=st.sampled_from(list("ab ;,\"'\t\r\n=-+@[]")), max_size=6)


@given(st.lists(_ITEM, min_size=1, max_size=4), st.booleans())
@example(["politics", "justice"], True)
@example(["=x", "b"], True)
@example(["a", "-b"], True)
@example(["-b", "a"], True)
@example(["+b"], True)
@example(["@b"], True)
@example(["'b"], True)
@example(["a,=b"], True)
@example(['a"-b', "c"], True)
@example(["[a", "b"], False)
def test_a_list_cell_is_encode_list_then_neutralise(values: list[str], safe: bool) -> None:
    expected = neutralise(encode_list(values)) if safe else encode_list(values)
    assert _list_text(values, safe) == expected
    assert _list_text(values, safe) == expected  # again, its values now known
