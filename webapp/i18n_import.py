"""Catalogue tooling: merge a Python translation table into the .po catalogue; compile stale ones.

``python -m webapp.i18n_import PATH [--lang zh]`` reads every top-level ``NAME = {...}`` dict of
English id -> translation in PATH (the layout of the old ``webapp/i18n_zh.py`` and
``workflow/domain/forms/messages.py`` tables, which other branches may still extend) without
running it, and merges it into ``webapp/translations/<lang>/LC_MESSAGES/messages.po``: an id the
catalogue lacks is added, an empty or fuzzy translation is filled, a different translation
already in the catalogue is kept and reported, unless ``--base OLD_PATH`` shows that the table
itself changed that entry (after a merge: the other branch corrected its text on purpose). Placeholders stay ``{name}`` (str.format, see
docs/decisions.md "Translations"). Run ``make translations`` afterwards so the catalogue follows
the sources again.

``compile_stale()`` writes ``messages.mo`` next to every ``messages.po`` that is newer than it:
the test session calls it so that running pytest directly works without ``make``.
"""
from __future__ import annotations

import argparse
import ast
import sys
from dataclasses import dataclass, field
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

from webapp.i18n import TRANSLATIONS

DOMAIN = "messages"


def po_path(lang: str) -> Path:
    return TRANSLATIONS / lang / "LC_MESSAGES" / f"{DOMAIN}.po"


def read_catalog(path: Path) -> Catalog:
    with path.open("rb") as handle:
        return read_po(handle)


def write_catalog(path: Path, catalog: Catalog) -> None:
    """Written as ``pybabel update`` writes it (same width, sorted), so diffs stay small."""
    with path.open("wb") as handle:
        write_po(handle, catalog, width=76, sort_output=True, ignore_obsolete=True)


def dict_entries(path: Path) -> dict[str, str]:
    """The str -> str entries of the module's top-level tables, without executing it.

    Tables are dict literals assigned to a name, extended with ``NAME.update({...})`` or
    ``NAME["id"] = "text"``, and pruned with ``NAME.pop("id")`` (the forms the old tables use).
    """
    entries: dict[str, str] = {}
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        value = node.value if isinstance(node, (ast.Assign, ast.AnnAssign, ast.Expr)) else None
        if isinstance(value, ast.Dict):
            target = node.targets[0] if isinstance(node, ast.Assign) else getattr(node, "target", None)
            if isinstance(target, ast.Subscript):  # NAME["id"] = {...} is not a table entry
                continue
            _add(entries, ast.literal_eval(value))
        elif isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Subscript):
            _add(entries, {ast.literal_eval(node.targets[0].slice): ast.literal_eval(value)})
        elif isinstance(value, ast.Call) and isinstance(value.func, ast.Attribute) and value.args \
                and isinstance(value.args[0], (ast.Dict, ast.Constant)):  # NAME.update(OTHER): import OTHER's file
            argument = ast.literal_eval(value.args[0])
            if value.func.attr == "update" and isinstance(argument, dict):
                _add(entries, argument)
            elif value.func.attr == "pop":
                entries.pop(argument, None)
    return entries


def _add(entries: dict[str, str], table: dict) -> None:
    entries.update({k: v for k, v in table.items() if isinstance(k, str) and isinstance(v, str) and k})


@dataclass
class MergeResult:
    added: list[str] = field(default_factory=list)
    filled: list[str] = field(default_factory=list)
    kept: list[tuple[str, str, str]] = field(default_factory=list)  # id, catalogue's, table's


def merge(catalog: Catalog, entries: dict[str, str], changed: frozenset[str] = frozenset()) -> MergeResult:
    """Put ``entries`` into ``catalog``; a translation the catalogue already has wins, except for
    the ids in ``changed`` (the table's own corrections)."""
    result = MergeResult()
    by_plural = {message.id[1]: message for message in catalog if message.pluralizable}
    for msgid, text in entries.items():
        message = catalog.get(msgid) or by_plural.get(msgid)
        if message is None:
            catalog.add(msgid, text)
            result.added.append(msgid)
            continue
        if message.pluralizable:  # a table has one text for a count; every plural form takes it
            text = (text,) * catalog.num_plurals
        if not any(_strings(message)) or message.fuzzy or (msgid in changed and message.string != text):
            message.string = text
            message.flags.discard("fuzzy")
            result.filled.append(msgid)
        elif message.string != text:
            result.kept.append((msgid, str(message.string), str(text)))
    return result


def _strings(message) -> tuple[str, ...]:
    return message.string if isinstance(message.string, tuple) else (message.string,)


def import_file(path: Path, lang: str = "zh", base: Path | None = None) -> MergeResult:
    """Merge the table at ``path``; with ``base`` (the same table before), its changed texts win."""
    target = po_path(lang)
    catalog = read_catalog(target)
    entries = dict_entries(path)
    before = dict_entries(base) if base else {}
    changed = frozenset(k for k, v in entries.items() if base and before.get(k) not in (None, v))
    result = merge(catalog, entries, changed)
    write_catalog(target, catalog)
    return result


def compile_stale(root: Path = TRANSLATIONS) -> list[Path]:
    """Compile every catalogue whose .mo is missing or older than its .po; returns those written."""
    written = []
    for po in sorted(root.glob(f"*/LC_MESSAGES/{DOMAIN}.po")):
        mo = po.with_suffix(".mo")
        if mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime:
            continue
        catalog = read_catalog(po)
        with mo.open("wb") as handle:
            write_mo(handle, catalog)
        written.append(mo)
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m webapp.i18n_import", description=__doc__.split("\n\n")[0])
    parser.add_argument("path", type=Path, help="a Python file with dicts of English id -> translation")
    parser.add_argument("--lang", default="zh", help="the catalogue to merge into (default zh)")
    parser.add_argument("--base", type=Path, help="the same table before the other branch changed it")
    args = parser.parse_args(argv)
    result = import_file(args.path, args.lang, args.base)
    print(f"{len(result.added)} added, {len(result.filled)} filled, {len(result.kept)} kept as they were")
    for msgid, ours, theirs in result.kept:
        print(f"  kept {msgid!r}: {ours!r} (the table says {theirs!r})", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
