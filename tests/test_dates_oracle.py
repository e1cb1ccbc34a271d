"""chronicle's date grammar against the EDTF specification's own implementation.

The ``edtf`` package (the Library of Congress specification's Python implementation) is
the oracle: for strings drawn from the EDTF grammar — valid ones and near misses — both
must agree on which are dates and on their first and last day. Where chronicle knowingly
differs, the test says so once, here:

- chronicle refuses days that do not exist (``2023-02-29``); edtf 5 accepts them;
- EDTF winter (``2024-24``) runs Dec–Feb in chronicle; edtf 5 ends it on 31 Dec;
- edtf 5 swaps the first and last day of a BC month or day written ``XX``
  (``-0001-01-XX`` from 31 Jan to 1 Jan);
- chronicle takes a time of day only in the years 1–9999 (edtf 5 also in BC years), but
  also in intervals, sets and with a qualifier (edtf 5 only alone and unqualified);
- chronicle also reads timestamps without seconds or with a fraction (ISO 8601 forms
  EDTF leaves out); those are checked by the round trip below, not against edtf;
- seasons 25–41 and X digits inside a year with a month (level 2) are not accepted;
- qualified components (level 2, ``2004-06~-11``, ``?2004-06-~11``) follow the spec's
  rule — a mark left of a component qualifies it alone, one right of it qualifies it and
  those before — in every combination; edtf 5 takes only some: prefixes on any
  components, plus either a year suffix (without a year prefix) or one suffix alone.
  chronicle also reads ``2004?-06~`` (year both, month approximate), ``?2004-06-11~``
  and ``2004-?06~-11``, and writes each back in a form edtf 5 reads;
- an interval that ends before it starts is refused (edtf 5 accepts ``0001/0000``);
- ``YYYY-NN`` with NN 13–20 or 25–99 is the range people type (``2024-25``), not an error;
- a set may hold Y-years, seasons and X months, an interval X months and an X date
  beside an unknown end (edtf 5 refuses or crashes on those);
- chronicle accepts, where edtf 5 refuses: a qualified season or X date (``2024-21~``
  is "c. Spring 2024", ``201X~`` "c. the 2010s"), a qualified Y-year (``Y-12000~``, "c.
  12001 BC") and a Y-year in an interval.

And for every date chronicle reads, the words it renders read back as the same value,
and so does the canonical EDTF it stores.
"""

from __future__ import annotations

import calendar
import re
from typing import Any

import edtf  # type: ignore[import-untyped,unused-ignore]
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st

from chronicle.dates import Instant, bound_text, instant_from_bound_text, parse_span
from chronicle.errors import BadDate

# Derandomized: the same 250 examples on every run, so CI never fails on a new random
# find; `make fuzz` explores further, and what it finds becomes an @example here.
SETTINGS = settings(max_examples=250, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])


def _year() -> st.SearchStrategy[str]:
    plain = st.integers(min_value=-9999, max_value=9999).map(lambda y: f"-{-y:04d}" if y < 0 else f"{y:04d}")
    near = st.sampled_from(["2024", "1999", "0000", "-0001", "-0489", "0001", "9999", "-0000"])
    unspecified = st.builds(
        lambda sign, digits, k: sign + digits[: 4 - k] + "X" * k,
        st.sampled_from(["", "", "-"]), st.integers(0, 9999).map(lambda n: f"{n:04d}"), st.integers(1, 3),
    )
    long = st.builds(lambda sign, n: f"Y{sign}{n}", st.sampled_from(["", "-"]), st.integers(10000, 10**9 - 1))
    return st.one_of(plain, near, near, unspecified, long)


def _month() -> st.SearchStrategy[str]:
    return st.one_of(
        st.integers(1, 12).map(lambda m: f"{m:02d}"),
        st.sampled_from(["00", "13", "21", "22", "23", "XX", "02"]),
    )


def _day() -> st.SearchStrategy[str]:
    return st.one_of(st.integers(1, 31).map(lambda d: f"{d:02d}"), st.sampled_from(["00", "29", "30", "32", "XX"]))


