"""Every command as a user types it: through click's CliRunner and as a real process."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from chronicle.cli import main
from tests.conftest import SEED, archive_bytes, installed_chronicle, run_chronicle

SRC = "https://example.org/report"


def cli(runner: CliRunner, directory: Path, *args: str, input: str | None = None) -> click.testing.Result:
    return runner.invoke(main, ["--db", f"sqlite:///{directory / 'events' / 'chronicle.db'}", *args], input=input)



def test_add_prints_the_id_alone(runner: CliRunner, sqlite_dir: Path) -> None:
    result = cli(runner, sqlite_dir, "add", "Presidential runoff: Noboa vs Luisa González",
                 "--date", "13 April 2025", "--tag", "elections", "--actor", "Daniel Noboa",
                 "--source", SRC, "--publisher", "Example", "--published", "Feb 2025")
    assert result.exit_code == 0, result.output
    assert result.output == "presidential-runoff-noboa-vs-luisa\n"  # ids: at most 40 characters, whole words
    shown = cli(runner, sqlite_dir, "show", "presidential-runoff", "--format", "json")
    event = json.loads(shown.output)
    assert event["date"] == "2025-04-13" and event["precision"] == "day"
    assert event["sources"] == [{"url": SRC, "publisher": "Example", "published": "2025-02"}]


def test_show_json_schema(runner: CliRunner, seeded_dir: Path) -> None:
    result = cli(runner, seeded_dir, "show", "--since", "2023", "--format", "json")
    assert result.exit_code == 0
    events = json.loads(result.output)
    assert len(events) == 17
    required = {"id", "title", "date", "end", "precision", "description", "tags", "actors",
                "place", "sources", "status", "revision"}
    assert all(required <= set(e) for e in events)
    runoff = next(e for e in events if e["id"] == "runoff-2025")
    assert runoff["date"] == "2025-04-13" and runoff["end"] is None
    sofa = next(e for e in events if e["id"] == "us-ecuador-sofa")
    assert (sofa["date"], sofa["end"], sofa["precision"]) == ("2024-01-09", "2025-04-13", "day")
    assert [e["earliest"] for e in events] == sorted(e["earliest"] for e in events)


def test_show_table_and_jsonl(runner: CliRunner, seeded_dir: Path) -> None:
    table = cli(runner, seeded_dir, "show", "--since", "2025", "--tag", "elections")
    assert table.exit_code == 0
    lines = table.output.splitlines()
    assert len(lines) == 2
    assert lines[0].startswith("9 Feb 2025") and "first-round-2025" in lines[0]
    assert "13 Apr 2025" in lines[1] and "\x1b[" not in table.output
    jsonl = cli(runner, seeded_dir, "show", "--text", "gonzalez", "--format", "jsonl", "--limit", "1")
    assert [json.loads(line)["id"] for line in jsonl.output.splitlines()] == ["first-round-2025"]


def test_show_one_event_in_full_with_its_history(runner: CliRunner, seeded_dir: Path) -> None:
    result = cli(runner, seeded_dir, "show", "noboa-takes")
    assert result.exit_code == 0
    assert "23 Nov 2023" in result.output
    assert "Responsible Statecraft" in result.output and "teleSUR English" in result.output
    assert "revised 0 time(s)" in result.output
    assert "date claims (sources disagree):" in result.output
    assert "- 23 Nov 2023  [preferred]" in result.output and "- Oct 2023  [normal]" in result.output


def test_history_shows_both_claims(runner: CliRunner, seeded_dir: Path) -> None:
    result = cli(runner, seeded_dir, "history", "noboa-takes-office")
    assert result.exit_code == 0
    assert "claim:  date = 2023-10 (normal)" in result.output
    assert "claim:  date = 2023-11-23 (preferred)" in result.output
    assert "source: MercoPress https://en.mercopress.com/2023/11/24/ecuador-s-new-president-sworn-in" in result.output
    assert "import seeds/ecuador.toml sha256:" in result.output


def test_revise_cite_retract_restore(runner: CliRunner, seeded_dir: Path) -> None:
    ok = cli(runner, seeded_dir, "revise", "runoff-2025", "--add-tag", "noboa", "--reason", "tagging")
    assert ok.exit_code == 0 and "revision 2" in ok.output
    assert cli(runner, seeded_dir, "cite", "runoff-2025", "--source", "https://example.org/cne",
               "--publisher", "CNE").exit_code == 0
    assert cli(runner, seeded_dir, "retract", "runoff-2025", "--reason", "test").exit_code == 0
    assert "runoff-2025" not in cli(runner, seeded_dir, "show").output
    listed = cli(runner, seeded_dir, "show", "--include-retracted", "--tag", "noboa")
    assert "[retracted]" in listed.output
    assert cli(runner, seeded_dir, "restore", "runoff-2025", "--reason", "test").exit_code == 0
    event = json.loads(cli(runner, seeded_dir, "show", "runoff-2025", "--format", "json").output)
    assert event["tags"] == ["elections", "politics", "noboa"] and len(event["sources"]) == 2
    assert event["revision"] == 5


def test_log_and_verify(runner: CliRunner, seeded_dir: Path) -> None:
    log = cli(runner, seeded_dir, "log", "--limit", "3")
    assert [line.split()[0] for line in log.output.splitlines()] == ["1", "2", "3"]
    full = cli(runner, seeded_dir, "log", "--format", "jsonl")
    records = [json.loads(line) for line in full.output.splitlines()]
    verify = cli(runner, seeded_dir, "verify")
    assert verify.exit_code == 0
    assert verify.output.strip() == f"ok: {len(records)} entries, 18 events, head {records[-1]['hash']}"


def test_import_is_idempotent(runner: CliRunner, sqlite_dir: Path) -> None:
    first = cli(runner, sqlite_dir, "import", str(SEED))
    assert first.exit_code == 0 and "18 new" in first.output
    before = archive_bytes(sqlite_dir)
    again = cli(runner, sqlite_dir, "import", str(SEED))
    assert again.exit_code == 0 and "0 new, 0 changed, 18 unchanged; 0 records appended" in again.output
    assert archive_bytes(sqlite_dir) == before


def test_reimporting_an_edited_seed_records_only_the_change(runner: CliRunner, sqlite_dir: Path, tmp_path: Path) -> None:
    seed = tmp_path / "seed.toml"
    seed.write_text(SEED.read_text(encoding="utf-8"), encoding="utf-8")
    cli(runner, sqlite_dir, "import", str(seed))
    seed.write_text(seed.read_text(encoding="utf-8").replace(
        'title = "Presidential runoff: Noboa vs Luisa González"',
        'title = "Presidential runoff: Daniel Noboa vs Luisa González"'), encoding="utf-8")
    result = cli(runner, sqlite_dir, "import", str(seed))
    assert "1 changed" in result.output and "1 records appended" in result.output
    history = cli(runner, sqlite_dir, "history", "runoff-2025", "--format", "jsonl").output.splitlines()
    assert json.loads(history[-1])["payload"] == {"title": "Presidential runoff: Daniel Noboa vs Luisa González"}


BAD_INPUTS = [
    (["show", "no-such-event"], "no event has this id"),
    (["show", "noboa"], "matches several events"),
    (["add", "X", "--date", "2025-13-01", "--source", SRC], "month 13 does not exist"),
    (["add", "X", "--date", "next-ish week", "--source", SRC], "'next-ish week'"),
    (["add", "X", "--date", "2025-02-19", "--end", "2025-01-01", "--source", SRC], "before the start"),
    (["add", "  ", "--date", "2025", "--source", SRC], "title"),
    (["add", "X", "--date", "2025", "--source", "not a url"], "is not an absolute URL"),
    (["add", "X", "--date", "2025", "--source", "https://"], "has no host"),
    (["add", "X", "--date", "2025"], "an event needs a source"),
    (["add", "X", "--date", "2025", "--source", SRC, "--id", "runoff-2025"], "is taken"),
    (["add", "X", "--date", "2025", "--source", SRC, "--id", "bad id!"], "is not a valid event id"),
    (["revise", "runoff-2025", "--date", "2025-04-13", "--reason", "same"], "nothing would change"),
    (["revise", "runoff-2025", "--date", "13/13/2025", "--reason", "x"], "'13/13/2025'"),
    (["retract", "nothing", "--reason", "x"], "no event has this id"),
    (["restore", "runoff-2025", "--reason", "x"], "not retracted"),
    (["show", "--since", "2025-13"], "--since"),
    (["import", "/nonexistent/seed.toml"], "does not exist"),
    (["export", "--format", "csv", "--until", "2020", "--since", "2024"], "--until"),
]


@pytest.mark.parametrize(("args", "says"), BAD_INPUTS, ids=[" ".join(a[:2]) for a, _ in BAD_INPUTS])
def test_bad_input_is_one_clear_line_and_changes_nothing(
    runner: CliRunner, seeded_dir: Path, args: list[str], says: str
) -> None:
    before = archive_bytes(seeded_dir)
    result = cli(runner, seeded_dir, *args)
    assert result.exit_code != 0
    assert says in result.output
    assert "Traceback" not in result.output
    assert not isinstance(result.exception, Exception) or isinstance(result.exception, SystemExit)
    assert archive_bytes(seeded_dir) == before


BAD_SEEDS = {
    "malformed": ("[[events]\ntitle = ", "is not valid TOML"),
    "wrong type": ('[[events]]\nid = "a"\ntitle = "A"\ndate = "2024"\ntags = "oops"\nunsourced = true\n',
                   "tags: 'oops': must be a list"),
    "bad date": ('[[events]]\nid = "a"\ntitle = "A"\ndate = "2024-02-30"\nunsourced = true\n',
                 "event 1 (a): date: '2024-02-30': day 30 does not exist"),
    "no source": ('[[events]]\nid = "a"\ntitle = "A"\ndate = "2024"\n', "an event needs a source"),
    "unknown key": ('[[events]]\nid = "a"\ntitle = "A"\ndate = "2024"\nwhen = "x"\n', "unknown key"),
    "not utf-8": (b"title = '\xff'", "not valid UTF-8"),
    "bad second event": ('[[events]]\nid = "a"\ntitle = "A"\ndate = "2024"\nunsourced = true\n'
                         '[[events]]\nid = "b"\ntitle = "B"\ndate = "2024"\nsources = [{url = "nope"}]\n',
                         "event 2 (b)"),
}


@pytest.mark.parametrize("case", list(BAD_SEEDS))
def test_bad_seed_files_import_nothing(runner: CliRunner, seeded_dir: Path, tmp_path: Path, case: str) -> None:
    content, says = BAD_SEEDS[case]
    seed = tmp_path / "bad.toml"
    if isinstance(content, bytes):
        seed.write_bytes(content)
    else:
        seed.write_text(content, encoding="utf-8")
    before = archive_bytes(seeded_dir)
    result = cli(runner, seeded_dir, "import", str(seed))
    assert result.exit_code == 2, result.output
    assert says in result.output and "Traceback" not in result.output
    assert len(result.output.strip().splitlines()) == 1
    assert archive_bytes(seeded_dir) == before


def test_missing_archive_says_how_to_create_one(runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(main, ["show"])
    assert result.exit_code == 1
    assert "no archive" in result.output and "chronicle init" in result.output
    missing = runner.invoke(main, ["--db", f"sqlite:///{tmp_path / 'nope.db'}", "show"])
    assert missing.exit_code == 1 and "chronicle init" in missing.output
    assert not (tmp_path / "nope.db").exists()


def test_archive_is_found_from_a_subdirectory(runner: CliRunner, seeded_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    deep = seeded_dir / "notes" / "2025"
    deep.mkdir(parents=True)
    monkeypatch.chdir(deep)
    result = runner.invoke(main, ["show", "--since", "2025", "--tag", "elections", "--format", "jsonl"])
    assert [json.loads(line)["id"] for line in result.output.splitlines()] == ["first-round-2025", "runoff-2025"]


def test_init_refuses_to_overwrite(runner: CliRunner, tmp_path: Path) -> None:
    made = runner.invoke(main, ["init", str(tmp_path), "--name", "My Story"])
    assert made.exit_code == 0 and "'my-story'" in made.output
    assert (tmp_path / "events" / "chronicle.db").is_file() and (tmp_path / "exports").is_dir()
    again = runner.invoke(main, ["init", str(tmp_path)])
    assert again.exit_code == 1 and "an archive exists here already" in again.output


def test_unsourced_must_be_said(runner: CliRunner, sqlite_dir: Path) -> None:
    result = cli(runner, sqlite_dir, "add", "Rumour", "--date", "2025~", "--unsourced")
    assert result.exit_code == 0
    event = json.loads(cli(runner, sqlite_dir, "show", "rumour", "--format", "json").output)
    assert event["unsourced"] is True and event["sources"] == [] and event["date"] == "2025~"


def _walk(group: click.Group) -> list[click.Command]:
    return list(group.commands.values())


def test_every_command_has_help_with_an_example() -> None:
    runner = CliRunner()
    for command in _walk(main):
        assert command.help, f"{command.name} has no help"
        result = runner.invoke(main, [command.name or "", "--help"])
        assert result.exit_code == 0
        for parameter in command.params:
            if isinstance(parameter, click.Option) and not parameter.hidden:
                assert parameter.help, f"{command.name} {parameter.opts} has no help"
        if command.name not in ("verify",):
            assert "chronicle " in (command.help or ""), f"{command.name} help shows no example"


def test_the_installed_entry_point(seeded_dir: Path) -> None:
    installed_chronicle()
    added = run_chronicle("add", "Runoff results certified", "--date", "2025-04", "--source", SRC, cwd=seeded_dir)
    assert added.returncode == 0 and added.stdout == "runoff-results-certified\n"
    shown = run_chronicle("show", "--since", "2023", cwd=seeded_dir)
    assert shown.returncode == 0 and "Apr 2025" in shown.stdout and "runoff-results-certified" in shown.stdout
    bad = run_chronicle("add", "X", "--date", "2025-13-01", "--source", SRC, cwd=seeded_dir)
    assert bad.returncode == 2 and bad.stdout == ""
    assert bad.stderr.startswith("chronicle: error: date: '2025-13-01'") and "Traceback" not in bad.stderr
    piped = subprocess.run(f"'{installed_chronicle()}' show | head -n 1", shell=True, cwd=seeded_dir,
                           capture_output=True, text=True, check=False)
    assert piped.returncode == 0 and "Traceback" not in piped.stderr


def test_two_adds_at_the_same_moment(seeded_dir: Path) -> None:
    exe = installed_chronicle()
    procs = [
        subprocess.Popen([exe, "add", f"Simultaneous {n}", "--date", "2025", "--source", SRC, "--allow-duplicate"],
                         cwd=seeded_dir, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for n in range(4)
    ]
    outcomes = [(*p.communicate(timeout=120), p.returncode) for p in procs]
    # Writers wait for each other (README): every one of them succeeds, each with its own id.
    assert [code for *_, code in outcomes] == [0, 0, 0, 0], [err for _, err, _ in outcomes]
    assert sorted(out.strip() for out, _, _ in outcomes) == [f"simultaneous-{n}" for n in range(4)]
    assert run_chronicle("log", cwd=seeded_dir).stdout.count("\n") == 26 + 4
    verify = run_chronicle("verify", cwd=seeded_dir)
    assert verify.returncode == 0, verify.stderr
