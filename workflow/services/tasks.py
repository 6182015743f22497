"""Approval operations on human tasks: claim, complete, return, transfer, sign, recall…

Each function is one command: one transaction, permission check first, input
validated before the workflow is touched, the audit event written with the
change. Callers pass ``expected_version`` (the instance version they saw) to
be told of a concurrent change instead of overwriting it.
"""
from __future__ import annotations

from SpiffWorkflow.util.task import TaskState
from sqlalchemy import func, select

from workflow.domain import applications, case_status, forms
from workflow.domain.permissions import can_work_on, require_role, require_task_actor
from workflow.errors import Conflict, Forbidden, ValidationError
from workflow.runtime import completion, instances
from workflow.runtime.command import Command
from workflow.runtime.spiff_runtime import ancestors, find_task, reset_to
from workflow.services.common import get_user, record, require_open, task_command, visible_task
from workflow.storage.db import Database
from workflow.storage.models import Case, HumanTask, Notification, TaskSigner, User

MESSAGE_MAX = 1000


def _finish(cmd: Command, running: instances.Running) -> None:
    instances.save(cmd, running)
    case_status.refresh(cmd)


def _text(value: str | None, field: str, required: bool = True) -> str | None:
    value = (value or "").strip()
    if required and not value:
        raise ValidationError({field: ["This field is required."]})
    if len(value) > MESSAGE_MAX * 2:
        raise ValidationError({field: [f"Longer than maximum length {MESSAGE_MAX * 2}."]})
    return value or None


def _require_not_held_by_other_sibling(session, actor, task: HumanTask) -> None:
    """Art. 34: with ``distinctAssignees`` one person takes at most one instance of the step."""
    if not task.distinct_assignees:
        return
    sibling = session.scalar(select(func.count(HumanTask.id)).where(
        HumanTask.instance_id == task.instance_id, HumanTask.bpmn_id == task.bpmn_id, HumanTask.id != task.id,
        (HumanTask.assignee_id == actor.id) | (HumanTask.completed_by == actor.id)))
    if sibling:
        raise Conflict("You already handle another part of this joint review; a second person must take this one.")


def claim(db: Database, actor, task_id: int, expected_version: int | None = None) -> HumanTask:
    with task_command(db, actor, task_id) as (cmd, task):
        session = cmd.session
        instances.lock(cmd, task.instance_id, expected_version)
        require_task_actor(actor, task, must_hold=False)
        require_open(task)
        if task.assignee_id is not None:
            raise Conflict("This task has already been claimed." if task.assignee_id != actor.id
                           else "You already hold this task.")
        _require_not_held_by_other_sibling(session, actor, task)
        task.assignee_id, task.claimed_at = actor.id, cmd.now
        record(cmd, "claim", task)
        return task


def unclaim(db: Database, actor, task_id: int) -> HumanTask:
    with task_command(db, actor, task_id) as (cmd, task):
        require_task_actor(actor, task)
        require_open(task)
        if task.assignee_id != actor.id:
            raise Conflict("You do not hold this task.")
        task.assignee_id, task.claimed_at = None, None
        record(cmd, "unclaim", task)
        return task


def complete(db: Database, actor, task_id: int, data: dict, expected_version: int | None = None) -> HumanTask:
    """Complete a task with its form data; opinion and decision go to the audit chain."""
    with task_command(db, actor, task_id) as (cmd, task):
        session = cmd.session
        running = instances.lock(cmd, task.instance_id, expected_version)
        require_task_actor(actor, task)
        require_open(task)
        if task.hold:
            raise Conflict("This task is waiting for the applicant's correction.")
        _require_signers_done(task)
        if task.assignee_id is None:
            _require_not_held_by_other_sibling(session, actor, task)
            task.assignee_id, task.claimed_at = actor.id, cmd.now
        clean = forms.validate(task.form_key, data)
        if task.form_key == "correction" and clean.get("changes"):
            clean = {**clean, **applications.correct(cmd.case, clean["changes"], "changes.")}
        with session.no_autoflush:   # one flush, in projection.sync, instead of one per query
            completion.apply(cmd, running, task, clean)
            instances.save(cmd, running)
        _complete_joint_intake(cmd, task, clean)
        case_status.refresh(cmd)
        return task


