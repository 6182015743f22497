"""The one read model of a case, shared by the case page, the task page and the API.

It carries what the viewer may know and the actions the policy offers them now, so a page
shows exactly what the API returns. Applicants see the office's decisions and reasons, not
its internal notes (``workflow.domain.disclosure``); experts never open a case, only the
scoring step they hold (``task_view``).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from workflow import vocabulary as v
from workflow.domain import disclosure, operations, progress
from workflow.domain.permissions import Actor
from workflow.domain.policy import Action
from workflow.documents import catalog
from workflow.documents.catalog import Ref
from workflow.services import documents
from workflow.services.common import case_actions, visible_case
from workflow.storage import audit
from workflow.storage.db import Database, utcnow
from workflow.storage.models import (Attachment, AuditEvent, Case, Certificate, ClockSegment, HumanTask,
                                     Notification, Organisation, ProcessInstance, Rating, User)


@dataclass
class Holder:
    role: str
    department: str | None
    title: str
    claimed: bool
    assignee: str | None
    light: str
    due_at: datetime | None
    hold: str | None
    matter: str


@dataclass
class Panel:
    """The experts' independent scores and the trimmed mean the award is ranked by."""
    scores: list[tuple[str, float]]
    mean: float


@dataclass
class Rectification:
    """What the on-site inspection found and by when the enterprise must rectify it."""
    findings: str | None
    days: int | None
    due_at: datetime | None
    task_id: int


@dataclass
class CaseView:
    case: Case
    organisation: Organisation
    applicant_name: str | None
    viewer_is_applicant: bool
    actions: list[Action]
    instances: list[ProcessInstance]
    tasks: list[HumanTask]
    open_tasks: list[HumanTask]
    holders: list[Holder]
    progress: dict[str, list[progress.StepState]]
    segments: list[ClockSegment]
    attachments: list[Attachment]
    certificates: list[Certificate]
    documents: list[Ref]
    ratings: list[Rating]
    history: list
    notices: list[Notification]
    correction_items: list[str] = field(default_factory=list)
    applicant_reply: Reply | None = None
    rectification: Rectification | None = None
    panel: Panel | None = None

    def action(self, op: str) -> Action | None:
        return next((a for a in self.actions if a.op == op), None)

    @property
    def correction_notice(self) -> Ref | None:
        """The latest one-time correction notice (补正材料通知书, Art. 32), printed as a PDF like
        every other document of the case."""
        return next((ref for ref in reversed(self.documents) if ref.kind == catalog.CORRECTION), None)

    @property
    def vehicle_results(self) -> dict | None:
        return (self.case.data or {}).get("vehicle_results")


def case_view(db: Database, actor: Actor, case_id: int, lang: str = "zh") -> CaseView:
    """Everything the case page shows, for anyone who may see the case."""
    with db.reading() as session:
        return build(session, actor, visible_case(session, actor, case_id), lang)


def build(session: Session, actor: Actor, case: Case, lang: str = "zh", now: datetime | None = None) -> CaseView:
    is_applicant = actor.role == "applicant"
    instances = list(session.scalars(select(ProcessInstance).where(ProcessInstance.case_id == case.id)
                                     .order_by(ProcessInstance.id)))
    tasks = list(session.scalars(select(HumanTask).where(HumanTask.case_id == case.id)
                                 .order_by(HumanTask.created_at, HumanTask.id)))
    open_tasks = [t for t in tasks if t.state == v.TASK_OPEN]
    names = _names(session, {t.assignee_id for t in open_tasks} | {case.applicant_id})
    history = audit.case_history(session, case.id)
    certificates = documents.certificates_for(session, case, is_applicant)
    return CaseView(
        case=case, organisation=session.get(Organisation, case.organisation_id),
        applicant_name=names.get(case.applicant_id), viewer_is_applicant=is_applicant,
        actions=case_actions(session, actor, case, now or utcnow()), instances=instances,
        tasks=[] if is_applicant else tasks,
        open_tasks=[t for t in open_tasks if t.role == "applicant"] if is_applicant else open_tasks,
        holders=[_holder(t, None if is_applicant else names.get(t.assignee_id)) for t in open_tasks],
        progress={i.matter_code: matter_steps(i, tasks, lang) for i in instances},
        segments=_segments(session, case.id),
        attachments=list(session.scalars(select(Attachment).where(Attachment.case_id == case.id)
                                         .order_by(Attachment.uploaded_at, Attachment.id))),
        certificates=certificates,
        documents=documents.refs(history, certificates, instances),
        ratings=list(session.scalars(select(Rating).where(Rating.case_id == case.id).order_by(Rating.id))),
        history=[e for e in map(disclosure.told, history) if e] if is_applicant else history,
        notices=list(session.scalars(select(Notification).where(
            Notification.case_id == case.id, Notification.user_id == actor.id)
            .order_by(Notification.created_at.desc()).limit(20))),
        correction_items=disclosure.correction_items(history),
        applicant_reply=applicant_reply(history),
        rectification=_rectification(open_tasks, history),
        panel=None if is_applicant else panel(session, history, tasks),
    )


