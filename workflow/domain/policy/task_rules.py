"""What a person may do at a step: one rule per operation.

Each rule either returns the :class:`Action` with the choices it accepts or raises the
error that explains why not (409 state, 403 role). The list a page or the API shows is
every rule that does not raise; a command calls the same rule and checks the caller's
choice against it. Rules cite the law where the law decides.
"""
from __future__ import annotations

from workflow import vocabulary as v
from workflow.domain import clock, forms
from workflow.domain.matters import MATTERS
from workflow.domain.permissions import can_see_case, can_work_on
from workflow.domain.policy.actions import Action, Rules, person
from workflow.domain.policy.case_rules import pending_extensions
from workflow.domain.policy.context import TaskContext
from workflow.errors import Conflict, Forbidden, msg
from workflow.runtime import rewind

OPERATORS = ("window", "reviewer", "inspector", "approver")
CASE_STAFF = ("reviewer", "inspector", "approver")  # after acceptance, the office's departments
INTAKE_FORMS = ("acceptance", "registration_acceptance", "vehicle_check", "eligibility")
ROUND_FORMS = ("ranking",)
COPY_ROLES = ("window", "reviewer", "inspector", "approver", "supervisor")
URGE_ROLES = ("supervisor", "approver", "window")

RULES: Rules[TaskContext] = Rules()
rule = RULES.rule


# -- shared conditions ------------------------------------------------------------

def _open(ctx: TaskContext) -> None:
    if ctx.task.state != v.TASK_OPEN:
        raise Conflict("This task is already closed.")
    if ctx.case.status not in v.RUNNING:
        raise Conflict("This case is finished.")


def _fits(ctx: TaskContext) -> None:
    if not can_work_on(ctx.actor, ctx.task):
        raise Forbidden("This task belongs to another role, department or organisation.")


def _holds(ctx: TaskContext) -> None:
    _fits(ctx)
    if not ctx.holds:
        raise Conflict(msg("Claim the task first.") if ctx.task.assignee_id is None else
                       msg("This task is held by another person."))


def _not_held_for_correction(ctx: TaskContext) -> None:
    if ctx.task.hold:
        raise Conflict("This task is waiting for the applicant's correction.")


def _not_delegated_to_me(ctx: TaskContext) -> None:
    if ctx.task.handover == "delegate" and ctx.holds:
        raise Conflict("A delegated task goes back to its owner with your answer.")


def _operator(ctx: TaskContext, roles: tuple[str, ...] = OPERATORS) -> None:
    if ctx.actor.role not in roles:
        raise Forbidden("Your role may not do this.")


def _not_round_step(ctx: TaskContext) -> None:
    if ctx.task.form_key in ROUND_FORMS:
        raise Conflict("This step is settled for the whole round when the round closes.")


def _claimable_by(ctx: TaskContext) -> None:
    """The actor could take the task now: it fits them and nobody holds it."""
    _fits(ctx)
    _not_held_for_correction(ctx)
    if ctx.task.assignee_id is not None:
        raise Conflict(msg("You already hold this task.") if ctx.holds else msg("This task has already been claimed."))
    if ctx.sibling_taken(ctx.actor.id):
        raise Conflict("You already handle another part of this joint review; a second person must take this one.")


# -- taking and giving back -------------------------------------------------------

@rule("claim")
def claim(ctx: TaskContext) -> Action:
    _open(ctx)
    if ctx.task.role == "applicant":
        raise Conflict("The applicant's steps are not claimed.")
    _not_round_step(ctx)
    _claimable_by(ctx)
    return Action("claim")


@rule("unclaim")
def unclaim(ctx: TaskContext) -> Action:
    _open(ctx)
    _holds(ctx)
    if ctx.task.role == "applicant" or ctx.props.get("assigneeFrom"):
        raise Conflict("This step is assigned to you in person.")
    _not_delegated_to_me(ctx)
    if ctx.pending_signers:
        raise Conflict("Remove or wait for the added signers first.")
    return Action("unclaim")


