"""A correction (补正) that empties a field of the application: an optional field is cleared (it kept
its old value), the history names it among the changed fields; a required field emptied is a field
error and nothing is written. Both the correction step and the resubmission after a return."""
from __future__ import annotations

import re

from sqlalchemy import select

from tests.helpers import open_tasks
from tests.web.conftest import text
from tests.web.flows import application, form_payload
from tests.web.test_applicant import new_case_form
from workflow.services import tasks
from workflow.storage.models import AuditEvent, Case

FILED = application("food_license", production_address="福州市仓山区建新路 8 号", legal_representative="林大明")


def correction_step(db, login):
    c = login("applicant_a")
    response = c.post("/my/cases/new", data=new_case_form(["food_license"], FILED))
    case_id = int(response.headers["Location"].rsplit("/", 1)[1])
    acceptance = open_tasks(db, case_id, "acceptance")[0]
    assert login("window").post(f"/tasks/{acceptance.id}/complete", data={
        "decision": "correct", "opinion": "材料不全", "items": "生产地址有误"}).status_code == 302
    return c, case_id, open_tasks(db, case_id, "correction")[0]


def stored(db, case_id: int) -> dict:
    with db.reading() as s:
        return dict(s.get(Case, case_id).data)


def test_clearing_an_optional_field_in_the_correction_step(db, people, login):
    c, case_id, correction = correction_step(db, login)
    form = text(c.get(f"/my/tasks/{correction.id}"))
    assert "福州市仓山区建新路 8 号" in form                            # the form starts from the application
    required = c.post(f"/my/tasks/{correction.id}", data={**form_payload(FILED), "address": " ",
                                                        "production_address": ""})
    assert required.status_code == 422
    page = text(required)
    address = page[page.index('id="f-address"'):]
    assert re.match(r'[^>]*value="" >\s*<p class="field-error" role="alert">此项为必填项。</p>', address), address[:300]
    assert 'name="production_address" type="text" value=""' in page         # what was typed (nothing) kept
    assert stored(db, case_id)["production_address"] == "福州市仓山区建新路 8 号"
    assert open_tasks(db, case_id, "correction"), "nothing sent"

    sent = c.post(f"/my/tasks/{correction.id}", data={**form_payload(FILED), "production_address": "",
                                                    "legal_representative": "  ", "note": "生产地址不再填写"})
    assert sent.status_code == 302, text(sent)[:2000]
    data = stored(db, case_id)
    assert "production_address" not in data and "legal_representative" not in data
    assert data["address"] == FILED["address"] and data["food_names"] == FILED["food_names"]
    with db.reading() as s:
        event = s.scalars(select(AuditEvent).where(AuditEvent.case_id == case_id, AuditEvent.action == "complete",
                                                   AuditEvent.role == "applicant")).one()
    assert event.data["changes"] == {"production_address": None, "legal_representative": None}
    clerk = text(login("window").get(f"/tasks/{open_tasks(db, case_id, 'acceptance')[0].id}"))
    reply = clerk[clerk.index('id="applicant-reply"'):]
    reply = reply[:reply.index("</section>")]
    assert "生产地址" in reply and "法定代表人" in reply and "联系电话" not in reply   # only what changed


def test_clearing_an_optional_field_when_resubmitting(db, people, login):
    from workflow.services import cases
    case = cases.submit(db, people["applicant_a"], ["food_license"], FILED)
    tasks.complete(db, people["window"], open_tasks(db, case.id)[0].id, {"opinion": "受理", "decision": "accept"})
    review = open_tasks(db, case.id)[0]
    tasks.claim(db, people["food_reviewer"], review.id)
    tasks.return_to_applicant(db, people["food_reviewer"], review.id, "请核对", ["生产地址"])
    c = login("applicant_a")
    bad = c.post(f"/my/cases/{case.id}/resubmit", data={**form_payload(FILED), "contact": "", "note": "x"})
    assert bad.status_code == 422 and stored(db, case.id)["contact"] == FILED["contact"]
    done = c.post(f"/my/cases/{case.id}/resubmit", data={**form_payload(FILED), "production_address": "",
                                                          "note": "已核对"})
    assert done.status_code == 302, text(done)[:2000]
    assert "production_address" not in stored(db, case.id)
    with db.reading() as s:
        event = s.scalars(select(AuditEvent).where(AuditEvent.case_id == case.id,
                                                   AuditEvent.action == "resubmit")).one()
    assert event.data["fields"] == ["production_address"]


def test_the_service_clears_an_optional_field_and_refuses_a_required_one(db, people):
    """The same through the API's path: ``changes`` naming a field with null or ""."""
    from workflow.errors import ValidationError
    from workflow.services import cases
    case = cases.submit(db, people["applicant_a"], ["food_license"], FILED)
    tasks.complete(db, people["window"], open_tasks(db, case.id)[0].id,
                   {"opinion": "补正", "decision": "correct", "items": ["生产地址"]})
    correction = open_tasks(db, case.id, "correction")[0]
    try:
        tasks.complete(db, people["applicant_a"], correction.id, {"changes": {"address": None}})
        raise AssertionError("a required field was cleared")
    except ValidationError as exc:
        assert set(exc.fields) == {"changes.address"}
    tasks.complete(db, people["applicant_a"], correction.id, {"changes": {"production_address": None,
                                                                         "legal_representative": ""}})
    data = stored(db, case.id)
    assert "production_address" not in data and "legal_representative" not in data and data["address"]
