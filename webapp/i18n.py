"""Translations through the gettext catalogue: pages, forms and engine messages in one place.

flask-babel selects the language (:func:`current_lang`: Simplified Chinese by default, English
one click away) and loads ``webapp/translations/<lang>/LC_MESSAGES/messages.mo``. Message ids
are English; values fill ``{name}`` placeholders with ``str.format``, the format marshmallow's
own messages use, so templates, views, forms and the engine share one format. Engine and form
errors are :class:`~workflow.errors.Message` objects that carry their id and values, so
:func:`translate_message` needs no pattern matching. How to add a string: webapp/README.md.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Flask, has_request_context, request, session
from flask_babel import Babel, get_translations

from workflow.errors import Message

LANGS = ("zh", "en")
DEFAULT_LANG = "zh"
TRANSLATIONS = Path(__file__).resolve().parent / "translations"
babel = Babel()


def init_app(app: Flask) -> None:
    """flask-babel on ``app`` once (the pages and the API alone both need it): the catalogue and
    the page language as its locale."""
    if "babel" not in app.extensions:
        babel.init_app(app, default_locale=DEFAULT_LANG, default_translation_directories=str(TRANSLATIONS),
                       locale_selector=current_lang)


def current_lang() -> str:
    if not has_request_context():
        return DEFAULT_LANG
    lang = session.get("lang")
    if lang in LANGS:
        return lang
    if request.args.get("lang") in LANGS:
        return request.args["lang"]
    return DEFAULT_LANG


def N_(msgid: str) -> str:
    """Marks a message id for extraction where it is defined; it is translated where it is shown."""
    return msgid


def gettext(msgid: str, **values: Any) -> str:
    """``msgid`` in the page language (the id itself when the catalogue has nothing)."""
    text = get_translations().gettext(msgid) if msgid else msgid
    return text.format(**values) if values else text


def ngettext(singular: str, plural: str, n: int, **values: Any) -> str:
    """A count in the page language: English "1 working day", Chinese has one form."""
    return get_translations().ngettext(singular, plural, n).format(n=n, **values)


_ = gettext


def translate_message(message: Any) -> Any:
    """An engine or form message in the page language, by its id and values."""
    if isinstance(message, Message):
        return gettext(message.msgid, **message.params)
    return gettext(message) if isinstance(message, str) else message


def translate_fields(fields: dict[str, list[str]]) -> dict[str, list[str]]:
    return {name: [translate_message(m) for m in messages] for name, messages in (fields or {}).items()}


# -- code → label tables (English ids; Chinese in ZH) -------------------------
ROLE_LABELS = {
    "applicant": N_("Applicant"), "window": N_("Window clerk"), "reviewer": N_("Reviewer"),
    "inspector": N_("Inspector"), "approver": N_("Approver"), "expert": N_("Expert"),
    "supervisor": N_("Supervisor"), "auditor": N_("Auditor"), "admin": N_("Administrator"), "system": N_("System"),
}
STATUS_LABELS = {
    "submitted": N_("Submitted"), "correction": N_("Awaiting correction"),
    "rectification": N_("Awaiting rectification"), "in_progress": N_("In progress"), "completed": N_("Completed"),
    "withdrawn": N_("Withdrawn"),
}
OUTCOME_LABELS = {
    "granted": N_("Granted"), "denied": N_("Denied"), "refused": N_("Not accepted"), "filed": N_("Filed"),
    "registered": N_("Registered"), "withdrawn": N_("Withdrawn"), "awarded": N_("Awarded"),
    "not_awarded": N_("Not awarded"), "partly_granted": N_("Partly granted"),
    "deemed_granted": N_("Deemed granted"), "expired": N_("Expired"), "cancelled": N_("Cancelled"),
    "completed": N_("Completed"), "revoked": N_("Revoked"),
}
LIGHT_LABELS = {
    "green": N_("On time"), "yellow": N_("Due soon"), "red": N_("Overdue"),
}
REASON_LABELS = {
    "correction": N_("Correction by the applicant"), "inspection": N_("On-site inspection"),
    "testing": N_("Product testing"), "expert_review": N_("Expert review"), "hearing": N_("Hearing"),
    "public_notice": N_("Public notice"), "extension": N_("Extension"),
    "rectification": N_("Rectification by the enterprise"), "appraisal": N_("Appraisal"),
}
ACTION_LABELS = {
    "submit": N_("Submitted"), "claim": N_("Claimed"), "unclaim": N_("Released"),
    "complete": N_("Completed a step"), "return": N_("Returned to an earlier step"),
    "return_to_applicant": N_("Returned to the applicant"), "resubmit": N_("Corrected materials resubmitted"),
    "withdraw": N_("Withdrawn by the applicant"), "recall": N_("Recalled"), "transfer": N_("Transferred"),
    "copy": N_("Copied to"), "urge": N_("Urged"), "add_signer": N_("Signer added"), "sign": N_("Signed"),
    "rate": N_("Rated"), "timer": N_("Timer fired"), "suspend": N_("Clock suspended"),
    "resume": N_("Clock resumed"), "extension_requested": N_("Extension requested"),
    "extension_approved": N_("Extension approved"), "extension_rejected": N_("Extension rejected"),
    "deemed_accepted": N_("Deemed accepted"), "deemed_granted": N_("Deemed granted"),
    "holidays_imported": N_("Holidays imported"), "attachment_uploaded": N_("Attachment uploaded"),
    "deploy": N_("Process deployed"), "user_created": N_("User created"),
    "user_updated": N_("User details changed"), "password_reset": N_("Password reset by an administrator"),
    "green_channel": N_("Green channel set"), "certificate_issued": N_("Certificate issued"),
    "revoke": N_("Revoked"), "matter_limits": N_("Matter limits changed"), "delegate": N_("Delegated"),
    "resolve": N_("Delegate answered"), "reclaim": N_("Taken back"), "remove_signer": N_("Signer removed"),
    "round_opened": N_("Award round opened"), "round_closed": N_("Award round closed"),
    "correction": N_("Returned to the applicant"), "logged_out": N_("Logged out"),
    "password_changed": N_("Password changed"), "user_deactivated": N_("Account deactivated"),
    "user_activated": N_("Account activated"),
}
CHOICE_LABELS = {
    "approve": N_("Approve"), "deny": N_("Deny"), "done": N_("Done"), "accept": N_("Accept"),
    "correct": N_("Correction notice"), "refuse": N_("Refuse"), "grant": N_("Grant"), "register": N_("Register"),
    "reject": N_("Reject"), "pass": N_("Pass"), "fail": N_("Fail"), "yes": N_("Yes"), "no": N_("No"),
    "recommend": N_("Recommend"), "not_recommend": N_("Do not recommend"),
    "register_now": N_("Register at the counter"), "rectify": N_("Rectify first"), "revoke": N_("Revoke"),
    "keep": N_("Keep"), "eligible": N_("Eligible"), "ineligible": N_("Not eligible"), "award": N_("Award"),
    "objection": N_("Objection raised"), "no_objection": N_("No objection"), "upheld": N_("Upheld"),
    "dismissed": N_("Dismissed"), "installation": N_("Installation"), "modification": N_("Modification"),
    "repair": N_("Repair"), "change": N_("Change"), "renewal": N_("Renewal"), "cancellation": N_("Cancellation"),
    "manufacturing": N_("Manufacturing"), "agriculture": N_("Agriculture"), "services": N_("Services"),
    "selected": N_("Selected within the quota"), "not_selected": N_("Not selected"), 1: N_("Food"),
    2: N_("Food additive"),
}
FIELD_LABELS = {
    "opinion": N_("Opinion"), "decision": N_("Decision"), "title": N_("Title"), "company": N_("Company"),
    "items": N_("Items to correct"), "comment": N_("Comment"), "level": N_("Rating"), "matters": N_("Matters"),
    "reason": N_("Reason"), "note": N_("Note"), "days": N_("Working days"), "message": N_("Message"),
    "username": N_("Username"), "password": N_("Password"), "role": N_("Role"), "department": N_("Department"),
    "display_name": N_("Display name"), "organisation": N_("Enterprise"),
    "credit_code": N_("Unified social credit code"), "file": N_("File"), "kind": N_("Material"),
    "target": N_("Step"), "to_user_id": N_("Colleague"), "user_id": N_("Colleague"), "user_ids": N_("Colleagues"),
    "green_channel": N_("Green channel"), "data": N_("Application"), "product_name": N_("Product name"),
    "address": N_("Address"), "area_code": N_("Area code"), "contact": N_("Contact person"), "phone": N_("Phone"),
    "license_number": N_("License number"), "change_kind": N_("Kind of change"), "from": N_("Source version"),
    "to": N_("Target version"), "mapping": N_("Step mapping"), "process_id": N_("Process"),
    "company_name": N_("Enterprise name"), "industry_code": N_("Industry code (2 digits)"),
    "product_code": N_("Product code (3 digits)"), "commitment_path": N_("Commitment path (告知承诺)"),
    "hazardous_chemical": N_("Hazardous chemical"), "fertiliser": N_("Fertiliser"),
    "food_kind": N_("Kind of licence"), "food_category": N_("Food category (2 digits)"),
    "food_names": N_("Food names"), "premises_area": N_("Premises area (m²)"), "employees": N_("Employees"),
    "change_items": N_("Items to change"), "equipment_kind": N_("Equipment kind"), "work_kind": N_("Kind of work"),
    "contractor_name": N_("Contractor"), "contractor_license": N_("Contractor licence number"),
    "site_address": N_("Site address"), "planned_start": N_("Planned start date"), "units": N_("Number of units"),
    "variety_code": N_("Variety code (4 digits)"), "product_number": N_("Product number"),
    "manufacturer": N_("Manufacturer"), "use_location": N_("Place of use"),
    "start_use_date": N_("Date put into use"),
    "inspection_certificate_no": N_("Supervision inspection certificate number"), "vehicles": N_("Vehicles"),
    "plate_number": N_("Plate number"), "vin": N_("VIN"), "cylinder_serial": N_("Cylinder serial number"),
    "cylinder_count": N_("Cylinders"), "cylinder_valid_until": N_("Cylinder valid until"),
    "category": N_("Category"), "round": N_("Round"), "self_evaluation_score": N_("Self-evaluation score"),
    "summary": N_("Summary"), "refuse_reason": N_("Reason for refusal"), "changes": N_("Corrections"),
    "team": N_("Inspection team"), "rectify_days": N_("Days to rectify"), "findings": N_("Findings"),
    "report": N_("Report"), "report_number": N_("Report number"), "experts": N_("Expert panel"),
    "shortlist_threshold": N_("Shortlist threshold"), "score": N_("Score"),
    "scores_by_criterion": N_("Scores by criterion"), "objection": N_("Objection"),
    "receipt_number": N_("Receipt number"), "new_company_name": N_("New enterprise name"),
    "new_production_address": N_("New production address"), "new_food_names": N_("New food names"),
    "legal_representative": N_("Legal representative"), "production_address": N_("Production address"),
    "authority": N_("Issuing authority (full name)"), "seal": N_("Seal"),
    "number_prefix": N_("Document number prefix"), "review_body": N_("Administrative review body"),
    "supervising_authority": N_("Supervising authority"), "rank": N_("Rank"), "version": N_("Version"),
    "fields": N_("Fields changed"), "instance_id": N_("Process instance"), "due": N_("Due"),
    "from_user_id": N_("Taken from"), "signer_id": N_("Signer"), "signer": N_("Signer"),
    "segment_id": N_("Extension request"), "attachment_id": N_("Attachment"), "quota": N_("Quota"),
    "results": N_("Results"), "materials_at": N_("Materials received"), "set_at": N_("Set at"),
    "matter": N_("Matter"), "statutory_days": N_("Statutory limit"), "committed_days": N_("Committed limit"),
    "green_channel_days": N_("Green-channel limit"), "accepted_at": N_("Accepted"),
    "number": N_("Certificate number"), "valid_until": N_("Valid until"), "filename": N_("File name"),
    "sha256": N_("SHA-256"), "size": N_("Size (bytes)"), "certificate": N_("Certificate number"),
    "email": N_("E-mail (notices)"), "current_password": N_("Current password"), "new_password": N_("New password"),
    "date_to": N_("To"),
}
# The written documents by kind (workflow.documents.catalog); in Chinese their legal names.
DOCUMENT_LABELS = {
    "acceptance": N_("Notice of acceptance"),
    "correction": N_("Notice to correct the application"),
    "refusal": N_("Decision not to accept the application"),
    "extension": N_("Notice extending the time limit"),
    "grant": N_("Decision granting the licence"),
    "denial": N_("Decision denying the licence"),
    "delivery": N_("Proof of delivery"),
    "receipt": N_("Receipt of the filing"),
}
CLOSE_LABELS = {
    "completed": N_("Completed"), "returned": N_("Returned"), "recalled": N_("Recalled"),
    "withdrawn": N_("Withdrawn"), "cancelled": N_("Cancelled"), "deemed_granted": N_("Deemed granted"),
}
PROGRESS_LABELS = {
    "done": N_("Done"), "current": N_("Current"), "todo": N_("To come"), "skipped": N_("Not reached"),
    "refused": N_("Not accepted"), "denied": N_("Denied"), "withdrawn": N_("Withdrawn"),
    "not_awarded": N_("Not awarded"), "revoked": N_("Revoked"),
}
SEGMENT_LABELS = {
    "open": N_("Running"), "closed": N_("Ended"), "requested": N_("Awaiting decision"), "approved": N_("Approved"),
    "rejected": N_("Rejected"), "lapsed": N_("Lapsed"),
}
CERTIFICATE_STATUS_LABELS = {
    "valid": N_("Valid"), "revoked": N_("Revoked"), "cancelled": N_("Cancelled"), "expired": N_("Expired"),
    "suspended": N_("Suspended"),
}
INSTANCE_LABELS = {
    "running": N_("In progress"), "completed": N_("Completed"), "cancelled": N_("Stopped"),
}
NOTICE_LABELS = {
    "accepted": N_("Application accepted"), "correction": N_("Correction notice"), "refused": N_("Not accepted"),
    "suspension": N_("Time suspended"), "extension": N_("Time limit extended"), "decision": N_("Decision made"),
    "certificate": N_("Certificate ready"), "rectification": N_("Rectification order"),
    "assigned": N_("Assigned to you"), "transfer": N_("Transferred to you"), "delegate": N_("Delegated to you"),
    "resolved": N_("Delegate answered"), "reclaimed": N_("Taken back"), "sign": N_("Signature requested"),
    "unsign": N_("Signature withdrawn"), "copy": N_("Copied to you"), "urge": N_("Reminder"),
    "decide_extension": N_("Extension request to decide"),
}
RATING_LABELS = {
    5: N_("Very satisfied"), 4: N_("Satisfied"), 3: N_("Fairly satisfied"), 2: N_("Dissatisfied"),
    1: N_("Very dissatisfied"),
}


# Ids that modules owned by other work still spell as plain constants, so extraction cannot see
# them there (services/reports.py REVERSED, documents/office.py SEAL_TYPE): once those become
# msg(...), these go.
NOT_YET_MARKED = (
    N_("The end date must not be before the start date."),
    N_("Upload the seal as a PNG or JPEG image of at most 1 MB."),
)


def label(table: dict, code) -> str:
    if code is None:
        return ""
    return gettext(table.get(code, str(code)))
