"""Generic HTML forms from the engine's marshmallow schemas.

:func:`describe` turns a schema into field descriptions the ``render_field``
macro draws (String→text, Integer/Float→number, Boolean→checkbox, OneOf→select,
List→textarea one per line, List of Nested→a small repeatable table);
:func:`parse` turns the posted form back into the dict the schema validates, so
the engine alone decides what is valid and its messages land next to each field.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from marshmallow import Schema
from marshmallow import fields as mf
from marshmallow import validate as mv
from werkzeug.datastructures import MultiDict

from webapp.codes import reference_choices
from webapp.i18n import current_lang
from webapp.labels import has_label, label


@dataclass
class FieldSpec:
    name: str
    kind: str
    label: str
    required: bool = False
    choices: list[tuple[str, str]] = field(default_factory=list)
    children: list["FieldSpec"] = field(default_factory=list)
    help: str | None = None
    decimal: bool = False

    def child_errors(self, errors: dict) -> bool:
        return any(k.startswith(self.name + ".") for k in errors)


def _label(name: str, f: mf.Field) -> str:
    meta = f.metadata or {}
    if current_lang() == "en":
        text = meta.get("label_en") or meta.get("label")
    else:
        text = meta.get("label_zh") or meta.get("label")
    if text:
        return str(text)
    if has_label("field", name):
        return label("field", name)
    return name.replace("_", " ").capitalize() if current_lang() == "en" else name


def _choices(f: mf.Field, name: str = "") -> list[tuple[str, str]] | None:
    special = reference_choices(name)
    if special is not None:
        return special
    validators = f.validators if isinstance(f.validators, (list, tuple)) else [f.validators]
    for v in validators:
        if isinstance(v, mv.OneOf):
            labels = list(v.labels) if v.labels and any(v.labels) else []
            out = []
            for i, choice in enumerate(v.choices):
                text = labels[i] if i < len(labels) and labels[i] else label("choice", choice)
                out.append((str(choice), str(text)))
            return out
    return None


def _help(f: mf.Field) -> str | None:
    meta = f.metadata or {}
    return meta.get("help_en" if current_lang() == "en" else "help_zh") or meta.get("help")


def _spec(name: str, f: mf.Field) -> FieldSpec:
    required = bool(f.required)
    base = dict(name=name, label=_label(name, f), required=required, help=_help(f))
    choices = _choices(f, name)
    if isinstance(f, mf.Boolean):
        return FieldSpec(kind="checkbox", **base)
    if choices is not None:
        return FieldSpec(kind="select", choices=choices, **base)
    if isinstance(f, mf.List):
        inner = f.inner
        if isinstance(inner, mf.Nested):
            schema = inner.schema
            return FieldSpec(kind="table", children=[_spec(n, sf) for n, sf in schema.fields.items()
                                                      if not sf.dump_only], **base)
        return FieldSpec(kind="lines", **base)
    if isinstance(f, (mf.Integer,)):
        return FieldSpec(kind="number", **base)
    if isinstance(f, (mf.Float, mf.Decimal)):
        return FieldSpec(kind="number", decimal=True, **base)
    if isinstance(f, mf.Date):
        return FieldSpec(kind="date", **base)
    if isinstance(f, mf.String) and (name in ("opinion", "comment", "note", "reason", "message")
                                     or (f.metadata or {}).get("multiline")):
        return FieldSpec(kind="textarea", **base)
    return FieldSpec(kind="text", **base)


def describe(schema: Schema, skip: tuple[str, ...] = ()) -> list[FieldSpec]:
    """The fields a person fills in; free-form mappings (``Dict``) are left to special pages."""
    return [_spec(name, f) for name, f in schema.fields.items()
            if not f.dump_only and name not in skip and not isinstance(f, (mf.Dict, mf.Raw))]


_ROW = re.compile(r"^(?P<field>[A-Za-z0-9_]+)-(?P<index>\d{1,3})-(?P<sub>[A-Za-z0-9_]+)$")


def _scalar(f: mf.Field, raw: str):
    raw = raw.strip()
    if isinstance(f, mf.Integer):
        try:
            return int(raw)
        except ValueError:
            return raw
    if isinstance(f, (mf.Float, mf.Decimal)):
        try:
            return float(raw)
        except ValueError:
            return raw
    return raw


def parse(schema: Schema, form: MultiDict, only: tuple[str, ...] | None = None, cleared: bool = False) -> dict:
    """The posted form as schema input: blanks left out so "required" messages come from the schema.

    With ``cleared`` a field the form sent empty is ``None`` instead (a correction clears it)."""
    data: dict = {}
    for name, f in schema.fields.items():
        if f.dump_only or (only is not None and name not in only) or isinstance(f, (mf.Dict, mf.Raw)):
            continue
        if isinstance(f, mf.Boolean):
            if name in form or f"{name}__present" in form:
                data[name] = name in form and form.get(name) not in ("", "0", "false", "off")
            continue
        if isinstance(f, mf.List):
            if isinstance(f.inner, mf.Nested):
                rows = _table_rows(name, f.inner.schema, form)
                if rows or name in form:
                    data[name] = rows
                elif cleared and any(_ROW.match(k) and k.startswith(f"{name}-") for k in form.keys()):
                    data[name] = None
            else:
                raw = form.get(name)
                if raw is not None:
                    items = [line.strip() for line in raw.splitlines() if line.strip()]
                    if items or f.required:
                        data[name] = [_scalar(f.inner, i) for i in items]
                    elif cleared:
                        data[name] = None
            continue
        raw = form.get(name)
        if raw is None or raw.strip() == "":
            if cleared and raw is not None:
                data[name] = None
            continue
        data[name] = _scalar(f, raw)
    return data


def _table_rows(name: str, schema: Schema, form: MultiDict) -> list[dict]:
    rows: dict[int, dict] = {}
    for key in form.keys():
        match = _ROW.match(key)
        if not match or match["field"] != name or match["sub"] not in schema.fields:
            continue
        value = form.get(key, "")
        if value.strip() == "":
            continue
        sub = schema.fields[match["sub"]]
        rows.setdefault(int(match["index"]), {})[match["sub"]] = (
            value.strip() in ("1", "true", "on") if isinstance(sub, mf.Boolean) else _scalar(sub, value))
    return [rows[i] for i in sorted(rows)]


def describe_offered(schema: Schema, action) -> list[FieldSpec]:
    """The form of a step as the policy offers it: only the decisions this step may take, and
    the people a field may name as checkboxes of the people offered (no free typing of names)."""
    offered = action.choices if action is not None else {}
    decisions = offered.get("decisions")
    people = offered.get("people") or {}
    specs = describe(schema)
    for spec in specs:
        if spec.name == "decision" and decisions is not None:
            spec.choices = [c for c in spec.choices if c[0] in decisions]
        if spec.name in people:
            spec.kind = "people"
            spec.choices = [(p["username"], p["name"]) for p in people[spec.name]]
    return specs


def parse_offered(schema: Schema, form: MultiDict) -> dict:
    """:func:`parse` for a form drawn by :func:`describe_offered` (people come as checked boxes)."""
    data = parse(schema, form)
    for name, f in schema.fields.items():
        if (f.metadata or {}).get("people") and name in form:
            data[name] = [v for v in form.getlist(name) if v.strip()]
    return data