@st.composite
def edtf_dates(draw: Any) -> str:
    """One date: year, maybe month, maybe day, maybe a time, maybe a qualifier."""
    text = draw(_year())
    if draw(st.booleans()):
        text += "-" + draw(_month())
        if draw(st.booleans()):
            text += "-" + draw(_day())
            if draw(st.integers(0, 4)) == 0:
                text += "T" + draw(st.sampled_from(["10:00:00", "23:59:59", "00:00:00", "25:00:00"]))
                text += draw(st.sampled_from(["", "Z", "+05:30", "-05:00"]))
    return text + draw(st.sampled_from(["", "", "", "~", "?", "%"]))


_MARK = st.sampled_from(["", "", "", "~", "?", "%"])


@st.composite
def qualified_components(draw: Any) -> str:
    """EDTF level 2: a qualifier left and/or right of each of year, month and day."""
    year = draw(st.one_of(st.integers(-9999, 9999), st.sampled_from([2004, 0, -489])))
    parts = [f"-{-year:04d}" if year < 0 else f"{year:04d}"]
    if draw(st.integers(0, 4)):
        parts.append(draw(st.one_of(st.integers(1, 12).map(lambda m: f"{m:02d}"), st.sampled_from(["13", "21"]))))
        if draw(st.booleans()):
            parts.append(draw(st.one_of(st.integers(1, 31).map(lambda d: f"{d:02d}"), st.just("00"))))
    return "-".join(draw(_MARK) + part + draw(_MARK) for part in parts)


_COMPONENTS = re.compile(
    r"([~?%]?)(-?[0-9]{4})([~?%]?)(?:-([~?%]?)([0-9]{2})([~?%]?)(?:-([~?%]?)([0-9]{2})([~?%]?))?)?"
)


def _components_beyond_edtf5(text: str) -> bool:
    """Qualified components in a combination edtf 5 does not take (see the docstring)."""
    for piece in re.split(r"[\[\]/, ]+|\.\.", text):
        match = _COMPONENTS.fullmatch(piece)
        if match is None:
            continue
        year_prefix, _, year_suffix, _, _, month_suffix, _, _, day_suffix = match.groups()
        marks = sum(1 for mark in match.groups()[0::3] + match.groups()[2::3] if mark)
        if marks <= 1:
            continue
        if month_suffix or day_suffix or (year_prefix and year_suffix):
            return True
    return False


@st.composite
def edtf_texts(draw: Any) -> str:
    """A date, an interval (closed or with an open end) or a one-of set."""
    kind = draw(st.integers(0, 6))
    if kind == 6:
        return str(draw(st.one_of(qualified_components(), st.builds(
            lambda a, b: f"{a}/{b}", qualified_components(), qualified_components()))))
    if kind <= 2:
        return str(draw(edtf_dates()))
    if kind == 3:
        return f"{draw(edtf_dates())}/{draw(edtf_dates())}"
    if kind == 4:
        return draw(st.sampled_from(["../", "/", ""])) + draw(edtf_dates()) + draw(st.sampled_from(["", "/..", "/"]))
    return "[" + ", ".join(draw(st.lists(edtf_dates(), min_size=1, max_size=3))) + "]"


def _oracle(text: str) -> Any | None:
    try:
        return edtf.parse_edtf(text)
    except Exception:  # edtf raises parse errors and, for some open forms, TypeError
        return None


def _chronicle(text: str) -> Any | None:
    try:
        return parse_span(text)
    except BadDate:
        return None


def _real_days(text: str) -> bool:
    """False when the text names a day its month does not have (edtf accepts those)."""
    for piece in text.replace("[", " ").replace("]", " ").replace(",", " ").replace("/", " ").split():
        core = re.sub(r"[~?%]", "", piece).strip(".").split("T")[0]
        negative = core.startswith("-")
        parts = core.lstrip("-").split("-")
        if len(parts) == 3 and "X" not in core and not core.startswith("Y"):
            year, month, day = int(parts[0]) * (-1 if negative else 1), int(parts[1]), int(parts[2])
            if 1 <= month <= 12 and day > calendar.monthrange(year % 400 + 400, month)[1]:
                return False
    return True


_X_YEAR_WITH_MONTH = re.compile(r"[0-9X]{3}X-")
_EARLY_TIMESTAMP = re.compile(r"(?:^|[\[/, ])(?:-[0-9]{4}|0000)-[0-9]{2}-[0-9]{2}T")
_WINTER = re.compile(r"(?:^|[\[/, ])-?[0-9]{4}-24(?![0-9])")


