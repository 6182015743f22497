"""The one read model of a task: its summary (the step, the instance version to send back, the
actions offered), which the API answers, and the page's view, which is that summary plus its case as
the viewer may see it and the diagram. Experts see the application and its materials for the
step they score, never the case page, the other panel members or the history.
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from SpiffWorkflow.util.task import TaskState

from workflow import vocabulary as v
from workflow.domain.permissions import Actor, can_see_case
from workflow.domain.policy import Action
from workflow.services import case_view
from workflow.runtime import instances, live_cache
from workflow.services.common import task_actions, visible_task
from workflow.storage.db import Database, utcnow
from workflow.storage.models import (Attachment, Case, HumanTask, Organisation, ProcessInstance, ProcessVersion,
                                     TaskSigner, User)


@dataclass
class Signer:
    user_id: int
    name: str
    opinion: str | None
    signed_at: object


@dataclass
class TaskSummary:
    """What a client needs to act on a task: the row, its case number, the instance version to send
    back and the actions offered. The API answers this (and every task command answers it), so it
    leaves out what only the page draws (the case view, diagram, signers' names): those cost a
    dozen queries and a deserialized workflow per request."""
    task: HumanTask
    case_number: str
    version: int
    actions: list[Action]


@dataclass
class TaskView:
    """The page's read model: the task's summary (what the API answers, with the actions offered)
    and what only the page draws (the case view, the diagram's states, the signers' names)."""
    summary: TaskSummary
    case: case_view.CaseView | None      # None for experts: they see `application` and `attachments` only
    case_row: Case
    organisation: Organisation
    attachments: list[Attachment]
    instance: ProcessInstance
    version: ProcessVersion
    done_ids: set[str]
    current_ids: set[str]
    signers: list[Signer]
    assignee_name: str | None
    node_states: dict[str, str]          # BPMN element id -> done / current, for every node the engine ran

    @property
    def task(self) -> HumanTask:
        return self.summary.task

    @property
    def actions(self) -> list[Action]:
        return self.summary.actions

    def action(self, op: str) -> Action | None:
        return next((a for a in self.actions if a.op == op), None)

    @property
    def application(self) -> dict:
        return self.case_row.data or {}


def _summarise(session, actor: Actor, task_id: int) -> tuple[TaskSummary, Case, ProcessInstance]:
    task = visible_task(session, actor, task_id)
    case = session.get(Case, task.case_id)
    instance = session.get(ProcessInstance, task.instance_id)   # the policy reads it from the session
    return TaskSummary(task, case.number, instance.version, task_actions(session, actor, task, case, utcnow())), \
        case, instance


def task_summary(db: Database, actor: Actor, task_id: int) -> TaskSummary:
    with db.reading() as session, live_cache.lending():
        return _summarise(session, actor, task_id)[0]


def task_view(db: Database, actor: Actor, task_id: int, lang: str = "zh") -> TaskView:
    with db.reading() as session, live_cache.lending():
        summary, case, instance = _summarise(session, actor, task_id)
        task = summary.task
        rows = session.execute(select(HumanTask.bpmn_id, HumanTask.state, HumanTask.close_reason)
                               .where(HumanTask.instance_id == instance.id)).all()
        signers = [Signer(s.user_id, name, s.opinion, s.signed_at) for s, name in session.execute(
            select(TaskSigner, User.display_name).join(User, User.id == TaskSigner.user_id)
            .where(TaskSigner.task_id == task.id).order_by(TaskSigner.id))]
        assignee = session.get(User, task.assignee_id) if task.assignee_id else None
        return TaskView(
            summary=summary,
            case=case_view.build(session, actor, case, lang) if can_see_case(actor, case) else None,
            case_row=case, organisation=session.get(Organisation, case.organisation_id),
            attachments=list(session.scalars(select(Attachment).where(Attachment.case_id == case.id)
                                             .order_by(Attachment.id))),
            instance=instance, version=session.get(ProcessVersion, instance.process_version_id),
            done_ids={b for b, s, r in rows if s == v.TASK_CLOSED and r == "completed"},
            current_ids={b for b, s, _r in rows if s == v.TASK_OPEN},
            signers=signers, assignee_name=assignee.display_name if assignee else None,
            node_states=node_states(instances.peek(session, instance)),
        )


def node_states(workflow) -> dict[str, str]:
    """Every BPMN element the engine has passed (events, gateways, service and user tasks) as done,
    and the ones waiting now (user tasks, timers, parallel joins) as current."""
    states: dict[str, str] = {}
    for task in workflow.get_tasks():
        bpmn_id = getattr(task.task_spec, "bpmn_id", None)
        if not bpmn_id:
            continue
        if task.state == TaskState.COMPLETED:
            states.setdefault(bpmn_id, "done")
        elif task.state in (TaskState.READY, TaskState.WAITING, TaskState.STARTED):
            states[bpmn_id] = "current"
    return states
