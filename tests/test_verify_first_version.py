"""`verify` works out an event's first version straight from its payload
(:mod:`chronicle.store.firstversion`): the same rows as the long replay, and every
column of such a row, and its search-index row, still checked.

Most events of a large archive have one record, so the tamper tests of
tests/test_integrity.py (which forge the second version of a revised event, replayed
the long way) are repeated here on an event with one record.
"""

from __future__ import annotations

from typing import Any

import orjson
import pytest
from hypothesis import HealthCheck, given, reject, settings
from hypothesis import strategies as st
from sqlalchemy import text

from chronicle import fulltext
from chronicle.archive import Archive
from chronicle.errors import InvalidInput, ProjectionMismatch, TamperedLog
from chronicle.fields import EventFields
from chronicle.fulltext import folded_words
from chronicle.model import Kind, Record, Source, fold_text, make_source
from chronicle.projection import apply
from chronicle.search import words
from chronicle.store.firstversion import first_version
from chronicle.store.integrity import COLUMNS, check_projection
from chronicle.store.rows import payload_json, version_row
from tests.test_integrity import _versions_sql

_AT = "2026-01-02T03:04:05.000006Z"


def _record(payload: Any, *, seq: int = 7, reason: str | None = None) -> Record:
    return Record(seq=seq, event_id="ev-1", kind=Kind.RECORDED, payload=payload, author="ana",
                  recorded_at=_AT, origin="cli", reason=reason, prev_hash="0" * 64, hash="1" * 64)


def _replayed(payload: Any, reason: str | None = None) -> tuple[list[Any], tuple[int, str, str, str]] | None:
    """What the long replay gives (None where it refuses the record)."""
    record = _record(payload, reason=reason)
    try:
        event = apply(None, record)
        return version_row(event, record), fulltext.indexed_row(event)
    except Exception:
        return None


_TEXT = st.text(alphabet=st.sampled_from([*"aZ é\u00c1\u03d2\u0301ßøı\x1f\t\n-’_.1", "\ud800"]), max_size=12)
_LOOSE = st.one_of(_TEXT, st.none(), st.integers(-2, 2), st.booleans(), st.lists(_TEXT, max_size=2))
_DATES = st.sampled_from(["2024-01-09", "2024-04", "1999", "-0044-03-15", "2024-01-09/2024-02", "2024-13-01",
                          "", "yesterday", "2020/..", " 2024 "])


@st.composite
def payloads(draw: st.DrawFn) -> Any:
    """``recorded`` payloads: mostly of the plain shape, often not."""
    payload: dict[str, Any] = {
        "title": draw(st.one_of(_TEXT, _TEXT, _LOOSE)),
        "date": draw(st.one_of(_DATES, _DATES, _LOOSE)),
        "end": draw(st.one_of(st.none(), st.none(), _DATES, _LOOSE)),
        "description": draw(st.one_of(_TEXT, _LOOSE)),
        "tags": draw(st.one_of(st.lists(_TEXT, max_size=4), _LOOSE)),
        "actors": draw(st.one_of(st.lists(_TEXT, max_size=4), _LOOSE)),
        "place": draw(st.one_of(_TEXT, _LOOSE)),
        "sources": draw(st.one_of(st.lists(st.dictionaries(
            st.sampled_from(["url", "title", "publisher", "published", "accessed", "archived_url", "quote",
                             "other"]), st.one_of(_TEXT, _TEXT, _LOOSE), max_size=5), max_size=3), _LOOSE)),
        "unsourced": draw(_LOOSE),
    }
    for key in draw(st.sets(st.sampled_from(sorted(payload)))):
        del payload[key]
    return payload


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(payloads(), st.one_of(st.none(), _TEXT))
def test_a_first_version_from_the_payload_is_the_replayed_one(payload: Any, reason: str | None) -> None:
    quick = first_version(7, "ev-1", payload, _AT, "ana", reason)
    if quick is not None:  # None: the caller replays the record the long way
        assert quick == _replayed(payload, reason)


@st.composite
def stored_fields(draw: st.DrawFn) -> EventFields:
    """Fields as the write path parses them from any input (refused ones left out)."""
    sources = draw(st.lists(st.builds(Source, url=st.sampled_from(["https://example.org/a", "https://e.org/b"]),
                                      title=st.one_of(st.none(), st.text()), publisher=st.one_of(st.none(), st.text()),
                                      quote=st.one_of(st.none(), st.text())), max_size=2))
    try:
        return EventFields.parse(title=draw(st.text(min_size=1)), date=draw(_DATES), description=draw(st.text()),
                                 tags=draw(st.lists(st.text())), actors=draw(st.lists(st.text())),
                                 place=draw(st.one_of(st.none(), st.text())), sources=sources, unsourced=not sources)
    except InvalidInput:
        reject()


@given(stored_fields())
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.filter_too_much])
def test_every_payload_the_write_path_stores_takes_the_short_way(fields: EventFields) -> None:
    # As the log holds it: written by the write path's JSON, read back by the verify's parser.
    payload_text = payload_json(fields.payload())
    try:
        payload = orjson.loads(payload_text)
    except orjson.JSONDecodeError:  # a lone surrogate: replayed the long way
        return
    if "\\u001f" in payload_text:  # a separator inside a text: replayed the long way
        return
    quick = first_version(7, "ev-1", payload, _AT, "ana", None)
    assert quick is not None
    assert quick == _replayed(payload)


