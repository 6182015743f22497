"""Quality-award rounds: each round's quota goes to the highest panel scores when the round closes.

The committee decides each nomination on its merits (a vote, 票签); nominations it approves
wait in the round's ranking step. Closing the round ranks every waiting nomination by the
experts' trimmed mean and selects the best up to the round's quota, so the order in which
the committee happened to finish never decides an award.

docs/domain.md, flow 4 (quality award): several experts score independently (GB/T 19580, 1,000
points), each round has a quota (e.g. at most 5 awards), the result goes to a 7-day public notice.
"""
from __future__ import annotations

import re

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from workflow import vocabulary as v
from workflow.domain import case_status, forms, policy
from workflow.domain.permissions import Actor, require_role
from workflow.errors import NotFound, ValidationError, msg
from workflow.runtime import completion, instances
from workflow.runtime.command import Command
from workflow.runtime.spiff_runtime import find_task
from workflow.services.common import lock_case, record, visible_task
from workflow.storage import audit
from workflow.storage.db import Database
from workflow.storage.models import AwardRound, Case, HumanTask
from workflow.timekeeping.workdays import local_date


def open_rounds(db: Database) -> list[tuple[str, str]]:
    """The rounds a nomination may name now (code, title), for the filing form to offer."""
    with db.reading() as session:
        return [(r.code, f"{r.code} {r.title}") for r in session.scalars(
            select(AwardRound).where(AwardRound.status == "open").order_by(AwardRound.code))]


ROUND_CODE = re.compile(r"^[0-9A-Za-z-]{1,20}$")
MAX_QUOTA = 100


def rounds(db: Database, actor: Actor) -> list[AwardRound]:
    """Every round, newest first, for the administrator who opens them."""
    require_role(actor, "admin")
    with db.reading() as session:
        return list(session.scalars(select(AwardRound).order_by(AwardRound.created_at.desc(), AwardRound.code)))


def open_round(db: Database, actor: Actor, code: str, title: str, quota: int | str | None) -> AwardRound:
    """Open a call for nominations (each year's 质量奖评选): without an open round every nomination is
    refused. The code is what nominations name; it cannot be reused."""
    require_role(actor, "admin")
    code, title = (code or "").strip(), (title or "").strip()
    errors = _round_errors(code, title, quota)
    if errors:
        raise ValidationError(errors)
    try:
        with db.transaction() as session:
            if session.get(AwardRound, code) is not None:
                raise ValidationError({"code": [msg("An award round with this code exists already.")]})
            row = AwardRound(code=code, title=title, quota=quota, status="open")
            session.add(row)
            session.flush()
            audit.record(session, action="round_opened", actor=actor,
                         data={"round": code, "title": title, "quota": quota})
            return row
    except IntegrityError:          # the same code opened by a colleague at the same moment
        raise ValidationError({"code": [msg("An award round with this code exists already.")]}) from None


def _round_errors(code: str, title: str, quota) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if not ROUND_CODE.match(code):
        errors["code"] = [msg("1 to 20 letters, digits or hyphens (e.g. 2027).")]
    if not 1 <= len(title) <= 200:
        errors["title"] = [msg("Length must be between {min} and {max}.", min=1, max=200)]
    if not isinstance(quota, int) or isinstance(quota, bool) or not 1 <= quota <= MAX_QUOTA:
        errors["quota"] = [msg("Must be greater than or equal to {min} and less than or equal to {max}.",
                               min=1, max=MAX_QUOTA)]
    return errors


def check_round(session: Session, data: dict) -> dict[str, list[str]]:
    """A nomination names an open round (field errors otherwise)."""
    code = data.get("round")
    row = session.get(AwardRound, code) if isinstance(code, str) else None
    if row is None or row.status != "open":
        return {"round": [msg("No open award round with this code.")]}
    return {}


def close_round(db: Database, actor: Actor, task_id: int) -> dict:
    """Rank the round's waiting nominations by panel score and settle each: selected or not.

    Locks the round first, then every waiting case in id order (the round is the group of
    cases this command changes), then asks the policy about the task it was called from.
    """
    with db.transaction() as session:
        task = visible_task(session, actor, task_id)
        code = (session.get(Case, task.case_id).data or {}).get("round")
        row = session.scalars(select(AwardRound).where(AwardRound.code == code).with_for_update()).first()
        waiting = _waiting(session, code)
        case = lock_case(session, task.case_id)
        cmd = Command(session, actor, case=case)
        task = session.get(HumanTask, task_id, populate_existing=True)      # as the locks left it
        policy.require_task(policy.TaskContext(session, actor, task, case, cmd.now), "close_round")
        if row is None:
            raise NotFound("Award round not found.")
        results = {}
        ranked = sorted(waiting, key=lambda item: (-item[2], item[0].created_at, item[0].id))
        late = row.status != "open"     # a nomination decided after closing comes too late
        for rank, (waiting_case, waiting_task, score) in enumerate(ranked, start=1):
            selected = not late and rank <= row.quota
            opinion = (f"评选批次已于{local_date(row.closed_at or cmd.now).isoformat()}截止排序，"
                       f"本申报（专家评分{score}）未能参加：未入选") if late else \
                f"第{rank}名（专家评分{score}），名额{row.quota}个：{'入选' if selected else '未入选'}"
            _settle(cmd, waiting_case, waiting_task, selected, rank, opinion)
            results[waiting_case.number] = {"rank": rank, "score": score, "selected": selected}
        if row.status == "open":
            row.status, row.closed_at, row.closed_by = "closed", cmd.now, actor.id
        record(cmd, "round_closed", data={"round": code, "quota": row.quota, "results": results})
        return results


def _waiting(session: Session, code: str) -> list[tuple[Case, HumanTask, float]]:
    """Every nomination of the round waiting in the ranking step, with its panel score: the cases are
    locked in id order first, then their tasks read again under the locks (a withdrawal that
    committed meanwhile has closed the step)."""
    case_ids = session.scalars(select(HumanTask.case_id).where(*_RANKING).order_by(HumanTask.case_id)).all()
    found = []
    for case_id in dict.fromkeys(case_ids):
        case = lock_case(session, case_id)
        if (case.data or {}).get("round") != code:
            continue
        for task in session.scalars(select(HumanTask).where(HumanTask.case_id == case_id, *_RANKING)
                                    .order_by(HumanTask.id).execution_options(populate_existing=True)):
            found.append((case, task, _panel_score(session, task)))
    return found


_RANKING = (HumanTask.state == v.TASK_OPEN, HumanTask.form_key == "ranking")


def _panel_score(session: Session, task: HumanTask) -> float:
    """The experts' trimmed mean as the process recorded it (``panel`` from the panel step)."""
    workflow = instances.peek(session, instances.lock_row(session, task.instance_id))
    spiff_task = find_task(workflow, task.spiff_task_id)
    panel = spiff_task.data.get("panel") if spiff_task is not None else None
    score = panel.get("score") if isinstance(panel, dict) else None
    return float(score) if isinstance(score, (int, float)) else 0.0


def _settle(cmd: Command, case: Case, task: HumanTask, selected: bool, rank: int, opinion: str) -> None:
    sub = Command(cmd.session, cmd.actor, case=case, now=cmd.now)
    task.assignee_id, task.claimed_at = cmd.actor.id, cmd.now
    data = forms.validate("ranking", {"decision": "selected" if selected else "not_selected",
                                      "rank": rank, "opinion": opinion})
    completion.complete_loaded(sub, task, data)
    case_status.refresh(sub)