def _known_divergence(text: str) -> bool:
    negative_unspecified = "-XX" in text and any(p.startswith("-") for p in re.split(r"[\[/, ]+", text))
    # chronicle refuses a known day of an unspecified month (2024-XX-01) in any year, by design.
    day_of_unknown_month = bool(re.search(r"-XX-[0-9]{2}", text))
    return bool(_WINTER.search(text)) or day_of_unknown_month or not _real_days(text) or negative_unspecified \
        or bool(_X_YEAR_WITH_MONTH.search(text)) or bool(_EARLY_TIMESTAMP.search(text))


_BC_X = re.compile(r"(^|[/\[, ])-[0-9]*X")
_SEASON_IN_SET = re.compile(r"[0-9]{4}-2[1-4]")


def _set_beyond_edtf5(text: str) -> bool:
    """A set with a Y-year, a season or an X month: edtf 5 refuses or crashes on those."""
    return text.startswith("[") and ("Y" in text or "XX" in text or bool(_SEASON_IN_SET.search(text)))


def _backwards(text: str) -> bool:
    """An interval that ends before it starts (edtf 5 accepts ``0001/0000``)."""
    start, _, end = text.partition("/")
    left, right = _chronicle(start), _chronicle(end)
    return left is not None and right is not None and right.latest_instant < left.earliest_instant


@SETTINGS
@given(edtf_texts())
@example("-0489")
@example("0000/-000X")
@example("0000-XX-01")
@example("0000")
@example("Y-12000")
@example("2024-21")
@example("201X")
@example("20XX")
@example("2024-XX")
@example("[2023-10, 2023-11-23]")
@example("-0232")
@example("2004-06~-11")
@example("?2004-06-~11")
@example("2004?-06-11")
@example("2004-~06")
@example("2004?-06~")
@example("2004-?06~-11")
@example("~2004-13")
@example("0000-01-XXT10:00:00")
def test_chronicle_and_the_specification_agree_on_what_is_a_date(text: str) -> None:
    ours, theirs = _chronicle(text), _oracle(text)
    if ours is not None:
        # edtf 5 cannot build open intervals ("../2020", "2020/..") or open sets: TypeError.
        qualified = any(mark in text for mark in "~?%")
        long_year_beyond_edtf5 = "Y" in text and (qualified or "/" in text)
        long_year_beyond_edtf5 |= qualified and (bool(_SEASON_IN_SET.search(text)) or "X" in text)
        # edtf 5 refuses an X date beside an unknown end and crashes on an X month in an interval.
        long_year_beyond_edtf5 |= "X" in text and "/" in text and (text.startswith("/") or text.endswith("/")
                                                                  or "XX/" in text or "XX" in text.partition("/")[2])
        # edtf 5 takes a timestamp only alone and unqualified.
        long_year_beyond_edtf5 |= "T" in text and (qualified or "/" in text or text.startswith("["))
        # "2024-25" is read as 2024 to 2025 (a form people type); EDTF has no month 25.
        short_range = "/" not in text and ours.is_interval
        # edtf 5 swaps a BC X date's first and last day, so an interval with one (0000/-000X)
        # looks backwards to it.
        bc_unspecified_interval = "/" in text and bool(_BC_X.search(text))
        if theirs is None and ".." not in text and not long_year_beyond_edtf5 and not _set_beyond_edtf5(text) \
                and not short_range and not bc_unspecified_interval and not _components_beyond_edtf5(text):
            raise AssertionError(f"chronicle reads {text!r}, the EDTF specification does not")
    elif theirs is not None and not _known_divergence(text) and not _backwards(text):
        raise AssertionError(f"the EDTF specification reads {text!r}, chronicle refuses it")


