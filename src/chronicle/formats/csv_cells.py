"""What a cell of chronicle's CSV holds: the columns, lists in one cell, spreadsheet safety.

Shared by the export (:mod:`chronicle.formats.csv_format`) and the import
(:mod:`chronicle.formats.csv_import`), which must agree on every byte.

**Spreadsheet safety.** A text cell starting with ``=``, ``+``, ``-``, ``@``, tab or
carriage return would run as a formula in a spreadsheet. By default such cells — in
the text columns only (:data:`TEXT_COLUMNS`), never dates or numbers — get a leading
``'``, which spreadsheets show as "this is text" and hide. A spreadsheet may also
split the file on another separator than the comma (``;`` in many European locales,
tab, or whatever the user picks in the import dialog), and then a cell can *begin in
the middle* of ours: ``x;=1+1`` would give a cell ``=1+1``. So the same ``'`` goes
after every character a spreadsheet may split on or quote with (``,`` ``;`` tab, CR,
LF, ``"``) when a formula starter follows it; in the JSON ``sources`` cell the starter
is written as a JSON ``\\u`` escape instead (the same JSON, decoded the same). So that
this stays reversible, a ``'`` in such a place gets one more, and the importer removes
a ``'`` only where the exporter added one. ``raw`` turns neutralising off (for programs).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable

#: The columns of an export, in order. Stable: new columns are only ever appended.
COLUMNS = (
    "id", "date", "earliest_day", "latest_day", "precision", "approximate", "uncertain", "end",
    "title", "description", "tags", "actors", "place", "sources",
    "revision_count", "first_recorded", "last_changed", "status", "disputed",
)
#: Free-text columns: the only ones that are neutralised against formulas.
TEXT_COLUMNS = ("title", "description", "tags", "actors", "place")
#: The long-format sources file: one row per event × source.
SOURCE_COLUMNS = ("event_id", "source_number", "url", "title", "publisher", "published", "accessed",
                  "archived_url", "quote")
#: The long-format sources file's text cells (neutralised, URLs too).
SOURCE_TEXT = ("url", "title", "publisher", "published", "accessed", "archived_url", "quote")
#: The long-format claims file: one row per event × claim (see :mod:`chronicle.claims`).
CLAIM_COLUMNS = ("event_id", "claim_number", "field", "value", "rank", "note", "sources")

_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
_ESCAPED = (*_TRIGGERS, "'")


#: Characters a spreadsheet may split a line on, or quote with: a cell can start after them.
_BOUNDARIES = ",;\t\r\n\""
_STARTER = "[" + re.escape("".join(_ESCAPED)) + "]"
_NEEDS_MARK = re.compile(f"(^|[{re.escape(_BOUNDARIES)}])(?={_STARTER})")
_ADDED_MARK = re.compile(f"(^|[{re.escape(_BOUNDARIES)}])'(?={_STARTER})")
_JSON_STARTER = re.compile(f"(?<=[{re.escape(_BOUNDARIES)}])[=+\\-@']")


def neutralise(text: str) -> str:
    """``=1+1`` → ``'=1+1``; ``x;=1+1`` → ``x;'=1+1``; ``'quoted`` → ``''quoted``.

    Wherever a spreadsheet cell could begin — the start, or after a separator or quote
    character of any dialect — a formula starter (or a ``'``) gets a ``'`` before it.
    """
    return _NEEDS_MARK.sub(r"\1'", text) if _may_need_mark(text) else text


def unneutralise(text: str) -> str:
    """Undo :func:`neutralise`: drop a ``'`` only where it was added."""
    return _ADDED_MARK.sub(r"\1", text) if "'" in text else text


def _may_need_mark(text: str) -> bool:
    # The common cell has no starter at all: skip the substitution (a hot path). Every
    # starter, and "'", is looked for on its own: `in` on a str is a fast C search, several
    # times cheaper than a generator over them or one character-class regex.
    return ("=" in text or "+" in text or "-" in text or "@" in text or "'" in text
            or "\t" in text or "\r" in text)


def neutralise_json(text: str) -> str:
    """A JSON text whose strings cannot start a formula in any dialect: a starter after a
    separator or quote character is written as its ``\\uXXXX`` escape (same JSON value).

    Only for JSON whose values are all strings (the ``sources`` cell): outside strings
    JSON puts no formula starter after those characters.
    """
    if not ("=" in text or "+" in text or "@" in text or "'" in text or "\t" in text or "\r" in text
            or "\n" in text or '"-' in text or ",-" in text or ";-" in text):
        # No starter after a separator or quote can be in it (every cell holds "-", in
        # its dates, so that one is looked for after each boundary): the common cell
        # skips the regular expression. Fast C searches, about a fifth of the regex.
        return text
    return _JSON_STARTER.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def encode_list(values: Iterable[str]) -> str:
    """``a; b`` — or a JSON array when a value holds ``;`` (so decoding is exact)."""
    items = list(values)
    joined = "; ".join(items)
    if not joined.startswith("[") and ";" not in "".join(items) and all(v and v == v.strip() for v in items):
        return joined  # the common case, known to decode exactly without trying
    return joined if decode_list(joined) == items else json.dumps(items, ensure_ascii=False)


def decode_list(text: str) -> list[str]:
    text = text.strip()
    if text.startswith("["):
        try:
            data = json.loads(text)
        except ValueError:
            data = None
        if isinstance(data, list) and all(isinstance(v, str) for v in data):
            return data
    return [part.strip() for part in text.split(";") if part.strip()]
