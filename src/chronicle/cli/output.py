"""How things look on a terminal: small pure functions, colour only when it is wanted."""

from __future__ import annotations

import functools
import json
import os
import sys
from collections.abc import Iterable, Iterator
from typing import Any

import click

from chronicle.model import Event, Record
from chronicle.projection import ListingRow, doc_dates


def use_colour() -> bool:
    """Colour only on a terminal, and never when ``NO_COLOR`` is set (no-color.org)."""
    return "NO_COLOR" not in os.environ and sys.stdout.isatty()


def style(text: str, **kwargs: Any) -> str:
    return click.style(text, **kwargs) if use_colour() else text


def event_line(event: Event, width: int = 26) -> str:
    """``9 Jan 2024              tc-television-attack  Armed gang takes over …``"""
    date = event.span.render()
    status = " [retracted]" if event.status.value == "retracted" else ""
    status += " [disputed]" if event.disputed else ""
    return f"{style(date.ljust(width), fg='cyan')} {style(event.id, fg='yellow')}  {event.title}{status}"


def doc_line(doc: dict[str, Any], width: int = 26, *, colour: bool | None = None) -> str:
    """:func:`event_line` of the event a stored document describes, from the document.

    ``colour``: whether to style it (:func:`use_colour` when not given)."""
    row = (doc["id"], doc["status"], doc["title"], doc["date"], doc["end"], bool(doc.get("disputed")))
    return listing_line(row, width, colour=use_colour() if colour is None else colour)


def listing_line(row: ListingRow, width: int = 26, *, colour: bool) -> str:
    """:func:`event_line` of the event a listing row describes (:meth:`Archive.listing`).

    ``colour``: whether to style it — a listing asks :func:`use_colour` once, not once
    per line (it looks at the terminal each time)."""
    event_id, status, title, date, end, disputed = row
    shown = padded_date(date, end, width)
    marks = "" if status == "active" and not disputed else _marks(status, disputed)
    if colour:
        return f"{click.style(shown, fg='cyan')} {click.style(event_id, fg='yellow')}  {title}{marks}"
    return f"{shown} {event_id}  {title}{marks}"


def listing_lines(rows: Iterable[ListingRow], width: int = 26, *, colour: bool) -> Iterator[str]:
    """:func:`listing_line` of each row: a listing's table, with one look at the terminal
    for the whole of it (``colour``)."""
    return (listing_line(row, width, colour=colour) for row in rows)


def _marks(status: str, disputed: bool) -> str:
    return (" [retracted]" if status == "retracted" else "") + (" [disputed]" if disputed else "")


@functools.lru_cache(maxsize=32768)
def padded_date(date: str, end: str | None, width: int) -> str:
    """How a listing shows an event's dates (``9 Jan 2024``, from their EDTF text), padded
    to ``width``; cached, as :func:`~chronicle.projection.doc_dates` is (dates repeat)."""
    display: str = doc_dates(date, end)["display_date"]
    return display.ljust(width)


def event_detail(event: Event) -> str:
    lines = [
        style(event.title, bold=True),
        f"  id:          {event.id}",
        f"  date:        {event.span.render()}   (EDTF {event.span.edtf}, {event.span.precision.label} precision"
        + (", approximate" if event.span.approximate else "")
        + (", uncertain" if event.span.uncertain else "") + ")",
        f"  status:      {event.status.value}" + (f" — {event.status_reason}" if event.status_reason else ""),
    ]
    if event.place:
        lines.append(f"  place:       {event.place}")
    if event.tags:
        lines.append(f"  tags:        {', '.join(event.tags)}")
    if event.actors:
        lines.append(f"  actors:      {', '.join(event.actors)}")
    if event.description:
        lines.append("  description:")
        lines += [f"    {line}" for line in event.description.splitlines()]
    if event.sources:
        lines.append("  sources:")
        for number, source in enumerate(event.sources, 1):
            lines.append(f"    [{number}] {source.label}")
            if source.url and source.url != source.label:
                lines.append(f"        {source.url}")
            extras = [
                f"published {source.published}" if source.published else "",
                f"accessed {source.accessed}" if source.accessed else "",
                f"archived {source.archived_url}" if source.archived_url else "",
            ]
            if any(extras):
                lines.append("        " + "; ".join(e for e in extras if e))
            if source.quote:
                lines.append(f"        “{source.quote}”")
    elif event.unsourced:
        lines.append("  sources:     none (recorded as unsourced)")
    lines += claim_lines(event)
    lines.append(f"  history:     {len(event.history)} record(s), revised {event.revisions} time(s)")
    for entry in event.history:
        what = f" ({', '.join(entry.changed)})" if entry.changed else ""
        why = f" — {entry.reason}" if entry.reason else ""
        lines.append(f"    #{entry.seq} {entry.recorded_at} {entry.kind.value}{what} by {entry.author}{why}")
    return "\n".join(lines)


