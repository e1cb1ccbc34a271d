"""chronicle: an append-only, sourced timeline archive.

The Python API (docs/python-api.md)::

    import chronicle

    with chronicle.open("path/to/project") as archive:
        for event in archive.events(since="2025", tags=["elections"]):
            print(event.id, event.title)

Everything in :data:`__all__` is loaded on first use (module ``__getattr__``), so
``import chronicle`` — and with it ``chronicle --help`` — imports no database driver.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

if TYPE_CHECKING:
    from chronicle.archive import Archive, VerifyReport
    from chronicle.archive import init_archive as init
    from chronicle.archive import open_archive as open
    from chronicle.errors import ChronicleError
    from chronicle.exporting import ExportResult
    from chronicle.importing import ImportReport
    from chronicle.model import Event, Record, Source
    from chronicle.query import EventQuery

#: Public name → (module, attribute) it is loaded from.
_API: dict[str, tuple[str, str]] = {
    "init": ("chronicle.archive", "init_archive"),
    "open": ("chronicle.archive", "open_archive"),
    "Archive": ("chronicle.archive", "Archive"),
    "VerifyReport": ("chronicle.archive", "VerifyReport"),
    "ChronicleError": ("chronicle.errors", "ChronicleError"),
    "Event": ("chronicle.model", "Event"),
    "EventQuery": ("chronicle.query", "EventQuery"),
    "ExportResult": ("chronicle.exporting", "ExportResult"),
    "ImportReport": ("chronicle.importing", "ImportReport"),
    "Record": ("chronicle.model", "Record"),
    "Source": ("chronicle.model", "Source"),
}

__all__ = [
    "Archive", "ChronicleError", "Event", "EventQuery", "ExportResult", "ImportReport", "Record", "Source",
    "VerifyReport", "__version__", "init", "open",
]


def __getattr__(name: str) -> Any:
    try:
        module, attribute = _API[name]
    except KeyError:
        raise AttributeError(f"module 'chronicle' has no attribute {name!r}") from None
    value = getattr(importlib.import_module(module), attribute)
    globals()[name] = value  # loaded once
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
