"""Sample filings for the demo, made through the same services a person would use."""
from __future__ import annotations

from sqlalchemy import select

from workflow.services import cases, tasks
from workflow.services import clock as clock_services
from workflow.storage.db import Database
from workflow.storage.models import HumanTask, User
from workflow.timekeeping import deadlines

COMPANY = {
    "company_name": "福州闽味食品有限公司", "credit_code": "91350100M000100Y43", "contact": "林小明",
    "phone": "13800138000", "address": "福州市鼓楼区五四路 100 号", "area_code": "350102",
    "legal_representative": "林建华",
}
MACHINERY = {
    "company_name": "深圳南山机械制造有限公司", "credit_code": "91440300MA5H0HLK5U", "contact": "陈大伟",
    "phone": "0755-86001234", "address": "深圳市南山区科技园 8 号", "area_code": "440305",
}
FOOD = {"food_kind": 1, "food_category": "24", "food_names": ["糕点（烘烤类糕点）", "月饼"],
        "premises_area": 1200, "employees": 48, "production_address": "福州市仓山区盖山镇工业路 18 号"}
INDUSTRIAL = {"product_name": "电线电缆", "industry_code": "06", "product_code": "001", "commitment_path": False}
LIFT = {"equipment_kind": "3000", "variety_code": "3110", "product_number": "F2026-0815",
        "manufacturer": "某电梯有限公司", "use_location": "福州市鼓楼区闽味大厦", "start_use_date": "2026-11-01",
        "inspection_certificate_no": "JD-2026-1234"}
BOILER = {**LIFT, "equipment_kind": "1000", "variety_code": "1100", "product_number": "GL-2026-77",
          "use_location": "闽味食品二号厂房"}
NOTICE = {"equipment_kind": "3000", "work_kind": "installation", "contractor_name": "福建某电梯工程有限公司",
          "contractor_license": "TS3335001-2027", "site_address": "福州市仓山区某小区 3 号楼",
          "planned_start": "2026-12-01", "units": 4}
VEHICLE = {"vin": "LSVAU2180N2183294", "cylinder_serial": "CNG-2026-0001", "cylinder_count": 2,
           "cylinder_valid_until": "2030-06-30"}
AWARD = {"category": "manufacturing", "round": "2026", "self_evaluation_score": 780,
         "summary": "企业坚持质量第一，建立卓越绩效管理模式，主导产品市场占有率全省第一。"}


class Demo:
    def __init__(self, db: Database) -> None:
        self.db = db
        with db.reading() as session:
            self.people = {u.username: u for u in session.scalars(select(User))}

    def file(self, who: str, matters: list[str], data: dict, green: bool = False):
        return cases.submit(self.db, self.people[who], matters, data, green)

    def task(self, who: str, case_id: int, bpmn_id: str) -> HumanTask:
        with self.db.reading() as session:
            return session.scalars(select(HumanTask).where(
                HumanTask.case_id == case_id, HumanTask.bpmn_id == bpmn_id, HumanTask.state == "open",
                (HumanTask.assignee_id.is_(None)) | (HumanTask.assignee_id == self.people[who].id))
                .order_by(HumanTask.id)).first()

    def act(self, who: str, case_id: int, bpmn_id: str, **data) -> None:
        task = self.task(who, case_id, bpmn_id)
        tasks.complete(self.db, self.people[who], task.id, {"opinion": "同意", **data})


