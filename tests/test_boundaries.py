"""The rooms keep their doors: no module reaches into the store through the archive,
and none uses another module's private names. Walks ``src/chronicle`` with ``ast``, so
a new module is checked without editing this file."""

from __future__ import annotations

import ast

from tests.conftest import ROOT

PACKAGE = ROOT / "src" / "chronicle"

#: The modules that may hold a Store: the store itself and the one service that owns it.
STORE_OWNERS = ("store/", "archive.py")
#: Rooms split into packages: one idea in several modules, which may share the package's
#: internals with each other (and only with each other).
ROOMS = ("store/", "dates/", "formats/ical/", "formats/html/", "formats/presets/", "serve/")


def _defined_private_names(tree: ast.Module) -> set[str]:
    """Private names this module defines: functions, classes, assignments, its own
    objects' attributes (``self._x = …``)."""
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names.add(node.name)
        elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            names.add(node.id)
        elif (isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Store)
              and isinstance(node.value, ast.Name) and node.value.id in ("self", "cls")):
            names.add(node.attr)
        elif isinstance(node, ast.arg):
            names.add(node.arg)
    return {name for name in names if _private(name)}


def _private(name: str) -> bool:
    return name.startswith("_") and not name.startswith("__")


def violations(source: str, relative: str) -> list[str]:
    """Where ``source`` (the module at ``relative`` under the package) breaks a boundary."""
    tree = ast.parse(source)
    own = _defined_private_names(tree)
    owner = relative.startswith(STORE_OWNERS)
    room = next((r for r in ROOMS if relative.startswith(r)), None)
    room_module = "chronicle." + room.rstrip("/").replace("/", ".") if room else None
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("chronicle"):
            if room_module and (node.module or "").startswith(room_module):
                continue
            found += [f"{relative}:{node.lineno}: imports {node.module}.{alias.name}"
                      for alias in node.names if _private(alias.name)]
        elif isinstance(node, ast.Attribute):
            if node.attr == "store" and not owner:
                found.append(f"{relative}:{node.lineno}: reaches the store through {ast.unparse(node)}")
            elif _private(node.attr) and node.attr not in own:
                found.append(f"{relative}:{node.lineno}: uses another module's private {ast.unparse(node)}")
    return found


def test_no_module_reaches_the_store_or_another_modules_private_parts() -> None:
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        relative = path.relative_to(PACKAGE).as_posix()
        found += violations(path.read_text(encoding="utf-8"), relative)
    assert found == []


def test_the_walk_catches_each_kind_of_breach() -> None:
    """The checker itself: each breach the issue found on main is caught, the allowed
    forms are not."""
    assert violations("def f(archive):\n    return archive.store.url\n", "cli/write.py")
    assert violations("def f(store):\n    store._meta = None\n", "upgrade.py")
    assert violations("from chronicle.store import _events_statement\n", "exporting.py")
    assert not violations("from chronicle.store.rows import _x\n", "store/integrity.py")
    assert violations("from chronicle.store.rows import _x\n", "integrity.py")
    assert violations("from chronicle.store.rows import _x\n", "dates/edtf.py")
    assert not violations("from chronicle.dates.instant import _x\n", "dates/edtf.py")
    assert violations("import chronicle.dialects as d\nd._engine()\n", "serve.py")
    assert not violations("class A:\n    def f(self):\n        return self.store.url\n", "archive.py")
    assert not violations("class A:\n    _x = 1\n    def f(self, other):\n        return other._x\n", "dates.py")
    assert not violations("def f(archive):\n    return archive.url\n", "cli/write.py")