# -- completing -----------------------------------------------------------------------

def step_decisions(ctx: TaskContext) -> list[str]:
    """The decisions this step may take: the form's, narrowed by the step (``decisions`` property)
    and by the law (Art. 32: the correction notice at intake is given once, all at once)."""
    offered = forms.decision_choices(ctx.task.form_key)
    declared = [d.strip() for d in ctx.props.get("decisions", "").split(",") if d.strip()]
    if declared:
        offered = [d for d in offered if d in declared]
    if ctx.task.form_key in INTAKE_FORMS and ctx.earlier_corrections():
        offered = [d for d in offered if d != "correct"]
    if ctx.task.form_key in INTAKE_FORMS and len(ctx.case.matters or ()) > 1:
        # A joint filing's intake is one decision for every matter (Art. 26): only what all accept.
        for key in ctx.joint_intake_forms():
            offered = [d for d in offered if d in forms.decision_choices(key)]
    return offered


@rule("complete")
def complete(ctx: TaskContext) -> Action:
    _open(ctx)
    _not_round_step(ctx)
    if not ctx.holds:
        _claimable_by(ctx)
    _fits(ctx)
    _not_held_for_correction(ctx)
    _not_delegated_to_me(ctx)
    if ctx.pending_signers:
        raise Conflict(msg("{n} added signer(s) have not given their opinion yet.", n=len(ctx.pending_signers)))
    people = {name: [person(u) for u in ctx.people_of(role)]
              for name, role in forms.people_fields(ctx.task.form_key).items()}
    return Action("complete", {"form": ctx.task.form_key, "decisions": step_decisions(ctx), "people": people})


# -- sending back ---------------------------------------------------------------------

@rule("return")
def return_to_step(ctx: TaskContext) -> Action:
    """退回: to an earlier step on this path, never across an irreversible act (acceptance, certificate)."""
    _open(ctx)
    _holds(ctx)
    _operator(ctx)
    _not_held_for_correction(ctx)
    _not_delegated_to_me(ctx)
    steps = rewind.earlier_steps(ctx.loaded_workflow(), ctx.task.spiff_task_id)
    if not steps:
        raise Conflict("There is no earlier step this task can go back to.")
    return Action("return", {"targets": [{"id": key, "title": title} for key, (title, _t) in steps.items()]})


@rule("correction")
def correction(ctx: TaskContext) -> Action:
    """退回补正 after acceptance: the applicant corrects, the clock stops meanwhile (Art. 45)."""
    _open(ctx)
    _holds(ctx)
    _operator(ctx, CASE_STAFF)
    _not_held_for_correction(ctx)
    _not_delegated_to_me(ctx)
    if ctx.case.accepted_at is None:
        raise Conflict("Before acceptance, the window's one-time notice asks for corrections.")
    return Action("correction")


@rule("recall")
def recall(ctx: TaskContext) -> Action:
    """撤回: take back one's own step while the next is untouched; intake decisions are written
    decisions (Art. 32) and are not recalled."""
    task = ctx.task
    if task.state == v.TASK_OPEN or task.close_reason != "completed" or task.completed_by != ctx.actor.id:
        raise Forbidden("Only the person who completed this step can recall it.")
    if ctx.case.status not in v.RUNNING:
        raise Conflict("This case is finished.")
    if task.form_key in INTAKE_FORMS:
        raise Conflict("An intake decision is a written decision and cannot be recalled.")
    following = ctx.following
    if any(t.spiff_task_id == task.spiff_task_id for t in following):    # reopened: a second click
        raise Conflict("This step has already been recalled.")
    if not following or any(t.assignee_id is not None or t.hold or t.signers_pending for t in following):
        raise Conflict("The next step has already been taken up; this step can no longer be recalled.")
    if not rewind.can_recall(ctx.loaded_workflow(), task.spiff_task_id, [t.spiff_task_id for t in following]):
        raise Conflict("This step can no longer be recalled.")
    return Action("recall")