def build(db: Database) -> None:
    d = Demo(db)
    # waiting at the window
    d.file("qiye", ["food_license"], {**COMPANY, **FOOD, "title": "新建糕点生产线食品生产许可"})
    d.file("qiye2", ["equipment_registration"], {**MACHINERY, **LIFT, "title": "厂区电梯使用登记"}, green=True)

    # a granted food license, rated
    granted = d.file("qiye", ["food_license"], {**COMPANY, **FOOD, "title": "月饼车间食品生产许可"})
    d.act("chuangkou", granted.id, "acceptance", decision="accept", opinion="材料齐全，予以受理")
    d.act("shipin", granted.id, "document_review", decision="pass", opinion="材料符合要求")
    d.act("shipinhecha1", granted.id, "onsite_inspection", decision="pass", opinion="现场核查符合",
          team=["shipinhecha1", "shipinhecha2"])
    d.act("shipinshenpi", granted.id, "approval", decision="approve", opinion="准予许可")
    cases.rate(db, d.people["qiye"], granted.id, 5, "窗口服务热情，办理很快")

    # industrial license in document review, one reviewer done, an extension requested
    review = d.file("qiye2", ["industrial_license"], {**MACHINERY, **INDUSTRIAL, "title": "电线电缆生产许可"})
    d.act("chuangkou", review.id, "acceptance", decision="accept", opinion="予以受理")
    d.act("shencha", review.id, "document_review", decision="pass", opinion="审查通过")
    second = tasks.claim(db, d.people["shencha2"], d.task("shencha2", review.id, "document_review").id)
    clock_services.request_extension(db, d.people["shencha2"], second.id, 5, "需补充产品检验报告")

    # industrial license waiting for the applicant's correction
    correction = d.file("qiye", ["industrial_license"], {**COMPANY, **INDUSTRIAL, "product_name": "食品用塑料包装",
                                                         "industry_code": "15", "product_code": "002",
                                                         "title": "食品用塑料包装生产许可"})
    d.act("chuangkou", correction.id, "acceptance", decision="correct", opinion="材料不全，一次性告知补正",
          items=["申请产品明细表", "营业执照副本复印件", "生产设备清单"])

    # special equipment: a notice filed at once, a lift registered on the spot
    d.file("qiye2", ["equipment_notice"], {**MACHINERY, **NOTICE, "title": "电梯安装告知"})
    on_spot = d.file("qiye", ["equipment_registration"], {**COMPANY, **LIFT, "title": "办公楼电梯使用登记"})
    d.act("chuangkou", on_spot.id, "acceptance", decision="register_now", opinion="资料齐全，当场办结")

    # CNG batch: three vehicles, one refused
    plates = ("闽A11111", "闽A22222", "闽A33333")
    vins = ("LSVAU2180N2183294", "LFV2A21K6A3000001", "LFV2A21K6A3000002")
    cng = d.file("qiye", ["cng_cylinder"], {**COMPANY, "title": "配送车辆CNG气瓶登记",
                                            "vehicles": [{**VEHICLE, "plate_number": p, "vin": v}
                                                         for p, v in zip(plates, vins)]})
    d.act("chuangkou", cng.id, "vehicle_check", decision="register", opinion="两辆登记，一辆气瓶检验过期",
          vehicles=[{"plate_number": plates[0], "decision": "register"},
                    {"plate_number": plates[1], "decision": "refuse", "reason": "气瓶定期检验过期"},
                    {"plate_number": plates[2], "decision": "register"}])

    # quality award at the expert panel
    award = d.file("qiye2", ["quality_award"], {**MACHINERY, **AWARD, "title": "2026年度市长质量奖申报"})
    d.act("chuangkou", award.id, "eligibility_check", decision="eligible", opinion="符合申报条件")
    d.act("zhiliang", award.id, "recommendation", decision="recommend", opinion="推荐上报",
          experts=[f"zhuanjia{i}" for i in range(1, 6)], shortlist_threshold=650)
    d.act("zhuanjia1", award.id, "expert_scoring", score=812, opinion="领导作用突出")
    d.act("zhuanjia2", award.id, "expert_scoring", score=768, opinion="过程管理规范")

    # a joint filing: food license + boiler registration, accepted, in review
    joint = d.file("qiye", ["food_license", "equipment_registration"],
                   {**COMPANY, **FOOD, **BOILER, "title": "新厂区联批联办：食品生产许可 + 锅炉使用登记"})
    d.act("chuangkou", joint.id, "acceptance", decision="accept", opinion="联批联办，一次受理")

    # age two filings so the supervisor's dashboard has yellow and red to show
    _age(db, review.id, 22)
    _age(db, correction.id, 4)


def _age(db: Database, case_id: int, working_days: int) -> None:
    """Move a demo case's dates back by some working days, as if filed earlier."""
    from workflow.domain import clock
    from workflow.storage.db import utcnow
    from workflow.storage.models import Case
    with db.transaction() as session:
        cal = deadlines.get_calendar(session)
        now = utcnow()
        earlier = cal.add_workdays(now, -working_days)
        shift = now - now.replace(year=earlier.year, month=earlier.month, day=earlier.day)
        case = session.get(Case, case_id)
        for name in ("created_at", "materials_at", "accepted_at"):
            if getattr(case, name):
                setattr(case, name, getattr(case, name) - shift)
        for task in session.scalars(select(HumanTask).where(HumanTask.case_id == case_id)):
            task.created_at -= shift
            if task.step_limit_days:
                task.due_at, task.yellow_at = deadlines.step_due(session, task.created_at, task.step_limit_days)
        clock.refresh_case(session, case, now)
        clock.refresh_task_lights(session, now)
