"""Working a step: claim, release, complete, send back (to a step or the applicant), recall.

Each function is one command: one transaction, the locks in the documented order, the
action policy asked for this operation (offered = allowed), input validated before the
workflow is touched, the audit event written with the change. Callers pass
``expected_version`` (the instance version they saw) to be told of a concurrent change
instead of overwriting it.
"""
from __future__ import annotations

from sqlalchemy import select

from workflow import vocabulary as v
from workflow.domain import applications, case_status, forms, licences
from workflow.domain.forms.applications import check_vehicle_decisions
from workflow.domain.permissions import Actor
from workflow.domain.policy import Action
from workflow.domain.policy.task_rules import INTAKE_FORMS
from workflow.errors import ValidationError, msg
from workflow.runtime import completion, instances, projection, rewind
from workflow.runtime.command import Command
from workflow.services import attachments
from workflow.services.common import TaskOp, record, task_command, task_op, text, visible_task
from workflow.storage.db import Database
from workflow.storage.models import HumanTask, Organisation

# Steps a joint filing takes once for all its matters: the window's intake decision and the
# applicant's correction it asked for (联批联办, Art. 26).
JOINT_FORMS = INTAKE_FORMS + ("correction",)




def _finish(op: TaskOp) -> None:
    instances.save(op.cmd, op.running)
    case_status.refresh(op.cmd)


def claim(db: Database, actor: Actor, task_id: int, expected_version: int | None = None) -> HumanTask:
    with task_op(db, actor, task_id, "claim", expected_version) as op:
        op.task.assignee_id, op.task.claimed_at = actor.id, op.cmd.now
        record(op.cmd, "claim", op.task)
        return op.task


def unclaim(db: Database, actor: Actor, task_id: int) -> HumanTask:
    with task_op(db, actor, task_id, "unclaim") as op:
        return _give_back(op.cmd, op.task)


def _give_back(cmd: Command, task: HumanTask, to: int | None = None, data: dict | None = None) -> HumanTask:
    """The task leaves its holder: back to the queue, or to ``to`` (who delegated it), no hand-over left."""
    task.assignee_id, task.claimed_at = to, cmd.now if to else None
    task.handed_over_by = task.handover = None
    record(cmd, "unclaim", task, data=data)
    return task


def release_held(db: Database, actor: Actor, user_id: int) -> int:
    """A disabled account's claimed steps go back to the queue (a delegated one to its holder), one
    command each, so no case waits on a person who can no longer sign in. Steps the process assigned
    to them in person (an expert's scoring) stay theirs until their section's reviewer or approver hands
    them on to someone not yet part of the step (the policy's ``transfer``)."""
    with db.reading() as session:
        ids = session.scalars(select(HumanTask.id).where(HumanTask.assignee_id == user_id, HumanTask.state == v.TASK_OPEN,
                                                         HumanTask.role != "applicant").order_by(HumanTask.id)).all()
    released = 0
    for task_id in ids:
        with task_command(db, actor, task_id) as (cmd, task):
            row = instances.lock_row(cmd.session, task.instance_id)
            if task.assignee_id != user_id or task.state != v.TASK_OPEN or \
                    instances.step_properties(cmd.session, row.process_version_id, task.bpmn_id).get("assigneeFrom"):
                continue
            _give_back(cmd, task, task.handed_over_by if task.handover == "delegate" else None,
                       {"from_user_id": user_id})
            released += 1
    return released


def complete(db: Database, actor: Actor, task_id: int, data: dict, expected_version: int | None = None,
             uploads: list[attachments.Upload] = (), root=None) -> HumanTask:
    """Complete a task with its form data (and files, e.g. a rectification report), in one transaction;
    opinion and decision go to the audit chain."""
    attachments.check_all(list(uploads))
    with task_op(db, actor, task_id, "complete", expected_version, load=True) as op:
        cmd, task = op.cmd, op.task
        clean = _validated(cmd, task, data)
        _check_choices(op.action, clean)
        for item in uploads:
            attachments.add(cmd, attachments.root_dir(root), item)
        if task.assignee_id is None:
            task.assignee_id, task.claimed_at = actor.id, cmd.now
        task.handed_over_by = task.handover = None
        with cmd.session.no_autoflush:   # one flush, in projection.sync, instead of one per query
            completion.apply(cmd, op.running, task, clean)
            instances.save(cmd, op.running)
        _complete_joint_siblings(cmd, task, clean)
        case_status.refresh(cmd)
        return task


def _validated(cmd: Command, task: HumanTask, data: dict) -> dict:
    """The step's form and, on the applicant's correction, the corrected application, checked
    together: the applicant hears every error at once (一次性告知), not the note's first and the
    fields' only after sending again."""
    errors: dict = {}
    try:
        clean = forms.validate(task.form_key, data)
    except ValidationError as exc:
        clean, errors = {}, dict(exc.fields)
    changes = clean.get("changes", (data or {}).get("changes")) if task.form_key == "correction" else None
    if changes:
        try:
            changed = applications.correct(cmd.case, changes, cmd.session.get(Organisation, cmd.case.organisation_id),
                                           "changes.")
            clean = {**clean, **changed, "changes": changed}    # the history keeps what really changed
        except ValidationError as exc:
            errors.update(exc.fields)
    if task.form_key == "vehicle_check" and clean.get("decision") == "register":
        try:
            check_vehicle_decisions(cmd.case.data.get("vehicles"), clean.get("vehicles"))
        except ValidationError as exc:
            errors.update(exc.fields)
        errors.update(licences.registered_vehicle_errors(     # another filing registered it meanwhile
            cmd.session, clean.get("vehicles"), only=lambda row: row.get("decision") == "register"))
    if errors:
        raise ValidationError(errors)
    return clean


