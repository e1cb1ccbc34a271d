"""Storage faults: one clean line naming the file, what happened and what to do; nothing changed.

Real files and real failures: a damaged database, another program's SQLite file, a
0-byte file, a full disk (a file-size limit set with ``setrlimit`` in the child, the
same EFBIG/ENOSPC path SQLite takes on a full disk), an immutable folder (read-only
media), a PostgreSQL connection killed mid-write, standard output that cannot be written.
"""

from __future__ import annotations

import os
import resource
import shutil
import sqlite3
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO

import psycopg
import pytest
from sqlalchemy.engine import make_url

from tests.conftest import FIXED_AUTHOR, SEED, archive_bytes, installed_chronicle, run_chronicle

#: The exit status of a storage failure (docs/fault-cases.md).
EXIT_STORAGE = 3


def assert_one_clean_line(result: subprocess.CompletedProcess[str], code: int, *needles: str) -> str:
    """The command failed with ``code`` and said so in one line, without a traceback."""
    assert result.returncode == code, (result.returncode, result.stderr)
    assert "Traceback" not in result.stderr and "sqlalchemy" not in result.stderr.lower()
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("chronicle: error: ")
    for needle in needles:
        assert needle in lines[0], lines[0]
    return lines[0]


def db_file(directory: Path) -> Path:
    return directory / "events" / "chronicle.db"


def test_an_empty_file_is_no_archive_and_is_not_grown(tmp_path: Path) -> None:
    empty = tmp_path / "empty.db"
    empty.touch()
    for command in (["show"], ["verify"], ["add", "x", "--date", "2020", "--unsourced"]):
        result = run_chronicle("--db", f"sqlite:///{empty}", *command, cwd=tmp_path)
        assert_one_clean_line(result, 1, str(empty), "0 bytes", "left as it is")
    assert empty.stat().st_size == 0


def test_a_random_file_is_refused_and_left_byte_for_byte(tmp_path: Path) -> None:
    junk = tmp_path / "junk.db"
    junk.write_bytes(bytes(range(256)) * 40)
    before = junk.read_bytes()
    for command in (["show"], ["export", "--format", "jsonl", "-o", "-"], ["add", "x", "--date", "2020", "--unsourced"]):
        result = run_chronicle("--db", f"sqlite:///{junk}", *command, cwd=tmp_path)
        assert_one_clean_line(result, EXIT_STORAGE, str(junk), "not a SQLite database")
    assert junk.read_bytes() == before


def test_another_programs_sqlite_file_keeps_its_journal_mode_and_bytes(tmp_path: Path) -> None:
    other = tmp_path / "other.db"
    with sqlite3.connect(other) as conn:
        conn.execute("CREATE TABLE notes (body TEXT)")
        conn.execute("INSERT INTO notes VALUES ('mine')")
    conn.close()
    before = other.read_bytes()
    for command in (["show"], ["verify"], ["log"], ["add", "x", "--date", "2020", "--unsourced"], ["upgrade"]):
        result = run_chronicle("--db", f"sqlite:///{other}", *command, cwd=tmp_path)
        assert_one_clean_line(result, 1, "no chronicle archive here")
        assert "belongs to another program" in result.stderr
    made = run_chronicle("--db", f"sqlite:///{other}", "init", cwd=tmp_path)
    assert_one_clean_line(made, 1, "not a chronicle archive is here already")
    assert other.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["other.db"]
    with sqlite3.connect(other) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone() == ("delete",)
    conn.close()


def test_a_directory_given_as_the_database_is_refused(tmp_path: Path) -> None:
    result = run_chronicle("--db", f"sqlite:///{tmp_path}", "show", cwd=tmp_path)
    assert_one_clean_line(result, EXIT_STORAGE, str(tmp_path), "is a directory")


def damage(path: Path, pages: tuple[int, ...] = (3, 5, 8)) -> None:
    """Overwrite whole pages in the middle of a database with junk (a bad disk, a bad copy)."""
    with open(path, "r+b") as stream:
        for page in pages:
            stream.seek(page * 4096)
            stream.write(b"\xa5" * 4096)


@pytest.mark.parametrize("command", [
    ["verify"],
    ["export", "--format", "jsonl", "-o", "-"],
    ["export", "--format", "csv", "-o", "-"],
    ["log"],
])
def test_a_damaged_archive_says_so_in_one_line(seeded_dir: Path, command: list[str]) -> None:
    # Commands that read every page (verify, the backup, the log, the CSV). A query that
    # happens to miss the damaged pages (`show --since 2024`) still answers: `verify` is the check.
    damage(db_file(seeded_dir))
    result = run_chronicle(*command, cwd=seeded_dir)
    assert_one_clean_line(result, EXIT_STORAGE, str(db_file(seeded_dir)), "damaged", "backup")