@SETTINGS
@given(st.one_of(edtf_dates(), qualified_components()))
@example("-0489-02")
@example("?-0489-06-~11")
@example("2004-06~-11")
@example("-00XX")
@example("Y170000000")
@example("2024-23")
def test_chronicle_and_the_specification_agree_on_the_first_and_last_day(text: str) -> None:
    ours, theirs = _chronicle(text), _oracle(text)
    assume(ours is not None and theirs is not None and not _known_divergence(text))
    assert ours is not None
    first, last = ours.earliest_instant, ours.latest_instant
    if "T" in text:
        # A timestamp's bounds are in UTC; edtf keeps the local calendar day.
        first = last = Instant(ours.start.year, ours.start.month, ours.start.day)
    assert (first.year, first.month, first.day) == tuple(theirs.lower_strict()[:3]), text
    assert (last.year, last.month, last.day) == tuple(theirs.upper_strict()[:3]), text


def _their_components(parsed: Any, count: int) -> tuple[str, ...]:
    """Each component's qualifier as edtf 5 reads it (it keeps the marks where they were written)."""
    if not hasattr(parsed, "year_month_ua"):  # level 0 or 1: one mark (or none) for the whole date
        return (str(getattr(parsed, "ua", None) or ""),) * count
    def marks(*names: str) -> str:
        found = {str(getattr(parsed, name)) for name in names if getattr(parsed, name, None) is not None}
        approximate, uncertain = bool(found & {"~", "%"}), bool(found & {"?", "%"})
        return "%" if approximate and uncertain else "~" if approximate else "?" if uncertain else ""
    return (marks("year_ua", "year_ua_b", "year_month_ua", "all_ua"),
            marks("month_ua", "year_month_ua", "month_day_ua", "all_ua"),
            marks("day_ua", "month_day_ua", "all_ua"))[:count]


def _our_components(span: Any) -> tuple[str, ...]:
    date = span.start
    count = int(date.precision)
    return date.component_qualifiers or (date.qualifier,) * count


@SETTINGS
@given(qualified_components())
@example("2004-06~-11")
@example("?2004-06-~11")
@example("2004?-~06-11")
@example("%-0489-06")
def test_chronicle_and_the_specification_agree_on_which_components_are_qualified(text: str) -> None:
    """Where both read the marks, they qualify the same components; and what chronicle
    writes back (its canonical EDTF) edtf 5 reads as the same qualification."""
    ours = _chronicle(text)
    assume(ours is not None)
    assert ours is not None
    count = int(ours.start.precision)
    theirs = _oracle(text)
    if theirs is not None:
        assert _our_components(ours) == _their_components(theirs, count), text
    written = _oracle(ours.edtf)
    assert written is not None, (text, ours.edtf)
    assert _our_components(ours) == _their_components(written, count), (text, ours.edtf)


@SETTINGS
@given(edtf_texts())
@example("2024-01-09T10:00:00.788231Z")
@example("2025-04-13T20:00-05:00")
@example("Y17E7")
@example("/2024")
@example("[0001-01-01T10:00:00+05:30, 0000]")  # an offset carrying AD 1 back into 1 BC
@example("%2004-06-~11")
@example("?2004-06-11~/2005-~03")
@example("[~2004-06, 2005]")
def test_every_date_renders_and_reads_back_as_the_same_value(text: str) -> None:
    span = _chronicle(text)
    assume(span is not None)
    assert span is not None
    words = span.render()
    again = parse_span(words)
    assert again == span, (text, words, again.edtf)
    assert (again.precision, again.earliest_instant, again.latest_instant) == (
        span.precision, span.earliest_instant, span.latest_instant)
    assert parse_span(*span.parts) == span, text
    assert parse_span(span.edtf) == span, text


@SETTINGS
@given(
    st.tuples(st.integers(-(10**9) + 1, 10**9 - 1), st.integers(1, 12), st.integers(1, 28),
              st.integers(0, 23), st.integers(0, 59), st.integers(0, 59)),
    st.tuples(st.integers(-(10**9) + 1, 10**9 - 1), st.integers(1, 12), st.integers(1, 28),
              st.integers(0, 23), st.integers(0, 59), st.integers(0, 59)),
)
def test_stored_bound_text_sorts_as_time_does(a: tuple[int, ...], b: tuple[int, ...]) -> None:
    one, two = Instant(*a), Instant(*b)
    assert (one < two) == (bound_text(one) < bound_text(two))
    assert (one == two) == (bound_text(one) == bound_text(two))
    assert instant_from_bound_text(bound_text(one)) == one
