"""Facets and forgiving filters (issue 15): what the archive holds, with counts; --actor by
part of a name, --tag and --actor ignoring case and accents, --any-tag for OR."""

from __future__ import annotations

import json

from click.testing import CliRunner

from chronicle.archive import Archive
from chronicle.cli import main
from chronicle.model import make_source
from chronicle.query import EventQuery


def _fill(archive: Archive) -> None:
    add = archive.add
    add(title="Ruling", date="2024-08-05", actors=["Judge Amit Mehta", "Google"], tags=["Antitrust"],
        place="Washington", sources=[make_source("https://www.example.org/ruling/", publisher="AP")], event_id="r")
    add(title="Remedies", date="2024-11-20", actors=["judge amit mehta"], tags=["antitrust", "Remedies"],
        place="Washington", sources=[make_source("https://example.org/ruling", publisher="AP")], event_id="m")
    add(title="Attack", date="2024-01-09", actors=["TC Televisión"], tags=["Security"], place="Guayaquil",
        unsourced=True, event_id="a")


def _ids(archive: Archive, **filters: object) -> list[str]:
    return [e.id for e in archive.show(EventQuery.parse(**filters))]  # type: ignore[arg-type]


def test_actor_and_tag_filters_forgive_case_accents_and_parts(archive: Archive) -> None:
    _fill(archive)
    assert _ids(archive, actors=["Mehta"]) == ["r", "m"]
    assert _ids(archive, actors=["amit MEHTA"]) == ["r", "m"]
    assert _ids(archive, actors=["Meh"]) == []                # whole words only
    assert _ids(archive, actors=["tc television"]) == ["a"]
    assert _ids(archive, tags=["ANTITRUST"]) == ["r", "m"]
    assert _ids(archive, tags=["antitrust", "remedies"]) == ["m"]
    assert _ids(archive, any_tags=["security", "remedies"]) == ["a", "m"]
    assert _ids(archive, any_tags=["security"], tags=["antitrust"]) == []


def test_facet_commands_count_events(archive: Archive) -> None:
    _fill(archive)
    url = archive.store.url
    runner = CliRunner()
    actors = runner.invoke(main, ["--db", url, "actors"])
    assert actors.exit_code == 0, actors.output
    assert actors.output == "2  Judge Amit Mehta\n1  Google\n1  TC Televisión\n"
    tags = runner.invoke(main, ["--db", url, "tags", "--format", "json"])
    assert json.loads(tags.output) == [
        {"value": "Antitrust", "count": 2, "spellings": ["antitrust"]},
        {"value": "Remedies", "count": 1},
        {"value": "Security", "count": 1},
    ]
    places = runner.invoke(main, ["--db", url, "places", "--since", "2024-06"])
    assert places.output == "2  Washington\n"
    sources = runner.invoke(main, ["--db", url, "sources", "--format", "json"])
    assert json.loads(sources.output) == [{"value": "AP", "count": 2, "url": "https://www.example.org/ruling/"}]
    empty = runner.invoke(main, ["--db", url, "tags", "--actor", "nobody"])
    assert empty.exit_code == 0 and empty.output == ""