def _complete_joint_intake(cmd: Command, task: HumanTask, clean: dict) -> None:
    """联批联办: one intake decision for a joint filing applies to every matter in it."""
    if task.form_key not in completion.ACCEPTANCE_FORMS or len(cmd.case.matters) < 2:
        return
    siblings = cmd.session.scalars(select(HumanTask).where(
        HumanTask.case_id == task.case_id, HumanTask.instance_id != task.instance_id,
        HumanTask.state == "open", HumanTask.form_key.in_(completion.ACCEPTANCE_FORMS))).all()
    for sibling in siblings:
        sibling.assignee_id, sibling.claimed_at = cmd.actor.id, cmd.now
        completion.complete_loaded(cmd, sibling, forms.validate_own_fields(sibling.form_key, clean))


def _require_signers_done(task: HumanTask) -> None:
    if task.signers_pending:
        raise Conflict(f"{task.signers_pending} added signer(s) have not given their opinion yet.")


def return_to_step(db: Database, actor, task_id: int, target_bpmn_id: str, opinion: str,
                   expected_version: int | None = None) -> HumanTask:
    """退回: send the case back to an earlier step of the same process, which runs again."""
    with task_command(db, actor, task_id) as (cmd, task):
        running = instances.lock(cmd, task.instance_id, expected_version)
        require_task_actor(actor, task)
        require_open(task)
        opinion = _text(opinion, "opinion")
        target = _earlier_step(find_task(running.workflow, task.spiff_task_id), target_bpmn_id)
        if target is None:
            raise ValidationError({"target": ["Only a step that led to this one can be returned to."]})
        cmd.close_reasons[task.spiff_task_id] = "returned"
        reset_to(running.workflow, target.id)
        instances.advance(running)
        record(cmd, "return", task, opinion=opinion, data={"target": target_bpmn_id})
        _finish(cmd, running)
        return task


def _earlier_step(current, bpmn_id: str):
    """The nearest completed user task with this BPMN id on the path that led to ``current``.

    Resetting to a step in a *parallel* branch would leave the current step open
    beside it, so only steps on the current task's own path qualify.
    """
    return next((t for t in ancestors(current) if t.task_spec.manual and t.state == TaskState.COMPLETED
                 and (t.task_spec.bpmn_id or t.task_spec.name) == bpmn_id), None)


def recall(db: Database, actor, task_id: int, expected_version: int | None = None) -> HumanTask:
    """撤回: take back one's own completed step while the next step is still unclaimed."""
    with task_command(db, actor, task_id) as (cmd, done):
        session = cmd.session
        running = instances.lock(cmd, done.instance_id, expected_version)
        if done.state != "closed" or done.close_reason != "completed" or done.completed_by != actor.id:
            raise Forbidden("Only the person who completed this step can recall it.")
        following = session.scalars(select(HumanTask).where(
            HumanTask.instance_id == done.instance_id, HumanTask.state == "open",
            HumanTask.created_at >= done.closed_at)).all()
        if not following or any(t.assignee_id is not None for t in following):
            raise Conflict("The next step has already been taken up; this step can no longer be recalled.")
        spiff_task = find_task(running.workflow, done.spiff_task_id)
        if spiff_task is None or spiff_task.state != TaskState.COMPLETED or any(
                spiff_task not in ancestors(find_task(running.workflow, t.spiff_task_id)) for t in following):
            raise Conflict("This step can no longer be recalled.")
        for task in following:
            cmd.close_reasons[task.spiff_task_id] = "recalled"
        reset_to(running.workflow, spiff_task.id)
        instances.advance(running)
        record(cmd, "recall", done)
        _finish(cmd, running)
        reopened = session.scalars(select(HumanTask).where(
            HumanTask.instance_id == done.instance_id, HumanTask.spiff_task_id == done.spiff_task_id,
            HumanTask.state == "open")).first()
        if reopened is not None:
            reopened.assignee_id, reopened.claimed_at = actor.id, cmd.now
        return reopened or done


def transfer(db: Database, actor, task_id: int, to_user_id: int, opinion: str | None = None) -> HumanTask:
    """转办: hand a task one holds to a colleague of the same role and department."""
    with task_command(db, actor, task_id) as (cmd, task):
        session = cmd.session
        require_task_actor(actor, task)
        require_open(task)
        target = get_user(session, to_user_id)
        if target.id == actor.id:
            raise ValidationError({"to_user_id": ["Choose someone other than yourself."]})
        if not can_work_on(target, task):
            raise ValidationError({"to_user_id": ["This person does not have the task's role and department."]})
        _require_not_held_by_other_sibling(session, target, task)
        task.assignee_id, task.claimed_at = target.id, cmd.now
        _notify(cmd, target.id, task, "transfer", _text(opinion, "opinion", required=False) or task.title)
        record(cmd, "transfer", task, opinion=opinion, data={"to_user_id": target.id, "to": target.display_name})
        return task


