"""Print the mutation score ``make mutate`` measured (from mutmut's CI/CD stats file)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

STATS = Path("mutants") / "mutmut-cicd-stats.json"


def main() -> int:
    if not STATS.exists():
        print(f"no {STATS}: run `mutmut run` first", file=sys.stderr)
        return 1
    stats = json.loads(STATS.read_text())
    killed, survived = int(stats.get("killed", 0)), int(stats.get("survived", 0))
    timeout, no_tests = int(stats.get("timeout", 0)), int(stats.get("no_tests", 0))
    tested = killed + survived + timeout
    score = 100.0 * (killed + timeout) / tested if tested else 0.0
    print(f"mutation score: {score:.1f}% ({killed + timeout} of {tested} mutants killed, {survived} survived, "
          f"{no_tests} not reached by the selected tests) — `mutmut results` lists the survivors")
    return 0


if __name__ == "__main__":
    sys.exit(main())
