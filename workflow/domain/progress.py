"""The progress bar an applicant reads: the matter's steps, each done, current, to come or skipped.

Steps are mapped to BPMN step ids in the catalogue (``Matter.progress``), so a step is done
exactly when the process completed one of its user tasks: no guessing from titles. A finished
matter shows what really happened: the steps it never reached are skipped, and the
certificate step is done only when the matter ended favourably.
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
    states = []
    for step in matter.progress:
        states.append(StepState(step.title(lang), _state(step, running, outcome, completed, open_steps)))
    return states


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
