"""HTML escaping of every field the page shows (mutation testing, `make mutate`).

Hostile text — ``<script>``, quotes that would end an attribute, ``&``, ``javascript:``
and ``data:`` URLs — is put in every field an event's ``<li>`` shows: title, place,
description, tags, actors, retraction reason, every source field, claims (field, value,
note, their sources), history (what, author, reason). The page is then checked three
ways: parsed, it has no element or attribute the archive's text could have made; the
fast renderer (``formats/html/timeline.py``) writes byte for byte what the readable
``timeline.html`` writes through jinja2's autoescape; and one event's markup is pinned
exactly. ``--template-dir`` templates run sandboxed and autoescaped. Fast and
database-free, so that ``make mutate`` can run it for every mutant (docs/mutation.md).
"""

from __future__ import annotations

import io
import shutil
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import markupsafe
import pytest

from chronicle.claims import Claim, Rank
from chronicle.dates import parse_span
from chronicle.errors import InvalidInput
from chronicle.formats import ExportContext
from chronicle.formats.html import export_html, timeline, views
from chronicle.formats.html.page import build_environment
from chronicle.formats.html.timeline import event_html
from chronicle.formats.html.views import is_web
from chronicle.model import Event, HistoryEntry, Kind, Source, Status

X = "<script>x()</script>\"'&amp;"
"""Hostile text: a tag, both quotes, and an entity that must stay text."""
TEMPLATES = Path(__file__).resolve().parent.parent / "src" / "chronicle" / "templates"


@pytest.fixture(autouse=True)
def _no_cached_markup() -> None:
    """Dates are rendered once per distinct span; a cache filled before a mutant was
    switched on (mutmut forks each mutant from a process that ran the tests) would hide it."""
    for cached in (timeline._when_html, views.date_view_of, views.span_words):
        cached.cache_clear()


def hostile_events() -> list[Event]:
    sources = (
        Source(url=f"https://example.org/a?q={X}", title=f"T{X}", publisher=f"P{X}", published="2025-01-02",
               accessed="2025-02", archived_url=f"https://archive.example/{X}", quote=f"Q{X}"),
        Source(url=f"javascript:alert({X})", title=f"J{X}", archived_url=f"data:text/html,{X}"),
        Source(url=f"ftp://files.example.org/{X}"),
        Source(url=None, publisher=f"only publisher{X}"),
        Source(url="HTTP://EXAMPLE.ORG/upper", title=None, publisher=None),
        Source(url="http:/broken", title="almost a link"),
    )
    claimed = Source(url=f"https://claims.example/{X}", title=f"C{X}")
    history = (
        HistoryEntry(1, Kind.RECORDED, "2025-01-03T09:15:00.000001Z", f"A{X}", None, ()),
        HistoryEntry(2, Kind.REVISED, "2025-01-20T09:15:00Z", f"B{X}", f"R{X}", ("title",)),
        HistoryEntry(3, Kind.CLAIMED, "2025-01-21T09:15:00.5Z", "editor", f"why{X}", ("place",)),
        HistoryEntry(4, Kind.RETRACTED, "2025-01-22T09:15:00Z", "editor", f"gone{X}", ()),
    )
    full = Event(
        id="full", title=f"Title{X}", span=parse_span("2025-01-01/2025-02-19"), description=f"D{X}\nline 2",
        tags=(f"t{X}", "plain"), actors=(f"a{X}", "Second actor"), place=f"Place{X}", sources=sources,
        status=Status.RETRACTED, status_reason=f"S{X}", revision=4, history=history,
        claims=(Claim("title", "unrelated", (claimed,), Rank.NORMAL, None),  # not disputed: not shown
                Claim("place", f"Place{X}", (claimed,), Rank.PREFERRED, f"N{X}"),
                Claim("place", f"Other{X}", (claimed, Source(url="https://second.example/")), Rank.NORMAL, None),
                Claim("date", "2025-01-02", (claimed,), Rank.DEPRECATED, "misread")),
        disputed_fields=("place", "date"),
    )
    plain = Event(id="plain", title="Plain & simple", span=parse_span("490 BC"), unsourced=True, revision=1,
                  history=(HistoryEntry(5, Kind.RECORDED, "2025-03-01T00:00:00Z", "editor", None, ()),))
    ongoing = Event(id="talks", title="Talks", span=parse_span("2025-04-13T20:00-05:00", ".."),
                    sources=(Source(url="https://example.org/talks"),), status_reason="not shown when active")
    retracted_quietly = Event(id="quiet", title="Quiet", span=parse_span("2024"), status=Status.RETRACTED,
                              unsourced=True)
    return [plain, retracted_quietly, full, ongoing]