@given(st.text())
def test_words_of_folded_text_are_the_words_of_the_text(value: str) -> None:
    assert folded_words(fold_text(value)) == words(value)


# -- tampering with an event that has one record -----------------------------------------

#: For each column of event_versions, a forgery of the only version row of ``referendum``.
_ONE = "WHERE event_id = 'referendum'"
FORGERIES = {
    "event_id": f"UPDATE event_versions SET event_id = 'referendum-2' {_ONE}",
    "from_seq": f"UPDATE event_versions SET from_seq = 99 {_ONE}",
    "to_seq": f"UPDATE event_versions SET to_seq = 4 {_ONE}",
    "from_at": f"UPDATE event_versions SET from_at = '2000-01-01T00:00:00.000000Z' {_ONE}",
    "to_at": f"UPDATE event_versions SET to_at = '2000-01-01T00:00:00.000000Z' {_ONE}",
    "lo": f"UPDATE event_versions SET lo = '1999-01-01T00:00:00' {_ONE}",
    "hi": f"UPDATE event_versions SET hi = '2099-01-01T00:00:00' {_ONE}",
    "precision": f"UPDATE event_versions SET precision = precision + 1 {_ONE}",
    "wide": f"UPDATE event_versions SET wide = 1 - wide {_ONE}",
    "status": f"UPDATE event_versions SET status = 'retracted' {_ONE}",
    "tags_key": f"UPDATE event_versions SET tags_key = '\x1fvote\x1f' {_ONE}",
    "actors_key": f"UPDATE event_versions SET actors_key = '' {_ONE}",
    "search": f"UPDATE event_versions SET search = replace(search, 'referendum', 'nothing') {_ONE}",
    "doc": f"UPDATE event_versions SET doc = replace(doc, 'Referendum', 'Forged') {_ONE}",
}


@pytest.fixture
def single(archive: Archive) -> Archive:
    """Four events; ``referendum`` has one record (replayed from its payload alone)."""
    archive.add(title="Curfew declared", date="2024-01-09", unsourced=True)
    archive.add(title="Runoff", date="2025-04-13", unsourced=True, event_id="runoff-2025")
    archive.revise("runoff-2025", reason="More precise", description="Second round")
    archive.add(title="Referendum", date="2024-04", end="2025-11", tags=["elections"], actors=["Daniel Noboa"],
                place="Quito", description="Consulta popular", event_id="referendum",
                sources=[make_source("https://example.org/a", title="Résultats", publisher="CNE")])
    archive.add(title="Zzz last", date="2026", unsourced=True)
    archive.verify()
    with archive.store.engine.connect() as conn:
        row = conn.execute(text("SELECT seq, event_id, payload, recorded_at, author, reason FROM log "
                                "WHERE event_id = 'referendum'")).one()
    assert first_version(int(row[0]), row[1], orjson.loads(row[2]), row[3], row[4], row[5]) is not None
    return archive


def test_every_column_has_a_forgery() -> None:
    assert set(FORGERIES) == set(COLUMNS)


@pytest.mark.parametrize("column", [c for c in FORGERIES if c not in ("event_id", "from_seq")])
def test_every_column_of_a_first_version_is_checked(single: Archive, column: str) -> None:
    _versions_sql(single, FORGERIES[column])
    with pytest.raises(ProjectionMismatch) as caught:
        check_projection(single.store)
    assert caught.value.event_id == "referendum"
    assert caught.value.column == column
    assert caught.value.describe().startswith(f"event referendum: the version from record 4 has {column} = ")
    assert single.repair().found is not None
    check_projection(single.store)


@pytest.mark.parametrize("column", ["event_id", "from_seq"])
def test_a_first_version_moved_away_is_missing(single: Archive, column: str) -> None:
    _versions_sql(single, FORGERIES[column])
    with pytest.raises(ProjectionMismatch, match=r"^event referendum: record 4 has no version row"):
        check_projection(single.store)
    with pytest.raises(TamperedLog):
        single.verify()


@pytest.mark.parametrize(("change", "column"), [
    ("body = replace(body, 'resultats', 'nothing')", "event_search.body"),  # a source's title
    ("body = replace(body, 'quito', 'nothing')", "event_search.body"),
    ("title = 'nothing'", "event_search.title"),
    ("event_id = 'runoff-2025'", "event_search.event_id"),
])
def test_the_search_row_of_a_first_version_is_checked(single: Archive, change: str, column: str) -> None:
    key = "rowid" if single.store.engine.dialect.name == "sqlite" else "seq"
    _versions_sql(single, f"UPDATE event_search SET {change} WHERE {key} = 4")
    with pytest.raises(ProjectionMismatch) as caught:
        check_projection(single.store)
    assert (caught.value.event_id, caught.value.column, caught.value.seq) == ("referendum", column, 4)
