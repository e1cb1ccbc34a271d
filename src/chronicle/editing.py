"""Entry without pain: an event as a commented TOML file to fill in or correct in ``$EDITOR``.

Like ``git commit``: ``chronicle add`` with no title writes :func:`new_event_text` to a
file and opens the user's editor; ``chronicle edit ID`` writes :func:`edit_text` (the
current state, and a line for the reason). What comes back is read by
:func:`read_new_event` / :func:`read_edit`, which only turn TOML into the same keyword
arguments ``add``, ``revise`` and ``cite`` take — the fields are validated where they
always are (:class:`chronicle.model.EventFields`). Pure: no files, no editor here.

A file that is empty once comments are removed aborts, and nothing is recorded.
"""

from __future__ import annotations

import json
import tomllib
from dataclasses import dataclass, field
from typing import Any

from chronicle.errors import EditAborted, InvalidInput
from chronicle.model import Event, Source, make_source

_FIELD = "editor file"
_SOURCE_KEYS = ("url", "title", "publisher", "published", "accessed", "archived_url", "quote")


def _string(value: str | None) -> str:
    """A TOML string: multi-line for text with line breaks, else a basic string."""
    text = value or ""
    if "\n" in text and '"""' not in text and "\\" not in text:
        return '"""\n' + text + '"""' if text.endswith("\n") else '"""\n' + text + '\n"""'
    return json.dumps(text, ensure_ascii=False)


def _list(values: tuple[str, ...] | list[str]) -> str:
    return "[" + ", ".join(json.dumps(v, ensure_ascii=False) for v in values) + "]"


_HEADER = """\
# Lines starting with '#' are ignored. Save an empty file to abort: nothing is recorded.
"""

_DATE_HELP = "# date: 2024-01-09, \"Oct 2023\", 2024~ (about), 2025? (uncertain), 2025-01-01/2025-02-19"


def new_event_text(**given: Any) -> str:
    """The template ``add`` opens, with whatever was given on the command line filled in."""
    sources = [s for s in given.get("sources", ()) if isinstance(s, Source)]
    lines = [
        "# A new event. Fill in the title, the date and a source (or set unsourced = true).",
        _HEADER.rstrip("\n"),
        "",
        f"title = {_string(given.get('title'))}",
        _DATE_HELP,
        f"date = {_string(given.get('date'))}",
        "# end: the end of an interval ('..' = still going on); leave empty for none",
        f"end = {_string(given.get('end'))}",
        f"description = {_string(given.get('description'))}",
        f"tags = {_list(list(given.get('tags', ())))}",
        f"actors = {_list(list(given.get('actors', ())))}",
        f"place = {_string(given.get('place'))}",
        f"unsourced = {'true' if given.get('unsourced') else 'false'}",
        "",
    ]
    for source in sources or [Source()]:
        lines += _source_lines(source)
    lines += ["# More sources: repeat the [[sources]] table.", ""]
    return "\n".join(lines)


def _source_lines(source: Source) -> list[str]:
    lines = ["[[sources]]", f"url = {_string(source.url)}"]
    for key in _SOURCE_KEYS[1:]:
        value = getattr(source, key)
        lines.append(f"{key} = {_string(value)}" if value else f"# {key} = \"\"")
    return [*lines, ""]


def edit_text(event: Event) -> str:
    """The file ``edit`` opens: the event's current fields, its sources (as comments), a reason."""
    lines = [
        f"# Editing {event.id} (revision {event.revision}). Change what is wrong and say why below;",
        "# only the fields you change are recorded, as one revision.",
        _HEADER.rstrip("\n"),
        "",
        "# Why this changes (required, kept in the history):",
        'reason = ""',
        "",
        f"title = {_string(event.title)}",
        _DATE_HELP,
        f"date = {_string(event.date)}",
        f"end = {_string(event.end)}",
        f"description = {_string(event.description)}",
        f"tags = {_list(event.tags)}",
        f"actors = {_list(event.actors)}",
        f"place = {_string(event.place)}",
        "",
        "# Sources it cites (these stay; add another with a [[sources]] table below):",
    ]
    for source in event.sources:
        lines.append(f"#   {source.url or ''}  {source.label if source.label != source.url else ''}".rstrip())
    if not event.sources:
        lines.append("#   (none)")
    lines += ["", "# [[sources]]", '# url = ""', '# publisher = ""', ""]
    return "\n".join(lines)


