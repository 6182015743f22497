"""The catalogue of licensing matters (事项): what an applicant can file for.

Limits marked *unconfirmed* in DOMAIN.md are defaults an administrator can change
(``matter_settings``); the law's limits are the ceiling for the committed ones.
"""
from __future__ import annotations

from dataclasses import dataclass, replace


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
    certificate_days: int | None = 10
    extension_days: int = 10
    requires_decision: bool = True
    validity_years: int | None = None
    attachments: tuple[tuple[str, str, str], ...] = ()
    steps_zh: tuple[str, ...] = ()
    steps_en: tuple[str, ...] = ()
    basis: str = ""

    def title(self, lang: str) -> str:
        return self.title_en if lang == "en" else self.title_zh

    def limit_days(self, green_channel: bool) -> int | None:
        """The limit the office commits to; the green channel's is shorter still."""
        if green_channel and self.green_channel_days:
            return self.green_channel_days
        return self.committed_days or self.statutory_days


JOINT_STATUTORY_DAYS = 45
JOINT_EXTENSION_DAYS = 15
ACCEPTANCE_DAYS = 5

_BUSINESS_LICENSE = ("business_license", "营业执照副本", "Business licence copy")

MATTERS: dict[str, Matter] = {m.code: m for m in (
    Matter(
        "industrial_license", "工业产品生产许可证核发", "Industrial product production license",
        "production", "industrial_license", "industrial_application",
        statutory_days=30, committed_days=20, green_channel_days=10, validity_years=5,
        attachments=(_BUSINESS_LICENSE, ("product_list", "申请产品明细", "Product list"),
                     ("commitment", "告知承诺书（承诺审批时）", "Written commitment (commitment path)")),
        steps_zh=("窗口受理", "材料审查（两名审查员）", "实地核查或告知承诺", "产品检验", "审批决定", "制发证书"),
        steps_en=("Window acceptance", "Document review (two reviewers)", "On-site inspection or commitment",
                  "Product testing", "Decision", "Certificate"),
        basis="《工业产品生产许可证管理条例》（国务院令第440号）",
    ),
    Matter(
        "food_license", "食品生产许可证核发", "Food production license (SC)",
        "food", "food_license", "food_application",
        statutory_days=10, committed_days=10, green_channel_days=7, certificate_days=5,
        extension_days=5, validity_years=5,
        attachments=(_BUSINESS_LICENSE, ("floor_plan", "生产场所平面图", "Floor plan of the premises"),
                     ("process_flow", "工艺流程图", "Process flow chart")),
        steps_zh=("窗口受理", "材料审查", "现场核查（≥2人）", "许可决定", "制发证书"),
        steps_en=("Window acceptance", "Document review", "On-site inspection (≥2)", "Decision", "Certificate"),
        basis="《食品生产许可管理办法》（市场监管总局令第24号）",
    ),
    Matter(
        "food_license_change", "食品生产许可变更、延续、注销", "Food license change, renewal, cancellation",
        "food", "food_license_change", "food_change_application",
        statutory_days=10, committed_days=10, certificate_days=5, extension_days=5,
        attachments=(("license_copy", "食品生产许可证正副本", "Current license"),),
        steps_zh=("窗口受理", "材料审查", "审批决定", "换发或注销证书"),
        steps_en=("Window acceptance", "Document review", "Decision", "Certificate reissued or cancelled"),
        basis="《食品生产许可管理办法》第三十二条至第四十二条",
    ),
    Matter(
        "equipment_notice", "特种设备安装改造修理告知", "Special equipment installation/modification/repair notice",
        "equipment", "equipment_notice", "equipment_notice_application",
        statutory_days=None, committed_days=None, certificate_days=None, requires_decision=False,
        attachments=(("contractor_license", "施工单位许可证", "Contractor licence"),),
        steps_zh=("提交告知", "即时出具告知回执"), steps_en=("File the notice", "Receipt issued at once"),
        basis="《特种设备安全法》第二十三条",
    ),
    Matter(
        "equipment_registration", "特种设备使用登记", "Special equipment use registration",
        "equipment", "equipment_registration", "equipment_registration_application",
        statutory_days=15, committed_days=5, green_channel_days=2,
        attachments=(("product_certificate", "产品合格证及数据表", "Product certificate and data sheet"),
                     ("inspection_certificate", "监督检验证书", "Supervision inspection certificate")),
        steps_zh=("窗口受理（资料齐全当场办结）", "材料审查", "发放使用登记证"),
        steps_en=("Window acceptance (on the spot when complete)", "Review", "Registration certificate"),
        basis="《特种设备使用管理规则》（TSG 08-2017）",
    ),
    Matter(
        "cng_cylinder", "车用气瓶使用登记（CNG加气证）", "CNG vehicle cylinder registration",
        "equipment", "cng_cylinder", "cng_application",
        statutory_days=15, committed_days=1,
        attachments=(("vehicle_licence", "机动车行驶证", "Vehicle licence"),
                     ("cylinder_certificate", "气瓶产品合格证", "Cylinder certificate")),
        steps_zh=("窗口核验（可批量）", "逐车登记发证"), steps_en=("Window check (batch allowed)", "Per-vehicle certificate"),
        basis="《特种设备使用管理规则》（TSG 08-2017）",
    ),
    Matter(
        "quality_award", "质量奖推荐申报", "Quality award nomination",
        "quality", "quality_award", "award_application",
        statutory_days=None, committed_days=60, certificate_days=None,
        attachments=(("self_evaluation", "自评报告", "Self-evaluation report"),),
        steps_zh=("资格审查", "推荐上报", "专家评审", "现场评审", "评审委员会审定", "公示7日", "授奖"),
        steps_en=("Eligibility check", "Recommendation", "Expert review", "On-site review",
                  "Committee decision", "7-day public notice", "Award"),
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
    from workflow.errors import NotFound
    try:
        return MATTERS[code]
    except KeyError:
        raise NotFound(f"Unknown matter {code!r}.") from None


def with_limits(matter: Matter, statutory: int | None, committed: int | None) -> Matter:
    return replace(matter, statutory_days=statutory, committed_days=committed)
