"""mkdocs hook: publish the few repository files outside docs/ that the manual links to.

The pages link to them as ``../exports/screenshot.png`` and ``../benchmarks/RESULTS.md``
so that the links also work when docs/ is read on a code host; mkdocs only knows files
under docs/, so this hook adds them to the site at those paths and points the links there.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from mkdocs.structure.files import File, Files

ROOT = Path(__file__).resolve().parent.parent
#: Repository files the manual links to, relative to the repository root.
OUTSIDE = ("exports/screenshot.png", "benchmarks/RESULTS.md")


def on_files(files: Files, config: Any) -> Files:
    for relative in OUTSIDE:
        files.append(File.generated(config, relative, abs_src_path=str(ROOT / relative)))
    return files


def on_page_markdown(markdown: str, page: Any, config: Any, files: Files) -> str:
    # Every page sits at the top of docs/, so "../X" from docs/ is "X" in the site.
    for relative in OUTSIDE:
        markdown = markdown.replace(f"](../{relative})", f"]({relative})")
    return markdown
