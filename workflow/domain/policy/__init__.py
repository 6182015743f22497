"""The action policy: for a task or a case and an actor, the actions allowed now, with their choices.

One rule per operation (``task_rules``, ``case_rules``). Pages and the API show exactly
what :func:`task_actions` / :func:`case_actions` return, and every command calls
:func:`require_task` / :func:`require_case` for its own operation and checks the
caller's choice against the offer: an action offered is an action that succeeds,
one not offered is refused.
"""
from workflow.domain.policy.actions import Action, person
from workflow.domain.policy.case_rules import case_actions
from workflow.domain.policy.case_rules import require as require_case
from workflow.domain.policy.context import CaseContext, TaskContext
from workflow.domain.policy.task_rules import require as require_task
from workflow.domain.policy.task_rules import step_decisions, task_actions

__all__ = ["Action", "CaseContext", "TaskContext", "case_actions", "person", "require_case", "require_task",
           "step_decisions", "task_actions"]
