"""Who may see and do what: role + department + organisation, in one place."""
from __future__ import annotations

from typing import Any, Protocol

from workflow.domain.matters import MATTERS
from workflow.errors import Forbidden, NotFound
from workflow.vocabulary import DEPARTMENTAL_ROLES, SEE_ALL_ROLES, STAFF_ROLES, task_department  # noqa: F401


class Actor(Protocol):
    id: int
    role: str
    department_code: str | None
    organisation_id: int | None
    display_name: str


def can_see_case(actor: Actor, case: Any) -> bool:
    if actor.role == "applicant":
        return actor.organisation_id is not None and actor.organisation_id == case.organisation_id
    if actor.role in SEE_ALL_ROLES:
        return True
    if actor.role in DEPARTMENTAL_ROLES:
        return any(MATTERS[m].department == actor.department_code for m in case.matters if m in MATTERS)
    return False


def require_case_visible(actor: Actor, case: Any, *, expert_has_task: bool = False) -> None:
    """A case the actor may not see is reported as missing, so ids reveal nothing."""
    if case is None or not (can_see_case(actor, case) or expert_has_task):
        raise NotFound("Case not found.")


def can_work_on(actor: Actor, task: Any) -> bool:
    """Whether the actor's role, department and organisation fit the task (ignoring its assignee)."""
    if actor.role != task.role:
        return False
    if task.role == "applicant":
        return actor.organisation_id is not None and actor.organisation_id == task.organisation_id
    if task.department_code and actor.department_code != task.department_code:
        return False
    return True


def require_task_actor(actor: Actor, task: Any, *, must_hold: bool = True) -> None:
    """Refuse an actor outside the task's role/department/organisation or not holding it."""
    if not can_work_on(actor, task):
        raise Forbidden("This task belongs to another role, department or organisation.")
    if must_hold and task.assignee_id is not None and task.assignee_id != actor.id:
        raise Forbidden("This task is held by another person.")


def require_role(actor: Actor, *roles: str) -> None:
    if actor.role not in roles:
        raise Forbidden("Your role may not do this.")
