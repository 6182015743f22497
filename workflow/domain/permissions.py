"""Who may see what: role + department + organisation, in one place.

What a person may *do* at a step is the action policy's business (``workflow.domain.policy``);
this module answers the question it starts from: may this person open this case or work on
this kind of task at all. The Python predicate and the SQL condition sit side by side so they
cannot drift apart (tests compare them over every role).
"""
from __future__ import annotations

from typing import Any, Protocol

from sqlalchemy import ColumnElement, false, select, true

from workflow.domain.matters import MATTERS
from workflow.errors import Forbidden, NotFound, msg
from workflow.storage.models import Case, ProcessInstance
from workflow.vocabulary import DEPARTMENTAL_ROLES, SEE_ALL_ROLES


class Actor(Protocol):
    """Whoever asks: a web user, an API token's user, a row of ``users``; ``None`` id = the system."""
    id: int
    role: str
    department_code: str | None
    organisation_id: int | None
    display_name: str


def case_departments(case: Any) -> set[str]:
    return {MATTERS[m].department for m in case.matters or () if m in MATTERS}


def section_error(role: str | None, department: str | None) -> str | None:
    """Reviewers, inspectors and approvers see and work only their section's cases: without a
    section that runs matters, their account could open nothing."""
    if role in DEPARTMENTAL_ROLES and department not in {m.department for m in MATTERS.values()}:
        return msg("Choose the section this role works in.")
    return None


def can_see_case(actor: Actor, case: Any) -> bool:
    """Applicants see their enterprise's cases, departmental staff their department's, the window,
    supervisors, auditors and admins all. Experts see only the scoring task they hold."""
    if actor.role == "applicant":
        return actor.organisation_id is not None and actor.organisation_id == case.organisation_id
    if actor.role in SEE_ALL_ROLES:
        return True
    if actor.role in DEPARTMENTAL_ROLES:
        return actor.department_code in case_departments(case)
    return False


def case_scope(actor: Actor) -> ColumnElement[bool]:
    """:func:`can_see_case` as a SQL condition on ``cases``."""
    if actor.role == "applicant":
        return Case.organisation_id == actor.organisation_id if actor.organisation_id is not None else false()
    if actor.role in SEE_ALL_ROLES:
        return true()
    if actor.role in DEPARTMENTAL_ROLES:
        return Case.id.in_(select(ProcessInstance.case_id).where(
            ProcessInstance.department_code == actor.department_code))
    return false()


def require_case_visible(actor: Actor, case: Any) -> None:
    """A case the actor may not see is reported as missing, so ids reveal nothing."""
    if case is None or not can_see_case(actor, case):
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


def require_role(actor: Actor, *roles: str) -> None:
    if actor.role not in roles:
        raise Forbidden("Your role may not do this.")
