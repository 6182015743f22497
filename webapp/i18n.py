"""Translations without a build step: English message ids, a Chinese table, a fallback.

Simplified Chinese is the default language; English is one click away. Pages
call ``_("English text")``; in Chinese the text is looked up in :data:`ZH` and,
when missing, the English text is shown rather than nothing. The engine speaks
English too (``workflow.errors``, marshmallow's default messages):
:func:`translate_message` maps those, including the parametrised ones.
flask-babel picks the locale (:func:`current_lang`) so its date and number
helpers agree with the page language.
"""
from __future__ import annotations

import re

from flask import has_request_context, request, session

LANGS = ("zh", "en")
DEFAULT_LANG = "zh"


def current_lang() -> str:
    if not has_request_context():
        return DEFAULT_LANG
    lang = session.get("lang")
    if lang in LANGS:
        return lang
    if request.args.get("lang") in LANGS:
        return request.args["lang"]
    return DEFAULT_LANG


def gettext(msgid: str, **values) -> str:
    if current_lang() == "en":
        text = msgid
        if values.get("n") == 1:  # English singular: "1 working day", "1 year"
            text = text.replace("working days", "working day").replace("{n} years", "{n} year")
    else:
        text = ZH.get(msgid, msgid)
    return text.format(**values) if values else text


_ = gettext


def translate_message(message: str) -> str:
    """An engine or marshmallow message in the page language (English stays as is)."""
    if current_lang() == "en" or not message:
        return message
    if message in ZH:
        return ZH[message]
    for pattern, template in PATTERNS:
        match = pattern.match(message)
        if match:
            return template.format(*match.groups())
    from workflow.domain.forms.messages import translate  # the forms' own table
    return translate(message, "zh")


def translate_fields(fields: dict[str, list[str]]) -> dict[str, list[str]]:
    return {name: [translate_message(m) for m in messages] for name, messages in (fields or {}).items()}


# -- code → label tables (English ids; Chinese in ZH) -------------------------

