"""``kill -9`` at random points of an import, an export and a copy: nothing torn, nothing lost.

The archive must verify afterwards and hold either all of an import or none of it; an
export's file is either the old one or the complete new one (never a prefix); a copy's
target is either absent or a verifiable prefix that the next ``copy`` completes.
"""

from __future__ import annotations

import random
import signal
import subprocess
import time
from pathlib import Path

import pytest

from tests.conftest import installed_chronicle, run_chronicle

#: Delays (seconds) after which the child is killed: from "before it opened anything" to
#: "probably done"; fixed seeds, so a failure can be replayed.
DELAYS = [round(random.Random(seed).uniform(0.05, 2.5), 3) for seed in range(6)]


def big_csv(path: Path, rows: int = 3000) -> Path:
    lines = ["title,date,description,tags"]
    lines += [f"Event number {n},{1900 + n % 120}-{1 + n % 12:02d},Row {n} of a big file,bulk" for n in range(rows)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def kill_after(args: list[str], cwd: Path, delay: float) -> int:
    process = subprocess.Popen([installed_chronicle(), *args], cwd=cwd, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    time.sleep(delay)
    process.send_signal(signal.SIGKILL)
    return process.wait()


def log_count(directory: Path) -> int:
    result = run_chronicle("verify", cwd=directory)
    assert result.returncode == 0, result.stderr  # the archive itself is always sound
    return int(result.stdout.split("ok: ")[1].split(" entries")[0])


@pytest.mark.parametrize("delay", DELAYS)
def test_a_killed_import_is_all_or_nothing(seeded_dir: Path, tmp_path: Path, delay: float) -> None:
    data = big_csv(tmp_path / "big.csv")
    before = log_count(seeded_dir)
    kill_after(["import", str(data), "--map", "title=title", "--map", "date=date", "--map", "tags=tags",
                "--map", "description=description"], seeded_dir, delay)
    after = log_count(seeded_dir)
    assert after in (before, before + 3000), (before, after)
    again = run_chronicle("import", str(data), "--map", "title=title", "--map", "date=date", "--map", "tags=tags",
                          "--map", "description=description", cwd=seeded_dir)
    assert again.returncode == 0, again.stderr
    assert log_count(seeded_dir) == before + 3000  # re-running completes it, without duplicates


@pytest.mark.parametrize("delay", DELAYS)
def test_a_killed_export_leaves_the_old_file_or_the_whole_new_one(seeded_dir: Path, tmp_path: Path,
                                                                   delay: float) -> None:
    out = tmp_path / "out"
    out.mkdir()
    reference = out / "reference.html"
    assert run_chronicle("export", "--format", "html", "-o", str(reference), cwd=seeded_dir).returncode == 0
    target = out / "page.html"
    target.write_text("the old page")
    kill_after(["export", "--format", "html", "-o", str(target)], seeded_dir, delay)
    assert target.read_bytes() in (b"the old page", reference.read_bytes())
    assert run_chronicle("export", "--format", "html", "-o", str(target), cwd=seeded_dir).returncode == 0
    assert sorted(p.name for p in out.iterdir()) == ["page.html", "reference.html"]  # leftovers cleaned


@pytest.mark.parametrize("delay", DELAYS[:4])
def test_a_killed_copy_is_a_prefix_the_next_copy_completes(seeded_dir: Path, tmp_path: Path, delay: float) -> None:
    data = big_csv(tmp_path / "big.csv", rows=1500)
    assert run_chronicle("import", str(data), "--map", "title=title", "--map", "date=date",
                         cwd=seeded_dir).returncode == 0
    source_head = run_chronicle("verify", cwd=seeded_dir).stdout.split("head ")[1].strip()
    target = tmp_path / "copy"
    kill_after(["copy", "--to", str(target)], seeded_dir, delay)
    if (target / "events" / "chronicle.db").exists():
        checked = run_chronicle("verify", cwd=target)
        assert checked.returncode == 0 or "no chronicle archive here" in checked.stderr, checked.stderr
    finished = run_chronicle("copy", "--to", str(target), cwd=seeded_dir)
    if finished.returncode != 0:  # a kill before the target's schema was committed: start afresh
        assert "Traceback" not in finished.stderr
        (target / "events" / "chronicle.db").unlink()
        finished = run_chronicle("copy", "--to", str(target), cwd=seeded_dir)
    assert finished.returncode == 0, finished.stderr
    assert run_chronicle("verify", cwd=target).stdout.split("head ")[1].strip() == source_head
