"""Small helpers the views share: tolerant request parsing (bad input is never a 500)."""
from __future__ import annotations

from datetime import date

from flask import request


def int_arg(name: str, default: int | None = None, source=None) -> int | None:
    raw = (source if source is not None else request.args).get(name, "")
    try:
        value = int(str(raw).strip())
    except (TypeError, ValueError):
        return default
    return value if -2**31 < value < 2**31 else default


def date_arg(name: str, default: date | None = None, source=None) -> date | None:
    raw = ((source if source is not None else request.args).get(name) or "").strip()
    try:
        value = date.fromisoformat(raw) if raw else default
    except ValueError:
        return default
    return value if value is None or 1900 <= value.year <= 2200 else default


def ints(values: list[str]) -> list[int]:
    out = []
    for v in values:
        try:
            out.append(int(v))
        except (TypeError, ValueError):
            continue
    return out
