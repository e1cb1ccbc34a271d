"""Readable ids for new events, made from their titles. Pure, no I/O.

An id is typed on the command line every day (``chronicle revise ID``), so it is short
(at most :data:`ID_LENGTH` characters), ends at a word boundary rather than mid-word,
and keeps every word apart: punctuation that separates words in a title (dashes of any
kind, slashes, colons) separates them in the id too, so "Google–Apple deal" becomes
``google-apple-deal``, never ``googleapple-deal``.

Only ids made from now on look like this: a stored id never changes, and import keys
(:func:`chronicle.formats.mapping.content_key`) keep their own, older form so that
re-importing a file finds the events it created.
"""

from __future__ import annotations

import re
import unicodedata

#: Longest automatic id, before a ``-2``/``-3`` suffix that makes it unique.
ID_LENGTH = 40

#: Letters that Unicode does not decompose into an ASCII letter plus marks.
LETTERS_TO_ASCII = str.maketrans({
    "ß": "ss", "ẞ": "ss", "æ": "ae", "Æ": "ae", "œ": "oe", "Œ": "oe", "ø": "o", "Ø": "o",
    "ł": "l", "Ł": "l", "đ": "d", "Đ": "d", "ð": "d", "Ð": "d", "þ": "th", "Þ": "th",
    "ı": "i",
})
#: Marks inside a word ("Noboa's", "rock'n'roll") join rather than separate.
_INSIDE_WORD = re.compile(r"['’ʼ`´]")
_SEPARATORS = re.compile(r"[^a-z0-9]+")


def id_words(title: str) -> list[str]:
    """The title's words as they appear in an id: ASCII, lower case, accents dropped."""
    text = unicodedata.normalize("NFKD", title.translate(LETTERS_TO_ASCII))
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    text = _INSIDE_WORD.sub("", text.lower())
    # Anything still outside a-z0-9 (dashes, slashes, letters of other scripts) separates.
    return [word for word in _SEPARATORS.split(text) if word]


def id_from_title(title: str, *, limit: int = ID_LENGTH) -> str:
    """A readable id of at most ``limit`` characters, cut after a whole word.

    A first word longer than ``limit`` is cut (there is no boundary to cut at); a title
    with no usable letters gives ``event``.
    """
    words = id_words(title)
    if not words:
        return "event"
    slug = words[0][:limit]
    for word in words[1:]:
        if len(slug) + 1 + len(word) > limit:
            break
        slug += "-" + word
    return slug
