"""Claims: when sources disagree, the archive shows both, ranked and sourced (issue 13)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from chronicle.archive import Archive
from chronicle.cli import main
from chronicle.errors import Conflict, InvalidInput
from chronicle.exporting import export
from chronicle.importing import import_file
from chronicle.model import make_source
from chronicle.query import EventQuery
from tests.conftest import SEED, archive_bytes

CORPUS = Path(__file__).resolve().parent / "fixtures" / "claims"
TELESUR = "https://www.telesurenglish.net/news/Ecuador-Daniel-Noboa-Is-Sworn-In-As-President-20231123-0011.html"
MERCOPRESS = "https://en.mercopress.com/2023/11/24/ecuador-s-new-president-sworn-in"
RS = "https://responsiblestatecraft.org/"
OTHER = make_source("https://example.org/other", publisher="Other")


def cli(runner: CliRunner, directory: Path, *args: str) -> click.testing.Result:
    return runner.invoke(main, ["--db", f"sqlite:///{directory / 'events' / 'chronicle.db'}", *args])


# -- the seed's real disagreements ------------------------------------------------------


def test_show_gives_the_preferred_date_and_the_disputed_claim_with_their_sources(
        runner: CliRunner, seeded_dir: Path) -> None:
    result = cli(runner, seeded_dir, "show", "noboa-takes-office")
    assert result.exit_code == 0, result.output
    out = result.output
    assert "date:        23 Nov 2023" in out
    claims = out[out.index("date claims (sources disagree):"):out.index("history:")]
    preferred, other = claims.split("- Oct 2023")
    assert "- 23 Nov 2023  [preferred] — two specific reports of the ceremony" in preferred
    assert f"teleSUR English <{TELESUR}>" in preferred and f"MercoPress <{MERCOPRESS}>" in preferred
    assert RS not in preferred
    assert "[normal] — the primary source's summary, a loose month" in other and f"<{RS}>" in other
    assert TELESUR not in other
    listed = cli(runner, seeded_dir, "show", "--since", "2023", "--until", "2023")
    assert "noboa-takes-office  Noboa takes office as president [disputed]" in listed.output
    assert "noboa-wins-snap-election  Daniel Noboa wins the runoff of the snap presidential election\n" in listed.output


def test_show_disputed_json_lists_the_seeds_disputed_events_with_their_claims(
        runner: CliRunner, seeded_dir: Path) -> None:
    result = cli(runner, seeded_dir, "show", "--disputed", "--format", "json")
    assert result.exit_code == 0, result.output
    events = {e["id"]: e for e in json.loads(result.output)}
    assert set(events) == {"noboa-takes-office", "matrix-aviation-memorandum"}
    office = events["noboa-takes-office"]
    assert office["date"] == "2023-11-23" and office["disputed"] == ["date"]
    assert [(c["value"], c["rank"]) for c in office["claims"]] == [("2023-11-23", "preferred"), ("2023-10", "normal")]
    assert [s["url"] for s in office["claims"][0]["sources"]] == [TELESUR, MERCOPRESS]
    assert [s["url"] for s in office["claims"][1]["sources"]] == [RS]
    memo = events["matrix-aviation-memorandum"]
    assert [(c["value"], c["rank"]) for c in memo["claims"]] == [("2024-01-31", "normal"), ("2025", "normal")]
    assert memo["claims"][0]["note"].startswith("doubtful: ")
    assert memo["date"] == "2024-01-31"  # no claim is preferred: the first normal one is shown


def test_a_coarser_claim_inside_a_finer_one_is_not_a_dispute(seeded: Archive) -> None:
    attack = seeded.get("tc-television-attack")
    assert [(c.value, c.rank.value) for c in attack.claims] == [("2024-01-09", "preferred"), ("2024", "normal")]
    assert not attack.disputed and attack.date == "2024-01-09"
    assert not seeded.get("noboa-wins-snap-election").disputed
    assert [e.id for e in seeded.disputed()] == ["noboa-takes-office", "matrix-aviation-memorandum"]


def test_history_shows_claims_as_claims(runner: CliRunner, seeded_dir: Path) -> None:
    out = cli(runner, seeded_dir, "history", "noboa-takes-office").output
    assert out.count(" claimed by tester") == 2
    assert "claim:  date = 2023-11-23 (preferred)\n  note:   two specific reports of the ceremony" in out
    assert "claim:  date = 2023-10 (normal)\n  note:   the primary source's summary, a loose month\n  source: " \
           "Responsible Statecraft: " in out


# -- claim, rank, and what they refuse -------------------------------------------------------


def test_claim_then_rank_changes_the_shown_date_with_a_reason(runner: CliRunner, seeded_dir: Path) -> None:
    added = cli(runner, seeded_dir, "claim", "runoff-2025", "--date", "20 April 2025", "--source",
                "https://example.org/wrong", "--publisher", "Wrong", "--note", "a planted contradiction")
    assert added.exit_code == 0, added.output
    assert added.output == "runoff-2025: 2 claim(s) on date; sources disagree (disputed)\n"
    event = json.loads(cli(runner, seeded_dir, "show", "runoff-2025", "--format", "json").output)
    assert event["date"] == "2025-04-13"  # a normal claim does not move the event
    first, second = event["claims"]
    assert (first["value"], first["rank"], [s["url"] for s in first["sources"]]) == ("2025-04-13", "normal", [RS])
    assert (second["value"], second["note"]) == ("2025-04-20", "a planted contradiction")
    ranked = cli(runner, seeded_dir, "rank", "runoff-2025", "--date", "2025-04-20", "--rank", "preferred",
                 "--reason", "testing ranks")
    assert ranked.exit_code == 0, ranked.output
    assert ranked.output == "runoff-2025: claim ranked preferred; date is now 20 Apr 2025\n"
    event = json.loads(cli(runner, seeded_dir, "show", "runoff-2025", "--format", "json").output)
    assert event["date"] == "2025-04-20" and event["history"][-1]["reason"] == "testing ranks"
    deprecated = cli(runner, seeded_dir, "rank", "runoff-2025", "--date", "2025-04-20", "--rank", "deprecated",
                     "--reason", "it was wrong")
    assert deprecated.exit_code == 0
    event = json.loads(cli(runner, seeded_dir, "show", "runoff-2025", "--format", "json").output)
    assert (event["date"], event["disputed"]) == ("2025-04-13", [])  # a deprecated claim disputes nothing
    assert cli(runner, seeded_dir, "verify").exit_code == 0


@pytest.mark.parametrize(("args", "message"), [
    (["rank", "noboa-takes-office", "--date", "2022", "--rank", "preferred", "--reason", "x"],
     "date: '2022': is not one of the event's claims (accepted: a claimed value (23 Nov 2023, Oct 2023))"),
    (["rank", "noboa-takes-office", "--date", "2023-11-23", "--rank", "preferred", "--reason", "x"],
     "the claim is already preferred"),
    (["rank", "noboa-takes-office", "--date", "2023-11-23", "--rank", "best", "--reason", "x"], "'best'"),
    (["claim", "noboa-takes-office", "--date", "2023-11-23", "--place", "Quito", "--source", "https://e.org/a"],
     "say exactly one value"),
    (["claim", "noboa-takes-office", "--date", "2023-11-23", "--source", TELESUR, "--publisher", "teleSUR English"],
     "this claim is already recorded with these sources"),
    (["revise", "noboa-takes-office", "--date", "2023-11-24", "--reason", "x"], "has claims"),
])
def test_bad_claims_and_ranks_say_why_and_change_nothing(
        runner: CliRunner, seeded_dir: Path, args: list[str], message: str) -> None:
    before = archive_bytes(seeded_dir)
    result = cli(runner, seeded_dir, *args)
    assert result.exit_code != 0
    assert message in result.output and "Traceback" not in result.output
    assert archive_bytes(seeded_dir) == before


def test_as_of_shows_the_claims_the_archive_had_then(archive: Archive) -> None:
    import_file(archive, SEED, now=lambda: datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC))
    archive.claim("first-round-2025", "date", "2025-02-10", [OTHER])
    then = archive.get("first-round-2025", as_of="2026-06-01T00:00Z")
    now = archive.get("first-round-2025")
    office = archive.get("noboa-takes-office", as_of="2026-06-01T00:00Z")
    assert [c.value for c in office.claims] == ["2023-11-23", "2023-10"] and office.disputed
    assert then.claims == () and not then.disputed
    assert [c.value for c in now.claims] == ["2025-02-09", "2025-02-10"] and now.disputed


def test_title_place_and_actor_claims(seeded: Archive) -> None:
    result = seeded.claim("runoff-2025", "place", "Quito", [OTHER])
    assert result.dispute and result.event.place == "Ecuador" and result.event.disputed_fields == ("place",)
    result = seeded.claim("runoff-2025", "actors", ["Daniel Noboa", "Luisa González"], [OTHER])
    assert not result.dispute  # the same actors: support, not disagreement
    event = seeded.rank("runoff-2025", "place", "Quito", "preferred", reason="checked")
    assert event.place == "Quito"
    with pytest.raises(Conflict, match="has claims"):
        seeded.revise("runoff-2025", reason="x", place="Guayaquil")
    with pytest.raises(InvalidInput, match="cannot carry claims"):
        seeded.claim("runoff-2025", "tags", "x", [OTHER])


# -- disagreement found, not only entered ----------------------------------------------------


def test_every_planted_contradiction_becomes_a_dispute_and_no_refinement_does(archive: Archive) -> None:
    import_file(archive, CORPUS / "base.toml")
    report = import_file(archive, CORPUS / "update.toml")
    assert report.disputes == 4
    disputed = {e.id for e in archive.disputed()}
    assert disputed == {"c-month-vs-day", "c-day-vs-day", "c-year-vs-year", "c-interval-vs-day"}
    for event_id in disputed:
        event = archive.get(event_id)
        old, new = event.claims
        assert old.rank.value == new.rank.value == "normal"
        assert [s.publisher for s in old.sources] == ["First Account"]
        assert [s.publisher for s in new.sources] == ["Second Account"]
        assert event.date == old.span.start.edtf  # the archive's value stays shown until ranked
    refined = {e.id: e for e in archive.show() if e.id.startswith("r-")}
    assert {k: e.span.edtf for k, e in refined.items()} == {
        "r-year-to-day": "2024-01-09", "r-month-to-day": "2025-02-09", "r-day-to-year": "2024",
        "r-interval-to-day": "2024-09-16",
    }
    assert all(not e.claims for e in refined.values())
    again = import_file(archive, CORPUS / "update.toml")
    assert (again.records, again.disputes) == (0, 0)  # found once, not again
    archive.verify()


def test_the_import_summary_says_disputes_were_found(runner: CliRunner, sqlite_dir: Path) -> None:
    assert cli(runner, sqlite_dir, "import", str(CORPUS / "base.toml")).exit_code == 0
    result = cli(runner, sqlite_dir, "import", str(CORPUS / "update.toml"))
    assert result.exit_code == 0, result.output
    assert "; 4 dispute(s) found: the file's dates contradict the archive's" in result.output
    listed = cli(runner, sqlite_dir, "disputes").output
    assert listed.count("date claims (sources disagree):") == 4
    assert "c-interval-vs-day" in listed and "r-year-to-day" not in listed


def test_cite_with_a_date_finds_a_contradiction(runner: CliRunner, seeded_dir: Path) -> None:
    refined = cli(runner, seeded_dir, "cite", "foreign-special-forces-call", "--date", "2025-02-10",
                  "--source", "https://example.org/day")
    assert refined.exit_code == 0, refined.output
    assert "dispute" not in refined.output
    clash = cli(runner, seeded_dir, "cite", "first-round-2025", "--date", "2025-03-09",
                "--source", "https://example.org/march")
    assert clash.exit_code == 0, clash.output
    assert "sources disagree" in clash.output
    disputed = json.loads(cli(runner, seeded_dir, "show", "--disputed", "--format", "json").output)
    assert "first-round-2025" in {e["id"] for e in disputed}
    assert "foreign-special-forces-call" not in {e["id"] for e in disputed}


# -- round trips -------------------------------------------------------------------------------


def test_claims_round_trip_through_json_and_the_jsonl_backup(seeded: Archive, tmp_path: Path) -> None:
    seeded.claim("runoff-2025", "date", "2025-04-20", [OTHER], note="planted")
    seeded.rank("runoff-2025", "date", "2025-04-13", "preferred", reason="the primary source")
    disputed = [e.to_dict() for e in seeded.disputed()]
    # JSON: a new archive, the same claims, ranks and sources.
    export(seeded, "json", EventQuery(), str(tmp_path / "all.json"))
    copy = Archive.init(tmp_path / "copy", name="copy")
    import_file(copy, tmp_path / "all.json")

    def claims_of(archive: Archive) -> dict[str, list[dict[str, object]]]:
        return {e.id: [c.to_dict() for c in e.claims] for e in archive.show() if e.claims}

    assert claims_of(copy) == claims_of(seeded)
    assert [e.id for e in copy.disputed()] == [e["id"] for e in disputed]
    assert import_file(copy, tmp_path / "all.json").records == 0
    # JSONL backup: the same log, the same head hash.
    export(seeded, "jsonl", EventQuery(), str(tmp_path / "log.jsonl"))
    restored = Archive.init(tmp_path / "restored", name="restored")
    import_file(restored, tmp_path / "log.jsonl")
    assert restored.verify().head_hash == seeded.verify().head_hash
    assert [e.to_dict() for e in restored.disputed()] == disputed


# -- exports -----------------------------------------------------------------------------------


def test_the_html_page_says_sources_disagree_with_each_value_and_its_linked_sources(
        seeded: Archive, tmp_path: Path) -> None:
    export(seeded, "html", EventQuery(), str(tmp_path / "t.html"))
    page = (tmp_path / "t.html").read_text(encoding="utf-8")
    start = page.index('id="event-noboa-takes-office"')
    fragment = page[start:page.index("</li>\n<li", page.index("</details>", start))]
    block = fragment[fragment.index("<strong>Sources disagree:</strong>"):]
    preferred, other = block.split('<li class="claim normal">')
    assert "<strong>23 Nov 2023</strong> <span class=\"rank\">(preferred)</span>" in preferred
    assert f'<a href="{TELESUR}" rel="noopener noreferrer">teleSUR English</a>' in preferred
    assert f'<a href="{MERCOPRESS}" rel="noopener noreferrer">MercoPress</a>' in preferred
    assert "<strong>Oct 2023</strong> <span class=\"rank\">(normal)</span>" in other
    assert f'<a href="{RS}" rel="noopener noreferrer">' in other
    assert page.count("Sources disagree:") == 2  # the two disputed events, not the agreeing claims


def test_csv_has_a_disputed_column_and_a_claims_file(runner: CliRunner, seeded_dir: Path, tmp_path: Path) -> None:
    import csv

    result = cli(runner, seeded_dir, "export", "--format", "csv", "-o", str(tmp_path / "e.csv"),
                 "--claims-file", str(tmp_path / "claims.csv"))
    assert result.exit_code == 0, result.output
    with open(tmp_path / "e.csv", encoding="utf-8", newline="") as handle:
        rows = {r["id"]: r for r in csv.DictReader(handle)}
    assert {k for k, r in rows.items() if r["disputed"]} == {"noboa-takes-office", "matrix-aviation-memorandum"}
    assert rows["noboa-takes-office"]["disputed"] == "date" and rows["tc-television-attack"]["disputed"] == ""
    with open(tmp_path / "claims.csv", encoding="utf-8", newline="") as handle:
        claims = list(csv.DictReader(handle))
    office = [(c["claim_number"], c["field"], c["value"], c["rank"]) for c in claims if c["event_id"] == "noboa-takes-office"]
    assert office == [("1", "date", "2023-11-23", "preferred"), ("2", "date", "2023-10", "normal")]
    assert [s["url"] for s in json.loads(next(c for c in claims if c["value"] == "2023-10")["sources"])] == [RS]
    assert len(claims) == 8  # four events with two claims each


def test_icalendar_keeps_the_preferred_date_and_notes_the_disagreement(seeded: Archive, tmp_path: Path) -> None:
    export(seeded, "ics", EventQuery(), str(tmp_path / "t.ics"))
    text = (tmp_path / "t.ics").read_bytes().decode("utf-8").replace("\r\n ", "")
    start = text.index("UID:noboa-takes-office@")
    office = text[start:text.index("END:VEVENT", start)]
    assert "DTSTART;VALUE=DATE:20231123" in office
    assert ("Sources disagree on the date:\\n- 23 Nov 2023 [preferred]: teleSUR English\\, MercoPress "
            "(two specific reports of the ceremony)\\n- Oct 2023 [normal]: Responsible Statecraft") in office
