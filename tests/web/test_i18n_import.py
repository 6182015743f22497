"""The catalogue tooling: a Python table merged into a .po catalogue; stale catalogues compiled."""
from __future__ import annotations

import os
import shutil
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.support import Translations

from webapp.i18n_import import compile_stale, dict_entries, main, merge, po_path, read_catalog, write_catalog

TABLE = '''"""A table in the old layout."""
ZH: dict[str, str] = {"New text": "新文本", "Empty": "空", "Kept": "另一个译文", "{n} working days": "{n} 个工作日"}
ZH.pop("Gone")
ZH.update({"Fuzzy": "模糊", "Gone": "不要"})
ZH.pop("Gone")
ZH["Late"] = "晚"
ZH.update(MORE)
MESSAGES_ZH = {"Other table": "另一表", 1: "not a message id"}
'''


def catalogue() -> Catalog:
    catalog = Catalog(locale="zh")
    catalog.add("Empty", "")
    catalog.add("Kept", "保留")
    catalog.add("Fuzzy", "旧", flags=["fuzzy"])
    catalog.add(("{n} working day", "{n} working days"), ("",))
    return catalog


def test_tables_are_read_without_running_them(tmp_path):
    path = tmp_path / "table.py"
    path.write_text(TABLE + "raise SystemExit('never run')\n", encoding="utf-8")
    assert dict_entries(path) == {"New text": "新文本", "Empty": "空", "Kept": "另一个译文", "{n} working days": "{n} 个工作日",
                                  "Fuzzy": "模糊", "Late": "晚", "Other table": "另一表"}


def test_merge_adds_fills_and_keeps(tmp_path):
    catalog = catalogue()
    result = merge(catalog, {"New text": "新文本", "Empty": "空", "Kept": "另一个译文", "Fuzzy": "模糊",
                             "{n} working days": "{n} 个工作日"})
    assert result.added == ["New text"]
    assert sorted(result.filled) == ["Empty", "Fuzzy", "{n} working days"]
    assert result.kept == [("Kept", "保留", "另一个译文")]
    assert catalog.get("Kept").string == "保留" and not catalog.get("Fuzzy").fuzzy
    assert catalog.get("{n} working day").string == ("{n} 个工作日",)


def test_a_text_the_table_itself_corrected_wins():
    catalog = catalogue()
    result = merge(catalog, {"Kept": "另一个译文", "Empty": "空"}, changed=frozenset({"Kept"}))
    assert sorted(result.filled) == ["Empty", "Kept"] and not result.kept
    assert catalog.get("Kept").string == "另一个译文"


def test_the_command_merges_into_the_catalogue_file(tmp_path, monkeypatch, capsys):
    target = tmp_path / "zh" / "LC_MESSAGES" / "messages.po"
    target.parent.mkdir(parents=True)
    write_catalog(target, catalogue())
    monkeypatch.setattr("webapp.i18n_import.TRANSLATIONS", tmp_path)
    assert po_path("zh") == target
    table = tmp_path / "table.py"
    table.write_text(TABLE, encoding="utf-8")
    assert main([str(table)]) == 0
    assert "3 added, 3 filled, 1 kept" in capsys.readouterr().out
    merged = read_catalog(target)
    assert merged.get("Other table").string == "另一表" and merged.get("Empty").string == "空"
    base = tmp_path / "before.py"
    base.write_text('ZH = {"Kept": "保留"}\n', encoding="utf-8")
    assert main([str(table), "--base", str(base)]) == 0
    assert "0 added, 1 filled, 0 kept" in capsys.readouterr().out
    assert read_catalog(target).get("Kept").string == "另一个译文"


def test_stale_catalogues_are_compiled(tmp_path):
    po = tmp_path / "zh" / "LC_MESSAGES" / "messages.po"
    po.parent.mkdir(parents=True)
    shutil.copy(po_path("zh"), po)
    assert compile_stale(tmp_path) == [po.with_suffix(".mo")]
    assert compile_stale(tmp_path) == []  # fresh: left alone
    zh = Translations.load(str(tmp_path), ["zh"])
    assert zh.gettext("Log in") == "登录"
    later = po.with_suffix(".mo").stat().st_mtime + 10
    os.utime(po, (later, later))
    assert compile_stale(tmp_path) == [po.with_suffix(".mo")]


def test_the_real_catalogues_exist():
    root = Path(po_path("zh")).parents[2]
    assert {p.parent.parent.name for p in root.glob("*/LC_MESSAGES/messages.po")} == {"zh", "en"}
