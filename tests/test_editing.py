"""Entry without pain (issue 15): `add` with no title and `edit ID` open $EDITOR on TOML;
`revise --add-actor/--remove-actor`. The editor is a small script that writes the file."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from chronicle.cli import main


def _editor(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, content: str | None, *,
            replace: dict[str, str] | None = None) -> Path:
    """EDITOR = a script that saves what it was shown, then writes ``content`` (or applies ``replace``)."""
    shown = tmp_path / "shown.toml"
    script = tmp_path / "editor.py"
    script.write_text(
        "import sys, json, pathlib\n"
        "path = pathlib.Path(sys.argv[1])\n"
        f"pathlib.Path({str(shown)!r}).write_text(path.read_text(encoding='utf-8'), encoding='utf-8')\n"
        f"content = {content!r}\n"
        f"replace = {replace or {}!r}\n"
        "text = path.read_text(encoding='utf-8') if content is None else content\n"
        "for old, new in replace.items():\n"
        "    text = text.replace(old, new, 1)\n"
        "path.write_text(text, encoding='utf-8')\n",
        encoding="utf-8",
    )
    monkeypatch.setenv("EDITOR", f"{sys.executable} {script}")
    monkeypatch.delenv("VISUAL", raising=False)
    return shown


@pytest.fixture
def db(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'e.db'}"
    assert CliRunner().invoke(main, ["--db", url, "init", "--name", "e"]).exit_code == 0
    return url


def _run(db: str, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["--db", db, *args])
    return result.exit_code, result.output


def test_add_without_a_title_fills_a_template(db: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    shown = _editor(tmp_path, monkeypatch, None, replace={
        'title = ""': 'title = "Gunmen storm TC Televisión"',
        'date = ""': 'date = "9 Jan 2024"',
        'url = ""': 'url = "https://example.org/tv"\npublisher = "AP"',
        'description = ""': 'description = """\nArmed men took the studio.\nLive on air.\n"""',
    })
    code, output = _run(db, "add", "--tag", "security", "--actor", "TC Televisión")
    assert (code, output) == (0, "gunmen-storm-tc-television\n")
    template = shown.read_text(encoding="utf-8")
    assert template.startswith("# A new event.")
    assert 'tags = ["security"]' in template and 'actors = ["TC Televisión"]' in template
    event = json.loads(_run(db, "show", "gunmen-storm-tc-television", "--format", "json")[1])
    assert (event["date"], event["precision"]) == ("2024-01-09", "day")
    assert event["description"] == "Armed men took the studio.\nLive on air."
    assert event["sources"] == [{"url": "https://example.org/tv", "publisher": "AP"}]
    assert event["tags"] == ["security"] and event["actors"] == ["TC Televisión"]


def test_an_empty_file_aborts_and_records_nothing(db: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _editor(tmp_path, monkeypatch, "# only comments\n\n")
    assert _run(db, "add") == (1, "chronicle: error: the file was empty: nothing was recorded\n")
    _editor(tmp_path, monkeypatch, None)  # saved as it came: no title
    assert _run(db, "add") == (1, "chronicle: error: no title: nothing was recorded\n")
    assert _run(db, "log") == (0, "")


def test_a_bad_file_is_kept_and_the_error_says_where(db: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _editor(tmp_path, monkeypatch, 'title = "X"\ndate = "someday"\nunsourced = true\n')
    code, output = _run(db, "add")
    assert code == 2
    assert output.startswith("chronicle: error: date: 'someday': ")
    kept = Path(output.split("your text is kept in ")[1].split(" ")[0].rstrip("\n"))
    assert kept.read_text(encoding="utf-8").startswith('title = "X"')
    kept.unlink()
    assert _run(db, "log") == (0, "")


def test_edit_records_the_difference_with_the_reason(db: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert _run(db, "add", "Attack on TV station", "--date", "2024-01", "--unsourced", "--tag", "media")[0] == 0
    shown = _editor(tmp_path, monkeypatch, None, replace={
        'reason = ""': 'reason = "Exact day from the AP report"',
        'date = "2024-01"': 'date = "2024-01-09"',
        'tags = ["media"]': 'tags = ["media", "security"]',
        "# [[sources]]\n# url = \"\"": '[[sources]]\nurl = "https://apnews.com/tc"',
    })
    code, output = _run(db, "edit", "attack")
    assert (code, output) == (0, "attack-on-tv-station: revision 3 recorded\n")
    assert 'date = "2024-01"' in shown.read_text(encoding="utf-8")
    history = _run(db, "history", "attack-on-tv-station", "--format", "jsonl")[1].splitlines()
    records = [json.loads(line) for line in history]
    assert [r["kind"] for r in records] == ["recorded", "revised", "sourced"]
    assert records[1]["payload"] == {"date": "2024-01-09", "tags": ["media", "security"]}
    assert {r["reason"] for r in records[1:]} == {"Exact day from the AP report"}


def test_edit_without_a_reason_is_refused(db: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _run(db, "add", "Attack", "--date", "2024-01", "--unsourced")
    _editor(tmp_path, monkeypatch, None, replace={'title = "Attack"': 'title = "Attack on TV"'})
    code, output = _run(db, "edit", "attack")
    assert code == 2 and output.startswith("chronicle: error: reason: '': is empty")
    _editor(tmp_path, monkeypatch, None)
    assert _run(db, "edit", "attack") == (0, "attack: nothing changed, nothing recorded\n")
    assert len(_run(db, "log")[1].splitlines()) == 1


def test_revise_adds_and_removes_actors(db: str) -> None:
    _run(db, "add", "Hearing", "--date", "2024-09", "--unsourced", "--actor", "Judge Amit Mehta", "--actor", "Google")
    code, _ = _run(db, "revise", "hearing", "--add-actor", "DOJ", "--remove-actor", "google", "--reason", "r")
    assert code == 0
    event = json.loads(_run(db, "show", "hearing", "--format", "json")[1])
    assert event["actors"] == ["Judge Amit Mehta", "DOJ"]
