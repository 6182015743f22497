"""Human tasks: the inbox, one task with its form, version and offered actions, and every operation.

Each operation endpoint's last path segment is the ``op`` the action policy offers in ``actions``;
the endpoint calls the same dispatcher as the web pages. The operations are rows of ``COMMANDS``
(:mod:`webapp.api.commands`): what differs between them is their body, docstring and answer.
"""
from __future__ import annotations

from typing import Any

from webapp.api.base import ApiBlueprint, actor, get_db, guarded, paged, require_id
from webapp.api.commands import Command, register
from webapp.api.read_models import case_numbers, task_detail, task_dict
from webapp.api.schemas import tasks as schemas
from workflow.services import dispatch, inbox

blp = ApiBlueprint("tasks", __name__, url_prefix="/api/v1/tasks", tag="tasks",
                   description="Steps waiting for people, and every operation the action policy offers on them.")

TASK_ERRORS = (403, 404, 409, 422)


@blp.route("", methods=["GET"])
@guarded(blp)
@blp.arguments(schemas.TaskQuery, location="query")
@blp.response(200, schemas.TaskPage)
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
@blp.response(200, schemas.TaskDetailSchema)
def get_task(task_id):
    """A task, its form's JSON Schema, the instance version to send back and the actions offered"""
    return task_detail(require_id(task_id))


def _op(op: str):
    """Run ``op`` through the dispatcher the web pages use."""
    def run(task_id: int, body: dict) -> Any:
        return dispatch.run_task_op(get_db(), actor(), require_id(task_id), op, body)
    return run


def _return(task_id: int, body: dict) -> Any:
    """``target: "applicant"`` still means a correction by the applicant."""
    return _op("correction" if body["target"] == "applicant" else "return")(task_id, body)


def _task(_result: Any, task_id: int) -> dict:
    return task_detail(task_id)


def _reopened(result: Any, _task_id: int) -> dict:
    return task_detail(result.id)


def _notified(result: Any, task_id: int) -> dict:
    return {"task_id": task_id, "notified": result}


def _command(op: str, doc: str, body=None, **options) -> Command:
    """A row whose service is the dispatcher's ``op`` and whose answer, unless given, is the task."""
    options.setdefault("run", _op(op))
    options.setdefault("answer", _task)
    options.setdefault("response", schemas.TaskDetailSchema)
    return Command(op, doc, body=body, **options)


COMMANDS = (
    _command("claim", "Claim (签收) a task of your queue; 409 when someone else was quicker",
             schemas.ClaimRequest, body_required=False),
    _command("unclaim", "Give a claimed task back to the queue (退签)"),
    _command("complete", """Complete a task with its form data (opinion, decision …)

    `decision` must be one of the `decisions` the `complete` action offers; people a form names
    (an inspection team, an expert panel) must be among its `people`. Send the `version` from
    `GET /api/v1/tasks/{task_id}`: if the process moved on in the meantime the answer is 409.
    """, schemas.CompleteRequest),
    _command("return", """Return the case to an earlier step (退回): `target` is one of the `targets` offered

    `"applicant"` still means a correction by the applicant (see `correction`).
    """, schemas.ReturnRequest, run=_return, name="return_task"),
    _command("correction", "Return to the applicant for correction (退回补正): the clock stops until they resubmit",
             schemas.CorrectionRequest),
    _command("recall", "Recall (撤回) a step you completed while the next is untouched; answers the reopened task",
             schemas.VersionRequest, body_required=False, answer=_reopened),
    _command("transfer", "Hand a task you hold to one of the `candidates` (转办)", schemas.TransferRequest),
    _command("delegate", "Delegate (委派): the colleague answers and the task comes back to you", schemas.TransferRequest),
    _command("resolve", "The delegate's answer; the task returns to whoever delegated it", schemas.OpinionRequest),
    _command("reclaim", "Take back (拿回) a task you transferred or delegated, before the colleague acts on it"),
    _command("add_signer", "Add a signer (加签): their opinion is required before the task completes", schemas.SignerRequest),
    _command("remove_signer", "Remove a signer who has not signed yet (减签)", schemas.SignerRequest),
    _command("sign", "Give the opinion you were asked for as an added signer", schemas.OpinionRequest),
    _command("copy", "Copy a task to colleagues (抄送): they get a notice, not the task",
             schemas.CopyRequest, answer=_notified, response=schemas.Notified),
    _command("urge", "Urge (催办) whoever holds or may claim the task; supervisors, approvers and the window",
             schemas.UrgeRequest, body_required=False, answer=_notified, response=schemas.Notified),
    _command("suspend", "Stop the case's clock while this step waits for a hearing, testing, appraisal or "
             "experts (Art. 45)", schemas.SuspendRequest),
    _command("resume", "Let the clock run again"),
    _command("extension", "Ask for an extension of the decision limit within the offered `days` (Art. 42); "
             "an approver decides", schemas.ExtensionRequest),
    _command("close_round", "Close the award round of this ranking step: its quota goes to the highest panel scores",
             answer=lambda result, _task_id: {"results": result}, response=schemas.RoundResult),
)
register(blp, "task_id", COMMANDS, TASK_ERRORS)
