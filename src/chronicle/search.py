"""The full-text query language and the text it searches. Pure, no I/O.

One parser, two compilers: a query typed by a user becomes a :class:`SearchQuery`
once, and that value compiles to an SQLite FTS5 ``MATCH`` string and to a PostgreSQL
``tsquery``. The text of an event is turned into words by :func:`words` before either
database sees it, and query words go through the same function — so both backends
index and look up the same words, and give the same results.

The language (``chronicle show --search QUERY``)::

    chrome divestiture      both words (AND), anywhere in the event
    "search engine"         these words next to each other, in this order
    chrome OR android       either; OR binds tighter than the space:
                            ``chrome OR android remedy`` = (chrome OR android) AND remedy
    -appeal                 not this word (or -"a phrase"); needs at least one word
                            that is not excluded
    monopol*                words starting with "monopol"
    (a b) OR c              parentheses group

Case and accents never matter ("televisión" finds "Television"). Punctuation inside a
word separates (``e-mail`` is the phrase "e mail"), so "Google–Apple" is found by
``google apple``. ``AND`` and ``NOT`` in capitals are accepted as the space and ``-``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from chronicle.errors import InvalidInput
from chronicle.ids import LETTERS_TO_ASCII
from chronicle.model import Event, fold_text

_WORD_BREAK = re.compile(r"[\W_]+")
_LEXEME = re.compile(r'"[^"]*"?|\(|\)|[^\s"()]+')


def words(text: str) -> list[str]:
    """The searchable words of ``text``: lower case, accents removed, split at punctuation."""
    folded = fold_text(text)
    if folded.isascii():
        # The common case, on every write: bytes.translate is a C table lookup per byte.
        return folded.encode("ascii").translate(_ASCII_BREAKS).decode("ascii").split()
    folded = folded.translate(LETTERS_TO_ASCII)
    return [word for word in _WORD_BREAK.split(folded) if word]


#: Every ASCII byte that is not a letter or digit becomes a space.
_ASCII_BREAKS = bytes(
    byte if chr(byte).isascii() and chr(byte).isalnum() else ord(" ") for byte in range(256)
)


def index_text(event: Event) -> tuple[str, str]:
    """What the search index holds for an event: (all its words, its title's words).

    All words: title, description, place, tags, actors and its sources' titles,
    publishers and quotes. The title is kept apart too, so a match in the title ranks
    higher.
    """
    parts = [event.title, event.description, event.place or "", *event.tags, *event.actors]
    for source in event.sources:
        parts += [source.title or "", source.publisher or "", source.quote or ""]
    return " ".join(words(" ".join(parts))), " ".join(words(event.title))


@dataclass(frozen=True, slots=True)
class Term:
    """A word (one token) or a phrase (several, adjacent and in order)."""

    tokens: tuple[str, ...]
    prefix: bool = False
    """The last token is a prefix (``monopol*``)."""


@dataclass(frozen=True, slots=True)
class AllOf:
    """Every ``include`` matches and no ``exclude`` does."""

    include: tuple[Node, ...]
    exclude: tuple[Node, ...] = ()


@dataclass(frozen=True, slots=True)
class AnyOf:
    options: tuple[Node, ...]


Node = Term | AllOf | AnyOf


@dataclass(frozen=True, slots=True)
class SearchQuery:
    """A parsed query: ``text`` as typed, ``root`` the tree both compilers read."""

    text: str
    root: AllOf

    @classmethod
    def parse(cls, text: str, *, field: str = "--search") -> SearchQuery:
        """Parse a user's query; errors name ``field`` and say what is accepted."""
        parser = _Parser(text, field)
        root = parser.sequence(top=True)
        return cls(text=text, root=root)

    def fts5(self) -> str:
        """The FTS5 ``MATCH`` expression (every word quoted: no FTS5 syntax leaks through)."""
        return _fts5(self.root)

    def tsquery(self) -> str:
        """The PostgreSQL ``tsquery`` text, for ``to_tsquery(config, …)``."""
        return _tsquery(self.root)

    def describe(self) -> str:
        return f"search “{self.text}”"


_ACCEPTED = 'words, "a phrase", a OR b, -word, prefix*, (groups)'


class _Parser:
    def __init__(self, text: str, field: str) -> None:
        self.text = text
        self.field = field
        self.lexemes = _LEXEME.findall(text)
        self.at = 0

    def fail(self, message: str) -> InvalidInput:
        return InvalidInput(message, field=self.field, value=self.text, accepted=_ACCEPTED)

    def peek(self) -> str | None:
        return self.lexemes[self.at] if self.at < len(self.lexemes) else None

    def sequence(self, *, top: bool = False) -> AllOf:
        include: list[Node] = []
        exclude: list[Node] = []
        while (lexeme := self.peek()) is not None:
            if lexeme == ")":
                if top:
                    raise self.fail("has a ')' without a '('")
                break
            if lexeme == "AND":
                self.at += 1
                continue
            if lexeme == "OR":
                raise self.fail("has OR without a word on both sides")
            negated = False
            if lexeme == "NOT":
                self.at += 1
                negated = True
            elif lexeme.startswith("-") and len(lexeme) > 1:
                self.lexemes[self.at] = lexeme[1:]
                negated = True
            elif lexeme == "-":
                self.at += 1
                continue
            node = self.operand()
            if negated:
                if self.peek() == "OR":
                    raise self.fail("cannot offer an excluded word as an OR alternative")
                if node is not None:
                    exclude.append(node)
                continue
            options = [node] if node is not None else []
            while self.peek() == "OR":
                self.at += 1
                if self.peek() in (None, ")", "OR"):
                    raise self.fail("has OR without a word on both sides")
                alternative = self.operand()
                if alternative is not None:
                    options.append(alternative)
            if len(options) > 1:
                include.append(AnyOf(tuple(options)))
            elif options:
                include.append(options[0])
        if not include:
            if exclude:
                raise self.fail("needs at least one word that is not excluded")
            raise self.fail("has no words to search for")
        return AllOf(tuple(include), tuple(exclude))

    def operand(self) -> Node | None:
        """One word, phrase or group; None for a word that is only punctuation ("–")."""
        lexeme = self.lexemes[self.at]
        self.at += 1
        if lexeme == "(":
            group = self.sequence()
            if self.peek() != ")":
                raise self.fail("has a '(' without a ')'")
            self.at += 1
            return group.include[0] if len(group.include) == 1 and not group.exclude else group
        if lexeme.startswith('"'):
            tokens = words(lexeme.strip('"'))
            return Term(tuple(tokens)) if tokens else None
        prefix = lexeme.endswith("*")
        tokens = words(lexeme.rstrip("*"))
        if not tokens:
            return None
        return Term(tuple(tokens), prefix=prefix)


def _fts5(node: Node) -> str:
    if isinstance(node, Term):
        return '"' + " ".join(node.tokens) + '"' + ("*" if node.prefix else "")
    if isinstance(node, AnyOf):
        return "(" + " OR ".join(_fts5(option) for option in node.options) + ")"
    expression = "(" + " AND ".join(_fts5(part) for part in node.include) + ")"
    for part in node.exclude:
        expression = f"({expression} NOT {_fts5(part)})"
    return expression


def _tsquery(node: Node) -> str:
    if isinstance(node, Term):
        quoted = [f"'{token}'" for token in node.tokens]
        if node.prefix:
            quoted[-1] += ":*"
        return quoted[0] if len(quoted) == 1 else "(" + " <-> ".join(quoted) + ")"
    if isinstance(node, AnyOf):
        return "(" + " | ".join(_tsquery(option) for option in node.options) + ")"
    parts = [_tsquery(part) for part in node.include] + [f"!{_tsquery(part)}" for part in node.exclude]
    return "(" + " & ".join(parts) + ")"
