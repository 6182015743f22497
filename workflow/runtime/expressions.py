"""The safe expression evaluator used for every expression a BPMN file contains.

SpiffWorkflow evaluates gateway conditions, timer expressions, multi-instance
cardinalities and service-task parameters with Python's ``eval``. A process file
is data an administrator uploads, so we never hand it to ``eval``: expressions are
parsed, checked against a whitelist of AST nodes, and interpreted by walking the
tree. Names resolve only to task data and a few registered functions; there is
no attribute access at all, so ``().__class__`` and friends cannot even be
written. Anything outside the subset is refused at deployment (``check``).

Resources are bounded too, since an expression is run by every case that reaches it: an
expression is at most :data:`MAX_CHARS` characters and :data:`MAX_NODES` nodes (there are no
loops, so that bounds the steps); no value may grow beyond :data:`MAX_SIZE` characters or items
(counted through nested lists and dicts, checked *before* a repetition or concatenation is
built) or an integer beyond :data:`MAX_INT_BITS` bits; string ``%`` formatting is refused;
an evaluation stops after :data:`MAX_SECONDS`. At deployment every part of an expression that
reads no task data is evaluated under the same limits, so ``len('x' * 10000 * 10000)`` is
refused when the BPMN is uploaded, not when a case hits it.
"""
from __future__ import annotations

import ast
import operator
import time
from collections.abc import Callable, Mapping
from functools import lru_cache
from typing import Any


class ExpressionError(ValueError):
    """An expression outside the safe subset, or one that failed to evaluate."""


def _count(items: Any, value: Any) -> int:
    return sum(1 for item in (items or []) if item == value)


def _get(mapping: Any, key: Any, default: Any = None) -> Any:
    return mapping.get(key, default) if isinstance(mapping, Mapping) else default


def _sum(items: Any, start: Any = 0) -> Any:
    """Numbers only: ``sum(lists, [])`` would concatenate in quadratic time."""
    if not isinstance(start, (int, float)) or isinstance(start, bool):
        raise ExpressionError("sum() adds numbers only")
    return sum(items, start)