def test_damage_a_query_does_not_read_is_found_by_verify_not_by_show(sqlite_dir: Path) -> None:
    """The decided policy (docs/fault-cases.md): a query reads only the pages it needs, so
    damage elsewhere — here three pages of the log, which `show` never reads — does not
    change its answer (exit 0, the same lines); `verify` reads every page and says so,
    as does the backup, which reads the whole log. No cheap check at open could
    find damage in the middle of the file; `verify` is the integrity check."""
    from chronicle.archive import Archive
    from chronicle.model import make_source

    archive = Archive.open(f"sqlite:///{db_file(sqlite_dir)}")
    for number in range(300):
        archive.add(title=f"Event {number}", date=f"20{10 + number % 15}-0{1 + number % 9}-1{number % 9}",
                    description="x" * 200, sources=[make_source(f"https://example.org/{number}")],
                    event_id=f"e{number}")
    archive.close()
    before = run_chronicle("show", "--limit", "5", cwd=sqlite_dir)
    with sqlite3.connect(db_file(sqlite_dir)) as conn:
        leaves = [page for (page,) in conn.execute(
            "SELECT pageno FROM dbstat WHERE name = 'log' AND pagetype = 'leaf' ORDER BY pageno")]
    conn.close()
    middle = len(leaves) // 2
    damage(db_file(sqlite_dir), tuple(page - 1 for page in leaves[middle:middle + 3]))
    after = run_chronicle("show", "--limit", "5", cwd=sqlite_dir)
    assert (after.returncode, after.stdout) == (0, before.stdout) and before.stdout.count("\n") == 5
    for command in (["verify"], ["export", "--format", "jsonl", "-o", "-"]):
        result = run_chronicle(*command, cwd=sqlite_dir)
        assert_one_clean_line(result, EXIT_STORAGE, str(db_file(sqlite_dir)), "damaged", "backup")


def limited_file_size(limit: int) -> Callable[[], None]:
    """For ``preexec_fn``: the child may not write files past ``limit`` bytes (SIGXFSZ is
    ignored by Python, so the write fails with EFBIG, as it would with ENOSPC)."""

    def apply() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    return apply


def run_limited(args: list[str], cwd: Path, limit: int,
                stdout: int | IO[str] = subprocess.PIPE) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "CHRONICLE_DB"}
    return subprocess.run(
        [installed_chronicle(), *args], cwd=cwd, stdout=stdout, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL,
        text=True, timeout=120, check=False, preexec_fn=limited_file_size(limit),
        env={**env, "CHRONICLE_AUTHOR": FIXED_AUTHOR, "NO_COLOR": "1"},
    )


def test_a_full_disk_during_import_writes_nothing_and_says_so(sqlite_dir: Path) -> None:
    before = archive_bytes(sqlite_dir)
    size = db_file(sqlite_dir).stat().st_size
    result = run_limited(["import", str(SEED)], sqlite_dir, size + 8192)
    assert_one_clean_line(result, EXIT_STORAGE, str(db_file(sqlite_dir)), "nothing was written")
    assert archive_bytes(sqlite_dir) == before
    after = run_chronicle("verify", cwd=sqlite_dir)
    assert after.returncode == 0 and "ok: 0 entries" in after.stdout


def test_show_on_a_full_disk_does_not_send_the_user_to_init(seeded_dir: Path) -> None:
    # With no room for even the -shm file, opening used to read as "no archive here".
    for name in ("chronicle.db-shm", "chronicle.db-wal"):
        (seeded_dir / "events" / name).unlink(missing_ok=True)
    result = run_limited(["show"], seeded_dir, 1)
    assert "chronicle init" not in result.stderr and "Traceback" not in result.stderr
    assert result.returncode in (0, EXIT_STORAGE)
    if result.returncode == 0:
        assert "runoff" in result.stdout


