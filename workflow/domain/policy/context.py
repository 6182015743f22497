"""What the policy looks at to decide: the actor, the task or case, and what it leads to.

Loaded lazily and once per decision, so listing every action for a page costs a handful of
indexed queries; only recall and return look at the process itself (a deserialized workflow,
which a command passes in when it already holds it).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from typing import Any

from sqlalchemy import Row, func, select
from sqlalchemy.orm import Session

from workflow.domain.permissions import Actor, can_see_case, can_work_on
from workflow.domain.policy import two_person
from workflow.runtime import instances
from workflow.storage.models import Case, ClockSegment, HumanTask, ProcessInstance, TaskSigner, User
from workflow.vocabulary import TASK_OPEN


# What offering a person needs (``actions.person``, the permission checks): a page lists every
# colleague of a role on every task, so no full account (password hash, organisation) is loaded.
PERSON = (User.id, User.username, User.display_name, User.role, User.department_code, User.organisation_id)


@dataclass
class TaskContext:
    session: Session
    actor: Actor
    task: HumanTask
    case: Case
    now: datetime
    workflow: Any = None  # the live workflow, when the command already loaded it
    _people: dict[str, list[Row]] = field(default_factory=dict, repr=False)   # role -> people_of(role)

    @cached_property
    def instance(self) -> ProcessInstance:
        return self.session.get(ProcessInstance, self.task.instance_id)

    @cached_property
    def props(self) -> dict[str, str]:
        return instances.step_properties(self.session, self.instance.process_version_id, self.task.bpmn_id)

    def loaded_workflow(self):
        if self.workflow is None:
            self.workflow = instances.peek(self.session, self.instance)
        return self.workflow

    @property
    def holds(self) -> bool:
        return self.task.assignee_id is not None and self.task.assignee_id == self.actor.id

    @cached_property
    def signers(self) -> list[TaskSigner]:
        return list(self.session.scalars(select(TaskSigner).where(TaskSigner.task_id == self.task.id)
                                         .order_by(TaskSigner.id)))

    @cached_property
    def pending_signers(self) -> list[TaskSigner]:
        if not self.task.signers_pending:   # the row counts them (services.handover), so no query for none
            return []
        return [s for s in self.signers if s.signed_at is None]

    @cached_property
    def manual_pause(self) -> ClockSegment | None:
        """The pause staff opened by hand on this step, if still open."""
        return self.session.scalars(select(ClockSegment).where(
            ClockSegment.task_id == self.task.id, ClockSegment.status == "open",
            ClockSegment.opened_by.is_not(None), ClockSegment.reason.not_in(("correction", "rectification")),
        )).first()

    def sibling_taken(self, user_id: int) -> bool:
        """Art. 34: with ``distinctAssignees`` one person takes one instance of a step activation."""
        if not self.task.distinct_assignees:
            return False
        return self.session.scalar(select(HumanTask.id).where(
            HumanTask.id == self.task.id, two_person.sibling_taken(HumanTask, user_id))) is not None

    @cached_property
    def colleagues(self) -> list[Row]:
        """Active people who hold the step's role and department, may open the case and are free to take
        this task: whom it can be transferred or delegated to, or who can be added as a signer."""
        rows = self.session.execute(select(*PERSON).where(User.role == self.task.role, User.active.is_(True),
                                                          User.id != self.actor.id).order_by(User.username))
        return [u for u in rows if can_work_on(u, self.task) and can_see_case(u, self.case)
                and not self.sibling_taken(u.id)]

    def newcomers(self) -> list[Row]:
        """Active people of the step's role who have no part of it in this case yet: whom an in-person
        step (an expert's scoring) may be handed to without one person scoring twice."""
        taken = select(HumanTask.assignee_id).where(HumanTask.case_id == self.task.case_id,
                                                    HumanTask.bpmn_id == self.task.bpmn_id,
                                                    HumanTask.assignee_id.is_not(None))
        rows = self.session.execute(select(*PERSON).where(User.role == self.task.role, User.active.is_(True),
                                                          User.id.not_in(taken)).order_by(User.username))
        return [u for u in rows if can_work_on(u, self.task)]     # an expert sees the step, not the case

    def staff_who_see_case(self, roles: tuple[str, ...]) -> list[Row]:
        rows = self.session.execute(select(*PERSON).where(User.role.in_(roles), User.active.is_(True),
                                                          User.id != self.actor.id).order_by(User.role, User.username))
        return [u for u in rows if can_see_case(u, self.case)]

    def people_of(self, role: str) -> list[Row]:
        """Active people of ``role`` for a form field (in the step's department for departmental roles);
        read once per decision, however many fields of the form name people of that role."""
        if role not in self._people:
            query = select(*PERSON).where(User.role == role, User.active.is_(True)).order_by(User.username)
            if role in ("reviewer", "inspector", "approver") and self.task.department_code:
                query = query.where(User.department_code == self.task.department_code)
            self._people[role] = list(self.session.execute(query))
        return self._people[role]

    @cached_property
    def following(self) -> list[HumanTask]:
        """Open steps of the same process that arrived after this one was completed."""
        if self.task.closed_at is None:
            return []
        return list(self.session.scalars(select(HumanTask).where(
            HumanTask.instance_id == self.task.instance_id, HumanTask.state == TASK_OPEN,
            HumanTask.created_at >= self.task.closed_at)))

    def joint_intake_forms(self) -> set[str]:
        """The forms of the other matters' intake steps open beside this one (a joint filing)."""
        return set(self.session.scalars(select(HumanTask.form_key).where(
            HumanTask.case_id == self.task.case_id, HumanTask.instance_id != self.task.instance_id,
            HumanTask.state == TASK_OPEN, HumanTask.role == self.task.role)))

    def earlier_corrections(self) -> int:
        """How often this step already sent the application back for correction (Art. 32: once)."""
        return self.session.scalar(select(func.count(HumanTask.id)).where(
            HumanTask.instance_id == self.task.instance_id, HumanTask.bpmn_id == self.task.bpmn_id,
            HumanTask.decision == "correct")) or 0


@dataclass
class CaseContext:
    session: Session
    actor: Actor
    case: Case
    now: datetime
    extra: dict = field(default_factory=dict)

    @cached_property
    def open_tasks(self) -> list[HumanTask]:
        return list(self.session.scalars(select(HumanTask).where(
            HumanTask.case_id == self.case.id, HumanTask.state == TASK_OPEN).order_by(HumanTask.id)))

    @cached_property
    def pending_extensions(self) -> list[ClockSegment]:
        from workflow.domain.policy.case_rules import pending_extensions
        return pending_extensions(self.session, self.case.id)
