"""The rules for short texts: event ids, author names, slugs, and text folded for search.

Pure functions, no I/O; :mod:`chronicle.model` re-exports these.
"""

from __future__ import annotations

import functools
import re
import unicodedata

from chronicle.errors import InvalidInput

_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")


def check_id(event_id: str, *, field: str = "--id") -> str:
    if not _ID.match(event_id):
        raise InvalidInput(
            "is not a valid event id", field=field, value=event_id,
            accepted="1–100 letters, digits, '.', '_' or '-', starting with a letter or digit",
        )
    return event_id


#: The longest author name a record accepts (``--author``, ``CHRONICLE_AUTHOR``, an import's author).
AUTHOR_MAX = 200


def check_author(author: str, *, field: str = "--author") -> str:
    """The author name, stripped: one line of at most :data:`AUTHOR_MAX` printable characters.

    An author is printed in ``chronicle log`` and ``history`` one record per line: a
    newline or other control character in it would forge lines there, and a
    100,000-character name is no name.
    """
    name = author.strip()
    if not name:
        raise InvalidInput("is empty", field=field, value=author, accepted="a name, e.g. 'Ana Pérez'")
    # Checked before stripping too: a trailing "\r" is a control character, not a space.
    if any(unicodedata.category(char) in ("Cc", "Cf", "Zl", "Zp") and char not in _JOINERS for char in author):
        raise InvalidInput("contains a line break or control character", field=field, value=_clip(name),
                           accepted=f"one line of at most {AUTHOR_MAX} printable characters")
    if len(name) > AUTHOR_MAX:
        raise InvalidInput(f"is {len(name)} characters long", field=field, value=_clip(name),
                           accepted=f"one line of at most {AUTHOR_MAX} printable characters")
    return name


#: Format characters that names in some scripts need (Persian, Indic): zero-width (non-)joiner.
_JOINERS = frozenset("\u200c\u200d")


def _clip(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else text[:limit] + "…"


_NOT_SLUG = re.compile(r"[^a-z0-9]+")


def slugify(text: str, *, limit: int = 60) -> str:
    """A readable id from a title: ASCII, lower case, hyphens."""
    ascii_text = text if text.isascii() else unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = _NOT_SLUG.sub("-", ascii_text.lower()).strip("-")
    slug = slug[:limit].rstrip("-")
    return slug or "event"


def fold_text(text: str) -> str:
    """Lower case without accents, so ``--text television`` finds "Televisión".

    The same as dropping the combining marks from ``NFKD(text.casefold())``, worked out
    character by character: case folding and compatibility decomposition map each
    character on its own, and the only reordering NFKD does is among combining marks,
    which are all dropped. ASCII letters are lowered as bytes (``bytes.lower`` touches
    only A–Z, never a byte of a multi-byte character); each distinct other character is
    folded once (cached) and replaced. A description of a few hundred characters with a
    few accents costs a third of normalising it whole (tests/test_fields.py compares
    the two on every code point).
    """
    if text.isascii():
        # Nothing to decompose, and ASCII casefold is lower(): the common case, fast.
        return text.lower()
    folded = text.encode("utf-8", "surrogatepass").lower().decode("utf-8", "surrogatepass")
    for char in set(text).difference(_ASCII):
        replacement, settled = _fold_char(char)
        if not settled:
            # Its folded form holds a character that folds further (U+03D2 gives "Υ"),
            # which a later replace() would fold again: go character by character.
            return "".join(c.lower() if c < "\x80" else _fold_char(c)[0] for c in text)
        folded = folded.replace(char, replacement)
    return folded


_ASCII = frozenset(map(chr, range(128)))


def _fold_one(char: str) -> str:
    decomposed = unicodedata.normalize("NFKD", char.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


@functools.lru_cache(maxsize=8192)
def _fold_char(char: str) -> tuple[str, bool]:
    """One character case-folded, decomposed, without its combining marks; and whether
    every character of that folds to itself (so replacing in any order is safe)."""
    folded = _fold_one(char)
    return folded, all(c < "\x80" or _fold_one(c) == c for c in folded)
