"""The date-range query equals the obvious definition, whatever the spans.

The store answers ``--since`` through an index on the start bound plus a "wide" flag
for long intervals (so it never scans the whole archive); this checks that trick
against a brute-force filter over random dates, intervals and ongoing events.
"""

from __future__ import annotations

from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chronicle.archive import Archive, recorded_payload
from chronicle.dates import parse_span, since_bound, until_bound
from chronicle.model import Draft, Kind, Provenance
from chronicle.query import EventQuery

years = st.integers(min_value=1890, max_value=2030)
months = st.integers(min_value=1, max_value=12)


@st.composite
def edtf_dates(draw: st.DrawFn) -> str:
    year = draw(years)
    form = draw(st.sampled_from(["year", "month", "day"]))
    if form == "year":
        return f"{year:04d}"
    month = draw(months)
    if form == "month":
        return f"{year:04d}-{month:02d}"
    return f"{year:04d}-{month:02d}-{draw(st.integers(min_value=1, max_value=28)):02d}"


@st.composite
def spans(draw: st.DrawFn) -> tuple[str, str | None]:
    start = draw(edtf_dates())
    kind = draw(st.sampled_from(["single", "interval", "ongoing"]))
    if kind == "single":
        return start, None
    if kind == "ongoing":
        return start, ".."
    end = draw(edtf_dates())
    if parse_span(end).latest < parse_span(start).earliest:
        start, end = end, start
    return start, end


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(events=st.lists(spans(), min_size=1, max_size=25), since=edtf_dates(), until=edtf_dates())
def test_since_until_equal_brute_force(tmp_path_factory: object, events: list[tuple[str, str | None]],
                                       since: str, until: str) -> None:
    directory = Path(tmp_path_factory.mktemp("q"))
    archive = Archive.init(directory, name="q")
    try:
        prov = Provenance("t", "test")
        drafts = [
            Draft(f"e{n}", Kind.RECORDED, recorded_payload(title=f"E{n}", date=d, end=e, unsourced=True), prov)
            for n, (d, e) in enumerate(events)
        ]
        archive.store.append(drafts)
        if until_bound(until) < since_bound(since):
            since, until = until, since
        lo, hi = since_bound(since), until_bound(until)
        expected = {
            f"e{n}" for n, (d, e) in enumerate(events)
            if parse_span(d, e).latest.isoformat() >= lo and parse_span(d, e).earliest.isoformat() <= hi
        }
        got = {e.id for e in archive.show(EventQuery.parse(since=since, until=until))}
        assert got == expected
        ordered = [e.span.earliest for e in archive.show(EventQuery())]
        assert ordered == sorted(ordered)
    finally:
        archive.close()
