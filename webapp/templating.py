"""What every template can use: translation, labels, dates in office time, paging links."""
from __future__ import annotations

from datetime import date, datetime

from flask import Flask, request, url_for
from flask_login import current_user
from markupsafe import Markup

from webapp import i18n
from webapp.database import get_db
from webapp.codes import coded_name, material_label, matter_title
from webapp.labels import LABELS, label, labeller, step_label
from workflow import vocabulary
from workflow.domain.matters import DEPARTMENTS, MATTERS
from workflow.services import clock as clock_services
from workflow.timekeeping.workdays import OFFICE_TZ


def document_title(ref) -> str:
    """A written document's name in the page language: the documents themselves are Chinese, so
    their catalogue titles are; a certificate is named by its matter."""
    if ref.kind == "certificate":
        return ref.title if i18n.current_lang() == "zh" else matter_title(ref.certificate.matter_code)
    return label("document", ref.kind)


def may_file() -> bool:
    """Whether the "apply online" buttons lead somewhere for this visitor: applicants file, a
    visitor who is not logged in is taken to the login page; staff would only meet a 403."""
    return not current_user.is_authenticated or current_user.role == "applicant"


def department_name(code: str | None) -> str:
    if not code or code not in DEPARTMENTS:
        return ""
    zh, en = DEPARTMENTS[code]
    return en if i18n.current_lang() == "en" else zh


def _office_time(value):
    """A stored (UTC) moment in office time; dates and other values as they are."""
    if isinstance(value, datetime) and value.tzinfo is not None:
        return value.astimezone(OFFICE_TZ)
    return value


def fmt_dt(value) -> str:
    value = _office_time(value)
    if value is None:
        return "—"
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    return value.isoformat() if isinstance(value, date) else str(value)


def fmt_date(value) -> str:
    value = _office_time(value)
    return fmt_dt(value.date() if isinstance(value, datetime) else value)


def page_url(page: int) -> str:
    args = request.args.to_dict()
    args["page"] = str(page)
    return url_for(request.endpoint, **(request.view_args or {}), **args)


def light_badge(light: str | None) -> Markup:
    light = light or "green"
    return Markup('<span class="light light-{0}" title="{1}">{1}</span>').format(
        light, label("light", light))


def shown(value):
    """A stored value as a reader expects it: 是/否 rather than True/False."""
    if isinstance(value, bool):
        return i18n.gettext("Yes") if value else i18n.gettext("No")
    return value


def shown_value(key: str, value) -> Markup:
    """An application value for reading: choices by name, lists one per line, tables as rows."""
    if isinstance(value, list):
        return Markup("<br>").join(shown_value(key, item) for item in value)
    if isinstance(value, dict):
        return Markup("; ").join(Markup("{}: {}").format(label("field", k), shown_value(k, v))
                                 for k, v in value.items())
    name = coded_name(key, value) if isinstance(value, (str, int)) else None
    return Markup.escape(name if name is not None else shown(value))


def error_label(name: str) -> str:
    """What a form error is about: a field (nested ones by their first part) or a file (``file:kind``)."""
    if name.startswith("file:"):
        return material_label(name[len("file:"):])
    parts = name.split(".")
    if len(parts) == 3 and parts[1].isdigit():   # a cell of a table of rows (vehicles.1.cylinder_count)
        return i18n.gettext("{field} row {n} · {column}", field=label("field", parts[0]), n=int(parts[1]) + 1,
                            column=label("field", parts[2]))
    return label("field", parts[0])


def version_label(process_id: str, version: int) -> str:
    return f"{process_name(process_id)} · {i18n.gettext('Version {n}', n=version)}"


def days_left(remaining: int | None, left: bool = False) -> str:
    """Working days left, or how many the case is over (never "−2 days left"); lists say "left"."""
    if remaining is None:
        return "—"
    if remaining < 0:
        return i18n.ngettext("{n} working day overdue", "{n} working days overdue", -remaining)
    if left:
        return i18n.ngettext("{n} working day left", "{n} working days left", remaining)
    return i18n.ngettext("{n} working day", "{n} working days", remaining)


def process_name(process_id: str) -> str:
    matter = next((m for m in MATTERS.values() if m.process_id == process_id), None)
    return matter.title(i18n.current_lang()) if matter else process_id


def diagram_xml(view) -> str:
    """The process's BPMN as the task page hands it to bpmn-js, names in the page's language."""
    return in_page_language(view.version.xml)


def in_page_language(xml: str) -> str:
    """A BPMN with every element's name in the page's language, for drawing: a process or pool by its
    matter's title, steps, gateways, flows and events by the ``[step]`` table (labels.step_label)."""
    from webapp.diagram import relabelled
    return xml if i18n.current_lang() == "zh" else relabelled(xml, _element_name)


def _element_name(name: str) -> str:
    matter = next((m for m in MATTERS.values() if m.title_zh == name), None)
    return matter.title(i18n.current_lang()) if matter else step_label(name)


def diagram_svg(view=None, xml: str | None = None, title: str | None = None) -> Markup:
    """The drawn diagram (no JavaScript) of a case's process, where it stands, or of a bare version."""
    from webapp.diagram import render_svg
    if view is not None:
        xml, title = view.version.xml, process_name(view.version.process_id)
    return Markup(render_svg(in_page_language(xml), done=getattr(view, "done_ids", ()),
                             current=getattr(view, "current_ids", ()), lane_label=labeller("role"), title=title))


def _calendar_notice() -> dict:
    """Staff see, on every page, when deadlines run into a year without holiday data."""
    if not (current_user.is_authenticated and current_user.role != "applicant"):
        return {"calendar_warnings": []}
    return {"calendar_warnings": [
        i18n.gettext("Holiday data for {year} has not been imported: working days are counted Monday to Friday.",
                     year=year) for year in clock_services.uncovered_years(get_db())]}


def _unread_messages() -> dict:
    """The header's unread count, on every page of a signed-in person."""
    if not current_user.is_authenticated:
        return {"unread_messages": 0}
    from workflow.services.notifications import messages
    return {"unread_messages": messages.unread_count(get_db(), current_user)}


def init_app(app: Flask) -> None:
    env = app.jinja_env
    env.globals.update(
        _=i18n.gettext, ngettext=i18n.ngettext, lang=i18n.current_lang, msg=i18n.translate_message,
        matter_title=matter_title, material_label=material_label, department_name=department_name, light_badge=light_badge,
        page_url=page_url, MATTERS=MATTERS, shown_value=shown_value, days_left=days_left,
        process_name=process_name, diagram_svg=diagram_svg, diagram_xml=diagram_xml, RUNNING=vocabulary.RUNNING,
        error_label=error_label, version_label=version_label,
        lane_labels=lambda: {role: label("role", role) for role in vocabulary.ROLES},
        may_file=may_file, document_title=document_title,
        **{f"{section}_label": labeller(section) for section in LABELS if section != "step"},
        step_label=step_label,
    )
    env.filters.update(dt=fmt_dt, d=fmt_date, shown=shown)
    app.context_processor(_calendar_notice)
    app.context_processor(_unread_messages)
    env.trim_blocks = True
    env.lstrip_blocks = True