def test_stdout_to_a_full_file_is_one_line_and_no_traceback(seeded_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "stdout.jsonl"
    # A read first leaves SQLite's -shm file in place, so only standard output hits the limit.
    assert run_chronicle("show", cwd=seeded_dir).returncode == 0
    with open(out, "w") as stream:
        # Above the 32 KB -shm file, below the ~39 KB page.
        result = run_limited(["export", "--format", "html", "-o", "-"], seeded_dir, 36_000, stdout=stream)
    line = assert_one_clean_line(result, EXIT_STORAGE, "size limit")
    assert "<stdout>" in line or "standard output" in line


def test_stdout_closed_early_is_not_an_error(seeded_dir: Path) -> None:
    process = subprocess.Popen([installed_chronicle(), "log"], cwd=seeded_dir, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
    assert process.stdout is not None and process.stderr is not None
    process.stdout.readline()
    process.stdout.close()
    stderr = process.stderr.read()
    process.stderr.close()
    assert process.wait(timeout=60) == 0 and stderr == ""


@pytest.fixture
def immutable(seeded_dir: Path) -> Iterator[Path]:
    """The archive's folder and file made immutable (``chattr +i``): read-only media, even for root."""
    events = seeded_dir / "events"
    for name in ("chronicle.db-shm", "chronicle.db-wal"):
        (events / name).unlink(missing_ok=True)
    chattr = shutil.which("chattr")
    targets = [events / "chronicle.db", events]
    if chattr is None or subprocess.run([chattr, "+i", *map(str, targets)], capture_output=True).returncode:
        pytest.skip("chattr +i is not available here (needs root and ext4/xfs/btrfs)")
    try:
        yield seeded_dir
    finally:
        subprocess.run([chattr, "-i", *map(str, targets)], check=True)


def test_an_archive_on_read_only_media_can_be_read_but_not_written(immutable: Path) -> None:
    before = archive_bytes(immutable)
    shown = run_chronicle("show", "--since", "2025", cwd=immutable)
    assert shown.returncode == 0 and "runoff" in shown.stdout, shown.stderr
    assert run_chronicle("verify", cwd=immutable).returncode == 0
    assert run_chronicle("export", "--format", "jsonl", "-o", "-", cwd=immutable).stdout.count("\n") == 26
    added = run_chronicle("add", "x", "--date", "2020", "--unsourced", cwd=immutable)
    assert_one_clean_line(added, added.returncode, str(db_file(immutable)), "read-only")
    assert added.returncode in (1, EXIT_STORAGE)
    assert archive_bytes(immutable) == before
    assert sorted(p.name for p in (immutable / "events").iterdir()) == ["chronicle.db"]


def test_read_commands_never_write_the_database_file(seeded_dir: Path) -> None:
    before = db_file(seeded_dir).read_bytes()
    mtime = db_file(seeded_dir).stat().st_mtime_ns
    for command in (["show"], ["show", "--since", "2024", "--format", "json"], ["log"], ["verify"],
                    ["history", "runoff"], ["export", "--format", "csv", "-o", "-"]):
        result = run_chronicle(*command, cwd=seeded_dir)
        assert result.returncode in (0, 1) and "Traceback" not in result.stderr
    assert db_file(seeded_dir).read_bytes() == before
    assert db_file(seeded_dir).stat().st_mtime_ns == mtime


@pytest.mark.postgres
def test_postgres_connection_killed_mid_import_writes_nothing(pg_database: str, tmp_path: Path) -> None:
    admin = make_url(pg_database).set(drivername="postgresql").render_as_string(hide_password=False)
    assert run_chronicle("--db", pg_database, "init", "--name", "t", cwd=tmp_path).returncode == 0
    lock_key = 7_421_019_517  # dialects.PG_LOCK_KEY: the importer will wait for it
    with psycopg.connect(admin, autocommit=True) as holder:
        holder.execute("SELECT pg_advisory_lock(%s)", (lock_key,))
        process = subprocess.Popen(
            [installed_chronicle(), "--db", pg_database, "import", str(SEED)], cwd=tmp_path,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )
        killed = threading.Event()
        deadline = time.monotonic() + 60
        while not killed.is_set() and time.monotonic() < deadline:
            rows = holder.execute(
                "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
                "AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()").fetchall()
            for (pid,) in rows:
                holder.execute("SELECT pg_terminate_backend(%s)", (pid,))
                killed.set()
            time.sleep(0.05)
        _, stderr = process.communicate(timeout=60)
        holder.execute("SELECT pg_advisory_unlock(%s)", (lock_key,))
        count = holder.execute("SELECT count(*) FROM log").fetchone()
    assert killed.is_set()
    result = subprocess.CompletedProcess(process.args, process.returncode, "", stderr)
    assert_one_clean_line(result, EXIT_STORAGE, "nothing was written")
    assert "127.0.0.1" in stderr or "postgresql" in stderr
    assert count == (0,)