def _check_choices(action: Action, clean: dict) -> None:
    """The decision and the people named must be among those the policy offered for this step."""
    if "decision" in clean and action.choices.get("decisions") is not None:
        if clean["decision"] not in action.choices["decisions"]:
            raise ValidationError({"decision": [msg("This decision is not available at this step.")]})
    for name, offered in (action.choices.get("people") or {}).items():
        allowed = {p["username"] for p in offered}
        if any(username not in allowed for username in clean.get(name) or []):
            raise ValidationError({name: [msg("Choose only from the people offered.")]})


def _complete_joint_siblings(cmd: Command, task: HumanTask, clean: dict) -> None:
    """联批联办: the window's intake decision (and the correction it asks for) is one act for every
    matter of a joint filing."""
    if task.form_key not in JOINT_FORMS or len(cmd.case.matters) < 2:
        return
    siblings = cmd.session.scalars(select(HumanTask).where(
        HumanTask.case_id == task.case_id, HumanTask.instance_id != task.instance_id,
        HumanTask.state == v.TASK_OPEN, HumanTask.form_key.in_(JOINT_FORMS))
        .order_by(HumanTask.instance_id)).all()
    for sibling in siblings:
        sibling.assignee_id, sibling.claimed_at = cmd.actor.id, cmd.now
        completion.complete_loaded(cmd, sibling, forms.validate_own_fields(sibling.form_key, clean))


def return_to_step(db: Database, actor: Actor, task_id: int, target_bpmn_id: str, opinion: str,
                   expected_version: int | None = None) -> HumanTask:
    """退回: send the case back to an earlier step of the same process, which runs again."""
    with task_op(db, actor, task_id, "return", expected_version, load=True) as op:
        opinion = text(opinion, "opinion")
        op.action.require_one("targets", target_bpmn_id, "target")
        steps = rewind.earlier_steps(op.running.workflow, op.task.spiff_task_id)
        op.cmd.close_reasons[op.task.spiff_task_id] = "returned"
        rewind.rewind(op.running.workflow, steps[target_bpmn_id][1])
        instances.advance(op.running)
        record(op.cmd, "return", op.task, opinion=opinion, data={"target": target_bpmn_id})
        _finish(op)
        return op.task


def return_to_applicant(db: Database, actor: Actor, task_id: int, opinion: str, items: list[str],
                        expected_version: int | None = None) -> HumanTask:
    """退回补正: hold the step and stop the clock until the applicant sends what is listed (all at once)."""
    with task_op(db, actor, task_id, "correction", expected_version) as op:
        items = [i.strip() for i in (items or []) if isinstance(i, str) and i.strip()]
        errors = {}
        if not items:
            errors["items"] = [msg("List every item the applicant must correct.")]
        if not isinstance(opinion, str) or not opinion.strip():
            errors["opinion"] = [msg("This field is required.")]
        if errors:
            raise ValidationError(errors)
        op.task.hold = "correction"
        projection.open_pause(op.cmd, op.task, "correction", note="；".join(items), by=actor.id)
        record(op.cmd, "return_to_applicant", op.task, opinion=text(opinion, "opinion"), data={"items": items})
        case_status.refresh(op.cmd)
        return op.task


def recall(db: Database, actor: Actor, task_id: int, expected_version: int | None = None) -> HumanTask:
    """撤回: take back one's own completed step while the next step is untouched; it reopens for them."""
    with task_op(db, actor, task_id, "recall", expected_version, load=True) as op:
        session, done = op.cmd.session, op.task
        following = session.scalars(select(HumanTask).where(
            HumanTask.instance_id == done.instance_id, HumanTask.state == v.TASK_OPEN,
            HumanTask.created_at >= done.closed_at)).all()
        for task in following:
            op.cmd.close_reasons[task.spiff_task_id] = "recalled"
        workflow = op.running.workflow
        rewind.rewind(workflow, rewind.find_task(workflow, done.spiff_task_id))
        instances.advance(op.running)
        record(op.cmd, "recall", done)
        _finish(op)
        reopened = session.scalars(select(HumanTask).where(
            HumanTask.instance_id == done.instance_id, HumanTask.spiff_task_id == done.spiff_task_id,
            HumanTask.state == v.TASK_OPEN)).first()
        if reopened is not None:
            reopened.assignee_id, reopened.claimed_at = actor.id, op.cmd.now
        return reopened or done


def get(db: Database, actor: Actor, task_id: int) -> HumanTask:
    with db.reading() as session:
        return visible_task(session, actor, task_id)
