"""``chronicle serve`` over real HTTP: uvicorn on 127.0.0.1, a real HTTP client (requests).

What a subscriber, a feed reader or a script would notice: conditional GETs answered 304
without rendering, new records showing without a restart, filters in the query string,
pages that never skip or repeat, the change feed, the corrections feed, and nothing but
one-line 4xx answers to anything odd.
"""

from __future__ import annotations

import contextlib
import gzip
import json
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import pytest
import requests

from chronicle.archive import Archive
from chronicle.model import make_source
from chronicle.query import EventQuery
from chronicle.serve import build_app
from tests.test_ical import SEED_NAME, seed_archive, vevents
from tests.test_ical_subscribers import libical_errors, needs_libical

ATOM = "{http://www.w3.org/2005/Atom}"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextlib.contextmanager
def running(app: Any) -> Iterator[str]:
    """``app`` under a real uvicorn server on 127.0.0.1, in a thread; yields its base URL."""
    import uvicorn

    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="error",
                                           server_header=False, lifespan="off"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@pytest.fixture
def seed(tmp_path: Path) -> Iterator[Archive]:
    archive = seed_archive(tmp_path)
    yield archive
    archive.close()


@pytest.fixture
def site(seed: Archive) -> Iterator[tuple[str, Any]]:
    """(base URL, the app) serving the seed archive."""
    app = build_app(seed)
    with running(app) as base:
        yield base, app


def stats(app: Any) -> Any:
    return app.state.site.stats


def get(url: str, **headers: str) -> requests.Response:
    return requests.get(url, headers=headers, timeout=30)


# --- the calendar -------------------------------------------------------------------------


