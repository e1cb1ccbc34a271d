"""The house stays walkable: rooms of one job each, and doors that open one way.

Walks ``src/chronicle`` with the standard library's ``ast`` (nothing is imported), so a
new module is checked without editing this file:

- no module is longer than :data:`MAX_LINES` lines unless its docstring has a line
  starting ``Longer than 400 lines because`` (the reason, where a reader will see it);
- the layers point one way — face (``cli/``) → service → formats/store → model:
  nothing under ``formats/`` or the store imports a service module or the CLI; nothing
  outside ``cli/`` imports the CLI; the model-level modules (``model*``, ``dates*``,
  ``errors``, ``ids``) import no service, store or format module;
- no import cycle among the modules, and no lazy import (inside a function) hiding
  one: a module may import chronicle code inside a function to keep a command fast (the
  CLI does, and heavy formats load only when used), never to reach a module that
  imports it back. Imports under ``if TYPE_CHECKING:`` are not run, so they make no
  cycle; they still count for the layers.

Each checker is also run on small made-up modules (the ``*_catches_*`` tests), so these
tests cannot pass by checking nothing.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path
from typing import NamedTuple

from tests.conftest import ROOT

PACKAGE = ROOT / "src" / "chronicle"

#: Modules other developers are splitting right now, each allowed past the limits until
#: its branch is merged. The lead empties this list at merge.
BEING_SPLIT: dict[str, str] = {}

MAX_LINES = 400
REASON = "Longer than 400 lines because"

#: The service layer: what the face calls, and what nothing below it may import.
SERVICE = (
    "chronicle.archive", "chronicle.importing", "chronicle.exporting", "chronicle.reconciling",
    "chronicle.import_report", "chronicle.opening", "chronicle.recording", "chronicle.lookup",
    "chronicle.evidence", "chronicle.auditing", "chronicle.aliasing", "chronicle.merging", "chronicle.publish", "chronicle.serve",
)
CLI = ("chronicle.cli",)
STORE = ("chronicle.store", "chronicle.dialects", "chronicle.integrity", "chronicle.upgrade", "chronicle.copying")
FORMATS = ("chronicle.formats",)


def _modules() -> Iterator[tuple[str, str, str]]:
    """``(relative path, dotted name, source)`` of every module of the package."""
    for path in sorted(PACKAGE.rglob("*.py")):
        relative = path.relative_to(PACKAGE).as_posix()
        parts = ["chronicle", *path.relative_to(PACKAGE).with_suffix("").parts]
        if parts[-1] == "__init__":
            parts.pop()
        yield relative, ".".join(parts), path.read_text(encoding="utf-8")


def _under(name: str, prefixes: tuple[str, ...]) -> bool:
    return any(name == p or name.startswith(p + ".") for p in prefixes)


def too_long(relative: str, source: str) -> str | None:
    """Why ``source`` breaks the size rule, or None."""
    lines = source.count("\n") + (0 if source.endswith("\n") or not source else 1)
    if lines <= MAX_LINES:
        return None
    docstring = ast.get_docstring(ast.parse(source)) or ""
    if any(line.strip().startswith(REASON) for line in docstring.splitlines()):
        return None
    return f"{relative}: {lines} lines, and its docstring gives no line starting {REASON!r}"


def imports(source: str, module: str, *, is_package: bool = False) -> list[Import]:
    """Every import in ``source``, as :class:`Import` values.

    Relative imports are resolved against ``module``; ``from chronicle import x`` counts
    as importing ``chronicle.x`` (it may be a module), and ``from a.b import c`` as
    importing both ``a.b`` and ``a.b.c``.
    """
    package = module if is_package else module.rpartition(".")[0]
    found: list[Import] = []

    def visit(node: ast.AST, inside: bool, typing_only: bool) -> None:
        for child in ast.iter_child_nodes(node):
            nested = inside or isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef)
            guarded = typing_only or (isinstance(child, ast.If) and _is_type_checking(child.test))
            if isinstance(child, ast.Import):
                found.extend(Import(alias.name, child.lineno, nested, typing_only) for alias in child.names)
            elif isinstance(child, ast.ImportFrom):
                base = child.module or ""
                if child.level:
                    anchor = package.split(".")[: len(package.split(".")) - (child.level - 1)]
                    base = ".".join([*anchor, *([base] if base else [])])
                found.append(Import(base, child.lineno, nested, typing_only))
                found.extend(Import(f"{base}.{alias.name}", child.lineno, nested, typing_only)
                             for alias in child.names)
            visit(child, nested, guarded)

    visit(ast.parse(source), False, False)
    return found


class Import(NamedTuple):
    name: str
    line: int
    inside_function: bool
    typing_only: bool
    """Under ``if TYPE_CHECKING:``: for type checkers only, never run."""


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def layering(relative: str, module: str, source: str) -> list[str]:
    """Where ``source`` imports against the layers."""
    is_package = relative.endswith("__init__.py")
    face = _under(module, CLI) or module == "chronicle.__main__"
    found = []
    for name, line, _inside, _typing in imports(source, module, is_package=is_package):
        if not name.startswith("chronicle"):
            continue
        where = f"{relative}:{line}: imports {name}"
        if _under(module, (*FORMATS, *STORE)) and _under(name, (*SERVICE, *CLI)):
            found.append(f"{where} (formats and the store are below the service)")
        if not face and _under(name, CLI):
            found.append(f"{where} (only the CLI imports the CLI)")
        if _model_level(relative) and _under(name, (*SERVICE, *CLI, *STORE, *FORMATS)):
            found.append(f"{where} (the model imports nothing above it)")
    return found


def cycles(sources: dict[str, tuple[str, bool]]) -> list[str]:
    """Import cycles among ``sources`` (module -> (source, is a package)): modules that
    reach themselves through imports run at import time, and imports inside a function
    that reach a module importing the importer back (a lazy import hiding a cycle)."""
    runtime: dict[str, set[str]] = {module: set() for module in sources}
    lazy: list[tuple[str, str, int]] = []
    for module, (source, is_package) in sources.items():
        for name, line, inside, typing_only in imports(source, module, is_package=is_package):
            if name not in sources or name == module or typing_only:
                continue
            if module.startswith(name + "."):
                # A package's own module naming the package (``from chronicle.store import
                # dialects``): Python imports a package before any module in it, so this
                # edge adds nothing to the order; the submodule it names still counts.
                continue
            if inside:
                lazy.append((module, name, line))
            else:
                runtime[module].add(name)

    def reaches(start: str, goal: str) -> bool:
        seen, stack = {start}, [start]
        while stack:
            for nxt in runtime[stack.pop()]:
                if nxt == goal:
                    return True
                if nxt not in seen:
                    seen.add(nxt)
                    stack.append(nxt)
        return False

    found = [f"{module} imports itself back through {', '.join(sorted(n for n in runtime[module] if reaches(n, module)))}"
             for module in sorted(runtime) if reaches(module, module)]
    found += [f"{module}:{line}: imports {name} inside a function, and {name} imports {module} back (a hidden cycle)"
              for module, name, line in lazy if reaches(name, module)]
    return found


def _model_level(relative: str) -> bool:
    first = relative.split("/")[0]
    return first.startswith(("model", "dates")) or first in ("errors.py", "ids.py")


def test_every_module_is_at_most_400_lines_or_says_why() -> None:
    found = [problem for relative, _, source in _modules()
             if relative not in BEING_SPLIT and (problem := too_long(relative, source))]
    assert found == []


def test_the_layers_point_one_way() -> None:
    found = [problem for relative, module, source in _modules() if relative not in BEING_SPLIT
             for problem in layering(relative, module, source)]
    assert found == []


def test_no_import_cycle_and_no_lazy_import_hiding_one() -> None:
    sources = {module: (source, relative.endswith("__init__.py")) for relative, module, source in _modules()}
    assert cycles(sources) == []


def test_the_allow_list_names_only_modules_that_exist_and_need_it() -> None:
    """Once a module is split, its line here must go (else it would excuse a new one)."""
    sources = {relative: source for relative, _, source in _modules()}
    stale = [relative for relative in BEING_SPLIT
             if relative not in sources or (too_long(relative, sources[relative]) is None
                                            and not layering(relative, _dotted(relative), sources[relative]))]
    assert stale == []


def _dotted(relative: str) -> str:
    parts = ["chronicle", *Path(relative).with_suffix("").parts]
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def test_the_size_check_catches_a_long_module_without_a_reason() -> None:
    body = "x = 1\n" * 401
    assert too_long("big.py", body)
    assert too_long("big.py", '"""A module."""\n' + body)
    assert not too_long("big.py", f'"""A module.\n\n{REASON} it is one table.\n"""\n' + body)
    assert not too_long("small.py", "x = 1\n" * 400)


def test_the_layer_check_catches_each_kind_of_arrow_against_the_layers() -> None:
    assert layering("formats/html/page.py", "chronicle.formats.html.page", "from chronicle.archive import Archive\n")
    assert layering("formats/csv_format.py", "chronicle.formats.csv_format", "import chronicle.cli.output\n")
    assert layering("store/writer.py", "chronicle.store.writer", "from chronicle import importing\n")
    assert layering("feed.py", "chronicle.feed", "from chronicle.cli.output import event_line\n")
    assert layering("model.py", "chronicle.model", "from chronicle.store import Store\n")
    assert layering("dates/parse.py", "chronicle.dates.parse", "from chronicle.formats import EXPORTERS\n")
    assert layering("ids.py", "chronicle.ids", "from chronicle.formats.mapping import content_key\n")
    assert layering("formats/html/page.py", "chronicle.formats.html.page", "from ...archive import Archive\n")
    # The allowed directions.
    assert not layering("archive.py", "chronicle.archive", "from chronicle.store import Store\n")
    assert not layering("formats/html/page.py", "chronicle.formats.html.page", "from .views import event_view\n")
    assert not layering("__main__.py", "chronicle.__main__", "from chronicle.cli import main\n")
    assert not layering("model.py", "chronicle.model", "from chronicle.dates import parse_span\n")
    assert layering("formats/presets/__init__.py", "chronicle.formats.presets",
                    "if TYPE_CHECKING:\n    from chronicle.importing import ImportReport\n")


def test_the_cycle_check_catches_a_cycle_and_a_lazy_import_hiding_one() -> None:
    def package(**modules: str) -> dict[str, tuple[str, bool]]:
        return {f"chronicle.{name}": (source, False) for name, source in modules.items()}

    assert cycles(package(a="from chronicle import b\n", b="import chronicle.c\n", c="from chronicle.a import x\n"))
    hidden = package(a="from chronicle.b import y\n", b="def f():\n    from chronicle.a import x\n")
    assert cycles(hidden) == ["chronicle.b:2: imports chronicle.a inside a function, and chronicle.a imports "
                              "chronicle.b back (a hidden cycle)"]
    # A package's module naming its own package is not a cycle; a package importing a
    # module that imports a sibling back through the package is.
    pkg = {"chronicle.p": ("from chronicle.p.a import x\n", True), "chronicle.p.a": ("from chronicle.p import b\n", False),
           "chronicle.p.b": ("y = 1\n", False)}
    assert not cycles(pkg)
    pkg["chronicle.p.b"] = ("from chronicle.p.a import x\n", False)
    assert cycles(pkg)
    # A lazy import for speed, and a type-only import back, are not cycles.
    assert not cycles(package(a="def f():\n    from chronicle.b import y\n", b="x = 1\n"))
    assert not cycles(package(a="from chronicle.b import y\n",
                              b="from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from chronicle.a import x\n"))


def test_relative_imports_resolve_to_the_module_they_name() -> None:
    names = [found.name for found in imports("from .views import a\nfrom .. import mapping\n",
                                             "chronicle.formats.html.page")]
    assert names == ["chronicle.formats.html.views", "chronicle.formats.html.views.a",
                     "chronicle.formats", "chronicle.formats.mapping"]
    package = [found.name for found in imports("from .page import export_html\n", "chronicle.formats.html",
                                               is_package=True)]
    assert package[0] == "chronicle.formats.html.page"