def claim_lines(event: Event, *, only_disputed: bool = False) -> list[str]:
    """The event's claims, field by field: value, rank, note and each claim's sources."""
    lines: list[str] = []
    fields = sorted({c.field for c in event.claims}, key=("date", "title", "place", "actors").index)
    for name in fields:
        disputed = name in event.disputed_fields
        if only_disputed and not disputed:
            continue
        head = "sources disagree" if disputed else "claims agree"
        lines.append(f"  {name} claims ({head}):")
        for claim in (c for c in event.claims if c.field == name):
            rank = claim.rank.value
            marker = style(rank, fg="green" if rank == "preferred" else "red" if rank == "deprecated" else None)
            lines.append(f"    - {claim.display()}  [{marker}]" + (f" — {claim.note}" if claim.note else ""))
            for source in claim.sources:
                link = f" <{source.url}>" if source.url and source.url != source.label else ""
                lines.append(f"        {source.label}{link}")
    return lines


def record_line(record: Record, *, short_hash: bool = True) -> str:
    digest = record.hash[:12] if short_hash else record.hash
    reason = f" — {record.reason}" if record.reason else ""
    return (
        f"{style(str(record.seq).rjust(6), fg='green')} {digest} {record.recorded_at} "
        f"{record.kind.value:<9} {style(record.event_id, fg='yellow')} by {record.author}{reason}"
    )


def record_history(record: Record) -> str:
    """One record of ``chronicle history``: what changed, who, when, why, from where."""
    head = f"#{record.seq} {record.recorded_at} {record.kind.value} by {record.author}"
    lines = [style(head, bold=True)]
    if record.reason:
        lines.append(f"  why:    {record.reason}")
    lines.append(f"  from:   {record.origin}")
    if record.kind.value in ("claimed", "ranked"):
        lines += _claim_record_lines(record.payload)
        lines.append(f"  hash:   {record.hash}")
        return "\n".join(lines)
    for key, value in sorted(record.payload.items()):
        if key == "sources" and not value:
            continue
        lines.append(f"  {key}: {json.dumps(value, ensure_ascii=False)}")
    lines.append(f"  hash:   {record.hash}")
    return "\n".join(lines)


def _claim_record_lines(payload: dict[str, Any]) -> list[str]:
    """A ``claimed`` or ``ranked`` record as a claim: "date 2023-10 (normal), from …"."""
    value = payload.get("value")
    shown = ", ".join(value) if isinstance(value, list) else str(value)
    rank = payload.get("rank")
    lines = [f"  claim:  {payload.get('field')} = {shown}" + (f" ({rank})" if rank else "")]
    if payload.get("note"):
        lines.append(f"  note:   {payload['note']}")
    for source in payload.get("sources", ()):
        label = ": ".join(p for p in (source.get("publisher"), source.get("title")) if p)
        lines.append(f"  source: {label + ' ' if label else ''}{source.get('url') or ''}".rstrip())
    return lines


def json_array(items: Iterable[dict[str, Any]]) -> Iterable[str]:
    """A JSON array, streamed one element at a time."""
    first = True
    yield "["
    for item in items:
        yield ("\n  " if first else ",\n  ") + json.dumps(item, ensure_ascii=False, sort_keys=True)
        first = False
    yield "\n]\n" if not first else "]\n"
