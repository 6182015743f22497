"""The catalogue of matters an applicant can file for, with each application form's JSON Schema."""
from __future__ import annotations

from webapp.api.base import ApiBlueprint, get_db, guarded, paged
from webapp.api.jsonschema import form_json_schema
from webapp.api.schemas.auth import MatterPage
from webapp.api.schemas.base import PageQuery
from workflow.domain import forms, limits
from workflow.domain.matters import Matter
from workflow.services.paging import Page

blp = ApiBlueprint("matters", __name__, url_prefix="/api/v1/matters", tag="matters",
                   description="Licensing matters (事项): limits, steps, materials and application forms.")


def form_schema(key: str | None) -> dict | None:
    schema = forms.FORMS.get(key) if key else None
    return form_json_schema(schema) if schema is not None else None


def matter_dict(matter: Matter) -> dict:
    return {
        "code": matter.code, "title_zh": matter.title_zh, "title_en": matter.title_en,
        "department": matter.department, "statutory_days": matter.statutory_days,
        "committed_days": matter.committed_days, "green_channel_days": matter.green_channel_days,
        "certificate_days": matter.certificate_days, "extension_days": matter.extension_days,
        "requires_decision": matter.requires_decision, "validity_years": matter.validity_years,
        "attachments": [{"kind": k, "title_zh": zh, "title_en": en} for k, zh, en in matter.attachments],
        "steps_zh": list(matter.steps_zh), "steps_en": list(matter.steps_en), "basis": matter.basis,
        "application_form": matter.application_form, "form_schema": form_schema(matter.application_form),
    }


@blp.route("", methods=["GET"])
@guarded(blp)
@blp.arguments(PageQuery, location="query")
@blp.response(200, MatterPage)
def catalogue(query):
    """The catalogue of matters

    `form_schema` is the JSON Schema of the matter's application form: the `data` of
    `POST /api/v1/cases` must satisfy it (a joint filing: every chosen matter's form).
    """
    page, per_page = query["page"], query["per_page"]
    matters = list(limits.effective(get_db()).values())   # with the administrator's limits
    chunk = matters[(page - 1) * per_page: page * per_page]
    return paged(Page(chunk, len(matters), page, per_page), [matter_dict(m) for m in chunk])
