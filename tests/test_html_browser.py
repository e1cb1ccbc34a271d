"""The HTML page in a real headless Chromium (Debian's ``chromium`` + ``chromium-driver``).

What a reader would notice: the page opens from disk with no console errors and no
network requests, the filter hides what does not match, with JavaScript off everything
is still there, it is readable on a phone, in the dark and on paper, the keyboard works
with a visible focus, text meets WCAG AA contrast, and a hostile archive cannot run a
single line of script. It also saves the README's screenshot.

Skipped, with the reason, where Chromium, its driver or selenium is missing — except under
CI (``CI=true``), where that fails the run.
"""

from __future__ import annotations

import json
import os
import shutil
import struct
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from chronicle.archive import Archive
from chronicle.exporting import export
from chronicle.importing import import_file
from chronicle.query import EventQuery
from tests.conftest import ROOT, SEED, missing
from tests.test_html import HOSTILE_TITLE, hostile_archive

pytestmark = pytest.mark.browser

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"
SEED_DESCRIPTION = ("Ecuador's security crisis under President Daniel Noboa, 2023–2025: "
                    "what happened when, and who says so.")
#: The README's picture; rewritten only on request so a test run leaves the tree clean.
SCREENSHOT = ROOT / "exports" / "screenshot.png"
LATEST_SCREENSHOT = ROOT / "exports" / "screenshot-latest.png"

#: WCAG 2.x relative luminance and contrast ratio, computed from the browser's own styles.
CONTRAST_JS = """
function lum(c) {
  const v = c.match(/[\\d.]+/g).slice(0, 3).map(Number).map(x => x / 255)
    .map(x => x <= 0.03928 ? x / 12.92 : Math.pow((x + 0.055) / 1.055, 2.4));
  return 0.2126 * v[0] + 0.7152 * v[1] + 0.0722 * v[2];
}
function ratio(a, b) { const [x, y] = [lum(a), lum(b)].sort((p, q) => q - p); return (x + 0.05) / (y + 0.05); }
const page = getComputedStyle(document.body).backgroundColor;
const out = {};
for (const [name, sel, ownBg] of arguments[0]) {
  const el = document.querySelector(sel);
  if (!el) { out[name] = null; continue; }
  const s = getComputedStyle(el);
  out[name] = ratio(s.color, ownBg ? s.backgroundColor : page);
}
out.__background = lum(page);
return out;
"""
CONTRAST_TARGETS = [
    ("body text", ".desc", False), ("muted date line", ".when", False), ("source link", ".src a", False),
    ("tag", ".tags li", True), ("hint", ".hint", False), ("revision note", ".rev", False),
    ("history toggle", ".hist summary", False), ("header facts", ".facts dd", False),
    ("filter status", "#f-status", False), ("year link", ".years a", False), ("button", "#f-clear", True),
]


def _missing() -> str | None:
    if not (os.path.exists(CHROMIUM) and os.path.exists(CHROMEDRIVER)):
        return "headless Chromium is not installed (Debian: chromium chromium-driver; .ci/run installs them)"
    try:
        import selenium  # noqa: F401
    except ImportError:
        return "selenium is not installed (pip install -e '.[test]')"
    return None


class Browser:
    """One headless Chromium, driven by Debian's chromedriver (nothing is downloaded)."""

    def __init__(self, *, javascript: bool = True) -> None:
        from selenium import webdriver
        from selenium.webdriver.chrome.options import Options
        from selenium.webdriver.chrome.service import Service

        self.profile = tempfile.mkdtemp(prefix="chronicle-chromium-")
        options = Options()
        options.binary_location = CHROMIUM
        for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                     "--disable-background-networking", "--disable-component-update", "--disable-sync",
                     "--disable-dev-shm-usage", f"--user-data-dir={self.profile}", "--window-size=1200,900"):
            options.add_argument(flag)
        if not javascript:
            options.add_experimental_option("prefs", {"profile.managed_default_content_settings.javascript": 2})
        options.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
        self.driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
        self.driver.get("about:blank")

    def open(self, path: Path) -> tuple[list[dict[str, Any]], list[str]]:
        """Load a page from disk; return its console messages and every URL it requested."""
        self.driver.get_log("browser")
        self.driver.get_log("performance")
        self.driver.get(path.as_uri())
        console = self.driver.get_log("browser")
        requests = []
        for entry in self.driver.get_log("performance"):
            message = json.loads(entry["message"])["message"]
            if message["method"] != "Network.requestWillBeSent":
                continue
            url = message["params"]["request"]["url"]
            # The page's own requests, and anything that would leave the machine; the
            # browser's built-in chrome:// pages (its first tab) are neither.
            if message["params"].get("documentURL") == path.as_uri() or not url.startswith("chrome"):
                requests.append(url)
        return console, requests

    def js(self, script: str, *args: Any) -> Any:
        return self.driver.execute_script(script, *args)

    def cdp(self, command: str, params: dict[str, Any]) -> Any:
        return self.driver.execute_cdp_cmd(command, params)

    def close(self) -> None:
        self.driver.quit()
        shutil.rmtree(self.profile, ignore_errors=True)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    reason = _missing()
    if reason:
        missing(reason)
    opened = Browser()
    yield opened
    opened.close()


