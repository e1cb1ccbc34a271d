"""Planner hints for SQLite, compiled away on PostgreSQL.

SQLite's planner has no statistics unless someone runs ANALYZE, and guesses that an
equality (``to_seq IS NULL``, ``wide = 1``) picks few rows. The hints keep its partial
indexes usable — the marked terms still imply the indexes' conditions. PostgreSQL keeps
statistics and plans these well, so there they are the plain clause.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.visitors import InternalTraversal
from sqlalchemy.types import NullType


class _OnSQLite(ColumnElement[Any]):
    """``clause`` as it is, but wrapped in ``template`` when compiled for SQLite."""

    inherit_cache = True
    _traverse_internals = [  # noqa: RUF012 - SQLAlchemy's cache-key declaration
        ("clause", InternalTraversal.dp_clauseelement), ("template", InternalTraversal.dp_string),
    ]

    def __init__(self, clause: ColumnElement[Any], template: str, type_: Any) -> None:
        self.clause = clause
        self.template = template
        self.type = type_


@compiles(_OnSQLite)
def _plain(element: _OnSQLite, compiler: Any, **kwargs: Any) -> str:
    return str(compiler.process(element.clause, **kwargs))


@compiles(_OnSQLite, "sqlite")
def _wrapped(element: _OnSQLite, compiler: Any, **kwargs: Any) -> str:
    return element.template.format(compiler.process(element.clause, **kwargs))


def likely(condition: ColumnElement[bool]) -> ColumnElement[Any]:
    """A condition true for most rows (SQLite ``likely()``): no index is chosen for it."""
    return _OnSQLite(condition, "likely({})", NullType())


def unlikely(condition: ColumnElement[bool]) -> ColumnElement[Any]:
    """A condition true for few rows (SQLite ``unlikely()``): its index is preferred."""
    return _OnSQLite(condition, "unlikely({})", NullType())


def unindexed(column: ColumnElement[Any]) -> ColumnElement[Any]:
    """A column that must not drive the choice of index here (SQLite's unary ``+``)."""
    return _OnSQLite(column, "+{}", column.type)
