"""Human tasks: inbox, one task with its form and version, and the approval operations."""
from __future__ import annotations

from sqlalchemy import select

from webapp.api.base import ApiBlueprint, actor, get_db, guarded, paged, require_id
from webapp.api.resources.cases import case_numbers, task_dict
from webapp.api.resources.matters import form_schema
from webapp.api.schemas import (
    ClaimRequest,
    CompleteRequest,
    CopyRequest,
    Notified,
    ReturnRequest,
    TaskDetailSchema,
    TaskPage,
    TaskQuery,
    TransferRequest,
    UrgeRequest,
)
from workflow.errors import ValidationError
from workflow.services import cases, inbox, tasks
from workflow.services.common import instance_version
from workflow.storage.models import HumanTask, User

blp = ApiBlueprint("tasks", __name__, url_prefix="/api/v1/tasks", tag="tasks",
                   description="Steps waiting for people: claim, complete, return, transfer, copy, urge.")

APPLICANT = "applicant"


def task_detail(task_id: int) -> dict:
    """The task as its actor may see it, with the instance version for optimistic locking."""
    task = tasks.get(get_db(), actor(), task_id)
    return _detail(task)


def _detail(task: HumanTask) -> dict:
    with get_db().reading() as session:
        version = instance_version(session, task.instance_id)
    return {**task_dict(task, actor()), "version": version, "form_schema": form_schema(task.form_key)}


@blp.route("", methods=["GET"])
@guarded(blp)
@blp.arguments(TaskQuery, location="query")
@blp.response(200, TaskPage)
def list_tasks(query):
    """The caller's inbox

    `view`: `mine` (held by me), `claimable` (my queue, unclaimed), `all` (both), `overdue`
    (past the step's due time). Green-channel tasks come first.
    """
    page = inbox.list_tasks(get_db(), actor(), inbox.Filters(
        view=query["view"], matter=query.get("matter"), light=query.get("light"),
        page=query["page"], per_page=query["per_page"]))
    numbers = case_numbers(t.case_id for t in page.items)
    return paged(page, [task_dict(t, actor(), numbers.get(t.case_id, "")) for t in page.items])


@blp.route("/<int:task_id>", methods=["GET"])
@guarded(blp, 404)
@blp.response(200, TaskDetailSchema)
def get_task(task_id):
    """A task, its form's JSON Schema and the instance version to send back"""
    return task_detail(require_id(task_id))


@blp.route("/<int:task_id>/claim", methods=["POST"])
@guarded(blp, 403, 404, 409, 422)
@blp.arguments(ClaimRequest, required=False)
@blp.response(200, TaskDetailSchema)
def claim(body, task_id):
    """Claim (签收) a task of your queue; 409 when someone else was quicker"""
    task = tasks.claim(get_db(), actor(), require_id(task_id), body.get("version"))
    return _detail(task)


@blp.route("/<int:task_id>/unclaim", methods=["POST"])
@guarded(blp, 403, 404, 409)
@blp.response(200, TaskDetailSchema)
def unclaim(task_id):
    """Give a claimed task back to the queue (退签)"""
    task = tasks.unclaim(get_db(), actor(), require_id(task_id))
    return _detail(task)


@blp.route("/<int:task_id>/complete", methods=["POST"])
@guarded(blp, 403, 404, 409, 422)
@blp.arguments(CompleteRequest)
@blp.response(200, TaskDetailSchema)
def complete(body, task_id):
    """Complete a task with its form data (opinion, decision …)

    Send the `version` from `GET /api/v1/tasks/{task_id}`: if the process moved on in the
    meantime the answer is 409 and nothing is written.
    """
    task = tasks.complete(get_db(), actor(), require_id(task_id), body["data"], body.get("version"))
    return _detail(task)


@blp.route("/<int:task_id>/return", methods=["POST"])
@guarded(blp, 403, 404, 409, 422)
@blp.arguments(ReturnRequest)
@blp.response(200, TaskDetailSchema)
def return_task(body, task_id):
    """Return the case to an earlier step (退回), or to the applicant for correction (退回补正)

    `target` is the BPMN id of a step already done in this case, or `"applicant"`: then
    `items` lists everything the applicant must correct (一次性告知) and the clock stops.
    """
    task_id = require_id(task_id)
    if body["target"] == APPLICANT:
        task = cases.return_to_applicant(get_db(), actor(), task_id, body["opinion"], body.get("items") or [],
                                         body.get("version"))
    else:
        task = tasks.return_to_step(get_db(), actor(), task_id, body["target"], body["opinion"], body.get("version"))
    return _detail(task)


@blp.route("/<int:task_id>/transfer", methods=["POST"])
@guarded(blp, 403, 404, 409, 422)
@blp.arguments(TransferRequest)
@blp.response(200, TaskDetailSchema)
def transfer(body, task_id):
    """Hand a task you hold to a colleague of the same role and department (转办)"""
    to_user = body.get("to_user_id") or _user_id(body["to_username"])
    task = tasks.transfer(get_db(), actor(), require_id(task_id), to_user, body.get("opinion"))
    return _detail(task)


def _user_id(username: str) -> int:
    with get_db().reading() as session:
        user_id = session.scalar(select(User.id).where(User.username == username, User.active.is_(True)))
    if user_id is None:
        raise ValidationError({"to_username": ["Unknown user."]})
    return user_id


@blp.route("/<int:task_id>/copy", methods=["POST"])
@guarded(blp, 403, 404, 409, 422)
@blp.arguments(CopyRequest)
@blp.response(200, Notified)
def copy(body, task_id):
    """Copy a task to colleagues (抄送): they get a notice, not the task"""
    notices = tasks.copy_to(get_db(), actor(), require_id(task_id), body["user_ids"], body.get("message"))
    return {"task_id": task_id, "notified": [n.user_id for n in notices]}


@blp.route("/<int:task_id>/urge", methods=["POST"])
@guarded(blp, 403, 404, 409, 422)
@blp.arguments(UrgeRequest, required=False)
@blp.response(200, Notified)
def urge(body, task_id):
    """Urge (催办) whoever holds or may claim the task; supervisors, approvers and the window"""
    notices = tasks.urge(get_db(), actor(), require_id(task_id), body.get("message"))
    return {"task_id": task_id, "notified": [n.user_id for n in notices]}
