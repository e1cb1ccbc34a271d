"""Commands that move events in and out: import, export."""

from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any

import click

from chronicle.cli.progress import Progress
from chronicle.cli.read import build_query, filter_options


@click.command("import")
@click.argument("file", metavar="FILE")
@click.option("--format", "fmt", type=click.Choice(["toml", "ics", "csv", "json", "jsonl"]),
              help="File format (default: from the extension). jsonl = a log backup from `export --format jsonl`.")
@click.option("--preset", metavar="NAME", help="A ready-made column mapping: ucdp, wikipedia, timelinejs.")
@click.option("--map", "mappings", multiple=True, metavar="FIELD=COLUMN",
              help="Read FIELD (title, date, end, description, tags, actors, place, source, id…) from COLUMN.")
@click.option("--mapping", "mapping_file", type=click.Path(dir_okay=False, path_type=Path),
              help="A TOML file of FIELD = COLUMN lines (like --map).")
@click.option("--skip-invalid", is_flag=True, help="Import the good rows and leave out the bad ones (needs --rejects).")
@click.option("--rejects", type=click.Path(dir_okay=False, path_type=Path),
              help="With --skip-invalid: write the rejected rows and their reasons here (CSV).")
@click.pass_obj
def import_(settings: Any, /, file: str, fmt: str | None, preset: str | None, mappings: tuple[str, ...],
            mapping_file: Path | None, skip_invalid: bool, rejects: Path | None) -> None:
    """Import events from FILE ('-' for stdin), all or nothing.

    Importing the same file twice adds nothing; a corrected file records revisions for
    the changed events only. Every record points at the file and its SHA-256.

    \b
    Examples:
      chronicle import seeds/ecuador.toml
      chronicle import calendar.ics
      chronicle import ged.csv --preset ucdp
      chronicle import backup.jsonl            (into an empty archive: replays and checks every hash)
    """
    from chronicle.importing import import_file

    options = {"preset": preset, "map": list(mappings), "mapping_file": mapping_file,
               "skip_invalid": skip_invalid, "rejects": rejects}
    if skip_invalid and rejects is None:
        from chronicle.errors import InvalidInput

        raise InvalidInput("needs --rejects PATH to say what was left out", field="--skip-invalid", value=True)
    archive = settings.archive()
    with _input_path(file) as (path, label), Progress("imported", "rows") as progress:
        report = import_file(archive, path, fmt=fmt, label=label, options=options, progress=progress)
    click.echo(
        f"{report.path}: {report.items} events read, {report.new_events} new, "
        f"{report.changed_events} changed, {report.unchanged} unchanged; {report.records} records appended"
        + (f"; {report.rejected} rejected (see {rejects})" if report.rejected else "")
        + (f"; {report.skipped} skipped (not events)" if getattr(report, "skipped", 0) else "")
        + (f"; {report.disputes} dispute(s) found: the file's dates contradict the archive's and were recorded"
           " as competing claims (see `chronicle disputes`)" if getattr(report, "disputes", 0) else ""),
        err=True,
    )


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
@click.option("--format", "fmt", type=click.Choice(["html", "ics", "csv", "json", "jsonl"]), required=True,
              help="html: a page to publish; ics: a calendar; csv/json: data; jsonl: the whole log (a verifiable backup).")
@click.option("-o", "--output", metavar="PATH", help="Where to write ('-' = stdout). Default: exports/<archive-name>.<ext>.")
@filter_options
@click.option("--limit", type=click.IntRange(min=0), metavar="N", help="At most N events.")
@click.option("--imprecise", type=click.Choice(["span", "start", "skip"]), default="span", show_default=True,
              help="ics: month/year/approximate dates span their whole period, sit on its first day, or are left out.")
@click.option("--template-dir", type=click.Path(file_okay=False, exists=True, path_type=Path),
              help="html: your own jinja2 templates, overriding the built-in ones by name.")
@click.option("--excel", is_flag=True, help="csv: byte-order mark and CRLF, as spreadsheet programs want.")
@click.option("--raw", is_flag=True, help="csv: do not neutralise cells a spreadsheet would run as formulas.")
@click.option("--sources-file", type=click.Path(dir_okay=False, path_type=Path),
              help="csv: also write one row per event × source to this file.")
@click.option("--claims-file", type=click.Path(dir_okay=False, path_type=Path),
              help="csv: also write one row per event × claim (value, rank, note, sources) to this file.")
@click.pass_obj
def export(settings: Any, /, fmt: str, output: str | None, limit: int | None, imprecise: str,
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

    query = build_query(limit=limit, **filters)
    options = {"imprecise": imprecise, "template_dir": template_dir, "excel": excel, "raw": raw,
               "sources_file": sources_file, "claims_file": claims_file}
    result = run_export(settings.archive(), fmt, query, output, options)
    stats = result.stats
    skipped = f", {stats.skipped} left out ({stats.note})" if stats.skipped else ""
    if result.path != "-":
        click.echo(f"wrote {stats.written} events to {result.path}{skipped}", err=True)
    elif skipped:
        click.echo(f"{stats.skipped} events left out ({stats.note})", err=True)


COMMANDS = [import_, export]
