"""A filing is the applicant's own (defect 12) and one transaction with its files (defect 13)."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from tests.api.conftest import error_of
from tests.helpers import ORG_B, open_tasks
from tests.web.flows import application
from workflow.domain.identifiers import make_case_number
from workflow.errors import ValidationError
from workflow.services import attachments, cases, tasks
from workflow.storage.models import Attachment, AuditEvent, Case

PDF = b"%PDF-1.4\n%test\n"


def _count(db, column) -> int:
    with db.reading() as s:
        return s.scalar(select(func.count(column)))


@pytest.mark.parametrize("changes, field", [
    ({"credit_code": ORG_B[0]}, "credit_code"), ({"company_name": ORG_B[1]}, "company_name"),
])
def test_filing_for_another_enterprise_is_a_field_error(db, api, changes, field):
    body = {"matters": ["food_license"], "data": application("food_license", **changes)}
    response = api.post("/api/v1/cases", as_="applicant_a", json=body)
    assert response.status_code == 422
    assert list(error_of(response)["fields"]) == [field]
    assert _count(db, Case.id) == 0


def test_the_own_enterprise_files_as_before(db, api):
    body = {"matters": ["food_license"], "data": application("food_license")}
    assert api.post("/api/v1/cases", as_="applicant_a", json=body).status_code == 201


def test_a_correction_cannot_switch_the_enterprise(db, people):
    case = cases.submit(db, people["applicant_a"], ["food_license"], application("food_license"))
    tasks.complete(db, people["window"], open_tasks(db, case.id)[0].id,
                   {"opinion": "请补正", "decision": "correct", "items": ["营业执照"]})
    correction = open_tasks(db, case.id)[0]
    with pytest.raises(ValidationError) as refused:
        tasks.complete(db, people["applicant_a"], correction.id,
                       {"opinion": "已补正", "changes": {"credit_code": ORG_B[0]}})
    assert set(refused.value.fields) == {"changes.credit_code"}


def test_a_correction_hears_every_error_at_once(db, people):
    """一次性告知: a note over the limit and bad corrected fields are reported together, not the
    note first and the fields only when the applicant sends again; nothing is stored."""
    case = cases.submit(db, people["applicant_a"], ["food_license"], application("food_license"))
    tasks.complete(db, people["window"], open_tasks(db, case.id)[0].id,
                   {"opinion": "请补正", "decision": "correct", "items": ["从业人员数", "联系电话"]})
    correction = open_tasks(db, case.id)[0]
    with pytest.raises(ValidationError) as refused:
        tasks.complete(db, people["applicant_a"], correction.id,
                       {"note": "说" * 2001, "changes": {"employees": "abc", "phone": "12"}})
    assert set(refused.value.fields) == {"note", "changes.employees", "changes.phone"}
    assert open_tasks(db, case.id)[0].id == correction.id


def test_a_failure_while_storing_files_leaves_no_case_row_or_file(db, people, clock, tmp_path):
    """The second file cannot be written (its temporary path is taken by a folder): the case, its
    first file's row and the first file on disk all disappear with the transaction."""
    root = tmp_path / "files"
    folder = root / make_case_number(clock().year, 1)
    second = attachments.Upload("other", "b.pdf", PDF + b"second")
    sha = attachments.check(second)[1]
    (folder / f"{sha[:12]}-b.pdf.part").mkdir(parents=True)
    events = _count(db, AuditEvent.seq)
    with pytest.raises(OSError):
        cases.submit(db, people["applicant_a"], ["bench"], {"title": "带附件"},
                     uploads=[attachments.Upload("other", "a.pdf", PDF), second], root=root)
    assert (_count(db, Case.id), _count(db, Attachment.id), _count(db, AuditEvent.seq)) == (0, 0, events)
    assert [p.name for p in folder.iterdir()] == [f"{sha[:12]}-b.pdf.part"]


def test_a_filing_with_files_keeps_both(db, people, tmp_path):
    case = cases.submit(db, people["applicant_a"], ["bench"], {"title": "带附件"},
                        uploads=[attachments.Upload("other", "a.pdf", PDF)], root=tmp_path)
    assert [a.filename for a in attachments.for_case(db, people["applicant_a"], case.id)] == ["a.pdf"]


def test_a_withdrawal_reason_over_the_limit_is_refused_not_cut(db, people):
    """The reason goes on the record as written: over 2,000 characters it is a field error, and
    the case keeps running (before, it was silently cut to 2,000)."""
    case = cases.submit(db, people["applicant_a"], ["food_license"], application("food_license"))
    with pytest.raises(ValidationError) as refused:
        cases.withdraw(db, people["applicant_a"], case.id, "因" * 2001)
    assert set(refused.value.fields) == {"reason"}
    with db.reading() as session:
        assert session.get(Case, case.id).status != "withdrawn"
        assert session.scalar(select(func.count()).select_from(AuditEvent)
                              .where(AuditEvent.case_id == case.id, AuditEvent.action == "withdraw")) == 0
