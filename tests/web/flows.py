"""Case set-ups through the services, for page tests (the bench matter until the real BPMN lands)."""
from __future__ import annotations

from tests.helpers import open_tasks
from workflow.domain import certificates
from workflow.domain.matters import MATTERS
from workflow.services import cases, tasks
from workflow.storage.db import utcnow
from workflow.storage.models import Case, Certificate


def submit(db, people, who="applicant_a", title="样品件", green=False):
    return cases.submit(db, people[who], ["bench"], {"title": title}, green)




def to_decision(db, people, case):
    intake = open_tasks(db, case.id)[0]
    tasks.complete(db, people["reviewer1"], intake.id, {"opinion": "材料齐全"})
    a, b = open_tasks(db, case.id)
    tasks.complete(db, people["reviewer1"], a.id, {"opinion": "核查甲通过"})
    tasks.complete(db, people["reviewer2"], b.id, {"opinion": "核查乙通过"})
    return open_tasks(db, case.id)[0]


def granted(db, people, who="applicant_a"):
    case = submit(db, people, who)
    decide = to_decision(db, people, case)
    tasks.complete(db, people["approver"], decide.id, {"opinion": "准予许可", "decision": "approve"})
    return case


def issue_certificate(db, case_id) -> Certificate:
    with db.transaction() as s:
        case = s.get(Case, case_id)
        return certificates.issue(s, case, MATTERS["food_license"], utcnow(), "糕点（烘烤类糕点）")


def accepted_food_licence(db, people):
    """A food licence filing the window has accepted: it is at document review."""
    case = cases.submit(db, people["applicant_a"], ["food_license"], application("food_license"))
    tasks.complete(db, people["window"], open_tasks(db, case.id)[0].id, {"opinion": "受理", "decision": "accept"})
    return case


def granted_food_licence(db, people):
    case = accepted_food_licence(db, people)
    steps = (("food_reviewer", {"decision": "pass"}),
             ("food_inspector", {"decision": "pass", "team": ["food_inspector", "food_inspector2"]}),
             ("food_approver", {"decision": "approve"}))
    for who, data in steps:
        tasks.complete(db, people[who], open_tasks(db, case.id)[0].id, {"opinion": "同意", **data})
    return case


def form_payload(data: dict) -> dict:
    """Application data as an HTML form posts it: lists one per line, tables as name-i-field."""
    out: dict = {}
    for key, value in data.items():
        if isinstance(value, bool):
            if value:
                out[key] = "1"
        elif isinstance(value, list) and value and isinstance(value[0], dict):
            for i, row in enumerate(value):
                for sub, v in row.items():
                    out[f"{key}-{i}-{sub}"] = str(v)
        elif isinstance(value, list):
            out[key] = "\n".join(str(v) for v in value)
        else:
            out[key] = str(value)
    return out


def application(matter: str, **changes) -> dict:
    from tests.test_forms import VALID
    from workflow.domain.matters import MATTERS
    return {**VALID[MATTERS[matter].application_form], **changes}
