"""Every message id the pages use has a Chinese text; engine messages are translated too."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from webapp import errors, i18n
from webapp.i18n_zh import ZH

WEBAPP = Path(__file__).resolve().parents[2] / "webapp"
CALL = re.compile(r'''\b_\(\s*(?:"((?:[^"\\]|\\.)*)"|'((?:[^'\\]|\\.)*)')''')


def used_ids() -> set[str]:
    found = set()
    for path in [*WEBAPP.rglob("*.html"), *WEBAPP.rglob("*.py")]:
        if path.name in ("i18n.py", "i18n_zh.py", "i18n_zh_more.py"):
            continue
        for match in CALL.finditer(path.read_text(encoding="utf-8")):
            found.add((match.group(1) if match.group(1) is not None else match.group(2)).replace('\\"', '"'))
    for table in (i18n.ROLE_LABELS, i18n.STATUS_LABELS, i18n.OUTCOME_LABELS, i18n.LIGHT_LABELS, i18n.REASON_LABELS,
                  i18n.ACTION_LABELS, i18n.CHOICE_LABELS, i18n.FIELD_LABELS, i18n.RATING_LABELS,
                  i18n.CLOSE_LABELS, i18n.PROGRESS_LABELS, i18n.SEGMENT_LABELS, i18n.CERTIFICATE_STATUS_LABELS,
                  i18n.NOTICE_LABELS, i18n.INSTANCE_LABELS):
        found.update(table.values())
    found.update(errors.TITLES.values())
    found.update(errors.HINTS.values())
    return found


def test_every_message_id_has_chinese():
    missing = sorted(m for m in used_ids() if m not in ZH)
    assert not missing, missing


def test_placeholders_survive_translation():
    for english, chinese in ZH.items():
        assert set(re.findall(r"\{\w+\}", english)) == set(re.findall(r"\{\w+\}", chinese)), english


@pytest.mark.parametrize("english, chinese", [
    ("Missing data for required field.", "此项为必填项。"),
    ("Not a valid string.", "不是有效的文本。"),
    ("Unknown field.", "未知字段。"),
    ("Not a valid integer.", "不是有效的整数。"),
    ("Not a valid date.", "不是有效的日期。"),
    ("Must be one of: approve, deny.", "必须是以下之一：approve, deny。"),
    ("Longer than maximum length 2000.", "长度不能超过 2000。"),
    ("Shorter than minimum length 1.", "长度不能少于 1。"),
    ("Case not found.", "未找到该办件。"),
    ("The case was changed by someone else (version 3, you had 2). Reload and try again.",
     "该办件已被他人更新（当前版本 3，您看到的是 2），请刷新后重试。"),
    ("Something nobody translated.", "Something nobody translated."),
])
def test_engine_messages_in_chinese_with_english_fallback(app, english, chinese):
    with app.test_request_context("/"):
        assert i18n.translate_message(english) == chinese
    with app.test_request_context("/?lang=en"):
        assert i18n.translate_message(english) == english


def test_engine_messages_that_services_raise_are_covered(app):
    """Literal messages in workflow/ errors should have a translation (parametrised ones use PATTERNS)."""
    root = WEBAPP.parent / "workflow"
    literal = re.compile(r'(?:Conflict|NotFound|Forbidden)\("([^"{]+)"\)|\[\s*"([^"{]+\.)"\s*\]')
    missing = set()
    for path in root.rglob("*.py"):
        for match in literal.finditer(path.read_text(encoding="utf-8")):
            message = match.group(1) or match.group(2)
            with app.test_request_context("/"):
                if i18n.translate_message(message) == message:
                    missing.add(message)
    assert not missing, sorted(missing)
