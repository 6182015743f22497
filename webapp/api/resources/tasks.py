"""Human tasks: the inbox, one task with its form, version and offered actions, and every operation.

Each operation endpoint's last path segment is the ``op`` the action policy offers in ``actions``;
the endpoint calls the same dispatcher as the web pages.
"""
from __future__ import annotations

from webapp.api.base import ApiBlueprint, actor, get_db, guarded, paged, require_id
from webapp.api.read_models import case_numbers, task_detail, task_dict
from webapp.api.schemas import (
    ClaimRequest,
    CompleteRequest,
    CopyRequest,
    CorrectionRequest,
    ExtensionRequest,
    Notified,
    OpinionRequest,
    ReturnRequest,
    RoundResult,
    SignerRequest,
    SuspendRequest,
    TaskDetailSchema,
    TaskPage,
    TaskQuery,
    TransferRequest,
    UrgeRequest,
    VersionRequest,
)
from workflow.services import dispatch, inbox

blp = ApiBlueprint("tasks", __name__, url_prefix="/api/v1/tasks", tag="tasks",
                   description="Steps waiting for people, and every operation the action policy offers on them.")

TASK_ERRORS = (403, 404, 409, 422)


def _run(op: str, task_id: int, params: dict) -> dict:
    """Perform ``op`` and answer with the task as the caller now sees it (a recall reopens a new one)."""
    result = dispatch.run_task_op(get_db(), actor(), require_id(task_id), op, params)
    return task_detail(getattr(result, "id", task_id) if op == "recall" else task_id)


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
    """A task, its form's JSON Schema, the instance version to send back and the actions offered"""
    return task_detail(require_id(task_id))


@blp.route("/<int:task_id>/claim", methods=["POST"])
@guarded(blp, *TASK_ERRORS)
@blp.arguments(ClaimRequest, required=False)
@blp.response(200, TaskDetailSchema)
def claim(body, task_id):
    """Claim (签收) a task of your queue; 409 when someone else was quicker"""
    return _run("claim", task_id, body)


@blp.route("/<int:task_id>/unclaim", methods=["POST"])
@guarded(blp, *TASK_ERRORS)
@blp.response(200, TaskDetailSchema)
def unclaim(task_id):
    """Give a claimed task back to the queue (退签)"""
    return _run("unclaim", task_id, {})


@blp.route("/<int:task_id>/complete", methods=["POST"])
@guarded(blp, *TASK_ERRORS)
@blp.arguments(CompleteRequest)
@blp.response(200, TaskDetailSchema)
def complete(body, task_id):
    """Complete a task with its form data (opinion, decision …)

    `decision` must be one of the `decisions` the `complete` action offers; people a form names
    (an inspection team, an expert panel) must be among its `people`. Send the `version` from
    `GET /api/v1/tasks/{task_id}`: if the process moved on in the meantime the answer is 409.
    """
    return _run("complete", task_id, body)


@blp.route("/<int:task_id>/return", methods=["POST"])
@guarded(blp, *TASK_ERRORS)
@blp.arguments(ReturnRequest)
@blp.response(200, TaskDetailSchema)
def return_task(body, task_id):
    """Return the case to an earlier step (退回): `target` is one of the `targets` offered

    `"applicant"` still means a correction by the applicant (see `correction`).
    """
    if body["target"] == "applicant":
        return _run("correction", task_id, body)
    return _run("return", task_id, body)


@blp.route("/<int:task_id>/correction", methods=["POST"])
@guarded(blp, *TASK_ERRORS)
@blp.arguments(CorrectionRequest)
@blp.response(200, TaskDetailSchema)
def correction(body, task_id):
    """Return to the applicant for correction (退回补正): the clock stops until they resubmit"""
    return _run("correction", task_id, body)


@blp.route("/<int:task_id>/recall", methods=["POST"])
@guarded(blp, *TASK_ERRORS)
@blp.arguments(VersionRequest, required=False)
@blp.response(200, TaskDetailSchema)
def recall(body, task_id):
    """Recall (撤回) a step you completed while the next is untouched; answers the reopened task"""
    return _run("recall", task_id, body)


@blp.route("/<int:task_id>/transfer", methods=["POST"])
@guarded(blp, *TASK_ERRORS)
@blp.arguments(TransferRequest)
@blp.response(200, TaskDetailSchema)
def transfer(body, task_id):
    """Hand a task you hold to one of the `candidates` (转办)"""
    return _run("transfer", task_id, body)


