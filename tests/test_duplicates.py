"""Duplicates (issue 15): found with a score, refused at `add`, merged by appending records."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from chronicle.archive import Archive
from chronicle.cli import main
from chronicle.dates import parse_span
from chronicle.duplicates import Candidate, day_number, find_duplicates, normal_url, score
from chronicle.errors import Conflict, LikelyDuplicate
from chronicle.merging import add_event, archive_duplicates, merge
from chronicle.model import Kind, make_source
from chronicle.query import EventQuery


def _candidate(event_id: str, title: str, date: str, *urls: str) -> Candidate:
    span = parse_span(date)
    return Candidate(event_id, title, day_number(span.earliest_instant), day_number(span.latest_instant),
                     tuple(normal_url(u) for u in urls))


def test_reworded_titles_and_shifted_precision_are_found() -> None:
    events = [
        _candidate("a", "Police arrest the mayor of Esmeraldas", "2024-03-14"),
        _candidate("b", "Mayor of Esmeraldas arrested by police", "2024-03"),        # reworded, month
        _candidate("c", "Police arrest the mayor of Manta", "2021-06-02"),           # other place, other year
        _candidate("d", "Floods close the coastal highway", "2024-03-14"),           # same day, other event
        _candidate("e", "Court hearing postponed", "2023-01-10", "https://www.ex.org/story/"),
        _candidate("f", "Hearing in court delayed again", "2023-01-11", "http://ex.org/story"),
    ]
    pairs = find_duplicates(events)
    by_pair = {(p.first, p.second): p for p in pairs}
    assert set(by_pair) == {("a", "b"), ("e", "f")}
    assert by_pair["e", "f"].reasons[:2] == ("same source URL", "dates a day apart")
    assert by_pair["a", "b"].reasons[0] == "dates overlap"


def test_a_shared_url_alone_is_not_enough() -> None:
    far = score(_candidate("a", "Decree on mining", "2020-01-01", "https://x.org/a"),
                _candidate("b", "Strike in Quito", "2023-05-01", "https://x.org/a"))
    assert far.score < 0.5


def test_add_refuses_a_likely_duplicate_and_merge_joins_them(archive: Archive) -> None:
    keep = archive.add(title="Judge Mehta rules Google a monopolist", date="2024-08-05", tags=["antitrust"],
                       sources=[make_source("https://example.org/ruling")])
    fields = {"title": "Google ruled a monopolist by Judge Mehta", "date": "Aug 2024", "actors": ["Amit Mehta"],
              "tags": ["Antitrust", "courts"], "sources": [make_source("https://other.org/x")]}
    with pytest.raises(LikelyDuplicate) as refused:
        add_event(archive, **fields)
    assert keep in refused.value.describe()
    assert archive.count() == 1
    duplicate = add_event(archive, allow_duplicate=True, **fields)
    assert [(p.first, p.second) for p in archive_duplicates(archive)] == [tuple(sorted((keep, duplicate)))]

    merged = merge(archive, keep, duplicate, reason="Same ruling, two reports")
    assert merged.id == keep
    assert merged.tags == ("antitrust", "courts")         # "Antitrust" is the tag it had
    assert merged.actors == ("Amit Mehta",)
    assert [s.url for s in merged.sources] == ["https://example.org/ruling", "https://other.org/x"]
    assert archive.get(duplicate).id == keep               # the duplicate's id resolves to the kept event
    assert [e.id for e in archive.show()] == [keep]
    assert [e.id for e in archive.show(EventQuery(include_retracted=True))] == [keep]
    kinds = [r.kind for r in archive.history(duplicate)]
    assert kinds == [Kind.RECORDED, Kind.MERGED]
    assert all("Same ruling, two reports" in (r.reason or "") for r in archive.history(keep) if r.seq > 1)
    assert archive_duplicates(archive) == []
    with pytest.raises(Conflict, match="was merged into"):
        merge(archive, keep, duplicate, reason="again")
    archive.verify()


def test_merge_and_duplicates_on_the_command_line(tmp_path: object) -> None:
    runner = CliRunner()
    db = f"sqlite:///{tmp_path}/m.db"

    def run(*args: str) -> tuple[int, str]:
        result = runner.invoke(main, ["--db", db, *args])
        return result.exit_code, result.output

    run("init", "--name", "m")
    assert run("add", "Gunmen storm TC Television studio", "--date", "2024-01-09", "--unsourced",
               "--id", "tv")[0] == 0
    code, output = run("add", "TC Television studio stormed by gunmen", "--date", "2024-01-09", "--unsourced")
    assert code == 1
    assert output.startswith("chronicle: error: add: 'TC Television studio stormed by gunmen': looks like tv ")
    assert "--allow-duplicate" in output
    assert run("add", "TC Television studio stormed by gunmen", "--date", "2024-01-09", "--unsourced",
               "--allow-duplicate", "--id", "tv2") == (0, "tv2\n")
    code, output = run("duplicates", "--format", "json")
    assert code == 0
    assert [(p["first"], p["second"]) for p in json.loads(output)] == [("tv", "tv2")]
    assert run("merge", "tv", "tv2") [0] == 2                      # --reason is required
    code, output = run("merge", "tv", "tv2", "--reason", "same attack")
    assert (code, output) == (0, "tv: merged, now 0 source(s), revision 1\n")
    code, output = run("show", "tv2", "--format", "json")
    assert json.loads(output)["id"] == "tv"
    assert run("duplicates") == (0, "")
    code, output = run("export", "--format", "json", "-o", f"{tmp_path}/out.json")
    assert code == 0, output
    exported = json.loads(Path(f"{tmp_path}/out.json").read_text(encoding="utf-8"))
    assert [e["id"] for e in exported["events"]] == ["tv"]


def test_a_merge_shows_in_the_corrections_feed(tmp_path: Path) -> None:
    from chronicle.feed import corrections_atom

    archive = Archive.init(url=f"sqlite:///{tmp_path / 'f.db'}", name="f")
    try:
        archive.add(title="Storm hits coast", date="2024-02-01", unsourced=True, event_id="a")
        archive.add(title="Coast hit by storm", date="2024-02-01", unsourced=True, event_id="b")
        merge(archive, "a", "b", reason="One storm")
        feed = corrections_atom(archive, base_url="https://example.org/")
        assert "Merged into another event (a duplicate): " in feed
        assert "One storm" in feed
    finally:
        archive.close()
