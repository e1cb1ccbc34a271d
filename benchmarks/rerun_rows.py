"""Re-measure only the start-up, ``add``, ``show --since`` and CSV-export rows at one size,
with run.py's own measuring code, printing each row (RESULTS.md is left alone).

The whole run (``run.py --sizes 10000,100000``) takes ~20 minutes on a shared 2-core
machine; this takes two, once ``run.py --child import-chronicle --n N`` and
``--child import-sqlite3 --n N`` have built that size's archive and plain database.

    PYTHONPATH=src python benchmarks/rerun_rows.py [N] [ROUNDS]
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import run  # benchmarks/ is not a package: found through sys.path above


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    run.SETTINGS["repeat"] = int(sys.argv[2]) if len(sys.argv) > 2 else 5
    suite = run.Suite((n,), run.synth.DATA_DIR)
    paths = run.Paths(n, suite.data)
    run.compile_chronicle()
    run.bench_startup(suite)
    for key, base in [("show-full", "show-full-sqlite3"), *[("export-csv", "export-csv-baseline")] * 3]:
        for k in (key, base):
            m = run.measure_child(k, paths)
            print(f"{k} {n}: wall {m.seconds or 0:.2f} s, CPU {m.cpu or 0:.2f} s, peak {m.peak_kb} KiB", flush=True)
    run.add_event(suite, paths)
    for row in suite.rows:
        m = row.measured
        print(f"{row.key} {row.n}: wall {m.seconds or 0:.3f} s, CPU {m.cpu or 0:.3f} s", flush=True)


if __name__ == "__main__":
    main()
