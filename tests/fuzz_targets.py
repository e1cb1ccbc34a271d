"""Fuzzing every importer and the date grammar (hypothesis): no traceback, no change on refusal.

Each target feeds generated input — random text, and real exports of the seed timeline
with random edits spliced in (quotes, brackets, line breaks, NUL, BOM, format keywords)
— to ``chronicle import`` through the real CLI entry (in process, so thousands of cases
run), and checks:

* the command ends with exit 0, 1, 2 or 3 and never with an unexpected exception;
* when it refuses (non-zero), the archive's files are byte for byte what they were.

The date grammar target calls :func:`chronicle.dates.parse_span` directly: it returns a
span or raises :class:`chronicle.errors.InvalidInput`, nothing else.

``make fuzz`` runs every target for ``FUZZ_SECONDS`` in all (default 60) and prints how
many cases each ran; ``tests/test_fuzz_smoke.py`` runs a few cases of each in ``make test``.
"""

from __future__ import annotations

import contextlib
import os
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chronicle.archive import Archive
from chronicle.cli import main
from chronicle.dates import parse_span
from chronicle.errors import InvalidInput
from chronicle.exporting import export
from chronicle.importing import import_file
from chronicle.query import EventQuery

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "seeds" / "ecuador.toml"
#: Pieces spliced into real files: the characters and tokens parsers trip over.
TOKENS = ["\"", "'", "[", "]", "{", "}", "\n", "\r\n", "\r", ",", ";", "\t", "=", ":", "\\", "\x00", "\ufeff",
          "\u202e", "-", "..", "/", "?", "~", "%", "T", "Z", "+05:00", "2024", "9999999999", "-0", "1e400",
          "[[events]]", "[sources.x]", "BEGIN:VEVENT", "END:VEVENT", "END:VCALENDAR", "DTSTART:", "X-CHRONICLE-",
          "\"title\"", "\"seq\":", "\"hash\":", "null", "true", "{}", "[]", "é", "𝄞"]


@dataclass
class Target:
    """One importer (or the date grammar) and what it has seen."""

    name: str
    run: Callable[[], None]
    cases: list[int] = field(default_factory=lambda: [0])


def splice(base: str) -> st.SearchStrategy[str]:
    """``base`` with up to 8 random cuts and insertions."""
    edits = st.lists(st.tuples(st.integers(0, max(len(base), 1)), st.integers(0, 40),
                               st.lists(st.sampled_from(TOKENS) | st.text(max_size=4), max_size=4)),
                     min_size=1, max_size=8)

    def apply(changes: list[tuple[int, int, list[str]]]) -> str:
        text = base
        for position, cut, inserted in changes:
            position = min(position, len(text))
            text = text[:position] + "".join(inserted) + text[position + cut:]
        return text

    return edits.map(apply)


class Harness:
    """A scratch archive holding the seed, the seed exported in every format, and the targets."""

    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self.archive_dir = workdir / "archive"
        self.archive_dir.mkdir()
        archive = Archive.init(self.archive_dir, name="fuzz")
        import_file(archive, SEED)
        self.samples: dict[str, str] = {"toml": SEED.read_text(encoding="utf-8")}
        for fmt in ("csv", "json", "jsonl", "ics"):
            out = workdir / f"sample.{fmt}"
            export(archive, fmt, EventQuery(), str(out), {})
            self.samples[fmt] = out.read_bytes().decode("utf-8")
        archive.close()
        self.url = f"sqlite:///{self.archive_dir / 'events' / 'chronicle.db'}"
        self.runner = CliRunner()
        self.targets = [self._importer(fmt) for fmt in ("toml", "csv", "json", "jsonl", "ics")]
        self.targets.append(self._dates())

    def digest(self) -> bytes:
        parts = []
        for path in sorted((self.archive_dir / "events").glob("chronicle.db*")):
            if path.name.endswith("-shm") or (path.name.endswith("-wal") and path.stat().st_size == 0):
                continue
            parts.append(path.name.encode() + b"\0" + path.read_bytes())
        return b"\1".join(parts)

    def check_import(self, fmt: str, text: str) -> None:
        """Import ``text`` as ``fmt``: a clean outcome, and nothing changed if refused."""
        path = self.workdir / f"case.{fmt}"
        path.write_bytes(text.encode("utf-8", "surrogatepass"))
        before = self.digest()
        result = self.runner.invoke(main, ["--db", self.url, "import", str(path), "--format", fmt])
        if result.exception is not None and not isinstance(result.exception, SystemExit):
            raise AssertionError(f"{fmt}: {type(result.exception).__name__}: {result.exception!r}\n"
                                 f"input: {text[:500]!r}") from result.exception
        assert result.exit_code in (0, 1, 2, 3), (result.exit_code, result.output)
        if result.exit_code != 0:
            assert self.digest() == before, f"{fmt}: refused ({result.output.strip()}) but the archive changed"
            assert "Traceback" not in result.output
            assert len(result.output.strip().splitlines()) <= 2, result.output  # the error line (and a progress line)

    def _importer(self, fmt: str) -> Target:
        target = Target(fmt, lambda: None)
        strategy = splice(self.samples[fmt]) | st.text(max_size=300)

        @settings(max_examples=25, deadline=None, database=None,
                  suppress_health_check=list(HealthCheck))
        @given(strategy)
        def run(text: str) -> None:
            target.cases[0] += 1
            self.check_import(fmt, text)

        target.run = run
        return target

    def _dates(self) -> Target:
        target = Target("dates", lambda: None)
        words = st.sampled_from(["2024", "Oct", "October", "2023-10", "2024-02-29", "~", "?", "%", "..", "/",
                                 "-", "+", " ", "BC", "c.", "circa", "early", "XX", "1e9", "99999", "0000",
                                 "T12:00Z", "2024-13", "2023-02-29", "31", "Feb", "spring", "21", "-1"])
        strategy = st.lists(words, max_size=6).map("".join) | st.text(max_size=30)

        @settings(max_examples=200, deadline=None, database=None, suppress_health_check=list(HealthCheck))
        @given(strategy, strategy | st.none())
        def run(text: str, end: str | None) -> None:
            target.cases[0] += 1
            with contextlib.suppress(InvalidInput):  # a clean refusal; anything else fails
                parse_span(text, end)

        target.run = run
        return target


def fuzz_for(seconds: float, workdir: Path, *, rounds: int | None = None) -> list[Target]:
    """Run every target in turn until ``seconds`` are spent (or ``rounds`` rounds)."""
    harness = Harness(workdir)
    stop = time.monotonic() + seconds
    done = 0
    while time.monotonic() < stop and (rounds is None or done < rounds):
        for target in harness.targets:
            target.run()
        done += 1
    return harness.targets


def main_fuzz() -> int:
    seconds = float(os.environ.get("FUZZ_SECONDS", "60"))
    with tempfile.TemporaryDirectory(prefix="chronicle-fuzz-") as scratch:
        targets = fuzz_for(seconds, Path(scratch))
    total = sum(t.cases[0] for t in targets)
    print(f"fuzz: {total} cases in {seconds:g} s, 0 tracebacks, 0 changes on refusal: "
          + ", ".join(f"{t.name} {t.cases[0]}" for t in targets))
    return 0


if __name__ == "__main__":
    sys.exit(main_fuzz())
