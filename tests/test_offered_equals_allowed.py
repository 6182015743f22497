"""Offered ⇔ allowed, at every user-task step of every process.

Scripted walks visit every user-task step of every deployed process (the assertion at the end
checks none was missed). At each step, for the people who matter there (whoever holds it, a
colleague of its queue, a signer, the applicant, an outsider of another department or
enterprise, a supervisor), every task operation is tried: each one the policy offers must
succeed (then the database is restored), each one it does not offer must be refused with a
4xx error and write nothing.
"""
from __future__ import annotations

import random
import sqlite3

import pytest
from SpiffWorkflow.bpmn.specs.mixins.multiinstance_task import MultiInstanceTask
from sqlalchemy import select

from tests.flows.driver import Bureau
from tests.helpers import open_tasks
from workflow.cli.simulate import choices
from workflow.domain import forms, policy
from workflow.domain.matters import MATTERS
from workflow.domain.permissions import can_work_on
from workflow.errors import EngineError
from workflow.runtime.deployment import latest_version
from workflow.runtime.spiff_runtime import load_spec
from workflow.services import awards, dispatch
from workflow.storage.models import (
    AuditHead,
    Case,
    HumanTask,
    TaskSigner,
    User,
)


def user_steps(db) -> set[tuple[str, str]]:
    """(process, BPMN id) of every user task of every deployed licensing process."""
    found = set()
    with db.reading() as session:
        for process_id in {m.process_id for m in MATTERS.values()} - {"engine_bench"}:   # bpmn/ only
            version = latest_version(session, process_id)
            spec, _subs = load_spec(str(session.bind.url), version.id, lambda v=version: v.spec_json)
            for task_spec in spec.task_specs.values():
                if getattr(task_spec, "manual", False) and not isinstance(task_spec, MultiInstanceTask):
                    found.add((process_id, task_spec.bpmn_id or task_spec.name))
    return found


class Prober:
    def __init__(self, bureau: Bureau, path) -> None:
        self.bureau, self.db, self.path = bureau, bureau.db, path
        people = list(bureau.people.values())
        self.staff = [p for p in people if p.role != "applicant"]
        self.applicants = [p for p in people if p.role == "applicant"]
        self.probed: set[tuple[str, str]] = set()
        self.failures: list[str] = []

    def all_open(self, case_id: int) -> None:
        for task in open_tasks(self.db, case_id):
            key = (MATTERS[task.matter_code].process_id, task.bpmn_id)
            if key not in self.probed:
                self.probed.add(key)
                self.probe(task.id)

    def probe(self, task_id: int) -> None:
        self.db.dispose()
        copy = sqlite3.connect(":memory:")
        with sqlite3.connect(self.path) as source:
            source.backup(copy)
        with self.db.reading() as session:
            task = session.get(HumanTask, task_id)
            people = self.people_for(session, task, session.get(Case, task.case_id))
        for person in people:
            for op in dispatch.TASK_OPS:
                self.try_op(task_id, person, op, copy)
        copy.close()

    def people_for(self, session, task: HumanTask, case: Case) -> list[User]:
        signers = set(session.scalars(select(TaskSigner.user_id).where(TaskSigner.task_id == task.id)))
        pool = self.staff if task.role != "applicant" else self.applicants
        chosen = {p.id: p for p in [p for p in pool if can_work_on(p, task)][:2]}
        for p in self.staff + self.applicants:
            if p.id in signers | {task.assignee_id, task.handed_over_by}:
                chosen[p.id] = p
        outsider = (next(p for p in self.applicants if p.organisation_id != case.organisation_id)
                    if task.role == "applicant" else
                    next(p for p in self.staff if p.role == "reviewer" and p.department_code != task.department_code))
        for p in (next(p for p in self.applicants if p.organisation_id == case.organisation_id),
                  next(p for p in self.staff if p.role == "supervisor"), outsider):
            chosen.setdefault(p.id, p)
        return list(chosen.values())

    def try_op(self, task_id: int, person: User, op: str, copy: sqlite3.Connection) -> None:
        with self.db.reading() as session:
            task = session.get(HumanTask, task_id)
            case = session.get(Case, task.case_id)
            offered = {a.op: a for a in policy.task_actions(policy.TaskContext(session, person, task, case,
                                                                                self.bureau.clock()))}
            action = offered.get(op) or plausible(session, op, task)
            params = choices.params(random.Random(0), action, task, case.data or {})
            head = session.scalar(select(AuditHead.seq))
        where = f"{task.matter_code}/{task.bpmn_id}: {op} by {person.username} ({person.role})"
        try:
            dispatch.run_task_op(self.db, person, task_id, op, params)
        except EngineError as exc:
            if op in offered:
                self.failures.append(f"offered but refused: {where}: {exc.message} {exc.fields}")
            with self.db.reading() as session:
                if session.scalar(select(AuditHead.seq)) != head:
                    self.failures.append(f"refused but wrote history: {where}")
            return
        if op not in offered:
            self.failures.append(f"not offered but allowed: {where}")
        self.db.dispose()
        target = sqlite3.connect(self.path)
        copy.backup(target)
        target.close()


def plausible(session, op: str, task: HumanTask) -> policy.Action:
    """What someone might send for an operation the policy did not offer them."""
    someone = [{"id": u.id, "username": u.username, "name": u.username}
               for u in session.scalars(select(User).where(User.role == task.role).limit(3))]
    return policy.Action(op, {"decisions": forms.decision_choices(task.form_key),
                              "people": {name: someone for name in forms.people_fields(task.form_key)},
                              "targets": [{"id": "acceptance"}], "candidates": someone, "signers": someone,
                              "reasons": ["hearing"], "days": {"min": 1, "max": 1}})


