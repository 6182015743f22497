"""The simulated bureau's people, enterprises, award round and the applications they file."""
from __future__ import annotations

import random
from dataclasses import dataclass

from sqlalchemy import select

from workflow.domain import identifiers, reference
from workflow.runtime.deployment import deploy_directory
from workflow.domain.passwords import hash_password
from workflow.services.users import create_organisation, ensure_departments
from workflow.storage.db import Database
from workflow.storage.models import AwardRound, Organisation, User
from workflow.storage.schema import upgrade
from workflow.timekeeping.holidays import seed_from_chinese_calendar

PASSWORD = "simulated-Pass-2026"
ROUND = "SIM"
# username, role, department; several of each so transfers, signers and two-person steps have people
STAFF = [
    *[(f"window{i}", "window", None) for i in range(1, 4)],
    *[(f"prod_reviewer{i}", "reviewer", "production") for i in range(1, 4)],
    *[(f"food_reviewer{i}", "reviewer", "food") for i in range(1, 3)],
    *[(f"equip_reviewer{i}", "reviewer", "equipment") for i in range(1, 4)],
    *[(f"quality_reviewer{i}", "reviewer", "quality") for i in range(1, 3)],
    *[(f"prod_inspector{i}", "inspector", "production") for i in range(1, 4)],
    *[(f"food_inspector{i}", "inspector", "food") for i in range(1, 4)],
    ("prod_approver1", "approver", "production"), ("prod_approver2", "approver", "production"),
    ("food_approver1", "approver", "food"), ("equip_approver1", "approver", "equipment"),
    *[(f"quality_approver{i}", "approver", "quality") for i in range(1, 5)],
    *[(f"expert{i}", "expert", None) for i in range(1, 7)],
    ("supervisor1", "supervisor", None),
]


@dataclass
class World:
    db: Database
    people: dict[str, User]
    applicants: list[User]
    organisations: dict[int, Organisation]


def build(db: Database, enterprises: int, quota: int, rng: random.Random) -> World:
    upgrade(db)
    with db.transaction() as session:
        seed_from_chinese_calendar(session)
        deploy_directory(session, deployed_by="simulator")
        ensure_departments(session)
        hashed = hash_password(PASSWORD)    # simulated people never log in: one hash serves them all
        for username, role, department in STAFF:
            session.add(User(username=username, password_hash=hashed, role=role, display_name=username,
                             department_code=department))
        for index in range(enterprises):
            org = create_organisation(session, _credit_code(index), f"模拟企业{index + 1:03d}有限公司", "350102")
            session.add_all(User(username=f"ent{index + 1}_{n}", password_hash=hashed, role="applicant",
                                 display_name=f"企业{index + 1}经办{n}", organisation_id=org.id) for n in (1, 2))
        session.add(AwardRound(code=ROUND, title="模拟质量奖评选", quota=quota, status="open"))
    with db.reading() as session:
        people = {u.username: u for u in session.scalars(select(User))}
        orgs = {o.id: o for o in session.scalars(select(Organisation))}
    return World(db, people, [u for u in people.values() if u.role == "applicant"], orgs)


def _credit_code(index: int) -> str:
    return identifiers.make_credit_code(f"91350102MA{index:07d}")


class Applications:
    """Valid application data for each matter, for a given enterprise (its own name and code)."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.vehicle_serial = 0
        self.food_categories = [c.code for c in reference.food_categories(reference.FOOD)][:10]

    def common(self, org: Organisation) -> dict:
        return {"company_name": org.name, "credit_code": org.credit_code, "contact": "张经办",
                "phone": "13800138000", "address": "福州市鼓楼区模拟路 1 号", "area_code": "350102"}

    def data(self, matter: str, org: Organisation, params: dict | None = None, **extra) -> dict:
        """A filing of ``matter``: its generator below, given ``params`` (a CNG batch's count)."""
        return {**self.common(org), **getattr(self, matter)(**(params or {})), **extra}

    def industrial_license(self) -> dict:
        return {"product_name": "电线电缆", "industry_code": "06", "product_code": "001",
                "commitment_path": self.rng.random() < 0.3}

    def food_license(self) -> dict:
        return {"food_kind": 1, "food_category": self.rng.choice(self.food_categories), "food_names": ["糕点"],
                "premises_area": 500, "employees": 20}

    def equipment_notice(self) -> dict:
        return {"equipment_kind": "3000", "work_kind": "installation", "contractor_name": "模拟电梯工程有限公司",
                "contractor_license": "TS3335001-2027", "site_address": "福州市仓山区模拟小区",
                "planned_start": "2026-12-01", "units": self.rng.randint(1, 6)}

    def equipment_registration(self) -> dict:
        lift = self.rng.random() < 0.7
        return {"equipment_kind": "3000" if lift else "1000", "variety_code": "3110" if lift else "1100",
                "product_number": f"F-{self.rng.randint(1000, 9999)}", "manufacturer": "模拟设备有限公司",
                "use_location": "模拟大厦", "start_use_date": "2026-01-01", "inspection_certificate_no": "JD-1"}

    def cng_cylinder(self, count: int = 1) -> dict:
        return {"vehicles": [self.vehicle() for _ in range(count)]}

    def vehicle(self) -> dict:
        self.vehicle_serial += 1
        n = self.vehicle_serial
        return {"plate_number": f"闽A{n:05d}", "vin": f"LSVAU2180N2{n:06d}", "cylinder_serial": f"CNG-{n:05d}",
                "cylinder_count": 2, "cylinder_valid_until": "2030-06-30"}

    def quality_award(self) -> dict:
        return {"category": "manufacturing", "round": ROUND, "self_evaluation_score": self.rng.randint(600, 900),
                "summary": "企业建立卓越绩效管理模式，质量水平领先。"}

    def food_license_change(self) -> dict:
        return {"change_kind": "change", "change_items": ["生产地址"], "new_production_address": "福州市模拟新址"}
