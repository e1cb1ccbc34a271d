"""Commands that move events in and out: import, export."""

from __future__ import annotations

import json
import shutil
import sys
import tempfile
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from chronicle.cli.progress import Progress
from chronicle.cli.read import COUNT, build_query, filter_options
from chronicle.cli.settings import Settings
from chronicle.formats import EXPORTERS, IMPORTERS, LOG_READERS, PRESET_NAMES, PRESETS

if TYPE_CHECKING:
    from chronicle.importing import ImportReport


@click.command("import")
@click.argument("file", metavar="FILE")
@click.option("--format", "fmt", type=click.Choice([*IMPORTERS, *LOG_READERS]),
              help="File format (default: from the extension). jsonl = a log backup from `export --format jsonl`.")
@click.option("--preset", type=click.Choice(PRESET_NAMES),
              help="A ready-made mapping for one dataset: " + "; ".join(f"{n}: {w}" for n, w in PRESETS.items()) + ".")
@click.option("--map", "mappings", multiple=True, metavar="FIELD=COLUMN",
              help="Read FIELD (title, date, end, description, tags, actors, place, source, id…) from COLUMN.")
@click.option("--mapping", "mapping_file", type=click.Path(dir_okay=False, path_type=Path),
              help="A TOML file of FIELD = COLUMN lines (like --map).")
@click.option("--skip-invalid", is_flag=True, help="Import the good rows and leave out the bad ones (needs --rejects).")
@click.option("--rejects", type=click.Path(dir_okay=False, path_type=Path),
              help="With --skip-invalid: write the rejected rows and their reasons here (CSV).")
@click.option("--recurrences", type=click.Choice(["first", "expand"]), default="first", show_default=True,
              help="ics: a repeating event (RRULE/RDATE) as its first occurrence, or one event per occurrence "
                   "between --from and --until.")
@click.option("--from", "window_from", type=click.DateTime(["%Y-%m-%d"]), metavar="YYYY-MM-DD",
              help="With --recurrences expand: the first day of occurrences to import.")
@click.option("--until", "window_until", type=click.DateTime(["%Y-%m-%d"]), metavar="YYYY-MM-DD",
              help="With --recurrences expand: the last day of occurrences to import (inclusive).")
@click.option("--duplicates", type=click.Choice(["error", "first", "last"]), default="error", show_default=True,
              help="A key repeated inside the file (a UID, or the same title and date): refuse the import, "
                   "or import its first or last occurrence. The others are named in the summary.")
@click.option("--force", is_flag=True,
              help="Also record events whose copy in the file is older than the archive's (normally left as they are).")
@click.option("--summary", "summary_format", type=click.Choice(["text", "json"]), default="text", show_default=True,
              help="text: lines on stderr; json: one JSON object on stdout, for scripts.")
@click.pass_obj
def import_(settings: Settings, /, file: str, fmt: str | None, preset: str | None, mappings: tuple[str, ...],
            mapping_file: Path | None, skip_invalid: bool, rejects: Path | None, recurrences: str,
            window_from: datetime | None, window_until: datetime | None, duplicates: str, force: bool,
            summary_format: str) -> None:
    """Import events from FILE ('-' for stdin), all or nothing.

    Importing the same file twice adds nothing; a corrected file records revisions for
    the changed events only. Every record points at the file and its SHA-256. The
    summary accounts for every item: new, changed, unchanged, older than the archive,
    duplicate, skipped (not events) and rejected, each with its reason. A file with no
    event in it is refused.

    \b
    Examples:
      chronicle import seeds/ecuador.toml
      chronicle import calendar.ics
      chronicle import calendar.ics --recurrences expand --from 2025-01-01 --until 2025-12-31
      chronicle import ged.csv --preset ucdp
      chronicle import timeline.json --preset timelinejs
      chronicle import wars.csv --map title=itemLabel --map date=date --duplicates first
      chronicle import backup.jsonl            (into an empty archive: replays and checks every hash)
    """
    from chronicle.importing import import_file

    if (window_from is None) != (window_until is None):
        raise click.UsageError("--from and --until go together (the window of occurrences to import)")
    window = (window_from.date(), window_until.date()) if window_from and window_until else None
    options = {"preset": preset, "map": list(mappings), "mapping_file": mapping_file,
               "skip_invalid": skip_invalid, "rejects": rejects, "recurrences": recurrences, "window": window}
    if skip_invalid and rejects is None:
        from chronicle.errors import InvalidInput

        raise InvalidInput("needs --rejects PATH to say what was left out", field="--skip-invalid", value=True)
    archive = settings.archive()
    with _input_path(file) as (path, label), Progress("imported", "rows") as progress:
        report = import_file(archive, path, fmt=fmt, label=label, options=options, progress=progress,
                             duplicates=duplicates, force=force)
    if summary_format == "json":
        click.echo(json.dumps(report.to_dict(), ensure_ascii=False))
        return
    for line in summary_lines(report):
        click.echo(line, err=True)


