"""The web layer reaches the database only through services: no models, no sessions, one get_db;
and the code stays small enough to read: modules under 400 lines, views under 15."""
from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
WEBAPP = ROOT / "webapp"
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


def test_no_model_or_orm_import_under_webapp():
    found = {f"{path.relative_to(WEBAPP)}: {name}" for path, tree in modules().items()
             for name in imported(tree) if name.startswith(FORBIDDEN)}
    assert found == set(), sorted(found)


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


MAX_MODULE_LINES = 400
MAX_VIEW_LINES = 15
ROUTE_DECORATORS = ("route", "get", "post", "put", "patch", "delete")


def is_view(node: ast.AST) -> bool:
    """A function a Flask or flask-smorest blueprint routes to (``@bp.route(...)``, ``@bp.post(...)``)."""
    if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
        return False
    calls = [d.func for d in node.decorator_list if isinstance(d, ast.Call)]
    return any(isinstance(f, ast.Attribute) and f.attr in ROUTE_DECORATORS for f in calls)


def test_modules_are_under_400_lines():
    """Migrations are history, written once and never edited, so they do not count."""
    long = {f"{path.relative_to(ROOT)}: {lines}" for package in ("webapp", "workflow")
            for path in (ROOT / package).rglob("*.py") if "migrations" not in path.parts
            and (lines := len(path.read_text(encoding="utf-8").splitlines())) >= MAX_MODULE_LINES}
    assert not long, sorted(long)


def test_views_are_under_15_lines():
    """A view parses the request, calls one service and answers; anything longer belongs in a service."""
    long = {f"{path.relative_to(WEBAPP)}:{node.lineno} {node.name}: {node.end_lineno - node.lineno + 1}"
            for path, tree in modules().items() for node in ast.walk(tree)
            if is_view(node) and node.end_lineno - node.lineno + 1 >= MAX_VIEW_LINES}
    assert not long, sorted(long)
