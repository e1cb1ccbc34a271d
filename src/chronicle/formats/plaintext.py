"""Text from other people's cells: HTML reduced to plain text, a headline from a paragraph.

Foreign files (a TimelineJS sheet, its JSON) put HTML in their text cells, and some
(the Wikipedia Current Events portal) have a paragraph but no headline. A chronicle
field holds plain text, so these are the two conversions a preset needs; the standard
library's :class:`html.parser.HTMLParser` reads the markup (no tag is ever executed or
kept: only the text and line breaks survive).
"""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser
from typing import Any


class _TextOnly(HTMLParser):
    _BREAKS = frozenset(("p", "br", "div", "blockquote", "li", "h1", "h2", "h3", "h4"))

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_data(self, data: str) -> None:
        self.parts.append(data)

    def handle_starttag(self, tag: str, attrs: Any) -> None:
        if tag in self._BREAKS and self.parts:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in self._BREAKS:
            self.parts.append("\n")


def plain_text(value: str) -> str:
    """HTML cell → text: tags removed, entities decoded, blank lines collapsed."""
    if "<" not in value and "&" not in value:
        return value.strip()
    parser = _TextOnly()
    parser.feed(value)
    parser.close()
    text = html.unescape("".join(parser.parts))
    lines = [" ".join(line.split()) for line in text.splitlines()]
    return "\n".join(line for line in lines if line).strip()


def headline(text: str, limit: int = 140) -> str:
    """The first sentence of ``text``, cut at a word boundary (with "…") if too long."""
    match = re.search(r"(?<=[.!?])\s", text)
    sentence = text[:match.start()] if match else text
    if len(sentence) <= limit:
        return sentence
    return sentence[:limit].rsplit(" ", 1)[0].rstrip(",;:") + "…"
