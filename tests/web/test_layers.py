"""The web layer reaches the database only through services: no models, no sessions, one get_db."""
from __future__ import annotations

import ast
from pathlib import Path

WEBAPP = Path(__file__).resolve().parents[2] / "webapp"
FORBIDDEN = ("workflow.models", "workflow.storage.models", "sqlalchemy.orm")  # tables and sessions


def modules() -> dict[Path, ast.Module]:
    return {path: ast.parse(path.read_text(encoding="utf-8")) for path in WEBAPP.rglob("*.py")}


def imported(tree: ast.Module) -> set[str]:
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


# Known, to be moved behind a service by the login-throttle work (issue 11), which owns the module.
NOT_YET_MOVED = {"throttle.py: workflow.storage.models"}


def test_no_model_or_orm_import_under_webapp():
    found = {f"{path.relative_to(WEBAPP)}: {name}" for path, tree in modules().items()
             for name in imported(tree) if name.startswith(FORBIDDEN)}
    assert found - NOT_YET_MOVED == set(), sorted(found)


def test_no_session_opened_under_webapp():
    """Sessions are opened by services (``db.transaction()``, ``db.reading()``), never by a view."""
    opened = {f"{path.relative_to(WEBAPP)}:{node.lineno}" for path, tree in modules().items()
              for node in ast.walk(tree)
              if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
              and node.func.attr in ("transaction", "reading")}
    assert not opened, sorted(opened)


def test_one_get_db():
    defined = [path.relative_to(WEBAPP) for path, tree in modules().items() for node in tree.body
               if isinstance(node, ast.FunctionDef) and node.name == "get_db"]
    assert defined == [Path("database.py")]
