"""Food production licence (SAMR Order 24) and its change, renewal and cancellation."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from workflow.domain.identifiers import is_valid_sc_number
from workflow.errors import ValidationError
from workflow.services import sweep
from workflow.storage.models import Case, Certificate
from workflow.timekeeping import deadlines


def decide(bureau, inspection="pass", decision="approve", who="applicant_a", data=None):
    case = bureau.file(["food_license"], data, who=who)
    bureau.accept(case.id)
    bureau.act("food_reviewer", case.id, "document_review", decision="pass")
    bureau.act("food_inspector", case.id, "onsite_inspection", decision=inspection,
               team=["food_inspector", "food_inspector2"])
    bureau.act("food_approver", case.id, "approval", decision=decision)
    return case


def granted_licence(bureau, who="applicant_a") -> Certificate:
    return bureau.outcome(decide(bureau, who=who).id).certificates[0]


def test_granted_with_sc_number_and_green_channel(bureau):
    case = bureau.file(["food_license"], {"area_code": "442000"})
    bureau.accept(case.id, green_channel=True)
    bureau.act("food_reviewer", case.id, "document_review", decision="pass")
    bureau.act("food_inspector", case.id, "onsite_inspection", decision="pass",
               team=["food_inspector", "food_inspector2"])
    bureau.act("food_approver", case.id, "approval", decision="approve")
    got = bureau.outcome(case.id)
    assert got.case.outcome == "granted" and got.case.green_channel and "green_channel" in got.actions
    assert got.case.limit_days == 7
    assert is_valid_sc_number(got.certificates[0].number) and got.certificates[0].number.startswith("SC116442000")


def test_denied(bureau):
    got = bureau.outcome(decide(bureau, inspection="fail", decision="deny").id)
    assert (got.case.outcome, got.certificates) == ("denied", [])


def test_decision_starts_the_certificate_clock(bureau):
    got = bureau.outcome(decide(bureau).id)
    assert got.case.decided_at is not None and got.case.certificate_due_at > got.case.decided_at
    with bureau.db.reading() as s:
        cal = deadlines.get_calendar(s)
    assert cal.workdays_between(got.case.decided_at, got.case.certificate_due_at) == 5   # Order 24: 5 WD


def amend(bureau, kind, number, who="applicant_a", **extra):
    data = {"change_kind": kind, "license_number": number, "change_items": [], **extra}
    return bureau.file(["food_license_change"], data, who=who)


def grant_amendment(bureau, case):
    bureau.accept(case.id)
    bureau.act("food_reviewer", case.id, "document_review", decision="pass")
    bureau.act("food_approver", case.id, "approval", decision="approve")


def test_change_reissues_the_licence_with_the_new_particulars(bureau):
    licence = granted_licence(bureau)
    case = amend(bureau, "change", licence.number, new_food_names=["红茶"], new_production_address="福州市仓山区 8 号")
    grant_amendment(bureau, case)
    with bureau.db.reading() as s:
        cert = s.scalars(select(Certificate).where(Certificate.number == licence.number)).one()
    assert cert.scope == "红茶" and cert.details["new_production_address"] == "福州市仓山区 8 号"
    assert cert.reissued_on is not None and cert.valid_until == licence.valid_until
    assert bureau.outcome(case.id).case.outcome == "granted"


def test_cancellation_cancels_the_licence(bureau):
    licence = granted_licence(bureau)
    grant_amendment(bureau, amend(bureau, "cancellation", licence.number))
    with bureau.db.reading() as s:
        assert s.scalars(select(Certificate.status).where(Certificate.number == licence.number)).one() == "cancelled"


def test_renewal_within_the_window_extends_validity(bureau):
    licence = granted_licence(bureau)
    bureau.clock.advance(timedelta(days=5 * 365 - 100))
    grant_amendment(bureau, amend(bureau, "renewal", licence.number))
    with bureau.db.reading() as s:
        cert = s.scalars(select(Certificate).where(Certificate.number == licence.number)).one()
    assert cert.valid_until.year == licence.valid_until.year + 5


@pytest.mark.parametrize("kind", ["change", "renewal", "cancellation"])
def test_amending_another_enterprises_licence_is_refused(bureau, kind):
    theirs = granted_licence(bureau, who="applicant_b")
    with pytest.raises(ValidationError) as err:
        amend(bureau, kind, theirs.number, new_food_names=["红茶"])
    assert "license_number" in err.value.fields
    with bureau.db.reading() as s:
        assert s.scalars(select(Certificate.status).where(Certificate.number == theirs.number)).one() == "valid"


def test_amending_a_licence_that_does_not_exist_is_refused(bureau):
    with pytest.raises(ValidationError) as err:
        amend(bureau, "renewal", "SC11644200000389")
    assert "license_number" in err.value.fields


def test_renewal_five_years_early_is_refused(bureau):
    licence = granted_licence(bureau)
    with pytest.raises(ValidationError) as err:
        amend(bureau, "renewal", licence.number)
    assert "change_kind" in err.value.fields


def test_two_applications_for_one_licence_are_refused(bureau):
    licence = granted_licence(bureau)
    amend(bureau, "cancellation", licence.number)
    with pytest.raises(ValidationError, match="Some fields"):
        amend(bureau, "change", licence.number, new_food_names=["红茶"])


def test_renewal_undecided_at_expiry_is_deemed_granted(bureau):
    licence = granted_licence(bureau)
    bureau.clock.advance(timedelta(days=5 * 365 - 60))
    case = amend(bureau, "renewal", licence.number)
    bureau.accept(case.id)
    assert sweep.sweep(bureau.db)["deemed_renewed"] == 0                 # not expired yet
    bureau.advance(days=62)                                              # the day after expiry
    got = bureau.outcome(case.id)
    with bureau.db.reading() as s:
        cert = s.scalars(select(Certificate).where(Certificate.number == licence.number)).one()
    assert (got.case.status, got.outcomes) == ("completed", ["deemed_granted"]) and "deemed_granted" in got.actions
    assert cert.valid_until.year == licence.valid_until.year + 5 and cert.status == "valid"
    assert bureau.open_steps(case.id) == []


def test_one_failing_case_does_not_stop_the_sweep(bureau, monkeypatch):
    """A sweep failure on one case is isolated: logged, counted, retried; the others are swept."""
    first, second = bureau.file(["food_license"]), bureau.file(["food_license"])
    from workflow.services import sweep as sweep_module
    real = sweep_module._deem_accepted

    def broken_for_first(cmd):
        if cmd.case.id == first.id:
            raise RuntimeError("a bad row")
        return real(cmd)
    monkeypatch.setattr(sweep_module, "_deem_accepted", broken_for_first)
    bureau.clock.advance(timedelta(days=10))
    done = sweep.sweep(bureau.db)
    assert done["failed"] == 1 and done["deemed_accepted"] == 1
    with bureau.db.reading() as s:
        assert s.get(Case, second.id).deemed_accepted and not s.get(Case, first.id).deemed_accepted
    monkeypatch.setattr(sweep_module, "_deem_accepted", real)
    assert sweep.sweep(bureau.db)["deemed_accepted"] == 1               # retried at the next sweep
