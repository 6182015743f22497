"""The small world the permission matrix probes: one case of organisation A at the food
department's document review, with its task, a certificate, an attachment and a notification.

``ROLES`` names each column of ``permission_matrix.txt`` and the seeded account behind it; the
department-bound columns are the food department's, the case's own.
"""
from __future__ import annotations

import re

from sqlalchemy import select

from tests.helpers import load_people, open_tasks
from tests.web.flows import accepted_food_licence, issue_certificate
from workflow.documents import catalog
from workflow.services import attachments
from workflow.storage.models import Notification, ProcessVersion

ROLES = {
    "own_applicant": "applicant_a", "other_applicant": "applicant_b", "anonymous": None, "window": "window",
    "dept_reviewer": "food_reviewer", "other_reviewer": "reviewer1", "inspector": "food_inspector",
    "approver": "food_approver", "expert": "expert1", "supervisor": "supervisor", "auditor": "auditor",
    "admin": "admin",
}
MISSING = 999999
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def build(db, root: str) -> dict[str, object]:
    """Create the world (attachments under the app's ``root``); the values that replace each
    ``<converter:name>`` of a rule."""
    people = load_people(db)
    case = accepted_food_licence(db, people)
    cert = issue_certificate(db, case.id)
    attachment = attachments.upload(db, people["applicant_a"], case.id,
                                    attachments.Upload("business_license", "营业执照.pdf", PDF), root)
    with db.reading() as s:
        notification = s.scalar(select(Notification.id).order_by(Notification.id))
        version = s.scalar(select(ProcessVersion.id).order_by(ProcessVersion.id))
    return {"case_id": case.id, "task_id": open_tasks(db, case.id)[0].id, "certificate_id": cert.id,
            "attachment_id": attachment.id, "notification_id": notification or MISSING,
            "user_id": people["applicant_a2"].id, "version_id": version, "segment_id": MISSING,
            "instance_id": MISSING, "number": cert.number, "token": cert.token, "key": catalog.DELIVERY,
            "kind": "acceptance", "op": "complete", "name": "swagger-ui.css", "rest": "nothing-here",
            "fmt": "csv", "filename": "app.css", "code": "zh"}


RULE_VALUES = {"/guide/<code>": {"code": "food_license"}}
PLACEHOLDER = re.compile(r"<(?:[^:<>]+:)?([a-z_]+)>")


def url(rule: str, values: dict[str, object]) -> str:
    """The rule with every placeholder replaced by the world's value."""
    own = {**values, **RULE_VALUES.get(rule, {})}
    return PLACEHOLDER.sub(lambda m: str(own[m.group(1)]), rule)
