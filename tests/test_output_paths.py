"""`export -o PATH`: what is at PATH decides what happens (see ``chronicle.atomicfile``).

FIFOs, sockets and symbolic links are made in the test's own folder; a device node is
never touched — its case runs against a patched ``os.stat``.
"""

from __future__ import annotations

import os
import signal
import socket
import stat
import subprocess
import time
from pathlib import Path

import pytest

from chronicle import atomicfile
from chronicle.errors import InvalidInput
from tests.conftest import installed_chronicle, run_chronicle


def export_to(directory: Path, target: Path | str, fmt: str = "csv") -> subprocess.CompletedProcess[str]:
    return run_chronicle("export", "--format", fmt, "-o", str(target), cwd=directory)


def one_error_line(result: subprocess.CompletedProcess[str], code: int) -> str:
    assert result.returncode == code, result.stderr
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("chronicle: error: "), result.stderr
    return lines[0]


def test_an_existing_files_mode_is_kept(seeded_dir: Path, tmp_path: Path) -> None:
    target = tmp_path / "private.csv"
    target.write_text("old")
    target.chmod(0o600)
    assert export_to(seeded_dir, target).returncode == 0
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert target.read_text(encoding="utf-8").startswith("id,")


def test_a_new_file_follows_the_umask(seeded_dir: Path, tmp_path: Path) -> None:
    target = tmp_path / "new.csv"
    result = subprocess.run(["sh", "-c", f'umask 027; exec "$0" export --format csv -o "{target}"',
                             installed_chronicle()], cwd=seeded_dir, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    assert stat.S_IMODE(target.stat().st_mode) == 0o640


def test_a_symlink_is_written_through_and_stays_a_link(seeded_dir: Path, tmp_path: Path) -> None:
    real = tmp_path / "real" / "timeline.csv"
    real.parent.mkdir()
    real.write_text("old")
    real.chmod(0o640)
    link = tmp_path / "link.csv"
    link.symlink_to(real)
    assert export_to(seeded_dir, link).returncode == 0
    assert link.is_symlink() and os.readlink(link) == str(real)
    assert real.read_text(encoding="utf-8").startswith("id,")
    assert stat.S_IMODE(real.stat().st_mode) == 0o640
    assert sorted(p.name for p in real.parent.iterdir()) == ["timeline.csv"]


def test_a_dangling_symlink_creates_its_target(seeded_dir: Path, tmp_path: Path) -> None:
    link = tmp_path / "link.ics"
    link.symlink_to(tmp_path / "made.ics")
    assert export_to(seeded_dir, link, "ics").returncode == 0
    assert link.is_symlink() and (tmp_path / "made.ics").read_text().startswith("BEGIN:VCALENDAR")


def test_a_directory_is_refused(seeded_dir: Path, tmp_path: Path) -> None:
    line = one_error_line(export_to(seeded_dir, tmp_path), 2)
    assert "is a directory" in line and str(tmp_path) in line
    assert not list(tmp_path.glob(".*.part"))


def test_a_fifo_is_refused_without_opening_it(seeded_dir: Path, tmp_path: Path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    # Opening a FIFO for writing with no reader would block: a hang here is the failure.
    line = one_error_line(export_to(seeded_dir, fifo), 2)
    assert "FIFO" in line and "`-`" in line
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)


def test_a_symlink_to_a_fifo_is_refused_too(seeded_dir: Path, tmp_path: Path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    link = tmp_path / "out.csv"
    link.symlink_to(fifo)
    assert "FIFO" in one_error_line(export_to(seeded_dir, link), 2)
    assert link.is_symlink() and stat.S_ISFIFO(os.lstat(fifo).st_mode)


def test_a_socket_is_refused(seeded_dir: Path, tmp_path: Path) -> None:
    path = tmp_path / "s"
    server = socket.socket(socket.AF_UNIX)
    try:
        server.bind(str(path))
        assert "socket" in one_error_line(export_to(seeded_dir, path), 2)
        assert stat.S_ISSOCK(os.lstat(path).st_mode)
    finally:
        server.close()


@pytest.mark.parametrize(("kind", "words"), [(stat.S_IFCHR, "character device"), (stat.S_IFBLK, "block device")])
def test_a_device_is_refused_before_anything_is_opened(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                       kind: int, words: str) -> None:
    device = tmp_path / "full"
    device.write_text("stand-in for a device node")
    real_stat = os.stat

    def fake_stat(path: object, *args: object, **kwargs: object) -> os.stat_result:
        result = real_stat(path, *args, **kwargs)  # type: ignore[arg-type]
        if Path(str(path)) == device:
            return os.stat_result((kind | 0o666, *tuple(result)[1:]))
        return result

    monkeypatch.setattr(atomicfile.os, "stat", fake_stat)
    with pytest.raises(InvalidInput, match=words), atomicfile.atomic_text(device) as stream:
        stream.write("never")
    assert device.read_text() == "stand-in for a device node"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["full"]


def test_an_export_into_an_immutable_folder_is_refused_cleanly(seeded_dir: Path, tmp_path: Path) -> None:
    folder = tmp_path / "locked"
    folder.mkdir()
    (folder / "timeline.csv").write_text("keep me")
    if subprocess.run(["chattr", "+i", str(folder)], capture_output=True, check=False).returncode:
        pytest.skip("chattr +i is not available here")
    try:
        line = one_error_line(export_to(seeded_dir, folder / "timeline.csv"), 3)
        assert str(folder) in line and ("not permitted" in line or "permission" in line)
        assert (folder / "timeline.csv").read_text() == "keep me"
    finally:
        subprocess.run(["chattr", "-i", str(folder)], check=True)


def test_a_failed_export_leaves_the_old_file_and_no_part_file(seeded_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    target = out / "t.html"
    target.write_text("good old page")
    result = run_chronicle("export", "--format", "html", "-o", str(target), "--since", "not a date", cwd=seeded_dir)
    assert result.returncode == 2
    assert target.read_text() == "good old page"
    assert [p.name for p in out.iterdir()] == ["t.html"]


def test_stale_part_files_of_killed_exports_are_removed(seeded_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    target = out / "t.jsonl"
    # A real export killed mid-write leaves its part file behind…
    process = subprocess.Popen([installed_chronicle(), "export", "--format", "html", "-o", str(target)],
                               cwd=seeded_dir, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    process.send_signal(signal.SIGKILL)
    process.wait()
    dead = out / f".t.jsonl.{process.pid}.abc123.part"
    dead.write_text("half")
    old_style = out / ".t.jsonl.zz9x_1q.part"
    old_style.write_text("half")
    os.utime(old_style, (time.time() - 7200, time.time() - 7200))
    live = out / f".t.jsonl.{os.getpid()}.live99.part"
    live.write_text("someone is writing this")
    unrelated = out / ".other.csv.1.x.part"
    unrelated.write_text("not ours")
    assert export_to(seeded_dir, target, "jsonl").returncode == 0
    assert sorted(p.name for p in out.iterdir()) == sorted([target.name, live.name, unrelated.name])


def test_dash_writes_to_standard_output(seeded_dir: Path) -> None:
    result = run_chronicle("export", "--format", "jsonl", "-o", "-", cwd=seeded_dir)
    assert result.returncode == 0 and result.stdout.count("\n") == 26