def copy_to(db: Database, actor, task_id: int, user_ids: list[int], message: str | None = None) -> list[Notification]:
    """抄送: let colleagues know about a task; they get a notice, not the task."""
    with db.transaction() as session:
        task = visible_task(session, actor, task_id)
        cmd = Command(session, actor, case=session.get(Case, task.case_id))
        require_role(actor, "window", "reviewer", "inspector", "approver", "supervisor")
        if not user_ids:
            raise ValidationError({"user_ids": ["Choose at least one person."]})
        users = [get_user(session, uid) for uid in dict.fromkeys(user_ids)]
        if any(u.role == "applicant" for u in users):
            raise ValidationError({"user_ids": ["Copies go to staff only."]})
        text = _text(message, "message", required=False) or task.title
        notices = [_notify(cmd, u.id, task, "copy", text) for u in users]
        record(cmd, "copy", task, opinion=text, data={"to": [u.id for u in users]})
        return notices


def urge(db: Database, actor, task_id: int, message: str | None = None) -> list[Notification]:
    """催办: remind whoever holds (or may claim) the task."""
    with task_command(db, actor, task_id) as (cmd, task):
        session = cmd.session
        require_role(actor, "supervisor", "approver", "window")
        require_open(task)
        text = _text(message, "message", required=False) or f"请尽快办理：{task.title}"
        notices = [_notify(cmd, uid, task, "urge", text) for uid in _responsible(session, task)]
        record(cmd, "urge", task, opinion=text, data={"to": [n.user_id for n in notices]})
        return notices


def _responsible(session, task: HumanTask) -> list[int]:
    if task.assignee_id is not None:
        return [task.assignee_id]
    query = select(User).where(User.role == task.role, User.active.is_(True))
    return [u.id for u in session.scalars(query) if can_work_on(u, task)]


def add_signer(db: Database, actor, task_id: int, user_id: int, message: str | None = None) -> TaskSigner:
    """加签: require another person's opinion before the task may complete."""
    with task_command(db, actor, task_id) as (cmd, task):
        session = cmd.session
        require_task_actor(actor, task)
        require_open(task)
        if task.assignee_id != actor.id:
            raise Conflict("Claim the task before adding a signer.")
        signer = get_user(session, user_id)
        if signer.id == actor.id or signer.role == "applicant":
            raise ValidationError({"user_id": ["Choose a staff member other than yourself."]})
        if session.scalar(select(TaskSigner.id).where(TaskSigner.task_id == task.id,
                                                      TaskSigner.user_id == signer.id)) is not None:
            raise Conflict("This person has already been added as a signer.")
        row = TaskSigner(task_id=task.id, user_id=signer.id, requested_by=actor.id, requested_at=cmd.now)
        session.add(row)
        task.signers_pending += 1
        _notify(cmd, signer.id, task, "sign", _text(message, "message", required=False) or f"请会签：{task.title}")
        record(cmd, "add_signer", task, data={"signer_id": signer.id, "signer": signer.display_name})
        return row


def sign(db: Database, actor, task_id: int, opinion: str) -> TaskSigner:
    """An added signer gives their opinion."""
    with task_command(db, actor, task_id) as (cmd, task):
        session = cmd.session
        require_open(task)
        row = session.scalars(select(TaskSigner).where(TaskSigner.task_id == task.id,
                                                       TaskSigner.user_id == actor.id)).first()
        if row is None:
            raise Forbidden("You have not been asked to sign this task.")
        if row.signed_at is not None:
            raise Conflict("You have already signed.")
        row.opinion, row.signed_at = _text(opinion, "opinion"), cmd.now
        task.signers_pending -= 1
        record(cmd, "sign", task, opinion=row.opinion)
        return row


def _notify(cmd: Command, user_id: int, task: HumanTask, kind: str, message: str) -> Notification:
    notice = Notification(user_id=user_id, case_id=task.case_id, task_id=task.id, kind=kind, message=message,
                          sender_id=getattr(cmd.actor, "id", None), created_at=cmd.now)
    cmd.session.add(notice)
    return notice


def signers(db: Database, actor, task_id: int) -> list[TaskSigner]:
    with db.reading() as session:
        visible_task(session, actor, task_id)
        return list(session.scalars(select(TaskSigner).where(TaskSigner.task_id == task_id)))


def get(db: Database, actor, task_id: int) -> HumanTask:
    with db.reading() as session:
        return visible_task(session, actor, task_id)