def _names(session: Session, ids: set) -> dict[int, str]:
    ids = {i for i in ids if i}
    return dict(session.execute(select(User.id, User.display_name).where(User.id.in_(ids))).all()) if ids else {}


def _holder(task: HumanTask, assignee: str | None) -> Holder:
    return Holder(task.role, task.department_code, task.title, task.assignee_id is not None, assignee,
                  task.light, task.due_at, task.hold, task.matter_code)


def matter_steps(instance: ProcessInstance, tasks: list[HumanTask], lang: str = "zh") -> list[progress.StepState]:
    """One matter's progress bar, from the case's task rows."""
    mine = [t for t in tasks if t.instance_id == instance.id]
    completed = {t.bpmn_id for t in mine if t.close_reason == "completed"}
    open_steps = {t.bpmn_id for t in mine if t.state == v.TASK_OPEN}
    return progress.matter_progress(instance.matter_code, instance.status == v.INSTANCE_RUNNING,
                                    instance.outcome, completed, open_steps, lang)


def _segments(session: Session, case_id: int) -> list[ClockSegment]:
    return list(session.scalars(select(ClockSegment).where(ClockSegment.case_id == case_id)
                                .order_by(ClockSegment.started_at, ClockSegment.id)))


@dataclass(frozen=True)
class Reply:
    """What the applicant said and changed when sending corrected materials."""
    at: datetime
    note: str | None
    fields: list[str]


def applicant_reply(history: list[AuditEvent]) -> Reply | None:
    """The applicant's latest correction (the correction step, or a resubmission after a return),
    so the clerk reads the explanation next to the materials."""
    for event in reversed(history):
        data = event.data or {}
        if event.action == "resubmit":
            return Reply(event.at, event.opinion, sorted(data.get("fields") or []))
        if event.action == "complete" and event.role == "applicant" and "changes" in data:
            return Reply(event.at, data.get("note") or event.opinion, sorted(data.get("changes") or {}))
    return None


def _rectification(open_tasks: list[HumanTask], history: list[AuditEvent]) -> Rectification | None:
    task = next((t for t in open_tasks if t.form_key == "rectification"), None)
    if task is None:
        return None
    order = next((e for e in reversed(history) if e.action == "complete" and e.decision == "rectify"), None)
    data = order.data if order is not None else {}
    return Rectification(data.get("findings"), data.get("rectify_days"), task.due_at, task.id)


def panel(session: Session, history: list[AuditEvent], tasks: list[HumanTask]) -> Panel | None:
    """The experts' scores, for the steps that decide after them (on-site review, committee)."""
    done = [t for t in tasks if t.form_key == "expert_score" and t.close_reason == "completed"]
    if not done:
        return None
    latest = max(done, key=lambda t: t.closed_at).activation    # a re-run panel replaces the earlier one
    scoring = {t.id: t for t in done if t.activation == latest}
    names = _names(session, {t.completed_by for t in scoring.values()})
    scores = [(names.get(scoring[e.task_id].completed_by, "—"), float(e.data["score"])) for e in history
              if e.action == "complete" and e.task_id in scoring and isinstance((e.data or {}).get("score"), (int, float))]
    return Panel(scores, operations.trimmed_mean([s for _n, s in scores])) if scores else None
