"""Qualifiers of a whole date or of its components, and the thirds of a period.

EDTF level 1 qualifies a whole date: ``2004-06-11~`` (approximate), ``?`` (uncertain),
``%`` (both). Level 2 qualifies components: a qualifier just *left* of a component applies
to it alone, one just *right* of a component applies to it and every component before it
(``2004-06~-11``: year and month approximate, the day not; ``?2004-06-~11``: year
uncertain, day approximate). chronicle keeps one qualifier per component (year, month,
day) when they differ, and writes them back in a form the ``edtf`` package also reads:
the short suffix form when the qualified components are the leading ones with one
qualifier (``2004-06~-11``), else one prefix per qualified component (``?2004-06-~11``).
In words: ``11 Jun 2004 (year and month approximate)``, which reads back the same.

Qualifiers never move a date's bounds: ``2004-06~-11`` is still 11 June 2004 to the
day; the qualifier says how sure the source is.

Early, mid and late split a year, a decade or a century into thirds, each a plain range
of the EDTF set form (``[1990..1993]`` is "early 1990s").
"""

from __future__ import annotations

import re
from collections.abc import Sequence

COMPONENTS = ("year", "month", "day")

#: Months of a year: early Jan–Apr, mid May–Aug, late Sep–Dec.
YEAR_THIRDS = {"early": (1, 4), "mid": (5, 8), "late": (9, 12)}
#: Years into a decade: early 0–3, mid 4–6, late 7–9 (early 1990s is 1990–1993).
DECADE_THIRDS = {"early": (0, 3), "mid": (4, 6), "late": (7, 9)}
#: Years into a century: early 00–33, mid 34–66, late 67–99 (late 19th century is 1867–1899).
CENTURY_THIRDS = {"early": (0, 33), "mid": (34, 66), "late": (67, 99)}

_WORDS = {"~": "approximate", "?": "uncertain", "%": "approximate and uncertain"}
_GROUP = re.compile(
    r"^(?P<parts>(?:year|month|day)(?:(?:\s*,\s*|\s+and\s+)(?:year|month|day))*)\s+"
    r"(?P<what>approximate\s+and\s+uncertain|uncertain\s+and\s+approximate|approximate|uncertain)$",
    re.IGNORECASE,
)
_PART = re.compile(r"year|month|day", re.IGNORECASE)


def combine(*qualifiers: str) -> str:
    """The qualifier that says all of ``qualifiers`` (``~`` and ``?`` make ``%``)."""
    approximate = any(q in ("~", "%") for q in qualifiers)
    uncertain = any(q in ("?", "%") for q in qualifiers)
    return from_flags(approximate, uncertain)


def from_flags(approximate: bool, uncertain: bool) -> str:
    if approximate and uncertain:
        return "%"
    return "~" if approximate else "?" if uncertain else ""


def read_components(prefixes: Sequence[str | None], suffixes: Sequence[str | None]) -> tuple[str, ...]:
    """Each component's qualifier from EDTF level 2 marks (the spec's left/right rule)."""
    count = len(prefixes)
    return tuple(
        combine(prefixes[i] or "", *(suffixes[j] or "" for j in range(i, count)))
        for i in range(count)
    )


def components_edtf(parts: Sequence[str], qualifiers: Sequence[str]) -> str:
    """``parts`` (year, month[, day] texts) joined with ``-`` and qualified as
    ``qualifiers`` say: suffix form for a leading group, else prefixes."""
    qualified = [i for i, q in enumerate(qualifiers) if q]
    if qualified and qualified == list(range(len(qualified))) and len({qualifiers[i] for i in qualified}) == 1:
        last = qualified[-1]
        return "-".join(part + (qualifiers[last] if i == last else "") for i, part in enumerate(parts))
    return "-".join(q + part for part, q in zip(parts, qualifiers, strict=True))


def components_words(qualifiers: Sequence[str]) -> str:
    """``year and month approximate, day uncertain``: each qualifier once, in date order."""
    groups: dict[str, list[str]] = {}
    for name, qualifier in zip(COMPONENTS, qualifiers, strict=False):
        if qualifier:
            groups.setdefault(qualifier, []).append(name)
    return ", ".join(f"{' and '.join(names)} {_WORDS[q]}" for q, names in groups.items())


def read_words(text: str) -> dict[str, str] | None:
    """The components and qualifiers that ``text`` names (the inverse of
    :func:`components_words`); None when it is not such a list."""
    found: dict[str, str] = {}
    for group in re.split(r"\s*[;,]\s*(?=(?:year|month|day)\b)", text.strip(), flags=re.IGNORECASE):
        match = _GROUP.match(group.strip())
        if match is None:
            return None
        what = match.group("what").lower()
        qualifier = "%" if "and" in what else "~" if what == "approximate" else "?"
        for name in _PART.findall(match.group("parts")):
            found[name.lower()] = combine(found.get(name.lower(), ""), qualifier)
    return found


def period_third_words(low: int, high: int) -> str | None:
    """``early 1990s``, ``mid-19th century``, ``late 5th century BC`` for the years
    ``low``–``high`` when they are such a third (:data:`DECADE_THIRDS`,
    :data:`CENTURY_THIRDS`); None for other ranges. Decades before AD 110 and those
    ending a century's first (``1900s``) are left to other words: their names are ambiguous."""
    for word, (first, last) in DECADE_THIRDS.items():
        start = low - first
        if high - low == last - first and start > 100 and start % 10 == 0 and start % 100:
            return f"{'mid-' if word == 'mid' else word + ' '}{start}s"
    for word, (first, last) in CENTURY_THIRDS.items():
        start = low - first
        if high - low != last - first:
            continue
        if start >= 0 and start % 100 == 0:
            name = f"{ordinal(start // 100 + 1)} century"
        elif start < 0 and start % 100 == 1:
            name = f"{ordinal((1 - start) // 100)} century BC"
        else:
            continue
        return f"{'mid-' if word == 'mid' else word + ' '}{name}"
    return None


def ordinal(number: int) -> str:
    suffix = "th" if 10 <= number % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(number % 10, "th")
    return f"{number}{suffix}"
