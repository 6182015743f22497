"""The words every layer shares: roles, case statuses, outcomes, task states.

Services, reports, templates and the API all read these names from here, so a
status is spelled once and "is this case still running" has one answer.
"""
from __future__ import annotations

# -- roles (BPMN lanes name the working ones) --------------------------------
ROLES = ("applicant", "window", "reviewer", "inspector", "approver", "expert", "supervisor", "auditor", "admin")
DEPARTMENTAL_ROLES = frozenset({"reviewer", "inspector", "approver"})
SEE_ALL_ROLES = frozenset({"window", "supervisor", "auditor", "admin"})


def task_department(role: str, department: str | None) -> str | None:
    """Only reviewers, inspectors and approvers work per department; the window serves all."""
    return department if role in DEPARTMENTAL_ROLES else None


# -- case status -------------------------------------------------------------
SUBMITTED = "submitted"          # filed, not yet accepted
CORRECTION = "correction"        # waiting for the applicant's corrected materials
RECTIFICATION = "rectification"  # waiting for the enterprise's rectification after inspection
IN_PROGRESS = "in_progress"      # accepted, with the office
COMPLETED = "completed"
WITHDRAWN = "withdrawn"
RUNNING = (SUBMITTED, CORRECTION, RECTIFICATION, IN_PROGRESS)
FINISHED = (COMPLETED, WITHDRAWN)
CASE_STATUSES = RUNNING + FINISHED

# -- outcomes (of a matter's process, and of a case) -------------------------
GRANTED = "granted"
REGISTERED = "registered"
FILED = "filed"
AWARDED = "awarded"
DEEMED_GRANTED = "deemed_granted"
PARTLY_GRANTED = "partly_granted"
DENIED = "denied"
REFUSED = "refused"
NOT_AWARDED = "not_awarded"
REVOKED = "revoked"
OUTCOME_WITHDRAWN = "withdrawn"
POSITIVE_OUTCOMES = frozenset({GRANTED, REGISTERED, FILED, AWARDED, DEEMED_GRANTED})
NEGATIVE_OUTCOMES = frozenset({DENIED, REFUSED, NOT_AWARDED, REVOKED, OUTCOME_WITHDRAWN})
# Outcomes a decision made (the certificate clock of Art. 44 starts from them).
DECIDED_OUTCOMES = frozenset({GRANTED, DENIED, REGISTERED, AWARDED, NOT_AWARDED, REVOKED})
# What the period report counts as 准予 (granted): every positive outcome, a partial grant included.
REPORTED_GRANTED = POSITIVE_OUTCOMES | {PARTLY_GRANTED}

# -- process instances and human tasks ---------------------------------------
INSTANCE_RUNNING = "running"
INSTANCE_COMPLETED = "completed"
INSTANCE_CANCELLED = "cancelled"
TASK_OPEN = "open"
TASK_CLOSED = "closed"