def summary_lines(report: ImportReport) -> list[str]:
    """The import summary: one line of counts, then one line per reason."""
    if report.log_backup:
        return [f"{report.path}: a log backup; {report.records} records appended "
                "(records the archive already holds are not appended again)"]
    head = (f"{report.path}: {report.items} events read, {report.new_events} new, "
            f"{report.changed_events} changed, {report.unchanged} unchanged; {report.records} records appended")
    if report.rejected:
        head += f"; {report.rejected} rejected" + (f" (see {report.rejects_path})" if report.rejects_path else "")
    if report.skipped:
        head += f"; {report.skipped} skipped (not events)"
    kept_older = [o for o in report.older if not o.forced]
    if kept_older:
        head += f"; {len(kept_older)} older than the archive (not imported)"
    if report.duplicates:
        head += f"; {len(report.duplicates)} duplicates (not imported)"
    if report.disputes:
        head += (f"; {report.disputes} dispute(s) found: the file's dates contradict the archive's and were "
                 "recorded as competing claims (see `chronicle disputes`)")
    lines = [head]
    lines += [f"  skipped {count}: {reason}" for reason, count in report.skip_reasons]
    lines += [f"  note ({count}): {note}" for note, count in report.notes]
    for older in report.older[:20]:
        action = "recorded anyway (--force)" if older.forced else "left as the archive has it (--force records it)"
        lines.append(f"  older: {older.where} (id {older.event_id}): {older.reason}; {action}")
    for duplicate in report.duplicates[:20]:
        lines.append(f"  duplicate: {duplicate.where} has the key of {duplicate.other} (id {duplicate.event_id}); "
                     f"imported {duplicate.other} only")
    hidden = max(len(report.older) - 20, 0) + max(len(report.duplicates) - 20, 0)
    if hidden:
        lines.append(f"  … and {hidden} more (see --summary json)")
    return lines


class _input_path:
    """A real file for FILE; stdin is spooled to a temporary file (we hash it and may re-read it)."""

    def __init__(self, file: str) -> None:
        self.file = file
        self.temp: Path | None = None

    def __enter__(self) -> tuple[Path, str]:
        if self.file != "-":
            return Path(self.file), self.file
        handle = tempfile.NamedTemporaryFile(delete=False, suffix=".stdin")
        with handle:
            shutil.copyfileobj(sys.stdin.buffer, handle)
        self.temp = Path(handle.name)
        return self.temp, "-"

    def __exit__(self, *_: Any) -> None:
        if self.temp is not None:
            self.temp.unlink(missing_ok=True)


@click.command()
@click.option("--format", "fmt", type=click.Choice([*EXPORTERS, "jsonl"]), required=True,
              help="html: a page to publish; ics: a calendar; csv/json: data; jsonl: the whole log (a verifiable backup).")
@click.option("-o", "--output", metavar="PATH", help="Where to write ('-' = stdout). Default: exports/<archive-name>.<ext>.")
@filter_options
@click.option("--limit", type=COUNT, metavar="N", help="At most N events.")
@click.option("--imprecise", type=click.Choice(["start", "span", "skip"]), default="start", show_default=True,
              help="ics: month/year/approximate/ongoing dates sit on their first day with the date in the title, "
                   "span their whole period, or are left out.")
@click.option("--omit-retracted", is_flag=True,
              help="ics: leave retracted events out (a one-off file). By default they are written as "
                   "STATUS:CANCELLED, so calendars that received them drop them.")
@click.option("--template-dir", type=click.Path(file_okay=False, exists=True, path_type=Path),
              help="html: your own jinja2 templates, overriding the built-in ones by name.")
@click.option("--excel", is_flag=True, help="csv: byte-order mark and CRLF, as spreadsheet programs want.")
@click.option("--raw", is_flag=True, help="csv: do not neutralise cells a spreadsheet would run as formulas.")
@click.option("--sources-file", type=click.Path(dir_okay=False, path_type=Path),
              help="csv: also write one row per event × source to this file.")
@click.option("--claims-file", type=click.Path(dir_okay=False, path_type=Path),
              help="csv: also write one row per event × claim (value, rank, note, sources) to this file.")
@click.pass_obj
def export(settings: Settings, /, fmt: str, output: str | None, limit: int | None, imprecise: str, omit_retracted: bool,
           template_dir: Path | None, excel: bool, raw: bool, sources_file: Path | None,
           claims_file: Path | None, **filters: Any) -> None:
    """Publish the timeline (or part of it) as HTML, iCalendar, CSV, JSON, or the log as JSONL.

    Output is byte-identical for the same archive state. The path written is printed
    on stderr.

    \b
    Examples:
      chronicle export --format html
      chronicle export --format ics --since 2025 -o noboa.ics
      chronicle export --format csv --excel --sources-file exports/sources.csv
      chronicle export --format jsonl -o backup.jsonl
    """
    from chronicle.exporting import export as run_export

    if fmt == "ics":
        # A subscriber must learn of a retraction: cancelled, not silently missing.
        filters["include_retracted"] = filters.get("include_retracted") or not omit_retracted
    query = build_query(limit=limit, **filters)
    options = {"imprecise": imprecise, "template_dir": template_dir, "excel": excel, "raw": raw,
               "sources_file": sources_file, "claims_file": claims_file}
    result = run_export(settings.archive(read_only=True), fmt, query, output, options)
    stats = result.stats
    skipped = f", {stats.skipped} left out ({stats.note})" if stats.skipped else ""
    if result.path != "-":
        unit = "records" if fmt == "jsonl" else "events"  # a JSONL backup is the log itself
        click.echo(f"wrote {stats.written} {unit} to {result.path}{skipped}", err=True)
    elif skipped:
        click.echo(f"{stats.skipped} events left out ({stats.note})", err=True)


COMMANDS = [import_, export]
