"""Full-text search (issue 15): one query language, the same results on SQLite and PostgreSQL.

The contract corpus below is searched on both backends through the ``archive`` fixture;
the expected ids are written out once, so a backend that disagrees fails.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from chronicle.archive import Archive
from chronicle.cli import main
from chronicle.errors import InvalidInput, TamperedLog
from chronicle.query import EventQuery
from chronicle.search import SearchQuery, words

CORPUS = [
    # id, title, date, description, actors, tags
    ("tv", "Gunmen storm TC Televisión in Guayaquil", "2024-01-09",
     "Armed men took over the studio during a live broadcast.", ["TC Televisión"], ["security"]),
    ("ruling", "Judge Amit Mehta rules Google a monopolist", "2024-08-05",
     "The court found that Google's search engine deals were exclusionary.", ["Amit Mehta", "Google"], ["antitrust"]),
    ("remedy", "DOJ asks for Chrome divestiture", "2024-11-20",
     "Proposed remedies include selling the Chrome browser; the search engine market is at stake.",
     ["Department of Justice"], ["antitrust", "remedies"]),
    ("apple", "Google–Apple default deal examined", "2023-10-02",
     "Testimony on the revenue share with Apple.", ["Apple", "Google"], ["antitrust"]),
    ("noboa", "Noboa declares an internal armed conflict", "2024-01-09",
     "Decree 111 names 22 gangs as terrorist organisations.", ["Daniel Noboa"], ["security"]),
    ("engine", "Search engines compared", "2022",
     "A monopoly in search? Engines and browsers compared.", [], []),
]

CONTRACT = [
    ("television", ["tv"]),                          # accents folded in the text
    ("TELEVISIÓN", ["tv"]),                          # … and in the query
    ("guayaquil tc", ["tv"]),                        # AND
    ('"search engine"', ["ruling", "remedy"]),       # a phrase, in order
    ('"engine search"', []),
    ("search engine", ["ruling", "remedy"]),      # whole words: "engines" is another word
    ("chrome OR apple", ["apple", "remedy"]),        # OR
    ("chrome OR apple -divestiture", ["apple"]),     # excluded
    ("monopol*", ["engine", "ruling"]),              # prefix
    ("monopol", []),                                 # whole words only
    ("google apple", ["apple"]),                     # "Google–Apple" is two words
    ('"google apple default"', ["apple"]),
    ('"deal default"', []),
    ("(armed OR gunmen) security", ["noboa", "tv"]),  # same day: by id
    ("decree 111", ["noboa"]),
    ("organisations -terrorist", []),
    ("engin*", ["engine", "ruling", "remedy"]),
]


@pytest.fixture
def corpus(archive: Archive) -> Archive:
    for event_id, title, date, description, actors, tags in CORPUS:
        archive.add(title=title, date=date, description=description, actors=actors, tags=tags,
                    unsourced=True, event_id=event_id)
    return archive


def _ids(archive: Archive, search: str, **options: object) -> list[str]:
    return [e.id for e in archive.show(EventQuery.parse(search=search, **options))]  # type: ignore[arg-type]


@pytest.mark.parametrize(("search", "expected"), CONTRACT)
def test_the_search_contract_holds_on_every_backend(corpus: Archive, search: str, expected: list[str]) -> None:
    """Timeline order by default: the same ids, in the same order, on SQLite and PostgreSQL."""
    assert _ids(corpus, search) == expected


def test_relevance_puts_title_matches_first_on_every_backend(corpus: Archive) -> None:
    # "engin*" is in the title of one event and in the description of two.
    ranked = _ids(corpus, "engin*", sort="relevance")
    assert ranked[0] == "engine"
    assert sorted(ranked) == ["engine", "remedy", "ruling"]
    assert _ids(corpus, "chrome", sort="relevance", limit=1) == ["remedy"]
    # Other filters still apply before the ranking.
    assert sorted(_ids(corpus, "engin*", sort="relevance", since="2024-06")) == ["remedy", "ruling"]
    assert _ids(corpus, "google", sort="relevance", tags=["remedies"]) == []


def test_the_index_follows_revisions_and_retractions(corpus: Archive) -> None:
    corpus.revise("tv", reason="better title", title="Studio of TC stormed on air")
    assert _ids(corpus, "gunmen") == []
    assert _ids(corpus, "stormed") == ["tv"]
    corpus.retract("tv", reason="test")
    assert _ids(corpus, "stormed") == []
    assert [e.id for e in corpus.show(EventQuery.parse(search="stormed", include_retracted=True))] == ["tv"]
    corpus.verify()


def test_the_top_of_a_ranking_is_exact_when_more_matches_tie_than_are_read(archive: Archive) -> None:
    """60 events of the same text score the same; timeline order decides between them.
    The best few read from the index (5 × limit + 50) are not enough to say which come
    first, so a shortcut that stopped there would show later events."""
    for year in range(2059, 1999, -1):  # the index meets the latest first
        archive.add(title="Dam collapse downstream", date=str(year), unsourced=True, event_id=f"dam-{year}")
    timeline = [f"dam-{year}" for year in range(2000, 2060)]
    assert _ids(archive, "dam collapse", sort="relevance", limit=1) == timeline[:1]
    assert _ids(archive, "dam", sort="relevance", limit=2, until="2004") == timeline[:2]
    assert _ids(archive, "dam", sort="relevance", limit=20) == timeline[:20]


def test_text_keeps_its_substring_meaning(corpus: Archive) -> None:
    assert [e.id for e in corpus.show(EventQuery.parse(text="monopol"))] == ["engine", "ruling"]


@pytest.mark.parametrize(("query", "message"), [
    ("-appeal", "needs at least one word that is not excluded"),
    ("a OR", "has OR without a word on both sides"),
    ("(a b", "has a '(' without a ')'"),
    ("— –", "has no words to search for"),
    ("-a OR b", "cannot offer an excluded word as an OR alternative"),
])
def test_a_bad_query_is_one_clear_line(query: str, message: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        SearchQuery.parse(query)
    assert caught.value.describe().startswith(f"--search: {query!r}: {message}")


def test_one_parser_compiles_for_both_engines() -> None:
    query = SearchQuery.parse('"Search Engine" chrome OR android -appeal monopol*')
    assert query.fts5() == '((("search engine" AND ("chrome" OR "android")) AND "monopol"*) NOT "appeal")' or \
        query.fts5() == '(("search engine" AND ("chrome" OR "android") AND "monopol"*) NOT "appeal")'
    assert query.tsquery() == "(('search' <-> 'engine') & ('chrome' | 'android') & 'monopol':* & !'appeal')"
    assert words("Televisión—Guayaquil: e-mail, Straße") == ["television", "guayaquil", "e", "mail", "strasse"]


def test_cli_search_sort_and_errors(tmp_path: Path) -> None:
    runner = CliRunner()
    db = f"sqlite:///{tmp_path / 'c.db'}"
    assert runner.invoke(main, ["--db", db, "init", "--name", "c"]).exit_code == 0
    for event_id, title, date, description, _actors, _tags in CORPUS:
        added = runner.invoke(main, ["--db", db, "add", title, "--date", date, "--description", description,
                                     "--unsourced", "--id", event_id])
        assert added.exit_code == 0, added.output
    shown = runner.invoke(main, ["--db", db, "show", "--search", "engin*", "--sort", "relevance", "--limit", "1"])
    assert shown.exit_code == 0
    assert shown.output.split()[1] == "engine"
    bad = runner.invoke(main, ["--db", db, "show", "--sort", "relevance"])
    assert bad.exit_code == 2
    assert bad.output == "chronicle: error: --sort: 'relevance': needs --search QUERY to rank by\n"
    as_of = runner.invoke(main, ["--db", db, "show", "--search", "engine", "--as-of", "2026-01-01T00:00Z"])
    assert as_of.exit_code == 2 and "searches the current text only" in as_of.output


def test_verify_finds_a_damaged_index_and_upgrade_rebuild_repairs_it(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'd.db'}"
    archive = Archive.init(url=url, name="d")
    archive.add(title="Gunmen storm the studio", date="2024-01-09", unsourced=True)
    archive.add(title="Second event", date="2024-01-10", unsourced=True)
    head = archive.verify().head_hash
    archive.close()
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("UPDATE event_search SET body = 'nothing' WHERE rowid = 1"))
    engine.dispose()
    runner = CliRunner()
    broken = runner.invoke(main, ["--db", url, "verify"])
    assert broken.exit_code == 1
    assert ("event gunmen-storm-the-studio: its row in the search index has body = 'nothing', "
            "a replay of the log gives 'gunmen storm the studio'") in broken.output
    repaired = runner.invoke(main, ["--db", url, "upgrade", "--rebuild"])
    assert repaired.exit_code == 0, repaired.output
    verified = runner.invoke(main, ["--db", url, "verify"])
    assert verified.output == f"ok: 2 entries, 2 events, head {head}\n"


def test_an_upgraded_archive_is_searchable(tmp_path: Path) -> None:
    """The schema-4 migration fills the index of an archive made before it existed."""
    fixture = Path(__file__).resolve().parent / "fixtures" / "schema_v1" / "chronicle.db"
    path = tmp_path / "old.db"
    shutil.copyfile(fixture, path)
    url = f"sqlite:///{path}"
    runner = CliRunner()
    assert runner.invoke(main, ["--db", url, "upgrade"]).exit_code == 0
    archive = Archive.open(url)
    try:
        some = next(iter(archive.show()))
        found = [e.id for e in archive.show(EventQuery.parse(search=f'"{some.title}"'))]
        assert some.id in found
        archive.verify()
    finally:
        archive.close()
    assert make_url(url).database == str(path)


def test_verify_raises_typed_error(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'e.db'}"
    archive = Archive.init(url=url, name="e")
    archive.add(title="One", date="2024", unsourced=True)
    archive.close()
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM event_search"))
    engine.dispose()
    archive = Archive.open(url)
    with pytest.raises(TamperedLog, match=r"event one: no row in the search index .*\(missing from event_search\)"):
        archive.verify()
    archive.close()


#: Damage to the index (``{key}``: its key column on this backend) and what ``verify`` names:
#: (event, column or None). The archive: event-0 … event-7 (first records 1–8), event-0
#: revised at record 9, a source defined at record 10.
INDEX_DAMAGE = {
    "stray, on a source's record": ("INSERT INTO event_search ({key}, event_id, body, title) "
                                    "VALUES (10, 'cne', 'cne', 'cne')", ("cne", None)),
    "body": ("UPDATE event_search SET body = 'nothing' WHERE {key} = 4", ("event-3", "event_search.body")),
    "title": ("UPDATE event_search SET title = 'nothing' WHERE {key} = 6", ("event-5", "event_search.title")),
    "event_id": ("UPDATE event_search SET event_id = 'event-9' WHERE {key} = 3", ("event-2", "event_search.event_id")),
    "missing": ("DELETE FROM event_search WHERE {key} = 7", ("event-6", None)),
    "stray, no such record": ("INSERT INTO event_search ({key}, event_id, body, title) "
                              "VALUES (99, 'ghost', 'ghost', 'ghost')", ("ghost", None)),
    "stray, on a later record": ("INSERT INTO event_search ({key}, event_id, body, title) "
                                 "VALUES (9, 'event-0', 'event zero', 'event zero')", ("event-0", None)),
    "old words": ("UPDATE event_search SET body = 'event 0', title = 'event 0' WHERE {key} = 1",
                  ("event-0", "event_search.body")),
}


@pytest.mark.parametrize("workers", [1, 3])
@pytest.mark.parametrize("damage", sorted(INDEX_DAMAGE))
def test_verify_names_the_event_of_every_damaged_index_row(archive: Archive, damage: str, workers: int) -> None:
    """The index is checked inside the parallel replay, whatever the split: each damage
    is found and the event named (a check removed lets one of these pass)."""
    from chronicle.errors import ProjectionMismatch
    from chronicle.model import make_source
    from chronicle.store import check_projection

    for number in range(8):
        archive.add(title=f"Event {number}", date=f"{2000 + number}", unsourced=True)
    archive.revise("event-0", reason="later", title="Event zero")
    archive.add_source("cne", make_source("https://example.org/cne", publisher="CNE"))
    check_projection(archive.store, workers=workers)
    statement, (event_id, column) = INDEX_DAMAGE[damage]
    key = "rowid" if archive.store.engine.dialect.name == "sqlite" else "seq"
    with archive.store.engine.begin() as conn:
        conn.execute(text(statement.format(key=key)))
    with pytest.raises(ProjectionMismatch) as caught:
        check_projection(archive.store, workers=workers)
    assert (caught.value.event_id, caught.value.column) == (event_id, column), caught.value.message
    assert "search index" in caught.value.message
