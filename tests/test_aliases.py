"""Actor aliases (issue 15): "Judge Amit Mehta" and "Mehta, Amit" recorded as one actor.

What a user notices: ``--actor`` with any name of the actor finds every event that names
it by any of its names; ``chronicle actors`` counts the actor once, under its canonical
name, with its aliases; the events and their exports keep the names their sources used;
each alias is a log record with author, time and reason, replayed from a backup, checked
by ``verify``, and taken back by appending, never by deleting. Both backends.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from chronicle.aliases import ALIAS_LOG_ID
from chronicle.archive import Archive
from chronicle.cli import main
from chronicle.errors import Conflict, InvalidInput, TamperedLog
from chronicle.exporting import export
from chronicle.importing import import_file
from chronicle.model import Draft, Kind, Provenance, make_source
from chronicle.query import EventQuery
from tests.conftest import archive_bytes


def _fill(archive: Archive) -> None:
    add = archive.add
    add(title="Ruling", date="2024-08-05", actors=["Judge Amit Mehta", "Google"],
        sources=[make_source("https://example.org/1")], event_id="ruling")
    add(title="Hearing", date="2024-09-05", actors=["Mehta, Amit"], sources=[make_source("https://example.org/2")],
        event_id="hearing")
    add(title="Remedies", date="2025-09-02", actors=["Amit Mehta"], sources=[make_source("https://example.org/3")],
        event_id="remedies")
    add(title="Keynote", date="2025-10-02", actors=["Sundar Pichai", "Google"],
        sources=[make_source("https://example.org/4")], event_id="keynote")


def _ids(archive: Archive, *actors: str) -> list[str]:
    return [e.id for e in archive.show(EventQuery.parse(actors=list(actors)))]


def test_an_alias_makes_every_name_of_the_actor_match(archive: Archive) -> None:
    _fill(archive)
    assert _ids(archive, "Mehta, Amit") == ["hearing"]          # before: exact names only
    archive.alias_actor("Judge Amit Mehta", "Amit Mehta", reason="The same judge, with his title")
    # An alias of an alias is recorded against the group's canonical name.
    second = archive.alias_actor("mehta,  amit", "judge amit mehta", reason="Surname first in filings")
    assert (second.name, second.canonical) == ("mehta, amit", "Amit Mehta")
    everyone = ["ruling", "hearing", "remedies"]
    for name in ("Mehta, Amit", "Amit Mehta", "JUDGE AMIT MEHTA", "Mehta"):
        assert _ids(archive, name) == everyone, name
    assert _ids(archive, "Google") == ["ruling", "keynote"]    # other actors untouched
    assert _ids(archive, "Mehta, Amit", "Google") == ["ruling"]  # filters still combine with AND
    assert archive.count(EventQuery.parse(actors=["mehta, amit"])) == 3
    # The events keep the names their sources used.
    assert archive.get("hearing").actors == ("Mehta, Amit",)
    groups = archive.actor_aliases().groups()
    assert groups == {"Amit Mehta": ("Judge Amit Mehta", "mehta, amit")}


def test_actors_lists_the_canonical_name_with_its_aliases(archive: Archive, runner: CliRunner) -> None:
    _fill(archive)
    url = archive.store.url
    before = runner.invoke(main, ["--db", url, "actors"])
    assert before.output.splitlines()[0] == "2  Google"
    recorded = runner.invoke(main, ["--db", url, "alias", "Judge Amit Mehta", "Amit Mehta",
                                    "--reason", "Same judge"])
    assert recorded.exit_code == 0, recorded.output
    assert recorded.output == "Judge Amit Mehta: alias of Amit Mehta recorded\n"
    runner.invoke(main, ["--db", url, "alias", "Mehta, Amit", "Amit Mehta", "--reason", "Surname first"])
    table = runner.invoke(main, ["--db", url, "actors"])
    assert table.exit_code == 0, table.output
    assert table.output == ("3  Amit Mehta  (also: Judge Amit Mehta; Mehta, Amit)\n"
                            "2  Google\n1  Sundar Pichai\n")
    as_json = json.loads(runner.invoke(main, ["--db", url, "actors", "--format", "json"]).output)
    assert as_json[0] == {"value": "Amit Mehta", "count": 3, "aliases": ["Judge Amit Mehta", "Mehta, Amit"]}
    assert as_json[1] == {"value": "Google", "count": 2}
    # The filters of `show` narrow the count, and --actor takes any name of the group.
    narrowed = runner.invoke(main, ["--db", url, "actors", "--actor", "Mehta, Amit", "--since", "2025"])
    assert narrowed.output == "1  Amit Mehta  (also: Judge Amit Mehta; Mehta, Amit)\n"
    listing = runner.invoke(main, ["--db", url, "aliases", "--format", "json"])
    entries = json.loads(listing.output)
    assert [(e["name"], e["canonical"], e["reason"]) for e in entries] == [
        ("Judge Amit Mehta", "Amit Mehta", "Same judge"), ("Mehta, Amit", "Amit Mehta", "Surname first"),
    ]
    assert all(e["author"] and e["recorded_at"] for e in entries)
    table_listing = runner.invoke(main, ["--db", url, "aliases"]).output.splitlines()
    assert table_listing[0] == "Amit Mehta"
    assert table_listing[1].startswith("  = Judge Amit Mehta  (by ") and table_listing[1].endswith(": Same judge)")


def test_exports_keep_the_stored_names(archive: Archive, tmp_path: Path) -> None:
    _fill(archive)
    before = tmp_path / "before.csv"
    export(archive, "csv", EventQuery(), str(before), {})
    archive.alias_actor("Mehta, Amit", "Amit Mehta", reason="Surname first")
    after = tmp_path / "after.csv"
    export(archive, "csv", EventQuery(), str(after), {})
    assert after.read_bytes() == before.read_bytes()
    # An export filtered by actor takes the whole group.
    some = tmp_path / "some.csv"
    export(archive, "csv", EventQuery.parse(actors=["Amit Mehta"]), str(some), {})
    text = some.read_text(encoding="utf-8")
    assert "Mehta, Amit" in text and "Remedies" in text and "Keynote" not in text


def test_an_alias_is_an_append_only_record_that_can_be_taken_back(archive: Archive) -> None:
    _fill(archive)
    head = archive.head()
    archive.alias_actor("Mehta, Amit", "Amit Mehta", reason="Surname first")
    removed = archive.unalias_actor("MEHTA, AMIT", reason="A different Amit Mehta, a lawyer")
    assert removed.name == "Mehta, Amit"
    assert _ids(archive, "Amit Mehta") == ["ruling", "remedies"]  # "Judge Amit Mehta" by its words
    assert not archive.actor_aliases()
    records = list(archive.log(after=head.count))
    assert [(r.event_id, r.kind, r.payload, r.reason) for r in records] == [
        (ALIAS_LOG_ID, Kind.ALIASED, {"name": "Mehta, Amit", "canonical": "Amit Mehta"}, "Surname first"),
        (ALIAS_LOG_ID, Kind.UNALIASED, {"name": "Mehta, Amit"}, "A different Amit Mehta, a lawyer"),
    ]
    # The corrections feed tells both, by name.
    from chronicle.feed import corrections_atom

    feed = corrections_atom(archive, base_url="https://example.org")
    assert "<title>Actor alias recorded: Mehta, Amit</title>" in feed
    assert "<title>Actor alias removed: Mehta, Amit</title>" in feed
    # Records before the aliases are untouched: the chain goes on from the same head.
    assert records[0].prev_hash == head.hash
    report = archive.verify()
    assert report.entries == head.count + 2 and report.events == 4


def test_refusals_change_nothing(sqlite_dir: Path, runner: CliRunner) -> None:
    archive = Archive.open(f"sqlite:///{sqlite_dir / 'events' / 'chronicle.db'}")
    _fill(archive)
    archive.alias_actor("Judge Amit Mehta", "Amit Mehta", reason="Same judge")
    with pytest.raises(Conflict, match="alias of Amit Mehta already"):
        archive.alias_actor("judge amit mehta", "Google", reason="wrong")
    with pytest.raises(InvalidInput, match="same actor"):
        archive.alias_actor("Amit Mehta", "Judge Amit Mehta", reason="a loop")
    with pytest.raises(InvalidInput, match="not an alias"):
        archive.unalias_actor("Google", reason="never was")
    archive.close()
    db = f"sqlite:///{sqlite_dir / 'events' / 'chronicle.db'}"
    digest = archive_bytes(sqlite_dir)
    for args in (["alias", "Amit Mehta", "Amit  MEHTA", "--reason", "itself"],
                 ["alias", "Judge Amit Mehta", "Google", "--reason", "taken"],
                 ["alias", "X", "Y", "--reason", "  "],
                 ["alias", "  ", "Y", "--reason", "empty name"],
                 ["alias", "--remove", "Sundar Pichai", "--reason", "not one"],
                 ["alias", "Only one name", "--reason", "no canonical"]):
        result = runner.invoke(main, ["--db", db, *args])
        assert result.exit_code != 0, args
        last = result.output.strip().splitlines()[-1]
        assert last.startswith(("Error:", "chronicle: error:")) and "Traceback" not in result.output, result.output
    assert archive_bytes(sqlite_dir) == digest


def test_a_backup_replays_the_aliases(archive: Archive, tmp_path: Path) -> None:
    _fill(archive)
    archive.alias_actor("Mehta, Amit", "Amit Mehta", reason="Surname first")
    backup = tmp_path / "backup.jsonl"
    export(archive, "jsonl", EventQuery(), str(backup), {})
    copy = Archive.init(tmp_path / "copy", name="copy")
    import_file(copy, backup)
    assert copy.verify().head_hash == archive.verify().head_hash
    assert copy.actor_aliases().groups() == {"Amit Mehta": ("Mehta, Amit",)}
    assert _ids(copy, "Amit Mehta") == ["ruling", "hearing", "remedies"]


def test_verify_replays_the_aliases(archive: Archive) -> None:
    """Alias records that contradict each other (possible only by writing around the
    archive's checks, e.g. a forged and re-hashed log) fail ``verify``."""
    _fill(archive)
    archive.store.append([Draft(ALIAS_LOG_ID, Kind.UNALIASED, {"name": "Google"},
                                Provenance("forger", "test", "never aliased"))])
    with pytest.raises(TamperedLog, match="actor aliases"):
        archive.verify()