def _load(text: str) -> dict[str, Any]:
    meaningful = [line for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]
    if not meaningful:
        raise EditAborted("the file was empty: nothing was recorded")
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise InvalidInput(f"is not valid TOML ({error})", field=_FIELD,
                           accepted="key = \"value\" lines, as in the template") from None


def _text(data: dict[str, Any], key: str) -> str | None:
    value = data.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise InvalidInput("must be text in quotes", field=key, value=value)
    return value.strip() or None


def _strings(data: dict[str, Any], key: str) -> list[str]:
    value = data.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise InvalidInput("must be a list of texts, e.g. [\"a\", \"b\"]", field=key, value=value)
    return [v for v in value if v.strip()]


def _sources(data: dict[str, Any]) -> list[Source]:
    tables = data.get("sources", [])
    if not isinstance(tables, list):
        raise InvalidInput("must be [[sources]] tables", field="sources", value=tables)
    found = []
    for number, table in enumerate(tables, start=1):
        if not isinstance(table, dict):
            raise InvalidInput("must be a [[sources]] table", field="sources", value=table)
        values = {key: _text(table, key) for key in _SOURCE_KEYS}
        if not values["url"] and not values["title"]:
            continue  # the template's empty source
        found.append(make_source(values.pop("url"), field_prefix=f"source {number}", **values))
    return found


def read_new_event(text: str) -> dict[str, Any]:
    """``add``'s keyword arguments from a filled-in :func:`new_event_text`."""
    data = _load(text)
    unknown = set(data) - {"title", "date", "end", "description", "tags", "actors", "place", "unsourced",
                           "sources"}
    if unknown:
        raise InvalidInput("is not a field of an event", field=", ".join(sorted(unknown)),
                           accepted="title, date, end, description, tags, actors, place, unsourced, [[sources]]")
    title = _text(data, "title")
    if title is None:
        raise EditAborted("no title: nothing was recorded")
    date = _text(data, "date")
    if date is None:
        raise InvalidInput("is empty", field="date", value="", accepted="a date, e.g. 2024-01-09 or \"Oct 2023\"")
    unsourced = data.get("unsourced", False)
    if not isinstance(unsourced, bool):
        raise InvalidInput("must be true or false", field="unsourced", value=unsourced)
    return {
        "title": title, "date": date, "end": _text(data, "end"),
        "description": _text(data, "description") or "",
        "tags": _strings(data, "tags"), "actors": _strings(data, "actors"), "place": _text(data, "place"),
        "sources": _sources(data), "unsourced": unsourced,
    }


@dataclass(frozen=True, slots=True)
class Edit:
    """What an edited file asks for: field changes (``revise``'s keywords), a reason, new sources."""

    reason: str | None
    changes: dict[str, Any] = field(default_factory=dict)
    new_sources: tuple[Source, ...] = ()


def read_edit(text: str, event: Event) -> Edit:
    """The edit a file made from :func:`edit_text` of ``event`` asks for (unchanged fields left out)."""
    data = _load(text)
    unknown = set(data) - {"reason", "title", "date", "end", "description", "tags", "actors", "place", "sources"}
    if unknown:
        raise InvalidInput("cannot be edited", field=", ".join(sorted(unknown)),
                           accepted="reason, title, date, end, description, tags, actors, place, [[sources]]")
    changes: dict[str, Any] = {}
    for key, now in (("title", event.title), ("description", event.description), ("place", event.place)):
        if key in data and (_text(data, key) or None) != (now or None):
            changes[key] = _text(data, key) or ""
    if "date" in data and _text(data, "date") != event.date:
        changes["date"] = _text(data, "date") or ""
    if "end" in data and _text(data, "end") != event.end:
        changes["end"] = _text(data, "end") or ""
    for key in ("tags", "actors"):
        if key in data and tuple(_strings(data, key)) != getattr(event, key):
            changes[key] = _strings(data, key)
    new_sources = tuple(s for s in _sources(data) if s not in event.sources)
    return Edit(_text(data, "reason"), changes, new_sources)