def walk(bureau: Bureau, prober: Prober, case_id: int, steps) -> None:
    """Probe every open step, then take the next scripted one, until the script ends."""
    for who, bpmn_id, data in steps:
        prober.all_open(case_id)
        if data == "close_round":
            awards.close_round(bureau.db, bureau.people[who], bureau.task(case_id, bpmn_id).id)
        elif data == "days":
            bureau.advance(days=8)
        else:
            bureau.act(who, case_id, bpmn_id, **data)
    prober.all_open(case_id)


INTAKE = [("window", "acceptance", {"decision": "correct", "items": ["营业执照"]}),
          ("applicant_a", "correction", {"note": "已补"}), ("window", "acceptance", {"decision": "accept"})]
TEAM = {"team": ["inspector1", "inspector2"]}
FOOD_TEAM = {"team": ["food_inspector", "food_inspector2"]}
EXPERTS = ["expert1", "expert2", "expert3", "expert4", "expert5"]
SCRIPTS = {
    "industrial": (["industrial_license"], {"commitment_path": False}, [
        *INTAKE, ("reviewer1", "document_review", {"decision": "pass"}),
        ("reviewer2", "document_review", {"decision": "pass"}),
        ("inspector1", "onsite_inspection", {"decision": "rectify", "rectify_days": 10, "findings": "x", **TEAM}),
        ("applicant_a", "rectification", {"report": "已整改"}),
        ("inspector1", "onsite_inspection", {"decision": "pass", **TEAM}),
        ("reviewer1", "product_testing", {"decision": "pass", "report_number": "JY"}),
        ("approver", "approval", {"decision": "approve"})]),
    "commitment": (["industrial_license"], {"commitment_path": True}, [
        ("window", "acceptance", {"decision": "accept"}), ("reviewer1", "document_review", {"decision": "pass"}),
        ("reviewer2", "document_review", {"decision": "pass"}),
        ("reviewer1", "post_inspection", {"decision": "fail"}), ("approver", "revoke_decision", {"decision": "revoke"})]),
    "food": (["food_license"], {}, [
        *INTAKE, ("food_reviewer", "document_review", {"decision": "pass"}),
        ("food_inspector", "onsite_inspection", {"decision": "rectify", "rectify_days": 5, **FOOD_TEAM}),
        ("applicant_a", "rectification", {"report": "已整改"}),
        ("food_inspector", "onsite_inspection", {"decision": "pass", **FOOD_TEAM}),
        ("food_approver", "approval", {"decision": "approve"})]),
    "registration": (["equipment_registration"], {}, [
        *INTAKE, ("equip_reviewer", "document_review", {"decision": "pass"})]),
    "cng": (["cng_cylinder"], {}, [
        ("window", "vehicle_check", {"decision": "correct", "items": ["行驶证"]}),
        ("applicant_a", "correction", {"note": "已补"}),
        ("window", "vehicle_check", {"decision": "register", "vehicles": [
            {"plate_number": "闽A12345", "decision": "register"},
            {"plate_number": "粤B·D12345", "decision": "refuse", "reason": "过期"}]})]),
    "award": (["quality_award"], {}, [
        ("window", "eligibility_check", {"decision": "correct", "items": ["自评报告"]}),
        ("applicant_a", "correction", {"note": "已补"}),
        ("window", "eligibility_check", {"decision": "eligible"}),
        ("quality_reviewer", "recommendation", {"decision": "recommend", "experts": EXPERTS}),
        *[(e, "expert_scoring", {"score": 800}) for e in EXPERTS],
        ("quality_reviewer", "onsite_review", {"decision": "pass"}),
        ("quality_approver", "committee_decision", {"decision": "award"}),
        ("quality_approver2", "committee_decision", {"decision": "award"}),
        ("quality_approver3", "round_ranking", "close_round"),
        ("window", "public_notice", {"decision": "objection", "objection": "有异议"}),
        ("quality_reviewer", "objection_review", {"decision": "dismissed"}),
        ("window", "public_notice", "days")]),
}


@pytest.mark.parametrize("db", ["sqlite"], indirect=True)
def test_every_offered_action_succeeds_and_every_other_is_refused(db, people, clock, tmp_path):
    bureau = Bureau(db, people, clock)
    prober = Prober(bureau, tmp_path / "test.db")
    for matters, data, steps in SCRIPTS.values():
        case = bureau.file(matters, data)
        walk(bureau, prober, case.id, steps)
    food = bureau.outcome(_grant_food(bureau).id).certificates[0]
    change = bureau.file(["food_license_change"], {"change_kind": "change", "license_number": food.number,
                                                    "new_food_names": ["红茶"]})
    walk(bureau, prober, change.id, [*INTAKE, ("food_reviewer", "document_review", {"decision": "pass"}),
                                     ("food_approver", "approval", {"decision": "approve"})])
    missing = sorted(user_steps(db) - prober.probed)
    assert prober.failures == []
    assert not missing, f"steps never reached: {missing}"


def _grant_food(bureau: Bureau):
    case = bureau.file(["food_license"])
    bureau.accept(case.id)
    bureau.act("food_reviewer", case.id, "document_review", decision="pass")
    bureau.act("food_inspector", case.id, "onsite_inspection", decision="pass", **FOOD_TEAM)
    bureau.act("food_approver", case.id, "approval", decision="approve")
    return case

