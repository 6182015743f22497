"""CSV exports that a spreadsheet program opens safely: every export goes through :func:`csv_document`.

A cell starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is read as a formula by
Excel and WPS (``=cmd|' /C calc'!A0`` runs a program), so such text gets a leading apostrophe: the
program shows it as text and the reader still sees every character (OWASP "CSV injection").
Numbers are written as numbers; only text can carry a formula.
"""
from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Sequence
from typing import Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
BOM = "\ufeff"  # spreadsheet programs read UTF-8 (the Chinese) only with it


def neutralise(value: Any) -> Any:
    """Text that a spreadsheet would evaluate, made literal; anything else unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def csv_document(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    """The one CSV writer of the application (UTF-8 with BOM, formulas neutralised)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([neutralise(h) for h in header])
    for row in rows:
        writer.writerow([neutralise(cell) for cell in row])
    return BOM + buffer.getvalue()


HISTORY_COLUMNS = ("seq", "at", "actor", "role", "task", "action", "decision", "opinion", "data", "hash")


def case_history_csv(events: Iterable[Any]) -> str:
    """A case's decision history (the auditor's export)."""
    return csv_document(HISTORY_COLUMNS, (
        [e.seq, e.at.isoformat(), e.actor_name, e.role, e.task_title or "", e.action, e.decision or "",
         e.opinion or "", json.dumps(e.data, ensure_ascii=False), e.hash] for e in events))
