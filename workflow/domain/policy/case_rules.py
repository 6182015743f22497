"""What a person may do with a case as a whole: withdraw, resubmit, rate, add files, decide an extension."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from workflow import vocabulary as v
from workflow.domain.permissions import can_see_case
from workflow.domain.policy.actions import Action, Rules
from workflow.domain.policy.context import CaseContext
from workflow.errors import Conflict, Forbidden
from workflow.storage.models import ClockSegment, Rating

APPLICANT = ("applicant",)
UPLOADERS = ("applicant", "window", "reviewer", "inspector", "approver")
BAD_LEVELS = (1, 2)     # 不满意, 非常不满意: a comment is required and the supervisor must answer

RULES: Rules[CaseContext] = Rules()
rule = RULES.rule


def _opens_as(ctx: CaseContext, roles: tuple[str, ...]) -> None:
    """The actor holds one of ``roles`` and may open this case (an applicant: their enterprise's)."""
    if ctx.actor.role not in roles or not can_see_case(ctx.actor, ctx.case):
        raise Forbidden("Your role may not do this.")


def _running_for(ctx: CaseContext, roles: tuple[str, ...]) -> None:
    """As ``_opens_as``, on a case still running: a finished case takes no more changes."""
    _opens_as(ctx, roles)
    if ctx.case.status not in v.RUNNING:
        raise Conflict("This case is already finished.")


@rule("withdraw")
def withdraw(ctx: CaseContext) -> Action:
    """撤回申请: the applicant may withdraw until the case is decided."""
    _running_for(ctx, APPLICANT)
    return Action("withdraw")


@rule("resubmit")
def resubmit(ctx: CaseContext) -> Action:
    """The corrected materials a step asked for (退回补正)."""
    _running_for(ctx, APPLICANT)
    if not any(t.hold == "correction" for t in ctx.open_tasks):
        raise Conflict("Nothing in this case is waiting for your correction.")
    return Action("resubmit")


@rule("rating")
def rating(ctx: CaseContext) -> Action:
    """好差评 once the case is done: one rating per matter (GB/T 39734-2020), none pre-selected."""
    _opens_as(ctx, APPLICANT)
    if ctx.case.status != v.COMPLETED:
        raise Conflict("A case can be rated once it is completed.")
    rated = set(ctx.session.scalars(select(Rating.matter_code).where(Rating.case_id == ctx.case.id)))
    matters = [m for m in ctx.case.matters or () if m not in rated]
    if not matters:
        raise Conflict("This case has already been rated.")
    return Action("rating", {"levels": [5, 4, 3, 2, 1], "matters": matters})


@rule("rating_reply")
def rating_reply(ctx: CaseContext) -> Action:
    """差评整改: the supervisor answers each bad rating; the answer reaches the applicant."""
    if ctx.actor.role != "supervisor":
        raise Forbidden("Your role may not do this.")
    waiting = list(ctx.session.scalars(select(Rating.id).where(
        Rating.case_id == ctx.case.id, Rating.level.in_(BAD_LEVELS), Rating.replied_at.is_(None))
        .order_by(Rating.id)))
    if not waiting:
        raise Conflict("No bad rating of this case is waiting for an answer.")
    return Action("rating_reply", {"ratings": waiting})


@rule("attachments")
def attachments(ctx: CaseContext) -> Action:
    """Files join a running case from the applicant or the staff working on it; a finished
    case's file is closed (what was decided on stays what it was)."""
    _running_for(ctx, UPLOADERS)
    return Action("attachments")


@rule("decide")
def decide(ctx: CaseContext) -> Action:
    """An approver of the case's department decides a requested extension (Art. 42); once the
    limit has passed an extension can only be refused."""
    _running_for(ctx, ("approver",))
    requests = ctx.pending_extensions
    if not requests:
        raise Conflict("No extension request is waiting.")
    in_time = ctx.case.decision_due_at is not None and ctx.now <= ctx.case.decision_due_at
    return Action("decide", {"requests": [{"id": s.id, "days": s.days, "reason": s.note} for s in requests],
                             "approve": [True, False] if in_time else [False]})


def pending_extensions(session: Session, case_id: int) -> list[ClockSegment]:
    return list(session.scalars(select(ClockSegment).where(
        ClockSegment.case_id == case_id, ClockSegment.kind == "extension", ClockSegment.status == "requested")))


def case_actions(ctx: CaseContext) -> list[Action]:
    return RULES.offered(ctx)


def require(ctx: CaseContext, op: str) -> Action:
    return RULES[op](ctx)
