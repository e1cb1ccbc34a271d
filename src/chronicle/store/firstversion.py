"""An event's first version, worked out straight from its ``recorded`` payload.

``verify`` replays every record (:mod:`chronicle.store.integrity`); most events of a
large archive have one record only, and for them the replay is
``version_row(apply(None, record), record)`` plus the event's search-index row
(:func:`chronicle.fulltext.indexed_row`). :func:`first_version` gives the same two
rows without building the :class:`~chronicle.model.EventFields`, the
:class:`~chronicle.model.Event`, its sources and history entry, and with one
``fold_text`` for the search column, both keys and the index's words (folding is per
character, so the folded parts are the parts folded).

It takes only payloads of the plain shape the write path stores (text where text is
due, lists of strings, a list of sources as dicts) and returns None for anything else;
the caller then replays that record the long way, which raises exactly what it always
raised. tests/test_verify_first_version.py holds the two ways equal on
generated payloads, odd ones included.
"""

from __future__ import annotations

import functools
from typing import Any

from chronicle.dates import parse_span
from chronicle.fulltext import folded_words
from chronicle.model import Kind, Status, fold_text, span_parts
from chronicle.store.rows import doc_json, span_columns
from chronicle.store.schema import SEP

_SOURCE_KEYS = ("url", "title", "publisher", "published", "accessed", "archived_url", "quote")
_ACTIVE = Status.ACTIVE.value
_RECORDED = Kind.RECORDED.value

#: ``(version row, search-index row)`` of an event after its first record.
FirstVersion = tuple[list[Any], tuple[int, str, str, str]]


def first_version(seq: int, event_id: str, payload: Any, recorded_at: str, author: str,
                  reason: str | None) -> FirstVersion | None:
    """The version row (``VERSION_COLUMNS`` order, ``to_seq``/``to_at`` None) and the
    search-index row of an event after its ``recorded`` record ``seq``; None when the
    payload is not of the plain shape handled here."""
    if type(payload) is not dict:
        return None
    get = payload.get
    title: Any = get("title")
    date, end, unsourced = get("date"), get("end"), get("unsourced")
    if type(date) is not str or (end is not None and type(end) is not str) or (
            unsourced is not None and type(unsourced) is not bool):
        return None
    try:
        # What EventFields.from_payload and Source.from_dict/to_dict do, value by value; a
        # value of another type (no .split, not joinable) raises, and the record is then
        # replayed the long way.
        date_text, end_text, lo, hi, precision, wide = _date_columns(date, end)
        title = " ".join(str.split(title))
        description, place = get("description") or "", get("place") or None
        tags, actors = _cleaned(get("tags")), _cleaned(get("actors"))
        texts = [title, description, place or "", *tags, *actors]
        source_docs = []
        for source in get("sources", ()):
            doc = {key: value for key in _SOURCE_KEYS if (value := source.get(key)) is not None}
            source_docs.append(doc)
            texts += [doc.get("title") or "", doc.get("publisher") or "", doc.get("quote") or ""]
        # fold_text folds character by character: the parts folded one by one are the
        # whole folded (tested), and most parts are ASCII, where folding is lower().
        folded = [text.lower() if text.isascii() else fold_text(text) for text in texts]
        body = " ".join(folded_words(" ".join(folded)))
    except Exception:
        return None
    if not title or type(description) is not str or (place is not None and type(place) is not str):
        return None
    tags_end = 3 + len(tags)
    searched = tags_end + len(actors)
    doc_text = doc_json({
        "id": event_id, "title": title, "date": date_text, "end": end_text, "description": description,
        "tags": list(tags), "actors": list(actors), "place": place, "sources": source_docs,
        "unsourced": bool(unsourced) and not source_docs, "status": _ACTIVE, "revision": 1,
        "created_at": recorded_at, "updated_at": recorded_at, "first_seq": seq, "last_seq": seq,
        "status_reason": None, "last_reason": reason,
        "history": [{"seq": seq, "kind": _RECORDED, "recorded_at": recorded_at, "author": author,
                     "reason": reason, "changed": []}],
    })
    row = [
        event_id, seq, None, recorded_at, None, lo, hi, precision, wide, _ACTIVE,
        SEP + SEP.join(folded[3:tags_end]) + SEP if tags else "",
        SEP + SEP.join(folded[tags_end:searched]) + SEP if actors else "",
        " ".join(folded[:searched]), doc_text,
    ]
    return row, (seq, event_id, body, " ".join(folded_words(folded[0])))


def _cleaned(values: Any) -> tuple[str, ...]:
    """:func:`chronicle.fields.clean_list` of a list of strings (raises on anything else)."""
    if values is None:
        return ()
    if type(values) is not list:
        raise TypeError(values)
    kept = dict.fromkeys([" ".join(item.split()) for item in values])  # first of each, in order
    kept.pop("", None)
    return tuple(kept)


@functools.lru_cache(maxsize=16384)
def _date_columns(date: str, end: str | None) -> tuple[str, str | None, str, str, int, int]:
    """The document's ``date`` and ``end`` and the row's ``lo``, ``hi``, ``precision`` and
    ``wide`` for a payload's date and end (a large archive repeats the same few thousand)."""
    span = parse_span(date, end)
    return (*span_parts(span), *span_columns(span))