ROLE_LABELS = {
    "applicant": "Applicant", "window": "Window clerk", "reviewer": "Reviewer", "inspector": "Inspector",
    "approver": "Approver", "expert": "Expert", "supervisor": "Supervisor", "auditor": "Auditor",
    "admin": "Administrator", "system": "System",
}
STATUS_LABELS = {
    "submitted": "Submitted", "correction": "Awaiting correction", "rectification": "Awaiting rectification",
    "in_progress": "In progress", "completed": "Completed", "withdrawn": "Withdrawn",
}
OUTCOME_LABELS = {
    "granted": "Granted", "denied": "Denied", "refused": "Not accepted", "filed": "Filed",
    "registered": "Registered", "withdrawn": "Withdrawn", "awarded": "Awarded", "not_awarded": "Not awarded",
    "partly_granted": "Partly granted", "deemed_granted": "Deemed granted", "expired": "Expired",
    "cancelled": "Cancelled", "completed": "Completed", "revoked": "Revoked",
}
LIGHT_LABELS = {"green": "On time", "yellow": "Due soon", "red": "Overdue"}
REASON_LABELS = {
    "correction": "Correction by the applicant", "inspection": "On-site inspection", "testing": "Product testing",
    "expert_review": "Expert review", "hearing": "Hearing", "public_notice": "Public notice",
    "extension": "Extension", "rectification": "Rectification by the enterprise", "appraisal": "Appraisal",
}
ACTION_LABELS = {
    "submit": "Submitted", "claim": "Claimed", "unclaim": "Released", "complete": "Completed a step",
    "return": "Returned to an earlier step", "return_to_applicant": "Returned to the applicant",
    "resubmit": "Corrected materials resubmitted", "withdraw": "Withdrawn by the applicant",
    "recall": "Recalled", "transfer": "Transferred", "copy": "Copied to", "urge": "Urged",
    "add_signer": "Signer added", "sign": "Signed", "rate": "Rated", "timer": "Timer fired",
    "suspend": "Clock suspended", "resume": "Clock resumed", "extension_requested": "Extension requested",
    "extension_approved": "Extension approved", "extension_rejected": "Extension rejected",
    "deemed_accepted": "Deemed accepted", "deemed_granted": "Deemed granted",
    "holidays_imported": "Holidays imported", "attachment_uploaded": "Attachment uploaded",
    "deploy": "Process deployed", "user_created": "User created", "user_updated": "User details changed",
    "user_disabled": "User disabled", "user_enabled": "User enabled", "password_reset": "Password reset by an administrator", "green_channel": "Green channel set",
    "certificate_issued": "Certificate issued", "revoke": "Revoked", "matter_limits": "Matter limits changed",
    "delegate": "Delegated", "resolve": "Delegate answered", "reclaim": "Taken back", "remove_signer": "Signer removed",
    "round_opened": "Award round opened", "round_closed": "Award round closed", "correction": "Returned to the applicant",
    "logged_out": "Logged out", "password_changed": "Password changed", "user_deactivated": "Account deactivated",
    "user_activated": "Account activated",
}
CHOICE_LABELS = {
    "approve": "Approve", "deny": "Deny", "done": "Done", "accept": "Accept", "correct": "Correction notice",
    "refuse": "Refuse", "grant": "Grant", "register": "Register", "reject": "Reject", "pass": "Pass",
    "fail": "Fail", "yes": "Yes", "no": "No", "recommend": "Recommend", "not_recommend": "Do not recommend",
    "register_now": "Register at the counter", "rectify": "Rectify first", "revoke": "Revoke", "keep": "Keep",
    "eligible": "Eligible", "ineligible": "Not eligible", "award": "Award", "objection": "Objection raised",
    "no_objection": "No objection", "upheld": "Upheld", "dismissed": "Dismissed",
    "installation": "Installation", "modification": "Modification", "repair": "Repair",
    "change": "Change", "renewal": "Renewal", "cancellation": "Cancellation",
    "manufacturing": "Manufacturing", "agriculture": "Agriculture", "services": "Services",
    "selected": "Selected within the quota", "not_selected": "Not selected",
    1: "Food", 2: "Food additive",
}
FIELD_LABELS = {
    "opinion": "Opinion", "decision": "Decision", "title": "Title", "company": "Company",
    "items": "Items to correct", "comment": "Comment", "level": "Rating", "matters": "Matters",
    "reason": "Reason", "note": "Note", "days": "Working days", "message": "Message",
    "username": "Username", "password": "Password", "role": "Role", "department": "Department",
    "display_name": "Display name", "organisation": "Enterprise", "credit_code": "Unified social credit code",
    "file": "File", "kind": "Material", "target": "Step", "to_user_id": "Colleague", "user_id": "Colleague",
    "user_ids": "Colleagues", "green_channel": "Green channel", "data": "Application",
    "product_name": "Product name", "address": "Address", "area_code": "Area code",
    "contact": "Contact person", "phone": "Phone", "license_number": "License number",
    "change_kind": "Kind of change", "from": "Source version", "to": "Target version", "mapping": "Step mapping",
    "process_id": "Process",
    "company_name": "Enterprise name", "industry_code": "Industry code (2 digits)",
    "product_code": "Product code (3 digits)", "commitment_path": "Commitment path (告知承诺)",
    "hazardous_chemical": "Hazardous chemical", "fertiliser": "Fertiliser", "food_kind": "Kind of licence",
    "food_category": "Food category (2 digits)", "food_names": "Food names", "premises_area": "Premises area (m²)",
    "employees": "Employees", "change_items": "Items to change", "equipment_kind": "Equipment kind",
    "work_kind": "Kind of work", "contractor_name": "Contractor", "contractor_license": "Contractor licence number",
    "site_address": "Site address", "planned_start": "Planned start date", "units": "Number of units",
    "variety_code": "Variety code (4 digits)", "product_number": "Product number", "manufacturer": "Manufacturer",
    "use_location": "Place of use", "start_use_date": "Date put into use",
    "inspection_certificate_no": "Supervision inspection certificate number", "vehicles": "Vehicles",
    "plate_number": "Plate number", "vin": "VIN", "cylinder_serial": "Cylinder serial number",
    "cylinder_count": "Cylinders", "cylinder_valid_until": "Cylinder valid until", "category": "Category",
    "round": "Round", "self_evaluation_score": "Self-evaluation score", "summary": "Summary",
    "refuse_reason": "Reason for refusal", "changes": "Corrections", "team": "Inspection team",
    "rectify_days": "Days to rectify", "findings": "Findings", "report": "Report", "report_number": "Report number",
    "experts": "Expert panel", "shortlist_threshold": "Shortlist threshold", "score": "Score",
    "scores_by_criterion": "Scores by criterion", "objection": "Objection", "receipt_number": "Receipt number",
    "new_company_name": "New enterprise name", "new_production_address": "New production address",
    "new_food_names": "New food names", "legal_representative": "Legal representative",
    "production_address": "Production address", "authority": "Issuing authority (full name)", "seal": "Seal",
    "number_prefix": "Document number prefix", "review_body": "Administrative review body",
    "supervising_authority": "Supervising authority", "rank": "Rank", "version": "Version",

    # keys of the audit history's recorded data
    "fields": "Fields changed", "instance_id": "Process instance", "due": "Due",
    "from_user_id": "Taken from", "signer_id": "Signer", "signer": "Signer", "segment_id": "Extension request",
    "attachment_id": "Attachment", "quota": "Quota", "results": "Results", "materials_at": "Materials received",
    "set_at": "Set at", "matter": "Matter", "statutory_days": "Statutory limit",
    "committed_days": "Committed limit", "green_channel_days": "Green-channel limit", "accepted_at": "Accepted",
    "number": "Certificate number", "valid_until": "Valid until", "filename": "File name", "sha256": "SHA-256",
    "size": "Size (bytes)", "certificate": "Certificate number",
}
CLOSE_LABELS = {
    "completed": "Completed", "returned": "Returned", "recalled": "Recalled", "withdrawn": "Withdrawn",
    "cancelled": "Cancelled", "deemed_granted": "Deemed granted",
}
PROGRESS_LABELS = {"done": "Done", "current": "Current", "todo": "To come", "skipped": "Not reached",
                   "refused": "Not accepted", "denied": "Denied", "withdrawn": "Withdrawn",
                   "not_awarded": "Not awarded", "revoked": "Revoked"}
