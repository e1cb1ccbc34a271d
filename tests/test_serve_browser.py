"""The served page in a real headless Chromium (Debian's ``chromium`` + ``chromium-driver``):
no console errors, no request but to the server itself, the CSP header and the page's own
hash-locked policy both let its style and script run, and the subscribe links are there.

Skipped, with the reason, where Chromium, its driver or selenium is missing.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from chronicle.serve import build_app
from tests.test_html_browser import Browser, _missing
from tests.test_ical import seed_archive
from tests.test_serve import running

pytestmark = pytest.mark.browser


@pytest.fixture
def browser() -> Iterator[Browser]:
    reason = _missing()
    if reason:
        pytest.skip(reason)
    opened = Browser()
    yield opened
    opened.close()


def visit(browser: Browser, url: str) -> tuple[list[dict[str, Any]], list[str]]:
    """Load ``url``; its console messages and every URL the browser requested for it."""
    browser.driver.get_log("browser")
    browser.driver.get_log("performance")
    browser.driver.get(url)
    console = browser.driver.get_log("browser")
    requested = []
    for entry in browser.driver.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message["method"] == "Network.requestWillBeSent":
            requested.append(message["params"]["request"]["url"])
    return console, [u for u in requested if not u.startswith("chrome")]


def test_the_served_page_runs_cleanly_and_asks_nothing_of_anyone_else(browser: Browser, tmp_path: Path) -> None:
    archive = seed_archive(tmp_path)
    with running(build_app(archive)) as base:
        console, requested = visit(browser, f"{base}/?tag=security")
        assert [m for m in console if m["level"] in ("SEVERE", "WARNING")] == []
        assert requested and all(url.startswith(base + "/") for url in requested), requested
        # Both policies (header and meta) let the hashed style and script run.
        assert browser.js("return getComputedStyle(document.body).maxWidth") == "768px"
        assert browser.js("return document.getElementById('filters').hidden") is False
        links = browser.js("return [...document.querySelectorAll('nav.subscribe a')].map(a => a.href)")
        host = base.split("://", 1)[1]
        assert links[0] == f"webcal://{host}/calendar.ics?tag=security"
        assert links[2] == f"{base}/corrections.atom"
    archive.close()
