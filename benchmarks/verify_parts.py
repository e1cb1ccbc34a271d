"""``verify`` beside one read of the log, part by part: wall and CPU time (children included).

    PYTHONPATH=src python benchmarks/verify_parts.py --n 100000 [--data DIR] [--repeat 1]

Works on the archive ``run.py --child import-chronicle --n N`` leaves in ``DIR``. The CPU
figures add the time of ``verify``'s worker processes (``RUSAGE_CHILDREN``), which
``time.process_time`` alone would miss.

Then the stages, each in this process on one core: the chain check and the projection
check with one worker, and the projection check's rows read alone, with their payloads
parsed, and with the first versions worked out from them (``first_version``) — the
rest of ``check_projection``'s one-worker time is comparing and the events with more
than one record.
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import orjson
import synth


def _cpu() -> float:
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def timed(function: Callable[[], Any], repeat: int) -> tuple[float, float]:
    """Best wall and best CPU seconds of ``repeat`` calls."""
    walls, cpus = [], []
    for _ in range(repeat):
        wall, cpu = time.perf_counter(), _cpu()
        function()
        walls.append(time.perf_counter() - wall)
        cpus.append(_cpu() - cpu)
    return min(walls), min(cpus)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--data", type=Path, default=synth.DATA_DIR)
    parser.add_argument("--repeat", type=int, default=1)
    args = parser.parse_args()
    from chronicle.archive import open_archive
    from chronicle.store import check_projection
    from chronicle.store.firstversion import first_version
    from chronicle.store.integrity import range_statement

    archive = open_archive(args.data / f"archive-{args.n}")
    store = archive.store
    parts: list[tuple[str, Callable[[], Any]]] = [
        ("read the log once (`chronicle log`'s path)", lambda: sum(1 for _ in archive.log())),
        ("chronicle verify (Archive.verify, all checks)", archive.verify),
        ("  Store.verify, split by range", store.verify),
        ("  check_projection", lambda: check_projection(store)),
        ("one worker: Store.verify (chain)", lambda: store.verify(workers=1)),
        ("one worker: check_projection (replay)", lambda: check_projection(store, workers=1)),
    ]

    def rows(work: Callable[[Any], Any]) -> Callable[[], None]:
        def run() -> None:
            with store.engine.connect() as conn, conn.execution_options(yield_per=5000).execute(
                    range_statement(store.engine.dialect.name)) as result:
                for row in result:
                    work(row)
        return run

    parts += [
        ("  its rows read alone (log ⋈ version ⋈ search row)", rows(lambda row: None)),
        ("  + payloads parsed (orjson)", rows(lambda row: orjson.loads(row[3]))),
        ("  + first versions worked out (first_version)",
         rows(lambda row: first_version(int(row[0]), row[1], orjson.loads(row[3]), row[5], row[4], row[7]))),
    ]
    results = {name: timed(function, args.repeat) for name, function in parts}
    read_wall, read_cpu = results[parts[0][0]]
    sys.stdout.write(f"| {args.n} records, best of {args.repeat} | wall | CPU | × read (wall) | × read (CPU) |\n"
                     "|---|---:|---:|---:|---:|\n")
    for name, (wall, cpu) in results.items():
        sys.stdout.write(f"| {name} | {wall:.2f} s | {cpu:.2f} s | {wall / read_wall:.2f}× | {cpu / read_cpu:.2f}× |\n")
    archive.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
