"""Hostile text in every exported field of every format; retracted events under every filter.

One hostile string — markup, quotes, an iCalendar line break with a forged property, a
formula, a bidi override — goes into every field a user can fill (title, description,
place, tags, actors, source title/publisher/quote, author, revision reasons), and every
export is read back with a real parser: the text comes back as text, nothing is injected.
"""

from __future__ import annotations

import csv
import io
import json
import time
from datetime import UTC, datetime
from html.parser import HTMLParser
from pathlib import Path

import icalendar
import pytest

from chronicle.archive import Archive
from chronicle.exporting import export
from chronicle.formats.csv_format import unneutralise
from chronicle.importing import import_file
from chronicle.model import make_source
from chronicle.query import EventQuery
from tests.conftest import SEED, run_chronicle

HOSTILE = "<script>window.__pwned=1</script>\"'&amp;\r\nX-INJECTED:1\n=1+1;=2+2\u202eevil"
#: An author is one printable line (``check_author``): the same attack without line breaks or bidi controls.
HOSTILE_LINE = "<script>window.__pwned=1</script>\"'&amp;X-INJECTED:1=1+1;=2+2"


class Tags(HTMLParser):
    """Every start tag and attribute of a page."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.attributes: list[tuple[str, str | None]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.attributes.extend(attrs)


def hostile_archive(directory: Path) -> Archive:
    directory.mkdir(exist_ok=True)
    archive = Archive.init(directory, name="hostile", author=f"author {HOSTILE_LINE}")
    source = make_source("https://example.org/a", title=f"st {HOSTILE}", publisher=f"pub {HOSTILE}",
                         quote=f"q {HOSTILE}")
    archive.add(title=f"title {HOSTILE}", date="2024-05", description=f"d {HOSTILE}", place=f"p {HOSTILE}",
                tags=["t1", f"tag {HOSTILE}"], actors=[f"actor {HOSTILE}"], sources=[source], event_id="h")
    archive.revise("h", reason=f"reason {HOSTILE}", place="Quito")
    return archive


def exported(archive: Archive, fmt: str, path: Path, **options: object) -> str:
    export(archive, fmt, EventQuery(), str(path), dict(options))
    return path.read_bytes().decode("utf-8")  # exact line ends: a CR inside a cell is data


def test_html_shows_every_field_as_text(tmp_path: Path) -> None:
    archive = hostile_archive(tmp_path / "a")
    page = exported(archive, "html", tmp_path / "p.html")
    (tmp_path / "c").mkdir()
    clean = Archive.init(tmp_path / "c", name="clean")
    clean.add(title="title", date="2024-05", description="d", place="p", tags=["t1", "tag"], actors=["actor"],
              sources=[make_source("https://example.org/a", title="st", publisher="pub", quote="q")], event_id="h")
    clean.revise("h", reason="reason", place="Quito")
    plain = exported(clean, "html", tmp_path / "c.html")
    hostile_tags, plain_tags = Tags(), Tags()
    hostile_tags.feed(page)
    plain_tags.feed(plain)
    assert hostile_tags.tags == plain_tags.tags  # no element was injected
    assert "<script>window" not in page and "X-INJECTED" not in " ".join(v or "" for _, v in hostile_tags.attributes
                                                                         if _ in ("href", "src"))
    for field in ("title", "d", "actor", "st", "pub", "q"):
        assert f"{field} &lt;script&gt;window.__pwned=1&lt;/script&gt;&#34;&#39;&amp;amp;" in page, field


def test_icalendar_keeps_every_field_in_its_property(tmp_path: Path) -> None:
    archive = hostile_archive(tmp_path / "a")
    text = exported(archive, "ics", tmp_path / "x.ics")
    calendar = icalendar.Calendar.from_ical(text)
    events = list(calendar.walk("VEVENT"))
    assert len(events) == 1
    names = {name for component in calendar.walk() for name in component}
    assert "X-INJECTED" not in names
    event = archive.get("h")
    # SUMMARY carries the honest date after the title (the default ``start`` policy).
    assert "X-INJECTED:1" in event.title
    assert str(events[0]["SUMMARY"]) == f"{event.title} (May 2024)"
    assert str(events[0]["LOCATION"]) == event.place
    assert str(events[0]["DESCRIPTION"]).startswith(event.description.replace("\r\n", "\n"))


def test_json_jsonl_and_csv_give_every_field_back(tmp_path: Path) -> None:
    archive = hostile_archive(tmp_path / "a")
    event = archive.get("h")
    document = json.loads(exported(archive, "json", tmp_path / "x.json"))
    (item,) = document["events"]
    assert item["title"] == event.title and item["actors"] == list(event.actors)
    assert item["sources"][0]["quote"] == event.sources[0].quote
    records = [json.loads(line) for line in exported(archive, "jsonl", tmp_path / "x.jsonl").splitlines()]
    assert {r["author"] for r in records} == {f"author {HOSTILE_LINE}"}
    assert records[-1]["reason"] == f"reason {HOSTILE}"
    sources = tmp_path / "s.csv"
    rows = list(csv.DictReader(io.StringIO(exported(archive, "csv", tmp_path / "x.csv", sources_file=sources),
                                           newline="")))
    assert [unneutralise(rows[0][c]) for c in ("title", "description", "place")] == \
        [event.title, event.description, event.place]
    (side,) = csv.DictReader(io.StringIO(sources.read_bytes().decode("utf-8"), newline=""))
    assert unneutralise(side["publisher"]) == event.sources[0].publisher


# -- retracted events under every filter and export path ---------------------------------

FILTERS = [
    {}, {"since": "2025"}, {"until": "2025-12"}, {"tags": ["elections"]}, {"since": "2025", "until": "2025"},
    {"since": "2024", "tags": ["elections"]}, {"text": "runoff"}, {"actors": ["Daniel Noboa"]},
]


@pytest.fixture(scope="module")
def retracted(tmp_path_factory: pytest.TempPathFactory) -> tuple[Archive, str, str]:
    """The seed with ``runoff-2025`` retracted; a time (to the second, as users type it)
    before the retraction and one after it."""
    directory = tmp_path_factory.mktemp("retracted")
    archive = Archive.init(directory, name="r")
    import_file(archive, SEED)
    time.sleep(1.05)
    before = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    time.sleep(1.05)
    archive.retract("runoff-2025", reason="test")
    time.sleep(1.05)
    return archive, before, datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def ids_in(archive: Archive, fmt: str, query: EventQuery, tmp_path: Path) -> set[str]:
    path = tmp_path / f"out.{fmt}"
    text = exported_query(archive, fmt, query, path)
    if fmt == "json":
        return {e["id"] for e in json.loads(text)["events"]}
    if fmt == "csv":
        return {row["id"] for row in csv.DictReader(io.StringIO(text, newline=""))}
    if fmt == "ics":
        return {str(e["UID"]).split("@")[0] for e in icalendar.Calendar.from_ical(text).walk("VEVENT")}
    return {part.split('"')[0] for part in text.split('id="event-')[1:]}


def exported_query(archive: Archive, fmt: str, query: EventQuery, path: Path) -> str:
    export(archive, fmt, query, str(path), {})
    return path.read_bytes().decode("utf-8")


@pytest.mark.parametrize("fmt", ["show", "json", "csv", "ics", "html"])
@pytest.mark.parametrize("filters", FILTERS, ids=[",".join(f) or "none" for f in FILTERS])
def test_a_retracted_event_is_left_out_under_every_filter(retracted: tuple[Archive, str, str], tmp_path: Path,
                                                           fmt: str, filters: dict[str, object]) -> None:
    archive, before, after = retracted

    def ids(**extra: object) -> set[str]:
        query = EventQuery.parse(**filters, **extra)  # type: ignore[arg-type]
        if fmt == "show":
            return {e.id for e in archive.show(query)}
        return ids_in(archive, fmt, query, tmp_path)

    matching_before = ids(as_of=before)
    assert "runoff-2025" in matching_before or filters.get("actors")  # the filters do select it
    assert "runoff-2025" not in ids()
    assert "runoff-2025" not in ids(as_of=after)
    assert ids() == matching_before - {"runoff-2025"}
    if "runoff-2025" in matching_before:
        assert "runoff-2025" in ids(include_retracted=True)


def test_restored_events_come_back_everywhere(tmp_path: Path) -> None:
    archive = Archive.init(tmp_path, name="r")
    import_file(archive, SEED)
    archive.retract("runoff-2025", reason="test")
    archive.restore("runoff-2025", reason="confirmed")
    for fmt in ("json", "csv", "ics", "html"):
        assert "runoff-2025" in ids_in(archive, fmt, EventQuery.parse(since="2025", tags=["elections"]), tmp_path)
    shown = run_chronicle("--db", archive.store.url, "show", "--since", "2025", "--tag", "elections", cwd=tmp_path)
    assert "runoff-2025" in shown.stdout