@pytest.fixture(scope="module")
def seed_html(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The seed timeline's page, as `make demo` writes it."""
    directory = tmp_path_factory.mktemp("seed")
    archive = Archive.init(directory, name="ecuador-security", description=SEED_DESCRIPTION)
    import_file(archive, SEED, label="seeds/ecuador.toml")
    # The seed has no revisions (its disagreements are claims): one, so the page shows a revision note.
    archive.revise("runoff-2025", reason="Say what was at stake", description="The second round decides the presidency.")
    target = directory / "exports" / "ecuador-security.html"
    export(archive, "html", EventQuery(), str(target))
    archive.close()
    return target


def shown_events(browser: Browser) -> list[str]:
    return list(browser.js(
        "return [...document.querySelectorAll('li.ev')].filter(e => e.offsetParent !== null || "
        "getComputedStyle(e).display !== 'none' && !e.closest('[hidden]')).map(e => e.id)"
    ))


def wait_for_status(browser: Browser, text: str) -> None:
    from selenium.webdriver.support.ui import WebDriverWait

    WebDriverWait(browser.driver, 10).until(
        lambda d: d.find_element("id", "f-status").text == text, message=f"status never said {text!r}")


def test_seed_page_loads_cleanly_offline(browser: Browser, seed_html: Path) -> None:
    console, requests = browser.open(seed_html)
    assert [m for m in console if m["level"] in ("SEVERE", "WARNING")] == []
    assert requests == [seed_html.as_uri()]  # the page itself, nothing else
    # The CSP hashes match: the stylesheet applied and the script ran.
    assert browser.js("return getComputedStyle(document.body).maxWidth") == "768px"
    assert browser.js("return document.getElementById('filters').hidden") is False
    assert browser.driver.find_element("id", "f-status").text == "Showing all 18 events."
    assert browser.js("return document.title") == "ecuador-security — timeline"


def test_typing_in_the_filter_hides_what_does_not_match(browser: Browser, seed_html: Path) -> None:
    from selenium.webdriver.support.ui import Select

    browser.open(seed_html)
    box = browser.driver.find_element("id", "f-text")
    box.send_keys("manta")
    texts = browser.js("return Object.fromEntries([...document.querySelectorAll('li.ev')]"
                       ".map(e => [e.id, e.textContent.toLowerCase()]))")
    matching = sorted(i for i, t in texts.items() if "manta" in t)
    wait_for_status(browser, f"Showing {len(matching)} of 18 events.")
    assert 0 < len(matching) < 18
    assert sorted(shown_events(browser)) == matching
    box.clear()
    box.send_keys("TELEVISION")  # case and accents do not matter: the page says "Televisión"
    wait_for_status(browser, "Showing 1 of 18 events.")
    assert shown_events(browser) == ["event-tc-television-attack"]
    browser.driver.find_element("id", "f-clear").click()
    wait_for_status(browser, "Showing all 18 events.")

    Select(browser.driver.find_element("id", "f-tag")).select_by_value("elections")
    wait_for_status(browser, "Showing 3 of 18 events.")
    assert shown_events(browser) == ["event-noboa-wins-snap-election", "event-first-round-2025", "event-runoff-2025"]
    Select(browser.driver.find_element("id", "f-year")).select_by_value("2025")
    wait_for_status(browser, "Showing 2 of 18 events.")
    hidden_years = browser.js("return [...document.querySelectorAll('section.year[hidden]')].map(s => s.id)")
    assert hidden_years == ["year-2009", "year-2023", "year-2024"]


def test_without_javascript_everything_is_there(seed_html: Path) -> None:
    reason = _missing()
    if reason:
        missing(reason)
    plain = Browser(javascript=False)
    try:
        console, _ = plain.open(seed_html)
        # The page's own script did not run (it would have shown the controls and a count).
        assert plain.driver.find_element("id", "filters").is_displayed() is False
        assert plain.js("return document.getElementById('f-status').textContent") == ""
        assert len(shown_events(plain)) == 18
        assert [m for m in console if m["level"] == "SEVERE"] == []
    finally:
        plain.close()


def test_a_link_to_one_event_shows_that_event(browser: Browser, seed_html: Path) -> None:
    """Stable anchors: #event-<id> scrolls the event into view (years render lazily)."""
    browser.cdp("Emulation.setDeviceMetricsOverride", {"width": 800, "height": 600, "deviceScaleFactor": 1,
                                                       "mobile": False})
    try:
        browser.driver.get(seed_html.as_uri() + "#event-runoff-2025")
        top, bottom = browser.js("const r = document.getElementById('event-runoff-2025')"
                                 ".getBoundingClientRect(); return [r.top, r.bottom]")
        assert 0 <= top < 600 and bottom > top
        assert browser.js("return document.querySelector(':target').id") == "event-runoff-2025"
        browser.driver.get_log("browser")
        browser.driver.get(seed_html.as_uri() + "#%E0%A4%A")  # a broken link must not break the page
        assert [m for m in browser.driver.get_log("browser") if m["level"] == "SEVERE"] == []
    finally:
        browser.cdp("Emulation.clearDeviceMetricsOverride", {})


def test_keyboard_focus_is_visible_and_skip_link_works(browser: Browser, seed_html: Path) -> None:
    from selenium.webdriver.common.keys import Keys

    browser.open(seed_html)
    browser.driver.find_element("tag name", "body").send_keys(Keys.TAB)
    focused = browser.js("const a = document.activeElement; const s = getComputedStyle(a);"
                         "return [a.className, s.outlineStyle, parseFloat(s.outlineWidth), a.getBoundingClientRect().left]")
    assert focused[0] == "skip" and focused[1] == "solid" and focused[2] >= 2 and focused[3] >= 0
    browser.driver.switch_to.active_element.send_keys(Keys.ENTER)
    assert browser.js("return location.hash") == "#timeline"


def test_contrast_phone_dark_and_print(browser: Browser, seed_html: Path) -> None:
    browser.open(seed_html)
    browser.js("document.querySelector('details.hist').open = true")
    for scheme in ("light", "dark"):
        browser.cdp("Emulation.setEmulatedMedia", {"features": [{"name": "prefers-color-scheme", "value": scheme}]})
        ratios = browser.js(CONTRAST_JS, CONTRAST_TARGETS)
        background = ratios.pop("__background")
        assert (background > 0.9) if scheme == "light" else (background < 0.05), scheme
        low = {name: round(r, 2) for name, r in ratios.items() if r is None or r < 4.5}
        assert low == {}, f"{scheme}: below WCAG AA 4.5:1: {low}"
    browser.cdp("Emulation.setEmulatedMedia", {"media": "print", "features": []})
    assert browser.js("return getComputedStyle(document.getElementById('filters')).display") == "none"
    assert browser.js("return getComputedStyle(document.querySelector('li.ev')).contentVisibility") == "visible"
    browser.cdp("Emulation.setEmulatedMedia", {"media": "", "features": []})
    browser.cdp("Emulation.setDeviceMetricsOverride",
                {"width": 375, "height": 740, "deviceScaleFactor": 2, "mobile": True})
    try:
        browser.open(seed_html)
        assert browser.js("return document.documentElement.scrollWidth") <= 375
        assert browser.js("return document.querySelector('.ev .title').getBoundingClientRect().right") <= 375
    finally:
        browser.cdp("Emulation.clearDeviceMetricsOverride", {})


def test_hostile_archive_renders_as_text_and_runs_nothing(browser: Browser, tmp_path: Path) -> None:
    archive = hostile_archive(tmp_path)
    target = tmp_path / "hostile.html"
    export(archive, "html", EventQuery(), str(target))
    console, requests = browser.open(target)
    assert browser.js("return typeof window.__pwned") == "undefined"
    assert requests == [target.as_uri()]
    assert [m for m in console if m["level"] == "SEVERE"] == []
    title = browser.driver.find_element("css selector", "#event-hostile-1 .title").text
    assert title == HOSTILE_TITLE
    assert browser.js("return document.querySelectorAll('img, iframe, object, embed, b').length") == 0
    assert browser.js("return document.scripts.length") == 1
    links = browser.js("return [...document.links].map(a => a.protocol)")
    assert set(links) <= {"file:", "https:"}  # in-page anchors resolve to file:; no javascript:/data:
    # Clicking what stays in the page (and the unlinked URLs) still runs nothing.
    browser.js("for (const a of document.querySelectorAll('a[href^=\"#\"], code, .tags li'))"
               "  a.dispatchEvent(new MouseEvent('click', {bubbles: true}));")
    browser.driver.find_element("id", "f-text").send_keys("pwned")
    assert browser.js("return typeof window.__pwned") == "undefined"


def test_screenshot_for_the_readme(browser: Browser, seed_html: Path, tmp_path: Path) -> None:
    browser.cdp("Emulation.setDeviceMetricsOverride",
                {"width": 1100, "height": 1400, "deviceScaleFactor": 1, "mobile": False})
    try:
        browser.open(seed_html)
        browser.js("document.getElementById('year-2024').scrollIntoView()")
        browser.js("window.scrollTo(0, 0)")
        png = browser.driver.get_screenshot_as_png()
    finally:
        browser.cdp("Emulation.clearDeviceMetricsOverride", {})
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 20_000
    # The IHDR chunk: the size asked for, 8-bit colour — a real page, not a stub image.
    width, height, depth, colour = struct.unpack(">IIBB", png[16:26])
    assert (width, height, depth) == (1100, 1400, 8) and colour in (2, 6)
    browser.open(seed_html)
    assert browser.js("return document.querySelectorAll('li.ev').length") == 18
    blank = browser.driver.get_screenshot_as_png()
    browser.driver.get("about:blank")
    assert len(browser.driver.get_screenshot_as_png()) < len(blank) / 4  # the page really drew something
    LATEST_SCREENSHOT.parent.mkdir(exist_ok=True)
    LATEST_SCREENSHOT.write_bytes(png)
    if os.environ.get("CHRONICLE_UPDATE_SCREENSHOT") == "1":
        SCREENSHOT.write_bytes(png)
