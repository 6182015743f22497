"""The catalogue of licensing matters (事项): what an applicant can file for.

A matter is one entry here plus its BPMN file and its forms: the entry carries its limits,
materials, the progress steps the applicant sees (mapped to BPMN step ids), how its
certificates are numbered and how long they are valid, which licences a change or renewal
refers to, and the unit its statistics count. Adding a matter touches nothing else in the
engine. Limits marked *unconfirmed* in docs/domain.md are defaults an administrator can
change (``matter_settings``).
"""
from __future__ import annotations

from dataclasses import dataclass

from workflow.domain import numbering
from workflow.domain.numbering import Numbering
from workflow.errors import NotFound, msg

# Administrative Licensing Law Art. 26: joint handling within 45 working days, extendable by 15.
JOINT_STATUTORY_DAYS = 45
JOINT_EXTENSION_DAYS = 15
# Art. 32: acceptance, a one-time correction notice or a refusal within 5 working days.
ACCEPTANCE_DAYS = 5
# Art. 44: the certificate is issued and delivered within 10 working days of the decision.
CERTIFICATE_DAYS = 10
# Art. 42: the head of the office may extend the decision limit by 10 working days.
EXTENSION_DAYS = 10


@dataclass(frozen=True)
class ProgressStep:
    """One step of the progress bar: done when one of its BPMN steps was completed.

    ``kind`` "tasks" (the default) follows ``steps``; "filed" is done once the application is
    in; "outcome" is done when the matter ended favourably (certificate, receipt, award).
    """
    title_zh: str
    title_en: str
    steps: tuple[str, ...] = ()
    kind: str = "tasks"

    def title(self, lang: str) -> str:
        return self.title_en if lang == "en" else self.title_zh


@dataclass(frozen=True)
class Matter:
    code: str
    title_zh: str
    title_en: str
    department: str
    process_id: str
    application_form: str
    statutory_days: int | None
    committed_days: int | None
    green_channel_days: int | None = None
    certificate_days: int | None = CERTIFICATE_DAYS
    extension_days: int = EXTENSION_DAYS
    requires_decision: bool = True
    validity_years: int | None = None
    numbering: Numbering | None = None
    # A change / renewal / cancellation names a licence of this matter, held by the applicant.
    amends: str | None = None
    # How long before expiry a renewal may be filed (None: no renewal through this matter).
    renewal_window_days: int | None = None
    attachments: tuple[tuple[str, str, str], ...] = ()
    progress: tuple[ProgressStep, ...] = ()
    statistics_unit: str = "case"
    basis: str = ""

    def title(self, lang: str) -> str:
        return self.title_en if lang == "en" else self.title_zh

    def limit_days(self, green_channel: bool) -> int | None:
        """The limit the office commits to; the green channel's is shorter still."""
        if green_channel and self.green_channel_days:
            return self.green_channel_days
        return self.committed_days or self.statutory_days

    @property
    def steps_zh(self) -> tuple[str, ...]:
        return tuple(step.title_zh for step in self.progress)

    @property
    def steps_en(self) -> tuple[str, ...]:
        return tuple(step.title_en for step in self.progress)


_BUSINESS_LICENSE = ("business_license", "营业执照副本", "Business licence copy")
_INTAKE = ProgressStep("窗口受理", "Window acceptance", ("acceptance", "correction"))