# -- handing over ---------------------------------------------------------------------

def _may_hand_over(ctx: TaskContext) -> None:
    _open(ctx)
    _holds(ctx)
    _operator(ctx)
    _not_held_for_correction(ctx)
    _not_delegated_to_me(ctx)


@rule("transfer")
def transfer(ctx: TaskContext) -> Action:
    """转办: the colleague takes the task over. A step the process assigned in person (an expert's
    scoring) is handed on by its department's reviewer or approver instead, to someone of that role
    not yet part of it: an expert who is ill, conflicted or gone would otherwise hold the case for ever."""
    if ctx.props.get("assigneeFrom") and ctx.task.role != "applicant":
        return _hand_on_in_person(ctx)
    _may_hand_over(ctx)
    return _with_people("transfer", ctx.colleagues)


def _hand_on_in_person(ctx: TaskContext) -> Action:
    _open(ctx)
    _operator(ctx, ("reviewer", "approver"))
    department = MATTERS[ctx.task.matter_code].department if ctx.task.matter_code in MATTERS else None
    if ctx.actor.department_code != department or not can_see_case(ctx.actor, ctx.case):
        raise Forbidden("This task belongs to another role, department or organisation.")
    return _with_people("transfer", ctx.newcomers())


@rule("delegate")
def delegate(ctx: TaskContext) -> Action:
    """委派: the colleague answers, the task comes back to its holder to decide."""
    _may_hand_over(ctx)
    if ctx.pending_signers:
        raise Conflict("Remove or wait for the added signers first.")
    return _with_people("delegate", ctx.colleagues)


@rule("resolve")
def resolve(ctx: TaskContext) -> Action:
    _open(ctx)
    _holds(ctx)
    if ctx.task.handover != "delegate":
        raise Conflict("This task was not delegated to you.")
    return Action("resolve")


@rule("reclaim")
def reclaim(ctx: TaskContext) -> Action:
    """拿回: take back a task one transferred or delegated while the colleague has not acted on it."""
    _open(ctx)
    task = ctx.task
    if task.assignee_id == ctx.actor.id:      # taken back already (a second click) or never handed over
        raise Conflict(msg("You already hold this task."))
    if task.handed_over_by != ctx.actor.id:
        raise Conflict("You did not hand this task over.")
    _fits(ctx)
    if ctx.pending_signers:
        raise Conflict("Your colleague has already added a signer; the task can no longer be taken back.")
    return Action("reclaim")


def _with_people(op: str, people: list) -> Action:
    if not people:
        raise Conflict("Nobody else may take this step.")
    return Action(op, {"candidates": [person(u) for u in people]})


# -- signers ----------------------------------------------------------------------------

@rule("add_signer")
def add_signer(ctx: TaskContext) -> Action:
    """加签: a colleague's opinion is required before the step completes."""
    _open(ctx)
    _holds(ctx)
    _operator(ctx)
    _not_held_for_correction(ctx)
    _not_delegated_to_me(ctx)
    asked = {s.user_id for s in ctx.pending_signers}
    return _with_people("add_signer", [u for u in ctx.colleagues if u.id not in asked])


@rule("remove_signer")
def remove_signer(ctx: TaskContext) -> Action:
    """减签: the holder withdraws a request for an opinion not yet given."""
    _open(ctx)
    _holds(ctx)
    if not ctx.pending_signers:
        raise Conflict("No signer is waiting.")
    return Action("remove_signer", {"signers": [{"id": s.user_id} for s in ctx.pending_signers]})


@rule("sign")
def sign(ctx: TaskContext) -> Action:
    _open(ctx)
    if not any(s.user_id == ctx.actor.id for s in ctx.pending_signers):
        if any(s.user_id == ctx.actor.id for s in ctx.signers):    # a second click of the same signer
            raise Conflict("You have already given your opinion on this task.")
        raise Forbidden("You have not been asked to sign this task.")
    return Action("sign")


