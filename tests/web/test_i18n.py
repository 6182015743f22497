"""The one catalogue: every message id of the sources has Chinese; engine messages translate by id."""
from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg

from webapp import i18n
from webapp.api.schemas import auth, base, cases, processes, public, tasks
from webapp.i18n_import import po_path, read_catalog
from workflow.domain import forms
from workflow.domain.forms.messages import MessageSchema
from workflow.errors import Message, msg

ROOT = Path(__file__).resolve().parents[2]
PLACEHOLDER = re.compile(r"\{\w*\}")


def extracted_ids() -> set[str]:
    """What ``make translations`` extracts (babel.cfg), the singular id of a plural."""
    with (ROOT / "babel.cfg").open(encoding="utf-8") as cfg:
        method_map, options_map = parse_mapping_cfg(cfg)
    found = set()
    for _file, _line, message, _comments, _context in extract_from_dir(ROOT, method_map, options_map):
        found.add(message[0] if isinstance(message, tuple) else message)
    return found


def strings(message) -> tuple[str, ...]:
    return message.string if isinstance(message.string, tuple) else (message.string,)


@pytest.fixture(scope="module")
def zh():
    return read_catalog(po_path("zh"))


def test_every_message_of_the_sources_has_chinese(zh):
    ids = extracted_ids()
    assert len(ids) > 500  # the extraction really ran over pages, views, forms and engine
    untranslated = sorted(m for m in ids if zh.get(m) is None or zh.get(m).fuzzy or not all(strings(zh.get(m))))
    assert not untranslated, untranslated


def test_every_catalogue_entry_is_translated_and_used(zh):
    ids = extracted_ids()
    entries = [m for m in zh if m.id]
    assert not [m.id for m in entries if m.fuzzy or not all(strings(m))]
    assert not [m.id for m in entries if (m.id[0] if m.pluralizable else m.id) not in ids], "run make translations"


def test_placeholders_survive_translation(zh):
    for message in zh:
        if not message.id:
            continue
        ids = message.id if message.pluralizable else (message.id,)
        wanted = set(PLACEHOLDER.findall(ids[-1]))
        for text in strings(message):
            assert set(PLACEHOLDER.findall(text)) == wanted, message.id
        assert "%(" not in ids[-1], f"{message.id}: placeholders are {{name}} (str.format), not %(name)s"


@pytest.mark.parametrize("message, chinese", [
    (msg("Missing data for required field."), "此项为必填项。"),
    (msg("Longer than maximum length {max}.", max=2000), "长度不能超过 2000。"),
    (msg("Must be one of: {choices}.", choices="approve, deny"), "必须是以下之一：approve, deny。"),
    (msg("The case was changed by someone else (version {version}, you had {had}). Reload and try again.",
         version=3, had=2), "该办件已被他人更新（当前版本 3，您看到的是 2），请刷新后重试。"),
    ("Case not found.", "未找到该办件。"),
    ("Something nobody translated.", "Something nobody translated."),
])
def test_engine_messages_by_id_with_english_fallback(app, message, chinese):
    with app.test_request_context("/"):
        assert i18n.translate_message(message) == chinese
    with app.test_request_context("/?lang=en"):
        assert i18n.translate_message(message) == str(message)


def test_counts_are_singular_in_english(app):
    with app.test_request_context("/?lang=en"):
        assert i18n.ngettext("{n} working day", "{n} working days", 1) == "1 working day"
        assert i18n.ngettext("{n} working day", "{n} working days", 3) == "3 working days"
    with app.test_request_context("/"):
        assert i18n.ngettext("{n} working day", "{n} working days", 1) == "1 个工作日"


def schemas() -> list[type]:
    api = {s for module in (auth, base, cases, processes, public, tasks) for s in vars(module).values()
           if isinstance(s, type) and issubclass(s, MessageSchema)}
    return [*forms.FORMS.values(), *api]


def templates(field) -> list:
    found = list(field.error_messages.values())
    for validator in field.validators:
        found += [getattr(validator, name) for name in ("error", "message_min", "message_max", "message_all")
                  if isinstance(getattr(validator, name, None), str)]
    for name in ("inner", "key_field", "value_field"):
        if getattr(field, name, None) is not None:
            found += templates(getattr(field, name))
    return found


def test_every_form_and_api_message_is_a_catalogue_message(zh):
    """marshmallow's own templates are overridden once (MessageSchema) and all have Chinese."""
    assert len(schemas()) > 40
    for schema in schemas():
        instance = schema()
        for template in [*instance.error_messages.values(),
                         *(t for f in instance.fields.values() for t in templates(f))]:
            assert isinstance(template, Message), (schema.__name__, template)
            assert zh.get(template.msgid) and zh.get(template.msgid).string, (schema.__name__, template.msgid)


ERRORS = {"Conflict", "NotFound", "Forbidden", "ValidationError", "ApiError"}


def _name(node: ast.AST) -> str:
    return node.attr if isinstance(node, ast.Attribute) else getattr(node, "id", "")


def _texts(node: ast.AST) -> list[ast.AST]:
    """Literal or f-string texts standing where a message belongs (inside lists and dict values)."""
    if isinstance(node, ast.JoinedStr) or (isinstance(node, ast.Constant) and isinstance(node.value, str)):
        return [node]
    if isinstance(node, (ast.List, ast.Tuple)):
        return [t for item in node.elts for t in _texts(item)]
    if isinstance(node, ast.Dict):
        return [t for value in node.values for t in _texts(value)]
    return []


def untranslatable(tree: ast.Module, known: set[str]) -> list[int]:
    """Lines where an error message is an f-string, or a literal that extraction cannot see.

    A literal is extracted as the first argument of ``Conflict``/``NotFound``/``Forbidden``
    (``ApiError``'s second); anywhere else it must be an id extracted elsewhere (``known``), and
    every text with values goes through ``msg()``.
    """
    lines = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and _name(node.func) in ERRORS and node.args:
            position = 1 if _name(node.func) == "ApiError" else 0
            if position >= len(node.args):
                continue
            argument = node.args[position]
            extracted = isinstance(argument, ast.Constant) and _name(node.func) != "ValidationError"
            lines += [t.lineno for t in _texts(argument) if not (extracted and t is argument) and _hidden(t, known)]
        elif isinstance(node, ast.Assign) and any(isinstance(t, ast.Subscript) and _name(t.value) == "errors"
                                                  for t in node.targets):
            lines += [t.lineno for t in _texts(node.value) if _hidden(t, known)]
    return lines


def _hidden(text: ast.AST, known: set[str]) -> bool:
    return not (isinstance(text, ast.Constant) and text.value in known)


def test_error_messages_are_catalogue_messages():
    """An f-string or a hidden literal cannot be translated: messages with values use msg()."""
    found, known = [], extracted_ids()
    for path in [*(ROOT / "workflow").rglob("*.py"), *(ROOT / "webapp").rglob("*.py")]:
        if "migrations" not in path.parts:
            tree = ast.parse(path.read_text("utf-8"))
            found += [f"{path.relative_to(ROOT)}:{line}" for line in untranslatable(tree, known)]
    assert not found, found
