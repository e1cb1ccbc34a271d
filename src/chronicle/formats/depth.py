"""A bound on how deeply an imported document may nest.

Python's TOML and JSON parsers recurse once per level: a file of 100,000 ``[`` is a
``RecursionError`` deep inside the parser, and a document just under the interpreter's
limit can still exhaust it later (hashing, comparing). No chronicle document nests more
than a handful of levels, so anything deeper than :data:`MAX_DEPTH` is refused with one
line naming the file, before a single record is written.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from chronicle.errors import InvalidInput

#: Deepest nesting accepted in an imported document (chronicle's own need at most 5).
MAX_DEPTH = 64

T = TypeVar("T")


def parse_bounded(parse: Callable[[], T], *, field: str, value: str, what: str) -> T:
    """``parse()``, refusing a document nested deeper than :data:`MAX_DEPTH` (or than the
    parser can recurse) as :class:`InvalidInput` for ``field`` = ``value``."""
    try:
        data = parse()
    except RecursionError:
        raise too_deep(field, value, what) from None
    if depth_exceeds(data, MAX_DEPTH):
        raise too_deep(field, value, what)
    return data


def too_deep(field: str, value: str, what: str) -> InvalidInput:
    return InvalidInput(f"is {what} nested too deeply", field=field, value=value,
                        accepted=f"at most {MAX_DEPTH} levels of arrays and tables")


def depth_exceeds(data: object, limit: int) -> bool:
    """True if lists/dicts in ``data`` nest more than ``limit`` levels (iterative: no recursion)."""
    stack: list[tuple[object, int]] = [(data, 0)]
    while stack:
        item, level = stack.pop()
        if isinstance(item, dict):
            children: list[object] = list(item.values())
        elif isinstance(item, list):
            children = list(item)
        else:
            continue
        if level + 1 > limit:
            return True
        stack.extend((child, level + 1) for child in children)
    return False
