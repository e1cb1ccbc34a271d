"""A retracted event never shows where it should not: every filter, every export, any time.

Issue 16: skipping the retracted-status filter when ``--since`` is given survived the
whole suite. Here one timeline — an active event, a retracted one, a retracted *wide*
one (found through its own index under ``--since``), and one retracted and then
restored — is read through ``show``, ``count`` and every export, under ``--since``,
``--until``, ``--tag``, ``--actor``, ``--text`` and their combinations, now and
``--as-of`` before the retraction, between retraction and restore, and after.
"""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import icalendar
import pytest
from click.testing import CliRunner

import chronicle.store.writer
from chronicle.archive import Archive
from chronicle.cli import main
from chronicle.query import EventQuery

TITLES = {
    "alive": "Alive curfew in Guayaquil",
    "gone": "Gone curfew in Quito",
    "gone-wide": "Wide gone curfew years",
    "back": "Back curfew in Cuenca",
}
COMMON: dict[str, Any] = {"tags": ["security"], "actors": ["Daniel Noboa"], "unsourced": True}

#: Filters as typed on the command line; every event of the timeline matches each, so
#: what is listed depends only on status and time.
FILTERS = [
    [],
    ["--since", "2024"],
    ["--until", "2024-12"],
    ["--tag", "security"],
    ["--actor", "Daniel Noboa"],
    ["--text", "curfew"],
    ["--since", "2024-02", "--until", "2024-12", "--tag", "security"],
    ["--since", "2019", "--text", "curfew", "--actor", "Daniel Noboa"],
]
#: What each moment's archive lists (the events it then held and did not call retracted).
MOMENTS = {
    None: {"alive", "back"},                       # now: back was restored
    "2026-01-02": {"alive", "gone", "gone-wide", "back"},  # before any retraction
    "2026-01-04": {"alive"},                       # after the retractions, before the restore
}


@pytest.fixture
def timeline(archive: Archive, monkeypatch: pytest.MonkeyPatch) -> Archive:
    moment = [datetime(2026, 1, 1, 12, tzinfo=UTC)]

    class _Pinned(datetime):
        @classmethod
        def now(cls, tz: Any = None) -> Any:
            return moment[0]

    monkeypatch.setattr(chronicle.store.writer, "datetime", _Pinned)
    archive.add(title=TITLES["alive"], date="2024-03", event_id="alive", **COMMON)
    archive.add(title=TITLES["gone"], date="2024-05", event_id="gone", **COMMON)
    archive.add(title=TITLES["gone-wide"], date="2020", end="2025", event_id="gone-wide", **COMMON)
    archive.add(title=TITLES["back"], date="2024-06", event_id="back", **COMMON)
    moment[0] += timedelta(days=2)
    for event_id in ("gone", "gone-wide", "back"):
        archive.retract(event_id, reason="not confirmed")
    moment[0] += timedelta(days=2)
    archive.restore("back", reason="confirmed after all")
    return archive


def _expected(as_of: str | None) -> set[str]:
    return MOMENTS[as_of]


def _ids_in_text(text: str) -> set[str]:
    return {key for key, title in TITLES.items() if title in text}


@pytest.mark.parametrize("as_of", list(MOMENTS), ids=["now", "before-retraction", "retracted"])
@pytest.mark.parametrize("filters", FILTERS, ids=[" ".join(f) or "no-filter" for f in FILTERS])
def test_retracted_events_show_nowhere(timeline: Archive, filters: list[str], as_of: str | None,
                                       tmp_path: Path) -> None:
    expected = _expected(as_of)
    args = [*filters, *(["--as-of", as_of] if as_of else [])]
    options = dict(zip(filters[::2], filters[1::2], strict=True))
    query = EventQuery.parse(
        since=options.get("--since"), until=options.get("--until"),
        tags=[options["--tag"]] if "--tag" in options else [],
        actors=[options["--actor"]] if "--actor" in options else [],
        text=options.get("--text"), as_of=as_of,
    )
    assert {e.id for e in timeline.show(query)} == expected
    assert timeline.count(query) == len(expected)

    runner = CliRunner()
    url = timeline.store.url

    def run(*command: str) -> str:
        out = tmp_path / "out"
        if command[0] == "export":
            command = (*command, "-o", str(out))
        result = runner.invoke(main, ["--db", url, *command, *args])
        assert result.exit_code == 0, result.output
        return out.read_text(encoding="utf-8") if command[0] == "export" else result.output

    assert {e["id"] for e in json.loads(run("show", "--format", "json"))} == expected
    assert {e["id"] for e in json.loads(run("export", "--format", "json"))["events"]} == expected
    assert {row["id"] for row in csv.DictReader(io.StringIO(run("export", "--format", "csv")))} == expected
    assert _ids_in_text(run("export", "--format", "html")) == expected
    # A calendar keeps subscribers right: a retraction it once showed comes as CANCELLED.
    calendar = icalendar.Calendar.from_ical(run("export", "--format", "ics"))
    confirmed = [str(c.get("SUMMARY")) for c in calendar.walk("VEVENT") if str(c.get("STATUS")) != "CANCELLED"]
    assert _ids_in_text("\n".join(confirmed)) == expected
    assert _ids_in_text(run("export", "--format", "ics", "--omit-retracted")) == expected


def test_include_retracted_lists_them_all(timeline: Archive) -> None:
    for since in ("2024", "2025", None):
        query = EventQuery.parse(since=since, include_retracted=True)
        assert {e.id for e in timeline.show(query)} == (
            {"alive", "gone", "gone-wide", "back"} if since != "2025" else {"gone-wide"})
    assert {e.id for e in timeline.show(EventQuery.parse(since="2025"))} == set()


def test_restore_brings_an_event_back_with_a_later_record(timeline: Archive) -> None:
    back = timeline.get("back")
    assert back.status.value == "active"
    kinds = [(entry.kind.value, entry.seq) for entry in back.history]
    assert [k for k, _seq in kinds] == ["recorded", "retracted", "restored"]
    assert kinds[2][1] > kinds[1][1] > kinds[0][1]
    assert back.last_seq == timeline.head().count
    assert timeline.get("back", as_of="2026-01-04").status.value == "retracted"
