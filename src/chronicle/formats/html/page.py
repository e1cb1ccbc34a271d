"""The HTML page: orchestration of one export, the spill buffer, the CSP hashes.

**One pass, flat memory.** The exporter receives the events once, as an iterator. The
header (date span, tag and year lists) and the SVG overview need figures about *all*
events, yet come first in the page. So the timeline is rendered first, streamed into a
:class:`Spool` (in memory up to :data:`SPOOL_CHARS`, in a temporary file beyond), while
a small :class:`~chronicle.formats.html.grouping.Tally` is kept on the fly; then the
page is rendered around it and the spooled timeline is copied in where it belongs.
Memory stays bounded by the tally, not by the number of events, and the database is
read once.

**Templates.** ``page.html`` and the rest are jinja2 templates shipped in
``chronicle/templates/``; ``options["template_dir"]`` names a folder whose templates
override those by name, rendered in jinja2's sandbox. The built-in ``timeline.html``
is rendered by :mod:`.timeline` unless a user's folder overrides it.

**Safety.** A Content-Security-Policy meta tag allows nothing but the page's own
``<style>`` and ``<script>``, each locked by its SHA-256 hash (computed from the
rendered text, so output stays byte-identical).

jinja2 is imported when an HTML export runs, never when the module is merely loaded.
"""

from __future__ import annotations

import base64
import codecs
import hashlib
import shutil
import tempfile
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO, TextIO

from chronicle.errors import InvalidInput
from chronicle.formats import ExportContext, ExportStats
from chronicle.formats.html.grouping import Tally, group_years, year_label
from chronicle.formats.html.overview import build_overview
from chronicle.formats.html.timeline import render_timeline, same
from chronicle.formats.html.views import count_words, event_view, log_datetime, log_time_words
from chronicle.model import Event

if TYPE_CHECKING:
    from jinja2 import Environment

#: The timeline is kept in memory up to this many characters, then in a temporary file.
SPOOL_CHARS = 4 * 1024 * 1024

_COPY_CHUNK = 1 << 20
"""Bytes per piece when a spilled timeline is copied into the page."""


def export_html(
    events: Iterable[Event], out: TextIO, ctx: ExportContext, options: Mapping[str, Any]
) -> ExportStats:
    """Write the timeline page for ``events`` (in timeline order) to ``out``.

    A mistake in a user's template (``--template-dir``) becomes :class:`InvalidInput`
    naming the template and line, not a traceback.
    """
    from jinja2 import TemplateError, TemplateSyntaxError
    from markupsafe import Markup

    template_dir = options.get("template_dir")
    env = build_environment(template_dir)
    tally = Tally()
    try:
        with Spool() as spool:
            if template_dir is not None and (Path(template_dir) / "timeline.html").is_file():
                timeline = env.get_template("timeline.html").stream(
                    years=group_years(tally.watch(events), event_view))
                timeline.enable_buffering(64)
                spool.writelines(timeline)
            else:
                spool.writelines(render_timeline(group_years(tally.watch(events), same)))
            page = env.get_template("page.html").stream(
                **page_context(env, ctx, tally), timeline=[Markup(_PLACEHOLDER)]
            )
            page.enable_buffering(64)
            _write_page(page, spool, out)
    except TemplateError as exc:
        where = f"{exc.filename or exc.name}:{exc.lineno}" if isinstance(exc, TemplateSyntaxError) else None
        raise InvalidInput(
            f"the HTML template failed: {exc.message or type(exc).__name__}",
            field="--template-dir", value=str(template_dir) if template_dir else None, where=where,
        ) from exc
    return ExportStats(written=tally.count)


def build_environment(template_dir: Path | str | None = None) -> Environment:
    """The jinja2 environment: user templates (if any) first, then the package's own.

    With a user's folder it is jinja2's ``SandboxedEnvironment``: a template is data a
    user may have been sent, and must not reach Python (``cycler.__init__.__globals__``
    and the like raise ``SecurityError``, reported as one line).
    """
    from jinja2 import ChoiceLoader, Environment, FileSystemLoader, PackageLoader, StrictUndefined
    from jinja2.sandbox import SandboxedEnvironment

    loaders: list[Any] = []
    if template_dir is not None:
        loaders.append(FileSystemLoader(str(template_dir)))
    loaders.append(PackageLoader("chronicle", "templates"))
    kind = Environment if template_dir is None else SandboxedEnvironment
    env = kind(
        loader=ChoiceLoader(loaders),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        auto_reload=False,
    )
    env.filters["year_label"] = year_label
    return env


