"""The mutants ``make mutate`` runs, by area, and the score it measured (docs/mutation.md).

``python -m tests.mutation_score --patterns`` prints the mutant name patterns (the
Makefile passes them to ``mutmut run``); without an option it reads mutmut's results
(``mutants/**/*.meta``) and prints, for each of the four areas and in all, how many of
those mutants were killed, timed out, survived or were not run, and the score (killed
or timed out, of those tested — mutmut's own count), then the survivors by name.
"""

from __future__ import annotations

import fnmatch
import json
import sys
from pathlib import Path

MUTANTS = Path("mutants")

#: The functions that *are* each check, as mutmut names their mutants
#: (``module.x_function__mutmut_N``; a method is ``module.xǁClassǁmethod__mutmut_N``).
AREAS: dict[str, tuple[str, ...]] = {
    "integrity": tuple(
        [f"chronicle.store.writer.x_{name}__mutmut_*" for name in ("check_link",)]
        + [f"chronicle.store.verify.x_{name}__mutmut_*" for name in ("verify_log", "verify_range", "_check_rows")]
        + [f"chronicle.store.integrity.x_{name}__mutmut_*" for name in (
            "check_projection", "_check_range", "_compare", "_compare_search", "_stray_search", "_same_doc",
            "_shown")]
    ),
    "dates": tuple(
        [f"chronicle.dates.instant.x_{name}__mutmut_*" for name in (
            "bound_text", "instant_from_bound_text", "month_length", "from_day_number")]
        + [f"chronicle.dates.parse.x_{name}__mutmut_*" for name in ("since_bound", "until_bound", "parse_timestamp")]
        + [f"chronicle.dates.value.x?HistDate?{name}__mutmut_*" for name in ("_first_local", "_last_local")]
    ),
    "csv": tuple(
        [f"chronicle.formats.csv_cells.x_{name}__mutmut_*" for name in (
            "neutralise", "unneutralise", "_may_need_mark", "neutralise_json")]
        + [f"chronicle.formats.csv_format.x_{name}__mutmut_*" for name in (
            "doc_row", "_writer", "export_csv_docs", "_with_claim_rows")]
        + ["chronicle.formats.controls.x_without_controls__mutmut_*",
           "chronicle.formats.controls.x?ControlFree?write__mutmut_*",
           "chronicle.formats.controls.x?ControlFree?writelines__mutmut_*"]
    ),
    "html": tuple(
        [f"chronicle.formats.html.timeline.x_{name}__mutmut_*" for name in (
            "_esc", "event_html", "_source_html", "_time_html", "_history_html", "_disputes_html")]
        + ["chronicle.formats.html.views.x_is_web__mutmut_*",
           "chronicle.formats.html.page.x_build_environment__mutmut_*"]
    ),
}

#: mutmut's exit codes (mutmut/stats.py): what each means for the score.
KILLED, SURVIVED, TIMEOUT = {1, 3}, {0}, {24, -24, 36, 152, 255}


def area_of(name: str) -> str | None:
    for area, patterns in AREAS.items():
        if any(fnmatch.fnmatchcase(name, pattern) for pattern in patterns):
            return area
    return None


def results(root: Path = MUTANTS) -> dict[str, int | None]:
    """Every mutant of the areas that mutmut generated: its exit code (None: not run)."""
    found: dict[str, int | None] = {}
    for meta in sorted(root.rglob("*.py.meta")):
        for name, code in json.loads(meta.read_text())["exit_code_by_key"].items():
            if area_of(name) is not None:
                found[name] = code
    return found


def main(argv: list[str]) -> int:
    if argv[1:] == ["--patterns"]:
        print(" ".join(f"'{pattern}'" for patterns in AREAS.values() for pattern in patterns))
        return 0
    codes = results()
    if not codes:
        print(f"no mutmut results under {MUTANTS}/: run `make mutate` first", file=sys.stderr)
        return 1
    total = {"killed": 0, "timeout": 0, "survived": 0, "other": 0, "not run": 0}
    print(f"{'area':<10} {'mutants':>7} {'killed':>6} {'timeout':>7} {'survived':>8} {'other':>5} {'not run':>7}  score")
    for area in AREAS:
        counts = {"killed": 0, "timeout": 0, "survived": 0, "other": 0, "not run": 0}
        for name, code in codes.items():
            if area_of(name) != area:
                continue
            if code is None:
                counts["not run"] += 1
            elif code in KILLED:
                counts["killed"] += 1
            elif code in TIMEOUT:
                counts["timeout"] += 1
            elif code in SURVIVED:
                counts["survived"] += 1
            else:  # no tests reached it (33), suspicious, segfault…
                counts["other"] += 1
        for key, value in counts.items():
            total[key] += value
        print(_row(area, counts))
    print(_row("all", total))
    survivors = sorted(name for name, code in codes.items() if code in SURVIVED)
    if survivors:
        print(f"survived ({len(survivors)}; `mutmut show NAME` shows one, docs/mutation.md explains them):")
        for name in survivors:
            print(f"  {name}")
    return 0


def _row(area: str, counts: dict[str, int]) -> str:
    # As mutmut counts it: a mutant whose tests hang (timeout) is caught, not survived.
    caught = counts["killed"] + counts["timeout"]
    tested = caught + counts["survived"] + counts["other"]
    score = f"{100.0 * caught / tested:.1f}%" if tested else "-"
    return (f"{area:<10} {sum(counts.values()):>7} {counts['killed']:>6} {counts['timeout']:>7} "
            f"{counts['survived']:>8} {counts['other']:>5} {counts['not run']:>7}  {score}")


if __name__ == "__main__":
    sys.exit(main(sys.argv))
