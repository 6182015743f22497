"""Task forms: one per ``formKey`` used in ``bpmn/``.

Gateways branch on ``decision`` (docs/bpmn-conventions.md); fields a decision needs (the items
to correct, the reason for a refusal) are required only with that decision, via ``conditions``.
"""
from __future__ import annotations

from marshmallow import ValidationError, fields, validate, validates_schema

from workflow.domain.forms import form
from workflow.domain.forms.applications import PLATE_NUMBER, check_plates_unique, is_valid_plate
from workflow.domain.forms.fields import (
    DecisionForm, Form, RequiredWhen, decision, flag, integer, opinion, required_when, rule, text, text_list, usernames)
from workflow.errors import msg

EXPERT_PANEL = msg("Expert review needs 3 to 9 different experts.")


def correction_rules(correct: str = "correct", refuse: str | None = "refuse") -> tuple[RequiredWhen, ...]:
    """Art. 32: a correction notice lists everything missing at once; a refusal gives its reason."""
    items = msg("List every item the applicant must correct.")
    rules = [required_when("items", "decision", correct, message=items)]
    if refuse:
        rules.append(required_when("refuse_reason", "decision", refuse))
    return tuple(rules)


def items() -> fields.List:
    return text_list(required=False, max=100, metadata={"multiline": True})


def refuse_reason() -> fields.String:
    return text(required=False, max=500, metadata={"multiline": True})


@form("generic")
class GenericForm(DecisionForm):
    decision = fields.String(validate=validate.OneOf(["approve", "deny", "done"]), load_default="done")


@form("acceptance")
class AcceptanceForm(DecisionForm):
    conditions = correction_rules()

    decision = decision("accept", "correct", "refuse")
    items = items()
    refuse_reason = refuse_reason()
    # No defaults: the flags were set at intake and an absent one must not overwrite them.
    green_channel = flag()
    commitment_path = flag()


@form("correction")
class CorrectionForm(DecisionForm):
    """The applicant's resubmission: the changed fields and a note instead of an opinion."""

    opinion = opinion(required=False)
    changes = fields.Dict(keys=text(min=1, max=64), values=fields.Raw(allow_none=True))
    note = text(required=False, max=2000, metadata={"multiline": True})


@form("review")
@form("post_inspection")
@form("onsite_review")
class PassFailForm(DecisionForm):
    """A step that passes or fails: document review, the on-site review after a licence issued on
    the commitment path (后置现场审查), the award's on-site review."""

    decision = decision("pass", "fail")


@form("decision")
class DecisionStepForm(DecisionForm):
    """The licensing decision; revoke/keep serve the revocation after a failed post-inspection."""

    decision = decision("approve", "deny", "revoke", "keep")


@form("inspection")
class InspectionForm(DecisionForm):
    conditions = (required_when("rectify_days", "decision", "rectify"),)

    decision = decision("pass", "fail", "rectify")
    team = usernames(2, 4, msg("On-site inspection needs 2 to 4 different inspectors."), role="inspector")
    rectify_days = integer(1, 90, required=False)
    findings = text(required=False, max=5000, metadata={"multiline": True})


@form("rectification")
class RectificationForm(DecisionForm):
    opinion = opinion(required=False)
    report = text(max=5000, metadata={"multiline": True})


@form("testing")
class TestingForm(DecisionForm):
    decision = decision("pass", "fail")
    report_number = text(max=50)


@form("registration_acceptance")
class RegistrationAcceptanceForm(DecisionForm):
    conditions = correction_rules()

    decision = decision("register_now", "accept", "correct", "refuse")
    items = items()
    refuse_reason = refuse_reason()


class VehicleDecision(Form):
    conditions = (required_when("reason", "decision", "refuse"),)

    plate_number = text(validators=[rule(is_valid_plate, PLATE_NUMBER)])
    decision = decision("register", "refuse")
    reason = text(required=False, max=500)


@form("vehicle_check")
class VehicleCheckForm(DecisionForm):
    conditions = correction_rules()

    decision = decision("register", "correct", "refuse")
    vehicles = fields.List(fields.Nested(VehicleDecision), validate=validate.Length(max=200))
    items = items()
    refuse_reason = refuse_reason()

    @validates_schema(pass_original=True, skip_on_field_errors=False)
    def _vehicles(self, data: dict, original: dict, **kwargs) -> None:
        check_plates_unique(original)
        if data.get("decision") != "register":
            return
        # On the decision, not on ``vehicles``: the rows may carry their own errors as well.
        if not any(v.get("decision") == "register" for v in data.get("vehicles") or []):
            raise ValidationError(msg("Register at least one vehicle."), "decision")


@form("eligibility")
class EligibilityForm(DecisionForm):
    conditions = correction_rules(refuse=None)

    decision = decision("eligible", "ineligible", "correct")
    items = items()


@form("recommendation")
class RecommendationForm(DecisionForm):
    conditions = (required_when("experts", "decision", "recommend", message=EXPERT_PANEL),)

    decision = decision("recommend", "reject")
    experts = usernames(3, 9, EXPERT_PANEL, role="expert", required=False)
    shortlist_threshold = integer(0, 1000, required=False, load_default=600)


@form("expert_score")
class ExpertScoreForm(DecisionForm):
    """One expert's independent score on the 1,000-point scheme (GB/T 19580)."""

    score = integer(0, 1000)
    scores_by_criterion = fields.Dict(keys=text(min=1, max=64), values=integer(0, 1000))


@form("committee")
class CommitteeForm(DecisionForm):
    decision = decision("award", "reject")


@form("public_notice")
class PublicNoticeForm(DecisionForm):
    """公示: any objection received is written down and handled in the ``objection`` step."""

    conditions = (required_when("objection", "decision", "objection"),)

    decision = decision("objection", "no_objection")
    objection = text(required=False, max=5000, metadata={"multiline": True})


@form("objection")
class ObjectionForm(DecisionForm):
    decision = decision("upheld", "dismissed")


@form("ranking")
class RankingForm(DecisionForm):
    """The round's ranking, written when the round closes (never by hand, see services.awards)."""

    decision = decision("selected", "not_selected")
    rank = integer(1, 100000)
