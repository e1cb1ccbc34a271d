"""The payloads the writer serialises with orjson are the bytes ``json`` always wrote.

A record's hash covers its payload's canonical JSON: the writer spells payloads made
from parsed fields with orjson (``fields_payload_json``), and every byte must be what
``payload_json`` (``json``, sorted keys, compact, UTF-8) gives, or archives would fork.
"""

from __future__ import annotations

from typing import Any

from hypothesis import example, given, settings
from hypothesis import strategies as st

from chronicle.fields import EventFields
from chronicle.model import Source
from chronicle.store.rows import fields_payload_json, payload_json

#: Any text, surrogates included (orjson refuses a lone one; json must then write it).
_text = st.text(st.characters(codec=None), max_size=30)
_payloads = st.recursive(
    st.none() | st.booleans() | st.integers(min_value=-(2**80), max_value=2**80) | _text,
    lambda inner: st.lists(inner, max_size=5) | st.tuples(inner, inner)
    | st.dictionaries(_text, inner, max_size=5),
    max_leaves=30,
).flatmap(lambda value: st.dictionaries(_text, st.just(value), min_size=1, max_size=4))


@settings(max_examples=600, derandomize=True)
@given(_payloads)
@example({"b": 1, "a": "".join(chr(code) for code in range(0x80))})
@example({"\u00e9": "\u2028\u2029\x7f\ud800", "e": None, "Z": True})
@example({"value": 2**64, "\U0001f600": "x", "\uffff": "y"})
@example({"a": {"z": [1, {"y": False, "x": ""}]}})
def test_fields_payload_json_writes_what_payload_json_writes(payload: dict[str, Any]) -> None:
    assert fields_payload_json(payload) == payload_json(payload)


def test_an_event_payload_is_written_the_same() -> None:
    fields = EventFields.parse(
        title="Pérez \"quoted\"\tline\nbreak", date="2024-05/2024-07", end=None,
        description="\x00\x1f\u2028 é", tags=["b", "a"], actors=["Z", "é"], place="Quito",
        sources=(Source("https://example.org/a", title="T", publisher="P", published="2024-05"),),
        unsourced=False,
    )
    payload = fields.payload()
    assert fields_payload_json(payload) == payload_json(payload)
    changes = fields.with_changes({"title": "Other"}).changes_from(fields)
    assert fields_payload_json(changes) == payload_json(changes)
