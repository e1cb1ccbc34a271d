"""Likely duplicate events: found by blocking, never by comparing all pairs. Pure, no I/O.

Two events are likely the same when their dates may overlap (or lie within a week) and
their titles share most of their words, or when they cite the same source URL and the
dates or titles agree too. Titles are compared as sets of word stems (the first five
letters of each word that is not a stop word), so "Police arrest the mayor" and "Mayor
arrested by police" are alike.

To stay fast on a hundred thousand events, pairs are only ever scored inside *blocks*:
events citing one URL, and events sharing one of their three rarest title stems in one
calendar month (a block that grows past :data:`MAX_BLOCK` events is left out — a stem
that common in one month identifies nothing).
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from itertools import combinations
from urllib.parse import urlsplit

from chronicle.dates import Instant
from chronicle.model import Event
from chronicle.search import words

#: Pairs scoring at least this are reported (see :func:`score`).
THRESHOLD = 0.5
#: Dates this close count as near, in days (a day's difference between two reports of one event).
NEAR = 7.0
#: Blocks larger than this are not paired within (too common to mean anything).
MAX_BLOCK = 200
#: A URL cited by more events than this is a general reference, not a sign of duplicates.
MAX_URL_EVENTS = 25
#: How many of an event's rarest title stems it is blocked by.
RARE_STEMS = 3
#: An event wider than this is blocked by its first months only.
MAX_MONTHS = 24

_STOP_WORDS = frozenset((
    "a", "an", "and", "are", "as", "at", "be", "by", "for", "from", "has", "have", "in", "is", "it",
    "its", "of", "on", "or", "that", "the", "this", "to", "was", "were", "will", "with",
    "al", "de", "del", "el", "en", "la", "las", "los", "por", "para", "un", "una", "y", "o", "que", "se", "su",
))


@dataclass(frozen=True, slots=True)
class Candidate:
    """What duplicate detection needs to know of an event."""

    id: str
    title: str
    lo: float
    """Earliest moment, as a day number (:func:`day_number`; BC years too)."""
    hi: float
    urls: tuple[str, ...] = ()

    @classmethod
    def of(cls, event: Event) -> Candidate:
        span = event.span
        return cls(event.id, event.title, day_number(span.earliest_instant), day_number(span.latest_instant),
                   tuple(dict.fromkeys(normal_url(s.url) for s in event.sources if s.url)))


_MONTH_STARTS = (0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334)


def day_number(moment: Instant) -> float:
    """Days since year 0 (leap days averaged): close enough to say "within a week", any year."""
    return (moment.year * 365.2425 + _MONTH_STARTS[moment.month - 1] + moment.day - 1
            + (moment.hour * 3600 + moment.minute * 60 + moment.second) / 86400)


@dataclass(frozen=True, slots=True)
class Pair:
    """Two events that are likely one, best first by ``score`` (0–1)."""

    first: str
    second: str
    score: float
    reasons: tuple[str, ...]

    def to_dict(self) -> dict[str, object]:
        return {"first": self.first, "second": self.second, "score": round(self.score, 3),
                "reasons": list(self.reasons)}


def normal_url(url: str) -> str:
    """A URL as a key: no scheme, no ``www.``, no fragment, tracking parameters or final slash."""
    parts = urlsplit(url.strip())
    host = parts.netloc.lower().removeprefix("www.")
    query = "&".join(p for p in parts.query.split("&") if p and not p.lower().startswith(("utm_", "fbclid=")))
    return host + parts.path.rstrip("/") + ("?" + query if query else "")


def stems(title: str) -> frozenset[str]:
    """A title's words as comparable stems: stop words out, each cut to five letters."""
    return frozenset(
        word[:5] if not word.isdigit() else word
        for word in words(title)
        if word not in _STOP_WORDS and (len(word) > 2 or word.isdigit())
    )


def title_similarity(a: frozenset[str], b: frozenset[str], weights: Mapping[str, float] | None = None) -> float:
    """Mean of Jaccard and overlap coefficient: 1 for the same stems, high when one holds the other.

    With ``weights`` (a stem's rarity in the archive), sharing a rare stem counts for more
    than sharing a common one — two titles that share only "police" and "Quito" are not alike.
    """
    if not a or not b:
        return 0.0
    if weights is None:
        shared = len(a & b)
        return (shared / len(a | b) + shared / min(len(a), len(b))) / 2

    def total(stems: Iterable[str]) -> float:
        return sum(weights.get(stem, 1.0) for stem in stems)

    shared_weight = total(a & b)
    return (shared_weight / total(a | b) + shared_weight / min(total(a), total(b))) / 2