# -- telling others -------------------------------------------------------------------

def _notifies(ctx: TaskContext, roles: tuple[str, ...]) -> None:
    """Copy and urge tell others about an open step: a role that may send it, about a case the
    sender may open (a notice never reveals a case to whoever could not see it)."""
    _open(ctx)
    _operator(ctx, roles)
    if not can_see_case(ctx.actor, ctx.case):
        raise Forbidden("Your role may not do this.")


@rule("copy")
def copy(ctx: TaskContext) -> Action:
    """抄送: a notice to colleagues who may open the case."""
    _notifies(ctx, COPY_ROLES)
    return _with_people("copy", ctx.staff_who_see_case(COPY_ROLES))


@rule("urge")
def urge(ctx: TaskContext) -> Action:
    """催办: supervisors, approvers (their department's cases) and the window remind the office's staff."""
    _notifies(ctx, URGE_ROLES)
    if ctx.task.role == "applicant":
        raise Forbidden("The applicant's own steps are not urged.")
    if ctx.task.hold:
        raise Conflict("The applicant is not urged; the office waits for the correction.")
    return Action("urge")


# -- the clock ----------------------------------------------------------------------------

@rule("suspend")
def suspend(ctx: TaskContext) -> Action:
    """Art. 45: hearing, testing, appraisal and expert review are not counted in the limit."""
    _open(ctx)
    _holds(ctx)
    _operator(ctx, CASE_STAFF)
    _not_held_for_correction(ctx)
    if ctx.case.accepted_at is None:
        raise Conflict("The decision clock starts at acceptance.")
    if ctx.manual_pause is not None:
        raise Conflict("The clock is already suspended for this step.")
    return Action("suspend", {"reasons": list(clock.MANUAL_SUSPENSION_REASONS)})


@rule("resume")
def resume(ctx: TaskContext) -> Action:
    _open(ctx)
    _holds(ctx)
    if ctx.manual_pause is None:
        raise Conflict("No suspension of this step is open.")
    return Action("resume", {"reasons": [ctx.manual_pause.reason]})


@rule("extension")
def extension(ctx: TaskContext) -> Action:
    """Art. 42: an extension is asked for, with reasons, within the limit; an approver decides."""
    _open(ctx)
    _holds(ctx)
    _operator(ctx, CASE_STAFF)
    case = ctx.case
    if case.accepted_at is None or case.decision_due_at is None:
        raise Conflict("This case has no decision limit to extend.")
    if ctx.now > case.decision_due_at:
        raise Conflict("The time limit has passed; it can no longer be extended.")
    cap = clock.extension_cap(ctx.session, case)
    if cap < 1:
        raise Conflict("The limit has been extended as far as the law allows.")
    if pending_extensions(ctx.session, case.id):
        raise Conflict("An extension request is already waiting for a decision.")
    return Action("extension", {"days": {"min": 1, "max": cap}})


# -- award rounds -------------------------------------------------------------------

@rule("close_round")
def close_round(ctx: TaskContext) -> Action:
    """The round's quota goes to the highest panel scores once the round closes."""
    _open(ctx)
    if ctx.task.form_key not in ROUND_FORMS:
        raise Conflict("Only the ranking step closes a round.")
    _fits(ctx)
    return Action("close_round", {"round": (ctx.case.data or {}).get("round")})


def task_actions(ctx: TaskContext, only: tuple[str, ...] | None = None) -> list[Action]:
    """Every action the actor may take on this task now (or just those among ``only``)."""
    return RULES.offered(ctx, only)


def require(ctx: TaskContext, op: str) -> Action:
    """The action if it is offered now; otherwise the reason it is not, as the error to answer."""
    return RULES[op](ctx)
