"""Art. 34: substantive review by at least two people. One person takes one instance of such a step.

The same SQL serves the policy (may this person take this task) and the inbox (hide what they
may not take), so the two can never disagree. A sibling counts when it belongs to the same
activation of the step (a step run again after a return is a new activation) and this person
holds it or completed it.
"""
from __future__ import annotations

from sqlalchemy import ColumnElement, and_, exists, or_
from sqlalchemy.orm import aliased

from workflow.storage.models import HumanTask

_SIBLING = aliased(HumanTask, name="sibling")


def sibling_taken(task, user_id) -> ColumnElement[bool]:
    """SQL: ``task`` (the class or an alias, correlated) has a sibling this user took."""
    return and_(task.distinct_assignees, exists().where(
        _SIBLING.instance_id == task.instance_id, _SIBLING.bpmn_id == task.bpmn_id, _SIBLING.id != task.id,
        _SIBLING.activation == task.activation,
        or_(_SIBLING.assignee_id == user_id, _SIBLING.completed_by == user_id)))