def score(a: Candidate, b: Candidate, stems_a: frozenset[str] | None = None,
          stems_b: frozenset[str] | None = None, weights: Mapping[str, float] | None = None) -> Pair:
    """How likely ``a`` and ``b`` are one event, and why.

    Without a shared URL: title similarity, times 1 when the dates may overlap, 0.9 when
    they are a day apart, 0.6 when within :data:`NEAR`, else 0. With one: 0.4, plus up to 0.35 for the dates and
    0.25 for the titles — a shared source alone is not enough, since one article may
    report several events.
    """
    title = title_similarity(stems_a if stems_a is not None else stems(a.title),
                             stems_b if stems_b is not None else stems(b.title), weights)
    gap = min(abs(a.lo - b.hi), abs(b.lo - a.hi))
    if a.lo <= b.hi and b.lo <= a.hi:
        dates, when = 1.0, "dates overlap"
    elif gap <= 1.0001:
        dates, when = 0.9, "dates a day apart"
    elif gap <= NEAR:
        dates, when = 0.6, "dates within a week"
    else:
        dates, when = 0.0, ""
    shared_url = bool(set(a.urls) & set(b.urls))
    value = 0.4 + 0.35 * dates + 0.25 * title if shared_url else title * dates
    reasons = [r for r in ("same source URL" if shared_url else "", when) if r]
    if title:
        reasons.append(f"titles {round(title * 100)}% alike")
    first, second = sorted((a.id, b.id))
    return Pair(first, second, value, tuple(reasons))


_MONTH = 365.2425 / 12


def _months(lo: float, hi: float) -> Iterator[int]:
    month = math.floor((lo - NEAR) / _MONTH)
    last = min(math.floor((hi + NEAR) / _MONTH), month + MAX_MONTHS - 1)
    yield from range(month, last + 1)


def find_duplicates(candidates: Iterable[Candidate], *, threshold: float = THRESHOLD) -> list[Pair]:
    """Likely duplicate pairs among ``candidates``, best first; each pair once."""
    events = list(candidates)
    all_stems = [stems(c.title) for c in events]
    frequency: Counter[str] = Counter()
    for found in all_stems:
        frequency.update(found)
    blocks: defaultdict[tuple[str, int], list[int]] = defaultdict(list)
    by_url: defaultdict[str, list[int]] = defaultdict(list)
    for number, (candidate, found) in enumerate(zip(events, all_stems, strict=True)):
        for url in candidate.urls:
            by_url[url].append(number)
        rare = sorted(found, key=lambda stem: (frequency[stem], stem))[:RARE_STEMS]
        for month in _months(candidate.lo, candidate.hi):
            for stem in rare:
                blocks[stem, month].append(number)
    pairs: set[tuple[int, int]] = set()
    for limit, groups in ((MAX_BLOCK, blocks.values()), (MAX_URL_EVENTS, by_url.values())):
        for members in groups:
            if 1 < len(members) <= limit:
                pairs.update(combinations(sorted(set(members)), 2))
    # Rarity of a stem, from how many titles hold it (inverse document frequency).
    weights = {stem: math.log((len(events) + 1) / count) + 0.1 for stem, count in frequency.items()}
    found_pairs = []
    for i, j in pairs:
        pair = score(events[i], events[j], all_stems[i], all_stems[j], weights)
        if pair.score >= threshold:
            found_pairs.append(pair)
    found_pairs.sort(key=lambda p: (-p.score, p.first, p.second))
    return found_pairs


def likely_duplicates_of(new: Candidate, existing: Iterable[Candidate], *,
                         threshold: float = THRESHOLD) -> list[Pair]:
    """Which of ``existing`` the not-yet-recorded ``new`` event likely duplicates, best first."""
    new_stems = stems(new.title)
    found = [pair for other in existing if other.id != new.id
             if (pair := score(new, other, new_stems)).score >= threshold]
    found.sort(key=lambda p: -p.score)
    return found
