"""The targets the benchmark suite judges (issues 10 and 6; never changed to pass), and
what RESULTS.md says when one is missed."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from report import Suite, human_n, ratio


@dataclass(frozen=True)
class Target:
    text: str
    check: Callable[[Suite, int], tuple[bool | None, str]]
    why: str
    """Why a miss happens, said in RESULTS.md only when the target is missed."""


def _ratio_of(suite: Suite, key: str, baseline: str, n: int | None) -> float | None:
    row, other = suite.find(key, n), suite.find(baseline, n)
    if row is None or other is None:
        return None
    return ratio(row, other)


def _at_least(key: str, baseline: str, bound: float, *, n: int | None = None) -> Callable[[Suite, int], tuple[bool | None, str]]:
    def check(suite: Suite, largest: int) -> tuple[bool | None, str]:
        size = largest if n is None else min(n, largest)
        # A baseline capped below the largest size (SIZE_CAPS) is compared where both ran.
        while _ratio_of(suite, key, baseline, size) is None and size > min(suite.sizes):
            size = max((s for s in suite.sizes if s < size), default=size)
        value = _ratio_of(suite, key, baseline, size)
        if value is None:
            return None, "not measured"
        return value >= bound, f"{value:.2f}× at {human_n(size)} (needs ≥ {bound}×)"
    return check


def _at_most(key: str, baseline: str, bound: float, *, sized: bool = True) -> Callable[[Suite, int], tuple[bool | None, str]]:
    def check(suite: Suite, largest: int) -> tuple[bool | None, str]:
        size = largest if sized else None
        value = _ratio_of(suite, key, baseline, size)
        if value is None:
            return None, "not measured"
        where = f" at {human_n(size)}" if size else ""
        return value <= bound, f"{value:.2f}×{where} (needs ≤ {bound}×)"
    return check


def _query_time(suite: Suite, largest: int) -> tuple[bool | None, str]:
    row = suite.find("show-limit", largest)
    if row is None or row.measured.seconds is None:
        return None, "not measured"
    plan = " ".join(row.measured.extra.get("plan", []))
    scan = "SCAN event_versions" in plan and "USING INDEX" not in plan.split("SCAN event_versions", 1)[1][:40]
    ms = row.measured.seconds * 1000
    return ms <= 2 and not scan, f"{ms:.2f} ms at {human_n(largest)}" + ("; FULL TABLE SCAN" if scan else "")


def _memory(suite: Suite, largest: int) -> tuple[bool | None, str]:
    worst: list[str] = []
    ok = True
    seen = False
    for row in suite.rows:
        if (row.baseline_of is not None or row.n != largest or not row.key.startswith(("import", "export"))
                or row.key == "import-stages"):
            continue
        small = suite.find(row.key, min(suite.sizes))
        if row.measured.peak_kb is None or small is None or not small.measured.peak_kb:
            continue
        seen = True
        mb = row.measured.peak_kb / 1024
        growth = row.measured.peak_kb / small.measured.peak_kb
        good = mb <= 200 and growth <= 1.5
        ok &= good
        worst.append(f"{row.key} {mb:.0f} MB ({growth:.2f}× the {human_n(min(suite.sizes))} run)" + ("" if good else " ✗"))
    if not seen:
        return None, "not measured"
    return ok, "; ".join(worst)


_EXPORT_WHY = (
    "chronicle's exporters receive Event objects (the exporter interface every format shares, "
    "with the archive's filters applied): each stored document is parsed and turned into an "
    "Event before the format's own writer runs — about 20 µs per event here — while the "
    "baseline writes the same rows straight from a sqlite3 cursor."
)

_CSV_EXPORT_WHY = (
    "The CSV export streams the stored documents (no Event per row). Per event (CPU, "
    "in-process, 100k): reading the document from the store ~7 µs, parsing it (orjson) "
    "~8 µs, the row's cells ~15 µs (dates worked out once per distinct date, lists and "
    "places once per distinct value, formula safety by C substring searches) and "
    "`csv.writer` ~20 µs for 19 columns; the baseline's whole row is ~25 µs."
)

_SHOW_WHY = (
    "Timed as the command does it: the stored documents of the matching events streamed "
    "from the store, each parsed and written as its table line. The store's query alone "
    "(two index range scans merged in timeline order, ~1.3 KB documents through "
    "SQLAlchemy) is ~7 µs per event against ~4.5 µs for the whole plain sqlite3 query; "
    "parsing a document and formatting its line add ~5 µs. 0.5× needs the query to read "
    "only the columns a listing shows."
)

_IMPORT_WHY = (
    "Per event, chronicle validates and canonicalises the row into an EventFields value "
    "(dates, lists, sources, URLs, the id), compares it with the archive's state, serialises "
    "the record canonically, chains its SHA-256, folds it into an Event and builds the "
    "projected version (bounds, search text, document), then writes two rows under the "
    "schema's indexes; the baselines insert text cells. The stage table below shows where "
    "each row's time goes, beside each stage's floor measured alone."
)

#: Issue 10's targets (ratios in one run on the same data; never changed to pass).
TARGETS_10 = (
    Target("CSV import ≥ 0.15× plain sqlite3 executemany (1M in the issue; judged at the largest size run)",
           _at_least("import-chronicle", "import-sqlite3", 0.15), _IMPORT_WHY),
    Target("CSV import, 100k rows ≥ 1.5× `sqlite-utils insert --csv` (whole process)",
           _at_least("import-chronicle", "import-sqlite-utils", 1.5, n=100_000), _IMPORT_WHY),
    Target("CSV import, 100k rows ≥ 2× the eventsourcing library",
           _at_least("import-chronicle", "import-eventsourcing", 2.0, n=100_000), _IMPORT_WHY),
    Target("`chronicle verify` ≤ 2× one read of the log", _at_most("verify", "read-log", 2.0),
           "verify reads every projected version through a join, recomputes each hash, replays "
           "each record through the fold and compares the document: one process, one core."),
    Target("CSV export ≥ 0.5× sqlite3 + csv.writer", _at_least("export-csv", "export-csv-baseline", 0.5),
           _CSV_EXPORT_WHY),
    Target("`show --since 2023`, all matches ≥ 0.5× the same query in plain sqlite3",
           _at_least("show-full", "show-full-sqlite3", 0.5), _SHOW_WHY),
    Target("CSV import into PostgreSQL, 100k rows ≥ 0.7× the SQLite import rate (COPY)",
           _at_least("import-chronicle-pg", "import-chronicle-sqlite-again", 0.7, n=100_000),
           "Each row still passes PostgreSQL's chain-guard trigger (one indexed lookup per row), "
           "which also keeps COPY from batching the rows."),
    Target('`chronicle add` ≤ 1.25× `python -c "import click, sqlalchemy"`', _at_most("add", "floor", 1.25), ""),
    Target("peak memory of any import/export ≤ 200 MB, ≤ 1.5× from the smallest to the largest size", _memory,
           "Reading and writing are streamed; what grows is bounded caches (parsed dates) and "
           "SQLite's page cache."),
)

#: Issue 6's targets, still reported.
TARGETS_6 = (
    Target("import from CSV ≥ 0.35× the plain-sqlite3 rate", _at_least("import-chronicle", "import-sqlite3", 0.35),
           "Per event, chronicle does far more than insert a row, all of it in Python: the CSV "
           "reader validates and canonicalises the row (dates parsed, lists and sources cleaned, "
           "URLs checked), the importer compares it with the archive's state, the writer "
           "serialises the record canonically, chains its SHA-256, folds it into an Event, "
           "builds the projected version (bounds, search text, document) and writes two rows "
           "(log and projection) under nine indexes. The baseline parses the CSV and inserts "
           "its text cells into one table. Profiled (cProfile/pyinstrument), the time is spread "
           "over that whole pipeline — no single hot spot is left; SQLite itself is under a "
           "fifth of it. Reaching 0.35× would need the per-event work in compiled code."),
    Target("import from CSV ≥ 3× the eventsourcing library", _at_least("import-chronicle", "import-eventsourcing", 3.0),
           "eventsourcing stores each aggregate's created event as one serialised blob under "
           "a (uuid, version) key: no validation, no hash chain, no query projection. chronicle "
           "does all three in the same transaction, so it stores each event about as fast as "
           "eventsourcing does, not three times faster."),
    Target("`chronicle add` ≤ 1.25× `python -c \"import click, sqlalchemy\"`", _at_most("add", "floor", 1.25),
           "Beyond the floor's imports, `add` imports chronicle's own modules — model, dates, "
           "store, projection, archive and the CLI (a dozen frozen dataclasses, enums and the "
           "table definitions are built at import): about 45 ms measured with `python -X "
           "importtime` on a quiet machine, plus SQLAlchemy's SQLite dialect; then it opens "
           "the database, checks the schema, finds a free id and appends one hash-chained "
           "record in a write transaction (about 10 ms). SQLAlchemy's PostgreSQL dialect, "
           "which every command used to load, is now loaded for PostgreSQL archives only."),
    Target("`chronicle --version` ≤ 1.1× the same floor", _at_most("version", "floor-version", 1.1, sized=False), ""),
    Target("`chronicle --help` ≤ 1.1× the same floor", _at_most("help", "floor-help", 1.1, sized=False), ""),
    Target("`show --since 2023 --limit 50` ≤ 2 ms, an index range scan", _query_time,
           "The plan is two index range scans, no full scan (see the notes). But `--since` asks "
           "whether an event's *end* reaches 2023, which neither index answers alone. Timed "
           "part by part on the 1M archive (sqlite3, warm): the start-date part — events "
           "starting at most 400 days before 2023, walked in order until 50 are found — takes "
           "about 5 ms, because each version starting in those 400 days is looked up to read "
           "its end; the wide part takes about 30 ms, because the 9,247 wide events that reach "
           "2023 (1% of the synthetic events are still ongoing) are all read through the "
           "end-date index and sorted by start before the first can be returned. Both grow "
           "with the archive. 2 ms at 1M needs the end date inside the start-date index and "
           "the wide events indexed by start (or an R-tree over the bounds): a schema change "
           "with a migration, left for a follow-up."),
    Target("CSV export ≥ 0.5× sqlite3 + csv.writer", _at_least("export-csv", "export-csv-baseline", 0.5),
           _CSV_EXPORT_WHY),
    Target("iCalendar export ≥ 0.5× the hand-written writer",
           _at_least("export-ics", "export-ics-handwritten", 0.5), _EXPORT_WHY),
    Target("HTML export of 100k ≥ 0.7× minimal jinja2 stream()",
           _at_least("export-html", "export-html-jinja2", 0.7, n=100_000), _EXPORT_WHY),
    Target("peak memory of any import or export at the largest size ≤ 200 MB and ≤ 1.5× the smallest", _memory,
           "Reading and writing are streamed; what grows is bounded caches (parsed dates) and "
           "SQLite's page cache."),
    Target("`chronicle verify` ≤ 2× reading the log once", _at_most("verify", "read-log", 2.0),
           "Reading the log is one indexed pass that parses each payload. verify also reads "
           "every projected version (its document is larger than the record) through a join, "
           "recomputes each hash, replays each record through the same fold the writer used "
           "and compares the result with the stored document — three to four times the "
           "Python work of reading alone."),
)


TARGETS = (*TARGETS_10, *TARGETS_6)

#: Every target with the issue that sets it, in the order RESULTS.md lists them.
NUMBERED = [*((10, t) for t in TARGETS_10), *((6, t) for t in TARGETS_6)]