@blp.route("/<int:task_id>/delegate", methods=["POST"])
@guarded(blp, *TASK_ERRORS)
@blp.arguments(TransferRequest)
@blp.response(200, TaskDetailSchema)
def delegate(body, task_id):
    """Delegate (委派): the colleague answers and the task comes back to you"""
    return _run("delegate", task_id, body)


@blp.route("/<int:task_id>/resolve", methods=["POST"])
@guarded(blp, *TASK_ERRORS)
@blp.arguments(OpinionRequest)
@blp.response(200, TaskDetailSchema)
def resolve(body, task_id):
    """The delegate's answer; the task returns to whoever delegated it"""
    return _run("resolve", task_id, body)


@blp.route("/<int:task_id>/reclaim", methods=["POST"])
@guarded(blp, *TASK_ERRORS)
@blp.response(200, TaskDetailSchema)
def reclaim(task_id):
    """Take back (拿回) a task you transferred or delegated, before the colleague acts on it"""
    return _run("reclaim", task_id, {})


@blp.route("/<int:task_id>/add_signer", methods=["POST"])
@guarded(blp, *TASK_ERRORS)
@blp.arguments(SignerRequest)
@blp.response(200, TaskDetailSchema)
def add_signer(body, task_id):
    """Add a signer (加签): their opinion is required before the task completes"""
    return _run("add_signer", task_id, body)


@blp.route("/<int:task_id>/remove_signer", methods=["POST"])
@guarded(blp, *TASK_ERRORS)
@blp.arguments(SignerRequest)
@blp.response(200, TaskDetailSchema)
def remove_signer(body, task_id):
    """Remove a signer who has not signed yet (减签)"""
    return _run("remove_signer", task_id, body)


@blp.route("/<int:task_id>/sign", methods=["POST"])
@guarded(blp, *TASK_ERRORS)
@blp.arguments(OpinionRequest)
@blp.response(200, TaskDetailSchema)
def sign(body, task_id):
    """Give the opinion you were asked for as an added signer"""
    return _run("sign", task_id, body)


@blp.route("/<int:task_id>/copy", methods=["POST"])
@guarded(blp, *TASK_ERRORS)
@blp.arguments(CopyRequest)
@blp.response(200, Notified)
def copy(body, task_id):
    """Copy a task to colleagues (抄送): they get a notice, not the task"""
    return {"task_id": task_id, "notified": dispatch.run_task_op(get_db(), actor(), require_id(task_id), "copy", body)}


@blp.route("/<int:task_id>/urge", methods=["POST"])
@guarded(blp, *TASK_ERRORS)
@blp.arguments(UrgeRequest, required=False)
@blp.response(200, Notified)
def urge(body, task_id):
    """Urge (催办) whoever holds or may claim the task; supervisors, approvers and the window"""
    return {"task_id": task_id, "notified": dispatch.run_task_op(get_db(), actor(), require_id(task_id), "urge", body)}


@blp.route("/<int:task_id>/suspend", methods=["POST"])
@guarded(blp, *TASK_ERRORS)
@blp.arguments(SuspendRequest)
@blp.response(200, TaskDetailSchema)
def suspend(body, task_id):
    """Stop the case's clock while this step waits for a hearing, testing, appraisal or experts (Art. 45)"""
    return _run("suspend", task_id, body)


@blp.route("/<int:task_id>/resume", methods=["POST"])
@guarded(blp, *TASK_ERRORS)
@blp.response(200, TaskDetailSchema)
def resume(task_id):
    """Let the clock run again"""
    return _run("resume", task_id, {})


@blp.route("/<int:task_id>/extension", methods=["POST"])
@guarded(blp, *TASK_ERRORS)
@blp.arguments(ExtensionRequest)
@blp.response(200, TaskDetailSchema)
def extension(body, task_id):
    """Ask for an extension of the decision limit within the offered `days` (Art. 42); an approver decides"""
    return _run("extension", task_id, body)


@blp.route("/<int:task_id>/close_round", methods=["POST"])
@guarded(blp, *TASK_ERRORS)
@blp.response(200, RoundResult)
def close_round(task_id):
    """Close the award round of this ranking step: its quota goes to the highest panel scores"""
    return {"results": dispatch.run_task_op(get_db(), actor(), require_id(task_id), "close_round", {})}
