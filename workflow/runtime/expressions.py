"""The safe expression evaluator used for every expression a BPMN file contains.

SpiffWorkflow evaluates gateway conditions, timer expressions, multi-instance
cardinalities and service-task parameters with Python's ``eval``. A process file
is data an administrator uploads, so we never hand it to ``eval``: expressions are
parsed, checked against a whitelist of AST nodes, and interpreted by walking the
tree. Names resolve only to task data and a few registered functions; there is
no attribute access at all, so ``().__class__`` and friends cannot even be
written. Anything outside the subset is refused at deployment (``check``).
"""
from __future__ import annotations

import ast
import operator
from collections.abc import Callable, Mapping
from functools import lru_cache
from typing import Any


class ExpressionError(ValueError):
    """An expression outside the safe subset, or one that failed to evaluate."""


def _count(items: Any, value: Any) -> int:
    return sum(1 for item in (items or []) if item == value)


def _get(mapping: Any, key: Any, default: Any = None) -> Any:
    return mapping.get(key, default) if isinstance(mapping, Mapping) else default


FUNCTIONS: dict[str, Callable[..., Any]] = {
    "len": len, "min": min, "max": max, "sum": sum, "any": any, "all": all,
    "abs": abs, "round": round, "int": int, "float": float, "str": str, "bool": bool,
    "count": _count, "get": _get,
}

_BINARY = {
    ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul,
    ast.Div: operator.truediv, ast.FloorDiv: operator.floordiv, ast.Mod: operator.mod,
}
_UNARY = {ast.Not: operator.not_, ast.USub: operator.neg, ast.UAdd: operator.pos}
_COMPARE = {
    ast.Eq: operator.eq, ast.NotEq: operator.ne, ast.Lt: operator.lt, ast.LtE: operator.le,
    ast.Gt: operator.gt, ast.GtE: operator.ge, ast.In: lambda a, b: a in b,
    ast.NotIn: lambda a, b: a not in b, ast.Is: operator.is_, ast.IsNot: operator.is_not,
}
_ALLOWED = (
    ast.Expression, ast.Constant, ast.Name, ast.Load, ast.BoolOp, ast.And, ast.Or, ast.BinOp,
    ast.UnaryOp, ast.Compare, ast.IfExp, ast.Subscript, ast.List, ast.Tuple, ast.Dict, ast.Call,
    ast.keyword, *_BINARY, *_UNARY, *_COMPARE,
)
_MAX_SEQUENCE = 10_000


@lru_cache(maxsize=4096)
def parse(expression: str) -> ast.Expression:
    """Parse and whitelist-check an expression; cached because processes reuse theirs."""
    try:
        tree = ast.parse(expression.strip(), mode="eval")
    except SyntaxError as exc:
        raise ExpressionError(f"syntax error in expression {expression!r}: {exc.msg}") from None
    for node in ast.walk(tree):
        if not isinstance(node, _ALLOWED):
            raise ExpressionError(f"{type(node).__name__} is not allowed in expression {expression!r}")
        if isinstance(node, ast.Name) and node.id.startswith("__"):
            raise ExpressionError(f"name {node.id!r} is not allowed in expression {expression!r}")
        if isinstance(node, ast.Call) and not (isinstance(node.func, ast.Name) and node.func.id in FUNCTIONS):
            raise ExpressionError(f"only registered functions may be called in expression {expression!r}")
    return tree


def check(expression: str) -> None:
    """Refuse an expression outside the subset (used when a BPMN file is deployed)."""
    parse(expression)


def evaluate(expression: str, data: Mapping[str, Any]) -> Any:
    """Evaluate ``expression`` with names taken from ``data``."""
    try:
        return _eval(parse(expression).body, data)
    except ExpressionError:
        raise
    except Exception as exc:  # a bad value in task data, e.g. a missing name or 1/0
        raise ExpressionError(f"cannot evaluate {expression!r}: {exc}") from None


def _eval(node: ast.AST, data: Mapping[str, Any]) -> Any:
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, ast.Name):
        return _name(node.id, data)
    if isinstance(node, ast.BoolOp):
        return _bool_op(node, data)
    if isinstance(node, ast.BinOp):
        return _binary(node, data)
    if isinstance(node, ast.UnaryOp):
        return _UNARY[type(node.op)](_eval(node.operand, data))
    if isinstance(node, ast.Compare):
        return _compare(node, data)
    if isinstance(node, ast.IfExp):
        return _eval(node.body if _eval(node.test, data) else node.orelse, data)
    if isinstance(node, ast.Subscript):
        return _eval(node.value, data)[_eval(node.slice, data)]
    if isinstance(node, (ast.List, ast.Tuple)):
        return [_eval(item, data) for item in node.elts]
    if isinstance(node, ast.Dict):
        return {_eval(k, data): _eval(v, data) for k, v in zip(node.keys, node.values)}
    if isinstance(node, ast.Call):
        args = [_eval(arg, data) for arg in node.args]
        kwargs = {kw.arg: _eval(kw.value, data) for kw in node.keywords}
        return FUNCTIONS[node.func.id](*args, **kwargs)
    raise ExpressionError(f"{type(node).__name__} is not allowed")


def _name(name: str, data: Mapping[str, Any]) -> Any:
    if name in data:
        return data[name]
    if name in ("True", "False", "None"):
        return {"True": True, "False": False, "None": None}[name]
    raise ExpressionError(f"name {name!r} is not defined in the task data")


def _bool_op(node: ast.BoolOp, data: Mapping[str, Any]) -> Any:
    result: Any = None
    for value in node.values:
        result = _eval(value, data)
        if isinstance(node.op, ast.And) and not result:
            return result
        if isinstance(node.op, ast.Or) and result:
            return result
    return result


def _binary(node: ast.BinOp, data: Mapping[str, Any]) -> Any:
    left, right = _eval(node.left, data), _eval(node.right, data)
    if isinstance(node.op, ast.Mult) and any(isinstance(v, (str, list, tuple)) for v in (left, right)):
        size = max(len(v) if isinstance(v, (str, list, tuple)) else abs(int(v)) for v in (left, right))
        if size > _MAX_SEQUENCE:
            raise ExpressionError("sequence repetition too large")
    return _BINARY[type(node.op)](left, right)


def _compare(node: ast.Compare, data: Mapping[str, Any]) -> bool:
    left = _eval(node.left, data)
    for op, comparator in zip(node.ops, node.comparators):
        right = _eval(comparator, data)
        if not _COMPARE[type(op)](left, right):
            return False
        left = right
    return True