MATTERS: dict[str, Matter] = {m.code: m for m in (
    Matter(
        "industrial_license", "工业产品生产许可证核发", "Industrial product production license",
        "production", "industrial_license", "industrial_application",
        statutory_days=30, committed_days=20, green_channel_days=10, validity_years=5,
        numbering=numbering.xk_number,
        attachments=(_BUSINESS_LICENSE, ("product_list", "申请产品明细", "Product list"),
                     ("commitment", "告知承诺书（承诺审批时）", "Written commitment (commitment path)")),
        progress=(
            _INTAKE,
            ProgressStep("材料审查（两名审查员）", "Document review (two reviewers)", ("document_review",)),
            ProgressStep("实地核查或告知承诺", "On-site inspection or commitment",
                         ("onsite_inspection", "rectification", "post_inspection")),
            ProgressStep("产品检验", "Product testing", ("product_testing",)),
            ProgressStep("审批决定", "Decision", ("approval", "revoke_decision")),
            ProgressStep("制发证书", "Certificate", kind="outcome"),
        ),
        statistics_unit="licence",
        basis="《工业产品生产许可证管理条例》（国务院令第440号）",
    ),
    Matter(
        "food_license", "食品生产许可证核发", "Food production license (SC)",
        "food", "food_license", "food_application",
        statutory_days=10, committed_days=10, green_channel_days=7, certificate_days=5,
        extension_days=5, validity_years=5, numbering=numbering.sc_number,
        attachments=(_BUSINESS_LICENSE, ("floor_plan", "生产场所平面图", "Floor plan of the premises"),
                     ("process_flow", "工艺流程图", "Process flow chart")),
        progress=(
            _INTAKE,
            ProgressStep("材料审查", "Document review", ("document_review",)),
            ProgressStep("现场核查（≥2人）", "On-site inspection (≥2)", ("onsite_inspection", "rectification")),
            ProgressStep("许可决定", "Decision", ("approval",)),
            ProgressStep("制发证书", "Certificate", kind="outcome"),
        ),
        statistics_unit="licence",
        basis="《食品生产许可管理办法》（市场监管总局令第24号）",
    ),
    Matter(
        "food_license_change", "食品生产许可变更、延续、注销", "Food license change, renewal, cancellation",
        "food", "food_license_change", "food_change_application",
        statutory_days=10, committed_days=10, certificate_days=5, extension_days=5,
        validity_years=5, amends="food_license", renewal_window_days=180,
        attachments=(("license_copy", "食品生产许可证正副本", "Current license"),),
        progress=(
            _INTAKE,
            ProgressStep("材料审查", "Document review", ("document_review",)),
            ProgressStep("审批决定", "Decision", ("approval",)),
            ProgressStep("换发或注销证书", "Certificate reissued or cancelled", kind="outcome"),
        ),
        statistics_unit="licence",
        basis="《食品生产许可管理办法》第三十二条至第四十二条",
    ),
    Matter(
        "equipment_notice", "特种设备安装改造修理告知", "Special equipment installation/modification/repair notice",
        "equipment", "equipment_notice", "equipment_notice_application",
        statutory_days=None, committed_days=None, certificate_days=None, requires_decision=False,
        attachments=(("contractor_license", "施工单位许可证", "Contractor licence"),),
        progress=(ProgressStep("提交告知", "File the notice", kind="filed"),
                  ProgressStep("即时出具告知回执", "Receipt issued at once", kind="outcome")),
        statistics_unit="notice",
        basis="《特种设备安全法》第二十三条",
    ),
    Matter(
        "equipment_registration", "特种设备使用登记", "Special equipment use registration",
        "equipment", "equipment_registration", "equipment_registration_application",
        statutory_days=15, committed_days=5, green_channel_days=2, numbering=numbering.equipment_number("3000"),
        attachments=(("product_certificate", "产品合格证及数据表", "Product certificate and data sheet"),
                     ("inspection_certificate", "监督检验证书", "Supervision inspection certificate")),
        progress=(
            ProgressStep("窗口受理（资料齐全当场办结）", "Window acceptance (on the spot when complete)",
                         ("acceptance", "correction")),
            ProgressStep("材料审查", "Review", ("document_review",)),
            ProgressStep("发放使用登记证", "Registration certificate", kind="outcome"),
        ),
        statistics_unit="unit",
        basis="《特种设备使用管理规则》（TSG 08-2017）",
    ),
    Matter(
        "cng_cylinder", "车用气瓶使用登记（CNG加气证）", "CNG vehicle cylinder registration",
        "equipment", "cng_cylinder", "cng_application",
        statutory_days=15, committed_days=1, numbering=numbering.equipment_number("2000"),
        attachments=(("vehicle_licence", "机动车行驶证", "Vehicle licence"),
                     ("cylinder_certificate", "气瓶产品合格证", "Cylinder certificate")),
        progress=(ProgressStep("窗口核验（可批量）", "Window check (batch allowed)", ("vehicle_check", "correction")),
                  ProgressStep("逐车登记发证", "Per-vehicle certificate", kind="outcome")),
        statistics_unit="vehicle",
        basis="《特种设备使用管理规则》（TSG 08-2017）",
    ),
    Matter(
        "quality_award", "质量奖推荐申报", "Quality award nomination",
        "quality", "quality_award", "award_application",
        statutory_days=None, committed_days=60, certificate_days=None, numbering=numbering.serial_number("ZLJ"),
        attachments=(("self_evaluation", "自评报告", "Self-evaluation report"),),
        progress=(
            ProgressStep("资格审查", "Eligibility check", ("eligibility_check", "correction")),
            ProgressStep("推荐上报", "Recommendation", ("recommendation",)),
            ProgressStep("专家评审", "Expert review", ("expert_scoring",)),
            ProgressStep("现场评审", "On-site review", ("onsite_review",)),
            ProgressStep("评审委员会审定", "Committee decision", ("committee_decision", "round_ranking")),
            ProgressStep("公示7日", "7-day public notice", ("public_notice", "objection_review")),
            ProgressStep("授奖", "Award", kind="outcome"),
        ),
        statistics_unit="nomination",
        basis="《质量奖管理办法》",
    ),
)}

DEPARTMENTS = {
    "window": ("政务服务窗口", "Single window"),
    "production": ("生产许可科", "Production licensing section"),
    "food": ("食品生产监管科", "Food production section"),
    "equipment": ("特种设备安全监察科", "Special equipment section"),
    "quality": ("质量发展科", "Quality development section"),
}


def get_matter(code: str) -> Matter:
    try:
        return MATTERS[code]
    except KeyError:
        raise NotFound(msg("Unknown matter '{code}'.", code=code)) from None
