"""The projection rows the writer builds faster are the rows it always built, byte for byte.

``doc_json`` writes documents with orjson and ``key_text`` folds tags in one call; both
must give exactly what ``json`` and folding value by value gave, or every archive's
projection would stop matching a replay (``verify``) and the CSV export, which cuts
cells out of the stored text, would change.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from hypothesis import example, given, settings
from hypothesis import strategies as st

from chronicle.archive import Archive
from chronicle.model import fold_text
from chronicle.projection import event_from_doc, event_to_doc
from chronicle.store import doc_json
from chronicle.store.rows import key_text, utc_now_text
from chronicle.store.schema import SEP

_json = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode

#: Any text, surrogates included (orjson refuses a lone one; json must then write it).
_text = st.text(st.characters(codec=None), max_size=30)
_documents = st.recursive(
    st.none() | st.booleans() | st.integers(min_value=-(2**80), max_value=2**80) | _text,
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(_text, inner, max_size=5),
    max_leaves=30,
).map(lambda value: {"value": value})


@settings(max_examples=400, derandomize=True)
@given(_documents)
@example({"value": "".join(chr(code) for code in range(0x80))})
@example({"value": "\u2028\u2029\x7f\ud800"})
@example({"value": 2**64})
def test_doc_json_writes_what_json_writes(doc: dict[str, Any]) -> None:
    assert doc_json(doc) == _json(doc)


def test_every_stored_document_is_what_json_writes(seeded: Archive) -> None:
    docs = list(seeded.store.event_docs())
    assert docs
    for text in docs:
        doc = event_to_doc(event_from_doc(json.loads(text)))
        assert doc_json(doc) == _json(doc) == text


@settings(max_examples=400, derandomize=True)
@given(st.lists(st.text(st.characters(codec=None, exclude_characters=SEP), max_size=12), max_size=5))
@example(["Straße", "İstanbul", "ﬁnance"])
@example(["e\u0301", "\u0301x", "Å\u0328"])  # a value that starts with a combining mark
def test_tags_folded_in_one_call_are_tags_folded_one_by_one(values: list[str]) -> None:
    one_by_one = SEP + SEP.join(fold_text(v) for v in values) + SEP if values else ""
    assert key_text(tuple(values)) == one_by_one


@given(st.datetimes(min_value=datetime(2, 1, 1), max_value=datetime(9998, 12, 31), timezones=st.timezones()))
def test_the_clock_stamp_is_utc_whatever_zone_the_moment_is_in(moment: datetime) -> None:
    # recorded_at is compared as text: every stamp must be the UTC instant, in one form
    # (the clock's own zone takes a shortcut; any other zone is converted first).
    stamp = utc_now_text(moment)
    assert stamp == moment.astimezone(UTC).replace(tzinfo=None).isoformat(timespec="microseconds") + "Z"
    assert len(stamp) == 27 and stamp.endswith("Z")
    assert utc_now_text(moment.astimezone(UTC)) == stamp
    assert utc_now_text(moment.astimezone(timezone(timedelta(hours=2)))) == stamp
