"""Certificate numbers: official formats, unique when many workers issue at once."""
from __future__ import annotations

import threading

import pytest
from sqlalchemy import select

from workflow.domain import certificates
from workflow.domain.matters import MATTERS
from workflow.domain.identifiers import is_valid_sc_number, parse_equipment_certificate_number, parse_xk_number
from workflow.errors import Conflict
from workflow.services import cases
from workflow.storage.db import utcnow
from workflow.storage.models import Case, Certificate


def issue_many(db, case_id, matter, workers=4, each=5):
    numbers, errors = [], []

    def work():
        for _ in range(each):
            try:
                with db.transaction() as s:
                    case = s.get(Case, case_id)
                    numbers.append(certificates.issue(s, case, MATTERS[matter], utcnow(), "范围",
                                                      validity_years=5).number)
            except Exception as exc:  # collected so the assertion shows it
                errors.append(exc)
    threads = [threading.Thread(target=work) for _ in range(workers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    return numbers


def test_concurrent_issuance_gives_unique_valid_numbers(db, people):
    case = cases.submit(db, people["applicant_a"], ["bench"], {})
    with db.transaction() as s:
        s.get(Case, case.id).data = {"food_kind": 1, "food_category": "03", "area_code": "442000",
                                     "industry_code": "16", "product_code": "205"}
    sc = issue_many(db, case.id, "food_license")
    assert len(set(sc)) == 20 and all(is_valid_sc_number(n) and n.startswith("SC10344200") for n in sc)
    xk = issue_many(db, case.id, "industrial_license", workers=2)
    assert len(set(xk)) == 10 and all(parse_xk_number(n)["province_abbr"] == "粤" for n in xk)
    eq = issue_many(db, case.id, "equipment_registration", workers=2, each=2)
    assert len(set(eq)) == 4 and all(parse_equipment_certificate_number(n) for n in eq)
    with db.reading() as s:
        rows = s.scalars(select(Certificate)).all()
    assert len({r.token for r in rows}) == len(rows) == 34
    assert all(r.status == "valid" and r.valid_until.year == r.issued_on.year + 5 for r in rows)


def test_renewal_keeps_the_number_and_extends_validity(db, people):
    case = cases.submit(db, people["applicant_a"], ["bench"], {})
    with db.transaction() as s:
        cert = certificates.issue(s, s.get(Case, case.id), MATTERS["food_license"], utcnow(), "范围")
        number, until = cert.number, cert.valid_until
    with db.transaction() as s:
        renewed = certificates.renew(certificates.by_number(s, number), utcnow(), 5)
        assert renewed.number == number and renewed.valid_until.year == until.year + 5
        certificates.set_status(renewed, "revoked")
    with pytest.raises(Conflict, match="revoked"):
        with db.transaction() as s:
            certificates.renew(certificates.by_number(s, number), utcnow(), 5)