#: Where ``page.html`` outputs the timeline; the page writer copies the spool in there.
#: It starts with "<", which escaping turns into "&lt;" in any archive text, so only this
#: module's own markup can contain it.
_PLACEHOLDER = "<\x00chronicle-timeline\x00>"


class Spool:
    """Text written once, then copied out: in memory up to :data:`SPOOL_CHARS`, beyond
    that in a temporary file (UTF-8), so a page of any size costs bounded memory."""

    def __init__(self, limit: int | None = None) -> None:
        self.limit = SPOOL_CHARS if limit is None else limit
        self.parts: list[str] = []
        self.size = 0
        self.file: BinaryIO | None = None

    def __enter__(self) -> Spool:
        return self

    def __exit__(self, *_: object) -> None:
        if self.file is not None:
            self.file.close()
        self.parts = []

    def writelines(self, texts: Iterable[str]) -> None:
        for text in texts:
            if self.file is not None:
                self.file.write(text.encode("utf-8"))
                continue
            self.parts.append(text)
            self.size += len(text)
            if self.size > self.limit:
                # Closed by __exit__; the spool is the context manager.
                self.file = tempfile.TemporaryFile("w+b")  # noqa: SIM115
                for part in self.parts:
                    self.file.write(part.encode("utf-8"))
                self.parts = []

    def copy_to(self, out: TextIO) -> None:
        """Write everything to ``out``; a spilled file goes byte for byte into a UTF-8
        file's buffer, without being decoded and encoded again."""
        if self.file is None:
            out.writelines(self.parts)
            return
        spilled = self.file
        spilled.seek(0)
        buffer = getattr(out, "buffer", None)
        if buffer is not None and codecs.lookup(getattr(out, "encoding", None) or "ascii").name == "utf-8":
            out.flush()
            shutil.copyfileobj(spilled, buffer, _COPY_CHUNK)
            return
        out.writelines(codecs.iterdecode(iter(lambda: spilled.read(_COPY_CHUNK), b""), "utf-8"))


def _write_page(page: Iterable[str], spool: Spool, out: TextIO) -> None:
    """Write the rendered page, copying the timeline in where the placeholder stands."""
    for chunk in page:
        while _PLACEHOLDER in chunk:
            before, _, chunk = chunk.partition(_PLACEHOLDER)
            out.write(before)
            spool.copy_to(out)
        out.write(chunk)


def page_context(env: Environment, ctx: ExportContext, tally: Tally) -> dict[str, Any]:
    """Everything ``page.html`` shows around the timeline."""
    from markupsafe import Markup

    style = env.get_template("style.css").render()
    script = env.get_template("filter.js").render()
    csp = (
        "default-src 'none'; "
        f"style-src '{_csp_hash(style)}'; "
        f"script-src '{_csp_hash(script)}'; "
        "base-uri 'none'; form-action 'none'"
    )
    first, last = tally.first, tally.last
    span_from = first.span.start.render() if first is not None else None
    span_to: str | None = None
    if last is not None:
        span_to = "ongoing" if tally.ongoing else (last.span.end or last.span.start).render()
    return {
        "lang": "en",
        "name": ctx.name,
        "description": ctx.description,
        "filters": ctx.filters,
        "count": tally.count,
        "count_words": count_words(tally.count),
        "retracted": tally.retracted,
        "span_from": span_from,
        "span_to": span_to,
        "as_of": log_datetime(ctx.as_of) if ctx.as_of else None,
        "as_of_text": log_time_words(ctx.as_of) if ctx.as_of else None,
        "head_seq": ctx.head_seq,
        "head_hash": ctx.head_hash,
        "version": ctx.version,
        "years": sorted(tally.years.items()),
        "tags": sorted(tally.tags.items(), key=lambda item: (-item[1], item[0])),
        "overview": build_overview(tally),
        "style": Markup(style),
        "script": Markup(script),
        "csp": csp,
    }


def _csp_hash(text: str) -> str:
    digest = hashlib.sha256(text.encode("utf-8")).digest()
    return "sha256-" + base64.b64encode(digest).decode("ascii")
