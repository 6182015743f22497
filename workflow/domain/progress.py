"""The progress bar an applicant reads: the matter's steps, each done, current, to come or skipped.

Steps are mapped to BPMN step ids in the catalogue (``Matter.progress``), so a step is done
exactly when the process completed one of its user tasks: no guessing from titles. A finished
matter shows what really happened: the steps it never reached are skipped, the certificate
step is done only when the matter ended favourably, and a matter that ended otherwise says so
where it ended (不予受理 at acceptance, 不予许可 at the step that denied it, 已撤回 at the
step that was waiting when the applicant withdrew), never with a ✓.
"""
from __future__ import annotations

from dataclasses import dataclass

from workflow import vocabulary as v
from workflow.domain.matters import MATTERS

DONE, CURRENT, TODO, SKIPPED = "done", "current", "todo", "skipped"


@dataclass(frozen=True)
class StepState:
    title: str
    state: str


def matter_progress(matter_code: str, running: bool, outcome: str | None, completed: set[str], open_steps: set[str],
                    lang: str = "zh") -> list[StepState]:
    """``completed`` / ``open_steps``: BPMN ids of this matter's user tasks completed / open now."""
    matter = MATTERS.get(matter_code)
    if matter is None:
        return []
    states = [_state(step, running, outcome, completed, open_steps) for step in matter.progress]
    if not running and outcome in v.NEGATIVE_OUTCOMES:
        _mark_end(states, [step.kind for step in matter.progress], outcome)
    return [StepState(step.title(lang), state) for step, state in zip(matter.progress, states)]


def _mark_end(states: list[str], kinds: list[str], outcome: str) -> None:
    """The step where the matter ended takes the outcome: the deciding step (the last one done),
    or for a withdrawal the step that was waiting (the first one not reached after it)."""
    last = max((i for i, s in enumerate(states) if s == DONE), default=-1)
    at = last + 1 if outcome == v.OUTCOME_WITHDRAWN or last < 0 or kinds[last] == "filed" else last
    if at < len(states):
        states[at] = outcome


def _state(step, running: bool, outcome: str | None, completed: set[str], open_steps: set[str]) -> str:
    if step.kind == "filed":
        return DONE
    if step.kind == "outcome":
        if outcome in v.POSITIVE_OUTCOMES or outcome == v.PARTLY_GRANTED:
            return DONE
        return TODO if running else SKIPPED
    if set(step.steps) & open_steps:
        return CURRENT
    if set(step.steps) & completed:
        return DONE
    return TODO if running else SKIPPED
