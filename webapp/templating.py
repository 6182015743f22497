"""What every template can use: translation, labels, dates in office time, paging links."""
from __future__ import annotations

from datetime import date, datetime

from flask import Flask, request, url_for
from flask_login import current_user
from markupsafe import Markup

from webapp import i18n
from workflow.domain.matters import DEPARTMENTS, MATTERS
from workflow.services import clock as clock_services
from workflow.timekeeping.workdays import OFFICE_TZ


def matter_title(code: str) -> str:
    matter = MATTERS.get(code)
    return matter.title(i18n.current_lang()) if matter else code


def department_name(code: str | None) -> str:
    if not code or code not in DEPARTMENTS:
        return ""
    zh, en = DEPARTMENTS[code]
    return en if i18n.current_lang() == "en" else zh


def material_label(kind: str) -> str:
    for matter in MATTERS.values():
        for code, zh, en in matter.attachments:
            if code == kind:
                return en if i18n.current_lang() == "en" else zh
    return i18n.gettext("Other") if kind == "other" else kind


def fmt_dt(value) -> str:
    if value is None:
        return "—"
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            value = value.astimezone(OFFICE_TZ)
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def fmt_date(value) -> str:
    if value is None:
        return "—"
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            value = value.astimezone(OFFICE_TZ)
        return value.date().isoformat()
    return value.isoformat() if isinstance(value, date) else str(value)


def page_url(page: int) -> str:
    args = request.args.to_dict()
    args["page"] = str(page)
    return url_for(request.endpoint, **(request.view_args or {}), **args)


def light_badge(light: str | None) -> Markup:
    light = light or "green"
    return Markup('<span class="light light-{0}" title="{1}">{1}</span>').format(
        light, i18n.label(i18n.LIGHT_LABELS, light))


def shown(value):
    """A stored value as a reader expects it: 是/否 rather than True/False."""
    if isinstance(value, bool):
        return i18n.gettext("Yes") if value else i18n.gettext("No")
    return value


def _calendar_notice() -> dict:
    """Staff see, on every page, when deadlines run into a year without holiday data."""
    if not (current_user.is_authenticated and current_user.role != "applicant"):
        return {"calendar_warnings": []}
    from webapp import get_db  # the app module imports this one
    return {"calendar_warnings": clock_services.calendar_warnings(get_db())}


def init_app(app: Flask) -> None:
    env = app.jinja_env
    env.globals.update(
        _=i18n.gettext, lang=i18n.current_lang, msg=i18n.translate_message,
        role_label=lambda c: i18n.label(i18n.ROLE_LABELS, c),
        status_label=lambda c: i18n.label(i18n.STATUS_LABELS, c),
        outcome_label=lambda c: i18n.label(i18n.OUTCOME_LABELS, c),
        light_label=lambda c: i18n.label(i18n.LIGHT_LABELS, c),
        reason_label=lambda c: i18n.label(i18n.REASON_LABELS, c),
        action_label=lambda c: i18n.label(i18n.ACTION_LABELS, c),
        choice_label=lambda c: i18n.label(i18n.CHOICE_LABELS, c),
        rating_label=lambda c: i18n.label(i18n.RATING_LABELS, c),
        close_label=lambda c: i18n.label(i18n.CLOSE_LABELS, c),
        field_label=lambda c: i18n.label(i18n.FIELD_LABELS, c),
        matter_title=matter_title, material_label=material_label, department_name=department_name, light_badge=light_badge,
        page_url=page_url, MATTERS=MATTERS,
    )
    env.filters.update(dt=fmt_dt, d=fmt_date, shown=shown)
    app.context_processor(_calendar_notice)
    env.trim_blocks = True
    env.lstrip_blocks = True