SEGMENT_LABELS = {"open": "Running", "closed": "Ended", "requested": "Awaiting decision", "approved": "Approved",
                  "rejected": "Rejected", "lapsed": "Lapsed"}
CERTIFICATE_STATUS_LABELS = {"valid": "Valid", "revoked": "Revoked", "cancelled": "Cancelled", "expired": "Expired",
                             "suspended": "Suspended"}
INSTANCE_LABELS = {"running": "In progress", "completed": "Completed", "cancelled": "Stopped"}
NOTICE_LABELS = {
    "accepted": "Application accepted", "correction": "Correction notice", "refused": "Not accepted",
    "suspension": "Time suspended", "extension": "Time limit extended", "decision": "Decision made",
    "certificate": "Certificate ready", "rectification": "Rectification order", "assigned": "Assigned to you",
    "transfer": "Transferred to you", "delegate": "Delegated to you", "resolved": "Delegate answered",
    "reclaimed": "Taken back", "sign": "Signature requested", "unsign": "Signature withdrawn",
    "copy": "Copied to you", "urge": "Reminder", "decide_extension": "Extension request to decide",
}
RATING_LABELS = {5: "Very satisfied", 4: "Satisfied", 3: "Fairly satisfied", 2: "Dissatisfied", 1: "Very dissatisfied"}


def label(table: dict, code) -> str:
    if code is None:
        return ""
    return gettext(table.get(code, str(code)))


PATTERNS: list[tuple[re.Pattern, str]] = [
    (re.compile(r"^Must be one of: (.*)\.$"), "必须是以下之一：{0}。"),
    (re.compile(r"^Longer than maximum length (\d+)\.$"), "长度不能超过 {0}。"),
    (re.compile(r"^Shorter than minimum length (\d+)\.$"), "长度不能少于 {0}。"),
    (re.compile(r"^Length must be between (\d+) and (\d+)\.$"), "长度必须在 {0} 到 {1} 之间。"),
    (re.compile(r"^Must be greater than or equal to (\S+) and less than or equal to (\S+)\.$"),
     "必须大于等于 {0} 且小于等于 {1}。"),
    (re.compile(r"^Must be greater than or equal to (\S+)\.$"), "必须大于等于 {0}。"),
    (re.compile(r"^Must be less than or equal to (\S+)\.$"), "必须小于等于 {0}。"),
    (re.compile(r"^Unknown matter: (.*)\.$"), "未知事项：{0}。"),
    (re.compile(r"^Unknown matter '(.*)'\.$"), "未知事项：{0}。"),
    (re.compile(r"^Unknown form '(.*)'\.$"), "未知表单：{0}。"),
    (re.compile(r"^Process '(.*)' is not deployed\.$"), "流程 {0} 尚未部署。"),
    (re.compile(r"^(\d+) added signer\(s\) have not given their opinion yet\.$"), "还有 {0} 位加签人未签署意见。"),
    (re.compile(r"^Certificate (.*) is (\w+) and cannot be renewed\.$"), "证书 {0} 状态为 {1}，不能延续。"),
    (re.compile(r"^File too large: at most (\d+) MiB\.$"), "文件过大：不得超过 {0} MiB。"),
    (re.compile(r"^A renewal may be filed from (\S+) \((\d+) days before expiry\)\.$"),
     "延续申请可自 {0} 起提出（有效期届满前 {1} 日内）。"),
    (re.compile(r"^The case was changed by someone else \(version (\d+), you had (\d+)\)\. Reload and try again\.$"),
     "该办件已被他人更新（当前版本 {0}，您看到的是 {1}），请刷新后重试。"),
    (re.compile(r"^Write each renamed step as OLD=NEW: (.*)$"), "改名的环节请写成 旧=新：{0}"),
    (re.compile(r"^current step '(.*)' is not in the target version$"), "当前环节 {0} 不在目标版本中"),
    (re.compile(r"^finished step '(.*)' is not in the target version$"), "已办环节 {0} 不在目标版本中"),
    (re.compile(r"^the instance changed meanwhile \(finished or already moved\)$"), "流程实例已变化（已办结或已迁移）"),
    (re.compile(r"^instances inside a call activity or subprocess are not migrated$"), "调用活动或子流程中的实例不迁移"),
]

ZH: dict[str, str] = {}
from webapp.i18n_zh import ZH  # noqa: E402,F811  (the table is long; it lives on its own)
