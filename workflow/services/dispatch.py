"""Every operation by its policy name, so pages and the API call a service the same way.

``op`` is the name the action policy offers (and the last segment of the API endpoint); ``params``
the caller's choices by name. Unknown operations are "not found".
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from workflow.domain.permissions import Actor
from workflow.errors import NotFound
from workflow.services import awards, cases, clock, handover, tasks
from workflow.storage.db import Database

Params = dict[str, Any]
TaskOp = Callable[[Database, Actor, int, Params], Any]

TASK_OPS: dict[str, TaskOp] = {
    "claim": lambda db, a, t, p: tasks.claim(db, a, t, p.get("version")),
    "unclaim": lambda db, a, t, p: tasks.unclaim(db, a, t),
    "complete": lambda db, a, t, p: tasks.complete(db, a, t, p.get("data"), p.get("version")),
    "return": lambda db, a, t, p: tasks.return_to_step(db, a, t, p.get("target"), p.get("opinion"), p.get("version")),
    "correction": lambda db, a, t, p: tasks.return_to_applicant(db, a, t, p.get("opinion"), p.get("items") or [],
                                                                p.get("version")),
    "recall": lambda db, a, t, p: tasks.recall(db, a, t, p.get("version")),
    "transfer": lambda db, a, t, p: handover.transfer(db, a, t, p.get("to_user_id"), p.get("opinion")),
    "delegate": lambda db, a, t, p: handover.delegate(db, a, t, p.get("to_user_id"), p.get("opinion")),
    "resolve": lambda db, a, t, p: handover.resolve(db, a, t, p.get("opinion")),
    "reclaim": lambda db, a, t, p: handover.reclaim(db, a, t),
    "add_signer": lambda db, a, t, p: handover.add_signer(db, a, t, p.get("user_id"), p.get("message")),
    "remove_signer": lambda db, a, t, p: handover.remove_signer(db, a, t, p.get("user_id")),
    "sign": lambda db, a, t, p: handover.sign(db, a, t, p.get("opinion")),
    "copy": lambda db, a, t, p: handover.copy_to(db, a, t, p.get("user_ids") or [], p.get("message")),
    "urge": lambda db, a, t, p: handover.urge(db, a, t, p.get("message")),
    "suspend": lambda db, a, t, p: clock.suspend(db, a, t, p.get("reason"), p.get("note")),
    "resume": lambda db, a, t, p: clock.resume(db, a, t),
    "extension": lambda db, a, t, p: clock.request_extension(db, a, t, p.get("days"), p.get("reason")),
    "close_round": lambda db, a, t, p: awards.close_round(db, a, t),
}

CaseOp = Callable[[Database, Actor, int, Params], Any]

CASE_OPS: dict[str, CaseOp] = {
    "withdraw": lambda db, a, c, p: cases.withdraw(db, a, c, p.get("reason")),
    "resubmit": lambda db, a, c, p: cases.resubmit(db, a, c, p.get("data") or {}, p.get("note")),
    "rating": lambda db, a, c, p: cases.rate(db, a, c, p.get("level"), p.get("comment"), p.get("matter")),
    "rating_reply": lambda db, a, c, p: cases.reply_to_rating(db, a, c, p.get("rating_id"), p.get("reply")),
}


def run_task_op(db: Database, actor: Actor, task_id: int, op: str, params: Params) -> Any:
    if op not in TASK_OPS:
        raise NotFound("Unknown operation.")
    return TASK_OPS[op](db, actor, task_id, params)


def run_case_op(db: Database, actor: Actor, case_id: int, op: str, params: Params) -> Any:
    if op not in CASE_OPS:
        raise NotFound("Unknown operation.")
    return CASE_OPS[op](db, actor, case_id, params)