def render(events: list[Event], **options: Any) -> str:
    out = io.StringIO(newline="")
    ctx = ExportContext(name=f"n{X}", description=f"d{X}", filters="all events", count=len(events), head_seq=9,
                        head_hash="ab" * 32, as_of="2025-03-01T12:30:45.123456Z", version="0.1.0")
    export_html(iter(events), out, ctx, options)
    return out.getvalue()


class Elements(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def test_esc_escapes_exactly_as_jinja_does() -> None:
    from chronicle.formats.html.timeline import _esc

    for text in (X, "", "plain", "a & b", "<<>>", "\"'\"'", "&lt;", "é < ü"):
        assert _esc(text) == str(markupsafe.escape(text))
    assert _esc("<a href=\"x\" title='y'>&</a>") == "&lt;a href=&#34;x&#34; title=&#39;y&#39;&gt;&amp;&lt;/a&gt;"


def test_no_archive_text_becomes_markup(tmp_path: Path) -> None:
    page = render(hostile_events())
    parsed = Elements()
    parsed.feed(page)
    names = [name for name, _ in parsed.tags]
    assert names.count("script") == 1  # the page's own
    for _, attrs in parsed.tags:
        assert not [key for key in attrs if key.startswith("on") or key == "style"], attrs
        href = attrs.get("href")
        if href is not None:
            assert href.startswith(("#", "https://", "HTTP://")), href
    text = "".join(parsed.text)
    for shown in (f"Title{X}", f"Place{X}", f"D{X}", f"t{X}", f"a{X}", f"S{X}", f"T{X}", f"P{X}", f"Q{X}",
                  f"J{X}", f"javascript:alert({X})", f"data:text/html,{X}", f"ftp://files.example.org/{X}",
                  f"only publisher{X}", f"N{X}", f"Other{X}", f"C{X}", f"A{X}", f"B{X}", f"R{X}", f"why{X}"):
        assert shown in text, shown  # shown as text, exactly as written
    assert "unrelated" not in text  # a claim on a field that is not disputed
    assert '<a href="https://second.example/" rel="noopener noreferrer">https://second.example/</a></li>\n</ul>' \
        in page
    assert "not shown when active" not in text


def test_the_fast_renderer_writes_what_the_template_writes(tmp_path: Path) -> None:
    folder = tmp_path / "templates"
    folder.mkdir()
    shutil.copy(TEMPLATES / "timeline.html", folder)
    events = hostile_events()
    assert render(events) == render(events, template_dir=folder)


def test_one_events_markup_exactly() -> None:
    source = Source(url=f"https://e.org/?{X}", title=f"T{X}", publisher="P", quote=f"Q{X}",
                    archived_url=f"javascript:{X}")
    event = Event(id="e&1", title=f"A{X}", span=parse_span("2024-01-09"), place=f"P{X}", tags=(f"t{X}",),
                  actors=(f"a{X}",), description=f"D{X}", sources=(source,), status=Status.RETRACTED,
                  status_reason=f"S{X}", revision=2,
                  history=(HistoryEntry(1, Kind.RECORDED, "2024-01-10T00:00:00.123456Z", f"u{X}", None, ()),
                           HistoryEntry(2, Kind.RETRACTED, "2024-01-11T00:00:00Z", "v", f"r{X}", ())))
    e = "&lt;script&gt;x()&lt;/script&gt;&#34;&#39;&amp;amp;"
    assert event_html(event, "h4") == (
        f'<li class="ev retracted" id="event-e&amp;1">\n'
        f'<h4 class="title"><a href="#event-e&amp;1"><s>A{e}</s></a></h4>\n'
        f'<p class="when"><time datetime="2024-01-09">9 Jan 2024</time> · <span class="place">P{e}</span></p>\n'
        f'<p class="retraction"><strong>Retracted</strong>: S{e}</p>\n'
        f'<p class="desc">D{e}</p>\n'
        f'<p class="who"><span class="k">Who:</span> <span class="i">a{e}</span></p>\n'
        f'<ul class="tags" aria-label="Tags"><li>t{e}</li></ul>\n'
        f'<ul class="src" aria-label="Sources">\n'
        f'<li><a href="https://e.org/?{e}" rel="noopener noreferrer">P: T{e}</a>'
        f' · archived copy <code class="url">javascript:{e}</code> <span class="hint">(not a web link)</span>'
        f" <q>Q{e}</q></li>\n"
        f"</ul>\n"
        '<details class="hist"><summary>History: 2 records</summary>\n<ol>'
        '<li><span class="what">Recorded</span> <time datetime="2024-01-10T00:00:00.123Z">'
        f'10 Jan 2024 00:00 UTC</time> by <span class="i">u{e}</span></li>'
        '<li><span class="what">Retracted</span> <time datetime="2024-01-11T00:00:00Z">'
        f'11 Jan 2024 00:00 UTC</time> by <span class="i">v</span>: r{e}</li></ol>\n</details>\n</li>\n'
    )


def test_an_event_without_optional_fields_has_no_empty_elements() -> None:
    event = Event(id="p", title="Plain", span=parse_span("2024"), unsourced=True)
    assert event_html(event) == (
        '<li class="ev" id="event-p">\n<h3 class="title"><a href="#event-p">Plain</a></h3>\n'
        '<p class="when"><time datetime="2024">2024</time></p>\n'
        '<p class="nosrc">Recorded without a source.</p>\n</li>\n')
    bc = Event(id="bc", title="Old", span=parse_span("490 BC"), sources=(Source(url=None, title="A book"),))
    assert event_html(bc) == (
        '<li class="ev" id="event-bc">\n<h3 class="title"><a href="#event-bc">Old</a></h3>\n'
        '<p class="when"><span class="date">490 BC</span></p>\n'
        '<ul class="src" aria-label="Sources">\n<li><span class="i">A book</span> </li>\n</ul>\n</li>\n')


@pytest.mark.parametrize(
    ("url", "web"),
    [("https://x.org", True), ("http://x.org", True), ("HTTPS://X.ORG", True), ("HtTp://x", True),
     ("javascript:alert(1)", False), ("data:text/html,x", False), ("ftp://x", False), ("https:/x", False),
     (" https://x.org", False), ("httpsx://x", False), ("", False), ("http:", False)],
)
def test_only_http_and_https_become_links(url: str, web: bool) -> None:
    assert is_web(url) is web


def test_the_built_in_environment_autoescapes_and_fails_loudly() -> None:
    env = build_environment()
    assert env.from_string("{{ x }}").render(x=X) == str(markupsafe.escape(X))
    with pytest.raises(Exception, match="undefined"):
        env.from_string("{{ missing }}").render()
    rendered = env.from_string("  {% if true %}\n  a\n  {% endif %}\nb\n").render()
    assert rendered == "  a\nb\n"  # trim_blocks, lstrip_blocks, keep_trailing_newline
    assert env.filters["year_label"](2024) == "2024"
    assert env.get_template("timeline.html") is not None


def test_a_user_template_runs_sandboxed_and_autoescaped(tmp_path: Path) -> None:
    folder = tmp_path / "templates"
    folder.mkdir()
    env = build_environment(folder)
    assert env.from_string("{{ x }}").render(x=X) == str(markupsafe.escape(X))
    (folder / "timeline.html").write_text("{{ cycler.__init__.__globals__.os.popen('id').read() }}")
    with pytest.raises(InvalidInput) as caught:
        render(hostile_events(), template_dir=folder)
    assert caught.value.field == "--template-dir"
    (folder / "timeline.html").write_text("{% for year in years %}<p>{{ year.label }}</p>{% endfor %}")
    (folder / "page.html").write_text("{{ name }}|{% for part in timeline %}{{ part }}{% endfor %}\n")
    assert render(hostile_events(), template_dir=folder).startswith(
        "n&lt;script&gt;x()&lt;/script&gt;&#34;&#39;&amp;amp;|<p>")
