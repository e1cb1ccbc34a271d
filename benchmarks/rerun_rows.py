"""Re-measure some rows of the suite at one size with its own measuring code, printing
each (RESULTS.md is left alone): the whole run (``run.py --sizes 10000,100000``) takes
~20 minutes on a shared 2-core machine.

    PYTHONPATH=src python benchmarks/rerun_rows.py import [N] [ROUNDS]
        the CSV import and its baselines (plain sqlite3, sqlite-utils, eventsourcing), the
        import split into stages on its real path (``import-split``) and each stage's floor
        (``import-floors``), ROUNDS times each, taking turns; prints the stage table
    PYTHONPATH=src python benchmarks/rerun_rows.py read [N] [ROUNDS]
        start-up, ``add``, ``show --since`` and CSV export (once ``run.py --child
        import-chronicle --n N`` and ``--child import-sqlite3 --n N`` have built the
        archive and the plain database); ROUNDS: rounds of whole-process timings
"""

from __future__ import annotations

import json
import shutil
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import run  # benchmarks/ is not a package: found through sys.path above


def _print(key: str, n: int, m: run.Measured) -> None:
    print(f"{key} {n}: wall {m.seconds or 0:.2f} s, CPU {m.cpu or 0:.2f} s, peak {m.peak_kb} KiB", flush=True)


def rerun_import(n: int, rounds: int) -> None:
    paths = run.Paths(n, run.synth.DATA_DIR)
    _ = paths.csv
    cpu: dict[str, list[float]] = {}
    stages: list[dict[str, float]] = []
    floors: list[dict[str, float]] = []
    timers: list[float] = []
    for _ in range(rounds):
        for key in ("import-chronicle", "import-sqlite3", "import-eventsourcing", "import-split", "import-floors"):
            m = run.measure_child(key, paths)
            _print(key, n, m)
            if key == "import-split":
                stages.append(m.extra.get("stages", {}))
                timers.append(m.extra.get("timers_us", 0.0))
            elif key == "import-floors":
                floors.append(m.extra.get("floors", {}))
            else:
                cpu.setdefault(key, []).append(m.cpu or 0.0)
        if shutil.which(run.SQLITE_UTILS):
            target = paths.data / f"sqlite-utils-{n}.db"
            run.remove_db(target)
            _, _, _, _, seconds = run.run_process([run.SQLITE_UTILS, "insert", str(target), "events", str(paths.csv),
                                                   "--csv"])
            run.remove_db(target)
            print(f"import-sqlite-utils {n}: CPU {seconds:.2f} s", flush=True)
            cpu.setdefault("import-sqlite-utils", []).append(seconds)
    medians = {key: statistics.median(values) for key, values in cpu.items()}
    stage_medians = {name: statistics.median(s.get(name, 0.0) for s in stages) for name in stages[0]} if stages else {}
    floor_medians = {name: statistics.median(f[name] for f in floors) for name in floors[0]} if floors else {}
    print(json.dumps({"cpu_medians": medians, "stages_median": stage_medians, "floors_median": floor_medians,
                      "timers_us_median": statistics.median(timers) if timers else None}, indent=1))
    print_stage_table(stage_medians, floor_medians, medians["import-chronicle"] / n * 1e6)
    ours = medians["import-chronicle"]
    for key, value in medians.items():
        if key != "import-chronicle":
            print(f"import-chronicle vs {key}: {value / ours:.2f}x by CPU (rate over rate)")


def print_stage_table(stages: dict[str, float], floors: dict[str, float], whole_us: float) -> None:
    """The split's stages (µs a row) grouped by their number, beside the floors of that number."""
    groups: dict[str, list[tuple[str, float]]] = {}
    for name, value in stages.items():
        groups.setdefault(name.split(" ")[0], []).append((name, value))
    floor_groups: dict[str, list[tuple[str, float]]] = {}
    for name, value in floors.items():
        floor_groups.setdefault(name.split(" ")[0], []).append((name, value))
    print("\n| stage | µs/row | floor, measured alone | µs/row |\n|---|---:|---|---:|")
    for number in sorted(groups):
        rows = groups[number]
        shown = floor_groups.get(number, [])
        for index, (name, value) in enumerate(rows):
            floor = shown[index] if index < len(shown) else ("", None)
            print(f"| {name} | {value:.1f} | {floor[0]} | {'' if floor[1] is None else f'{floor[1]:.1f}'} |")
        for name, value in shown[len(rows):]:
            print(f"| | | {name} | {value:.1f} |")
    print(f"| **sum of the stages** | **{sum(stages.values()):.1f}** | **sum of the floors** | "
          f"**{sum(floors.values()):.1f}** |")
    print(f"| the whole import, uninstrumented (median CPU) | {whole_us:.1f} | | |")


def rerun_read(n: int, rounds: int) -> None:
    run.SETTINGS["repeat"] = rounds
    suite = run.Suite((n,), run.synth.DATA_DIR)
    paths = run.Paths(n, suite.data)
    run.compile_chronicle()
    run.bench_startup(suite)
    for key, base in [("show-full", "show-full-sqlite3"), *[("export-csv", "export-csv-baseline")] * 3]:
        for k in (key, base):
            _print(k, n, run.measure_child(k, paths))
    run.add_event(suite, paths)


def main() -> None:
    args = sys.argv[1:]
    which = args.pop(0) if args and not args[0].isdigit() else "read"  # `rerun_rows.py N ROUNDS`: read
    n = int(args[0]) if args else 100_000
    rounds = int(args[1]) if len(args) > 1 else (3 if which == "import" else 5)
    (rerun_import if which == "import" else rerun_read)(n, rounds)


if __name__ == "__main__":
    main()
