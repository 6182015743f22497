"""Code → label tables (``webapp/labels.toml``): the English message id a stored code is shown as
(a role, a status, a decision, a form field …), translated into the page language by the catalogue.

The tables are data, kept in a data file: 15 long tables of the same shape read better there than as
Python dicts, and ``make translations`` still extracts every id (babel.cfg names :func:`extract` as
the extraction method of that file), so a new label is one line in the file plus its Chinese in the
catalogue.
"""
from __future__ import annotations

import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from webapp.i18n import current_lang, gettext

LABELS_FILE = Path(__file__).resolve().with_name("labels.toml")
LABELS: dict[str, dict[str, str]] = tomllib.loads(LABELS_FILE.read_text(encoding="utf-8"))


def has_label(section: str, code: Any) -> bool:
    return code is not None and str(code) in LABELS[section]


def label(section: str, code: Any) -> str:
    """``code`` as the table ``section`` names it, in the page language; an unknown code as itself."""
    if code is None:
        return ""
    return gettext(LABELS[section].get(str(code), str(code)))


def step_label(name: str | None) -> str:
    """A BPMN step's stored name (Chinese, as its process says it) in the page language: the ``[step]``
    table's English id through the catalogue. Chinese pages show the stored name itself, so a row
    always reads as it was recorded; a name the table lacks is shown as stored. Display only: no row
    changes."""
    if not name:
        return name or ""
    english = LABELS["step"].get(name)
    return name if english is None or current_lang() == "zh" else gettext(english)


def labeller(section: str):
    """:func:`label` of one table, for templates (``role_label(code)``)."""
    return lambda code: label(section, code)


def extract(fileobj: IO[bytes], keywords: Any, comment_tags: Any, options: Any) -> Iterator[tuple]:
    """pybabel extraction method for labels.toml: every label is a message id."""
    for table in tomllib.loads(fileobj.read().decode("utf-8")).values():
        for text in table.values():
            yield 1, None, text, []