def test_calendar_has_strong_validators_and_a_304_renders_nothing(site: tuple[str, Any]) -> None:
    base, app = site
    first = get(f"{base}/calendar.ics", **{"Accept-Encoding": "identity"})
    assert first.status_code == 200
    assert first.headers["Content-Type"] == "text/calendar; charset=utf-8"
    etag = first.headers["ETag"]
    assert etag.startswith('"') and not etag.startswith("W/")
    assert len(vevents(first.text)) == 18
    renders = stats(app).renders

    again = get(f"{base}/calendar.ics", **{"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b""
    since = get(f"{base}/calendar.ics", **{"If-Modified-Since": first.headers["Last-Modified"]})
    assert since.status_code == 304
    assert stats(app).renders == renders  # neither 304 read an event or rendered a line
    assert stats(app).not_modified == 2

    # Another filter is another calendar: its own ETag, never a 304 for the first one's.
    tagged = get(f"{base}/calendar.ics?tag=security", **{"If-None-Match": etag})
    assert tagged.status_code == 200 and tagged.headers["ETag"] != etag


def test_many_polls_of_one_state_cost_one_render(site: tuple[str, Any], seed: Archive) -> None:
    base, app = site
    bodies = {get(f"{base}/calendar.ics", **{"Accept-Encoding": encoding}).content
              for encoding in ("gzip", "identity", "gzip", "identity")}
    assert len(bodies) == 1 and stats(app).renders == 1  # requests decodes gzip: the same calendar
    seed.retract("foreign-special-forces-call", reason="A statement of intent")
    assert b"STATUS:CANCELLED" in get(f"{base}/calendar.ics").content
    assert stats(app).renders == 2


def test_gzip_is_its_own_representation(site: tuple[str, Any]) -> None:
    base, _ = site
    raw = requests.get(f"{base}/calendar.ics", headers={"Accept-Encoding": "gzip"}, timeout=30, stream=True)
    body = raw.raw.read(decode_content=False)
    assert raw.headers["Content-Encoding"] == "gzip"
    assert raw.headers["ETag"].endswith('-gzip"')
    assert "Accept-Encoding" in raw.headers["Vary"]
    plain = get(f"{base}/calendar.ics", **{"Accept-Encoding": "identity"})
    assert gzip.decompress(body) == plain.content
    assert "Content-Encoding" not in plain.headers
    # Either tag names this archive state: a cache that stored the other one still gets 304.
    assert get(f"{base}/calendar.ics", **{"If-None-Match": raw.headers["ETag"],
                                          "Accept-Encoding": "identity"}).status_code == 304


def test_new_records_appear_without_a_restart_and_retractions_are_cancelled(
        site: tuple[str, Any], seed: Archive) -> None:
    base, _ = site
    first = get(f"{base}/calendar.ics")
    seed.add(title="A new claim", date="2025-05-24", sources=[make_source("https://example.org/n")])
    seed.retract("foreign-special-forces-call", reason="A statement of intent, not an event")
    second = get(f"{base}/calendar.ics", **{"If-None-Match": first.headers["ETag"]})
    assert second.status_code == 200 and second.headers["ETag"] != first.headers["ETag"]
    events = vevents(second.text)
    assert str(events[f"a-new-claim@{SEED_NAME}.chronicle"]["SUMMARY"]) == "A new claim"
    assert events[f"foreign-special-forces-call@{SEED_NAME}.chronicle"]["STATUS"] == "CANCELLED"


def test_query_string_filters_are_those_of_show(site: tuple[str, Any], seed: Archive) -> None:
    base, _ = site
    served = get(f"{base}/calendar.ics?tag=security&since=2024&until=2024")
    expected = {e.id for e in seed.show(EventQuery.parse(tags=["security"], since="2024", until="2024"))}
    assert {uid.split("@")[0] for uid in vevents(served.text)} == expected and expected
    actor = get(f"{base}/calendar.ics?actor=Daniel+Noboa")
    assert {uid.split("@")[0] for uid in vevents(actor.text)} == {
        e.id for e in seed.show(EventQuery.parse(actors=["Daniel Noboa"]))}
    # The same filters in another order are the same calendar (the same ETag).
    one = get(f"{base}/calendar.ics?since=2024&tag=security").headers["ETag"]
    other = get(f"{base}/calendar.ics?tag=security&since=2024").headers["ETag"]
    assert one == other


@needs_libical
def test_libical_passes_the_served_calendar(site: tuple[str, Any], seed: Archive) -> None:
    base, _ = site
    seed.retract("foreign-special-forces-call", reason="A statement of intent, not an event")
    assert libical_errors(get(f"{base}/calendar.ics").text) == []


def test_every_backend_serves_the_same_calendar_and_304s(seeded: Archive) -> None:
    app = build_app(seeded)
    with running(app) as base:
        first = get(f"{base}/calendar.ics")
        assert {uid.split("@")[0] for uid in vevents(first.text)} == {e.id for e in seeded.show()}
        assert get(f"{base}/calendar.ics", **{"If-None-Match": first.headers["ETag"]}).status_code == 304
        seeded.retract("foreign-special-forces-call", reason="A statement of intent")
        second = get(f"{base}/calendar.ics", **{"If-None-Match": first.headers["ETag"]})
        assert second.status_code == 200
        assert vevents(second.text)[next(u for u in vevents(second.text) if u.startswith("foreign-special-forces-call@"))][
            "STATUS"] == "CANCELLED"
    assert stats(app).renders == 2


# --- JSON, the log, the corrections feed ---------------------------------------------------


def test_events_json_pages_never_skip_or_repeat_while_records_arrive(site: tuple[str, Any], seed: Archive) -> None:
    base, _ = site
    expected = [e.id for e in seed.show()]
    seen: list[str] = []
    url = f"{base}/events.json?limit=5"
    pages = 0
    while url:
        body = get(url).json()
        seen += [event["id"] for event in body["events"]]
        if pages == 0:
            seed.add(title="Added between pages", date="1999", sources=[make_source("https://example.org/x")])
        pages += 1
        url = f"{base}/events.json?limit=5&cursor={body['next']}" if body["next"] else ""
    assert seen == expected and pages == 4
    # A new walk sees the new event.
    assert "added-between-pages" in [e["id"] for e in get(f"{base}/events.json?limit=1000").json()["events"]]
    assert get(f"{base}/events.json?cursor=bogus").status_code == 400
    assert get(f"{base}/events.json?limit=5000").status_code == 400


def test_log_jsonl_is_the_change_feed_after_a_sequence_number(site: tuple[str, Any], seed: Archive) -> None:
    base, _ = site
    lines = get(f"{base}/log.jsonl?after=20").text.splitlines()
    assert [json.loads(line) for line in lines] == [r.to_dict() for r in seed.log(after=20)]
    assert [json.loads(line)["seq"] for line in lines] == [21, 22, 23, 24, 25, 26]
    seed.retract("foreign-special-forces-call", reason="A statement of intent")
    assert json.loads(get(f"{base}/log.jsonl?after=26").text)["kind"] == "retracted"
    assert get(f"{base}/log.jsonl?after=-1").status_code == 400
    assert get(f"{base}/log.jsonl?after=26&limit=0").text == ""


def test_corrections_feed_says_what_changed_why_and_the_sources(site: tuple[str, Any], seed: Archive) -> None:
    base, _ = site
    seed.revise("runoff-2025", reason="Say who won", title="Runoff: Noboa re-elected")
    seed.cite("first-round-2025", make_source("https://example.org/cne", publisher="CNE"), reason="Official count")
    seed.retract("foreign-special-forces-call", reason="A statement of intent, not an event")
    seed.restore("foreign-special-forces-call", reason="Sourced after all")
    response = get(f"{base}/corrections.atom?limit=4")
    assert response.headers["Content-Type"] == "application/atom+xml; charset=utf-8"
    feed = ElementTree.fromstring(response.content)
    entries = feed.findall(f"{ATOM}entry")
    titles = [entry.findtext(f"{ATOM}title") for entry in entries]
    assert titles == [
        "Restored: Noboa says he will invite foreign special forces to help fight the gangs",
        "Retracted: Noboa says he will invite foreign special forces to help fight the gangs",
        "Source added: First round of the presidential election: Noboa vs Luisa González",
        "Corrected: Runoff: Noboa re-elected",
    ]
    revision = entries[3].findtext(f"{ATOM}content") or ""
    assert "title: Presidential runoff: Noboa vs Luisa González → Runoff: Noboa re-elected" in revision
    assert "Why: Say who won" in revision
    assert 'href="https://' in revision  # its sources, as links
    assert "Why: A statement of intent, not an event" in (entries[1].findtext(f"{ATOM}content") or "")
    assert 'href="https://example.org/cne"' in (entries[2].findtext(f"{ATOM}content") or "")
    ids = [entry.findtext(f"{ATOM}id") for entry in entries]
    assert len(set(ids)) == 4 and all(i and i.startswith("tag:") for i in ids)


def test_corrections_feed_shows_claims_ranks_and_defined_sources(site: tuple[str, Any], seed: Archive) -> None:
    base, _ = site
    cne = make_source("https://example.org/cne", publisher="CNE")
    seed.add_source("cne", cne)
    seed.claim("runoff-2025", "date", "2025-04-14", [cne], note="a typo in the bulletin?")
    seed.rank("runoff-2025", "date", "2025-04-14", "deprecated", reason="The CNE's own results say the 13th")
    feed = ElementTree.fromstring(get(f"{base}/corrections.atom?limit=4").content)
    entries = feed.findall(f"{ATOM}entry")
    assert [entry.findtext(f"{ATOM}title") for entry in entries] == [
        "Claim ranked: Presidential runoff: Noboa vs Luisa González",
        "Claim added: Presidential runoff: Noboa vs Luisa González",
        "Claim added: Presidential runoff: Noboa vs Luisa González",  # the value it had, as a claim
        "Source defined: @cne",
    ]
    ranked, added = (entries[i].findtext(f"{ATOM}content") or "" for i in (0, 1))
    assert "date: 14 Apr 2025 (2025-04-14) (deprecated)" in ranked and "Why: The CNE" in ranked
    assert "note: a typo in the bulletin?" in added and 'according to: <a href="https://example.org/cne"' in added
    assert 'href="https://example.org/cne"' in (entries[3].findtext(f"{ATOM}content") or "")


# --- safety -----------------------------------------------------------------------------------


@pytest.mark.parametrize("path, status", [
    ("/nope", 404), ("/../etc/passwd", 404), ("/calendar.ics/..%2f..%2fetc%2fpasswd", 404),
    ("/%2e%2e/%2e%2e/etc/passwd", 404), ("//etc/passwd", 404), ("/calendar.ics%00", 404),
    ("/calendar.ics?since=2025-13", 400), ("/calendar.ics?since=2025&since=2024", 400),
    ("/calendar.ics?bogus=1", 400), ("/calendar.ics?until=2020&since=2024", 400),
    ("/events.json?limit=abc", 400), ("/log.jsonl?after=1e9", 400),
    ("/calendar.ics?text=" + "x" * 5000, 414), ("/?include_retracted=maybe", 400),
])
def test_odd_requests_get_one_line_4xx(site: tuple[str, Any], path: str, status: int) -> None:
    base, _ = site
    with socket.create_connection(("127.0.0.1", int(base.rsplit(":", 1)[1])), timeout=10) as connection:
        # Raw request line: no client library normalises the path first.
        connection.sendall(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n".encode())
        answer = b""
        while chunk := connection.recv(65536):
            answer += chunk
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.split(b" ")[1] == str(status).encode(), answer[:300]
    text = body.decode()
    assert text.startswith(str(status)) and text.count("\n") == 1, text
    assert "Traceback" not in text and "File " not in text


def test_no_method_writes_and_no_body_is_taken(site: tuple[str, Any], seed: Archive) -> None:
    base, _ = site
    before = seed.head()
    for method in ("POST", "PUT", "DELETE", "PATCH"):
        answer = requests.request(method, f"{base}/calendar.ics", timeout=30)
        assert answer.status_code == 405 and answer.text.count("\n") == 1
    big = requests.post(f"{base}/calendar.ics", data=b"x" * 100, timeout=30)
    assert big.status_code == 413
    assert seed.head() == before
    assert requests.head(f"{base}/calendar.ics", timeout=30).status_code == 200


def test_every_answer_carries_the_security_headers(site: tuple[str, Any]) -> None:
    base, _ = site
    for path in ("/", "/calendar.ics", "/events.json", "/log.jsonl", "/corrections.atom", "/nope"):
        headers = get(base + path).headers
        assert headers["X-Content-Type-Options"] == "nosniff", path
        assert headers["Referrer-Policy"] == "no-referrer", path
        assert "frame-ancestors 'none'" in headers["Content-Security-Policy"], path
    page = get(base + "/")
    csp = page.headers["Content-Security-Policy"]
    meta = page.text.split('http-equiv="Content-Security-Policy" content="', 1)[1].split('"', 1)[0]
    assert csp == meta.replace("&#39;", "'") + "; frame-ancestors 'none'"
    assert "script-src 'sha256-" in csp and "unsafe-inline" not in csp


def test_the_page_links_to_subscribe(site: tuple[str, Any]) -> None:
    base, _ = site
    page = get(base + "/?tag=security").text
    host = base.split("://", 1)[1]
    assert f'href="webcal://{host}/calendar.ics?tag=security"' in page
    assert f'href="{base}/corrections.atom"' in page


def test_a_public_url_makes_https_subscribe_links(seed: Archive) -> None:
    with running(build_app(seed, public_url="https://timeline.example.org/")) as base:
        page = get(base + "/").text
    assert 'href="webcal://timeline.example.org/calendar.ics"' in page
    assert 'href="https://timeline.example.org/calendar.ics"' in page


# --- the command -------------------------------------------------------------------------------


def test_serve_warns_when_bound_beyond_this_machine(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from click.testing import CliRunner

    import chronicle.serve
    from chronicle.cli import main

    seed_archive(tmp_path).close()
    calls: list[dict[str, Any]] = []
    monkeypatch.setattr(chronicle.serve, "serve", lambda archive, **kw: calls.append(kw))
    monkeypatch.chdir(tmp_path)
    wide = CliRunner().invoke(main, ["serve", "--host", "0.0.0.0", "--port", "9"])
    assert wide.exit_code == 0, wide.output
    assert "warning: listening on 0.0.0.0" in wide.output
    local = CliRunner().invoke(main, ["serve", "--port", "9"])
    assert "warning" not in local.output
    assert [c["host"] for c in calls] == ["0.0.0.0", "127.0.0.1"]


def test_the_cli_does_not_load_the_web_server_until_serve_runs() -> None:
    import subprocess
    import sys

    code = "import sys, chronicle.cli; print(sorted(m for m in ('starlette','uvicorn','caldav') if m in sys.modules))"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)
    assert result.stdout.strip() == "[]"


def test_the_load_benchmark_runs_and_its_answers_add_up(tmp_path: Path) -> None:
    """``benchmarks/serve_bench.py`` at a tiny size: it completes, every answer is a 200 or a
    304, conditional clients get 304s, and the import during the load lands (no timing)."""
    import subprocess
    import sys

    from tests.conftest import ROOT

    figures_path = tmp_path / "figures.json"
    completed = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "serve_bench.py"), "--n", "300", "--clients", "6",
         "--seconds", "2", "--processes", "2", "--data", str(tmp_path / "data"), "--json", str(figures_path)],
        capture_output=True, text=True, timeout=300, check=False,
    )
    assert completed.returncode == 0, completed.stderr[-2000:]
    figures = json.loads(figures_path.read_text())
    load = figures["load"]
    assert load["errors"] == 0 and load["other_statuses"] == []
    assert load["requests"] == load["ok_200"]["requests"] + load["not_modified_304"]["requests"] > 0
    assert load["not_modified_304"]["requests"] > 0
    assert load["unconditional_clients"]["requests"] == load["ok_200"]["requests"] - (
        load["conditional_clients"]["requests"] - load["not_modified_304"]["requests"])
    assert load["import"] == {"events": 15, "seconds": load["import"]["seconds"], "records": 15}
    assert "| 304 (not rendered) |" in completed.stdout
