"""The log itself as JSON Lines: a complete, verifiable backup.

One line per record, oldest first, each the canonical JSON of
:meth:`chronicle.model.Record.to_dict` — the hashed body plus ``prev_hash`` and
``hash``. Nothing else is in the file, so ``grep``, ``jq`` and ``wc -l`` work on it.

``chronicle import backup.jsonl`` replays it with
:meth:`chronicle.store.Store.append_records`, which checks every link and hash; the
rebuilt archive verifies with the same head hash. Replaying into the archive the backup
came from (or a copy of it) skips the records it already has — after checking that the
archive's head is in the backup — and appends only the newer ones.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any, TextIO

from chronicle.errors import InvalidInput
from chronicle.formats import ExportContext, ExportStats
from chronicle.model import Kind, Record, canonical_json
from chronicle.store import Head

_KEYS = ("seq", "event_id", "kind", "payload", "author", "recorded_at", "origin", "reason", "v",
         "prev_hash", "hash")


def export_log(records: Iterable[Record], out: TextIO, ctx: ExportContext, options: Mapping[str, Any]) -> ExportStats:
    """Write every record of the log, one canonical JSON object per line."""
    written = 0
    write = out.write
    for record in records:
        write(canonical_json(record.to_dict()))
        write("\n")
        written += 1
    return ExportStats(written, note="log records")


def read_log(path: Path) -> Iterator[Record]:
    """The records of a backup, in file order; errors name the line."""
    label = str(path)
    number = 0
    try:
        with open(path, encoding="utf-8") as handle:
            for number, line in enumerate(handle, start=1):
                if not line.strip():
                    continue
                yield _record(line, f"{label}: line {number}")
    except UnicodeDecodeError:
        raise InvalidInput(f"is not valid UTF-8 (after line {number})", field="file", value=label) from None


def _record(line: str, where: str) -> Record:
    try:
        data = json.loads(line)
    except ValueError as error:
        raise InvalidInput(f"is not JSON ({error})", field="record", where=where,
                           accepted="a file written by `chronicle export --format jsonl`") from None
    if not isinstance(data, dict):
        raise InvalidInput("is not a JSON object", field="record", value=_short(line), where=where)
    missing = [k for k in _KEYS if k not in data]
    extra = sorted(set(data) - set(_KEYS))
    if missing or extra:
        raise InvalidInput(f"has {'no ' + ', '.join(missing) if missing else 'unknown keys ' + ', '.join(extra)}",
                           field="record", value=_short(line), where=where,
                           accepted="a file written by `chronicle export --format jsonl`")
    try:
        kind = Kind(data["kind"])
    except ValueError:
        raise InvalidInput("is not a record kind", field="kind", value=data["kind"], where=where,
                           accepted=", ".join(k.value for k in Kind)) from None
    text = ("event_id", "author", "recorded_at", "origin", "prev_hash", "hash")
    if (not isinstance(data["seq"], int) or not isinstance(data["v"], int) or not isinstance(data["payload"], dict)
            or not all(isinstance(data[k], str) for k in text)
            or not (data["reason"] is None or isinstance(data["reason"], str))):
        raise InvalidInput("has a value of the wrong type", field="record", value=_short(line), where=where)
    return Record(
        seq=data["seq"], event_id=data["event_id"], kind=kind, payload=data["payload"], author=data["author"],
        recorded_at=data["recorded_at"], origin=data["origin"], reason=data["reason"],
        prev_hash=data["prev_hash"], hash=data["hash"], version=data["v"],
    )


def continuing(records: Iterable[Record], head: Head) -> Iterator[Record]:
    """The records after ``head``, once the backup is shown to contain ``head`` itself.

    Into an empty archive that is every record; into the archive the backup was taken
    from, only what it does not have yet (so replaying the same backup adds nothing).
    """
    for record in records:
        if record.seq < head.count:
            continue
        if record.seq == head.count:
            if record.hash != head.hash:
                raise InvalidInput(
                    f"is not a backup of this archive: its record {record.seq} differs from the archive's",
                    field="file", value=record.hash[:12],
                    accepted="a backup of this archive, or an empty archive to replay it into",
                )
            continue
        if head.count and record.seq == head.count + 1 and record.prev_hash != head.hash:
            raise InvalidInput("does not continue this archive's log", field="file", value=record.seq)
        yield record


def read_backup(path: Path, head: Head) -> Iterator[Record]:
    """The records of the backup at ``path`` that continue an archive whose head is ``head``."""
    return continuing(read_log(path), head)


def _short(text: str, limit: int = 80) -> str:
    text = text.strip()
    return text if len(text) <= limit else text[:limit] + "…"