FUNCTIONS: dict[str, Callable[..., Any]] = {
    "len": len, "min": min, "max": max, "sum": _sum, "any": any, "all": all,
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
MAX_CHARS = 2_000
MAX_NODES = 400
MAX_SIZE = 10_000
MAX_INT_BITS = 4_096
MAX_SECONDS = 0.5
_KEYWORDS = ("True", "False", "None")


class _Run:
    """One evaluation: the task data and the time it may take."""

    def __init__(self, data: Mapping[str, Any]) -> None:
        self.data = data
        self.deadline = time.monotonic() + MAX_SECONDS

    def tick(self) -> None:
        if time.monotonic() > self.deadline:
            raise ExpressionError(f"expression took longer than {MAX_SECONDS} s")


def size(value: Any, cap: int = MAX_SIZE) -> int:
    """Characters and items in ``value``, through nested lists, tuples and dicts; stops past ``cap``."""
    total, stack = 0, [value]
    while stack and total <= cap:
        item = stack.pop()
        if isinstance(item, (str, bytes)):
            total += len(item)
        elif isinstance(item, (list, tuple, set, frozenset)):
            total += len(item)
            stack.extend(item)
        elif isinstance(item, Mapping):
            total += len(item)
            stack.extend(item.keys())
            stack.extend(item.values())
        else:
            total += 1
    return total


def _bounded(value: Any) -> Any:
    if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > MAX_INT_BITS:
        raise ExpressionError(f"number too large (over {MAX_INT_BITS} bits)")
    if isinstance(value, (str, bytes, list, tuple, dict)) and size(value) > MAX_SIZE:
        raise ExpressionError(f"value too large (over {MAX_SIZE} characters or items)")
    return value


@lru_cache(maxsize=4096)
def parse(expression: str) -> ast.Expression:
    """Parse and whitelist-check an expression; cached because processes reuse theirs."""
    if len(expression) > MAX_CHARS:
        raise ExpressionError(f"expression longer than {MAX_CHARS} characters")
    try:
        tree = ast.parse(expression.strip(), mode="eval")
    except (SyntaxError, RecursionError, MemoryError) as exc:
        raise ExpressionError(f"syntax error in expression {expression!r}: {getattr(exc, 'msg', 'too deep')}") from None
    nodes = list(ast.walk(tree))
    if len(nodes) > MAX_NODES:
        raise ExpressionError(f"expression has more than {MAX_NODES} parts")
    for node in nodes:
        if not isinstance(node, _ALLOWED):
            raise ExpressionError(f"{type(node).__name__} is not allowed in expression {expression!r}")
        if isinstance(node, ast.Name) and node.id.startswith("__"):
            raise ExpressionError(f"name {node.id!r} is not allowed in expression {expression!r}")
        if isinstance(node, ast.Call) and not (isinstance(node.func, ast.Name) and node.func.id in FUNCTIONS):
            raise ExpressionError(f"only registered functions may be called in expression {expression!r}")
    return tree


def check(expression: str) -> None:
    """Refuse an expression outside the subset or its limits (used when a BPMN file is deployed):
    every part that reads no task data is evaluated now, under the run-time limits."""
    tree = parse(expression)
    for node in ast.walk(tree.body):
        if isinstance(node, _BUILDS) and _reads_no_data(node):
            _evaluate_node(expression, node, {})


def _reads_no_data(node: ast.AST) -> bool:
    return all(n.id in _KEYWORDS for n in ast.walk(node) if isinstance(n, ast.Name))


def evaluate(expression: str, data: Mapping[str, Any]) -> Any:
    """Evaluate ``expression`` with names taken from ``data``, within the limits."""
    return _evaluate_node(expression, parse(expression).body, data)


def _evaluate_node(expression: str, node: ast.AST, data: Mapping[str, Any]) -> Any:
    try:
        return _eval(node, _Run(data))
    except ExpressionError as exc:
        raise ExpressionError(f"{exc} in expression {expression[:200]!r}") from None
    except Exception as exc:  # a bad value in task data, e.g. a missing name or 1/0
        raise ExpressionError(f"cannot evaluate {expression[:200]!r}: {exc}") from None


_BUILDS = (ast.BinOp, ast.Call, ast.List, ast.Tuple, ast.Dict)  # nodes that make new values


def _eval(node: ast.AST, run: _Run) -> Any:
    run.tick()
    value = _eval_node(node, run)
    return _bounded(value) if isinstance(node, _BUILDS) else value


def _eval_node(node: ast.AST, run: _Run) -> Any:
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, ast.Name):
        return _name(node.id, run.data)
    if isinstance(node, ast.BoolOp):
        return _bool_op(node, run)
    if isinstance(node, ast.BinOp):
        return _binary(node, run)
    if isinstance(node, ast.UnaryOp):
        return _UNARY[type(node.op)](_eval(node.operand, run))
    if isinstance(node, ast.Compare):
        return _compare(node, run)
    if isinstance(node, ast.IfExp):
        return _eval(node.body if _eval(node.test, run) else node.orelse, run)
    if isinstance(node, ast.Subscript):
        return _eval(node.value, run)[_eval(node.slice, run)]
    if isinstance(node, (ast.List, ast.Tuple)):
        return [_eval(item, run) for item in node.elts]
    if isinstance(node, ast.Dict):
        return {_eval(k, run): _eval(v, run) for k, v in zip(node.keys, node.values)}
    if isinstance(node, ast.Call):
        args = [_eval(arg, run) for arg in node.args]
        kwargs = {kw.arg: _eval(kw.value, run) for kw in node.keywords}
        return FUNCTIONS[node.func.id](*args, **kwargs)
    raise ExpressionError(f"{type(node).__name__} is not allowed")


def _name(name: str, data: Mapping[str, Any]) -> Any:
    if name in data:
        return data[name]
    if name in ("True", "False", "None"):
        return {"True": True, "False": False, "None": None}[name]
    raise ExpressionError(f"name {name!r} is not defined in the task data")


def _bool_op(node: ast.BoolOp, run: _Run) -> Any:
    result: Any = None
    for value in node.values:
        result = _eval(value, run)
        if isinstance(node.op, ast.And) and not result:
            return result
        if isinstance(node.op, ast.Or) and result:
            return result
    return result


def _binary(node: ast.BinOp, run: _Run) -> Any:
    left, right = _eval(node.left, run), _eval(node.right, run)
    sequences = (str, list, tuple)
    if isinstance(node.op, ast.Mod) and isinstance(left, str):
        raise ExpressionError("string formatting is not allowed")
    if isinstance(node.op, ast.Mult) and any(isinstance(v, sequences) for v in (left, right)):
        seq, times = (left, right) if isinstance(left, sequences) else (right, left)
        if isinstance(times, int) and size(seq) * max(times, 0) > MAX_SIZE:
            raise ExpressionError("sequence repetition too large")
    if isinstance(node.op, ast.Add) and isinstance(left, sequences) and isinstance(right, sequences):
        if size(left) + size(right) > MAX_SIZE:
            raise ExpressionError("concatenation too large")
    return _BINARY[type(node.op)](left, right)


def _compare(node: ast.Compare, run: _Run) -> bool:
    left = _eval(node.left, run)
    for op, comparator in zip(node.ops, node.comparators):
        right = _eval(comparator, run)
        if not _COMPARE[type(op)](left, right):
            return False
        left = right
    return True
