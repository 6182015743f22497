"""Demo data for ``make run``: an account for every role and sample cases in several states.

Loading is idempotent: run on a database that already has the demo users, it
only deploys changed process files and prints the accounts again.
"""
from __future__ import annotations

from sqlalchemy import select

from workflow.runtime.deployment import deploy_directory
from workflow.services.users import create_organisation, create_user, ensure_departments
from workflow.storage.db import Database
from workflow.storage.models import AwardRound, User
from workflow.timekeeping.holidays import seed_from_chinese_calendar

PASSWORD = "demo12345"
ORGANISATIONS = [
    ("91350100M000100Y43", "福州闽味食品有限公司", "350102"),
    ("91440300MA5H0HLK5U", "深圳南山机械制造有限公司", "440305"),
]
# username, role, department, organisation index, display name
ACCOUNTS = [
    ("qiye", "applicant", None, 0, "林经办（闽味食品）"),
    ("qiye2", "applicant", None, 1, "陈经办（南山机械）"),
    ("chuangkou", "window", None, None, "王窗口"),
    ("shencha", "reviewer", "production", None, "李审查"),
    ("shencha2", "reviewer", "production", None, "赵审查"),
    ("shipin", "reviewer", "food", None, "周审查（食品）"),
    ("tezhong", "reviewer", "equipment", None, "吴审查（特种设备）"),
    ("zhiliang", "reviewer", "quality", None, "郑审查（质量）"),
    ("hecha1", "inspector", "production", None, "孙核查"),
    ("hecha2", "inspector", "production", None, "钱核查"),
    ("shipinhecha1", "inspector", "food", None, "冯核查（食品）"),
    ("shipinhecha2", "inspector", "food", None, "陈核查（食品）"),
    ("shenpi", "approver", "production", None, "黄科长"),
    ("shipinshenpi", "approver", "food", None, "刘科长（食品）"),
    ("tezhongshenpi", "approver", "equipment", None, "杨科长（特种设备）"),
    ("zhiliangshenpi", "approver", "quality", None, "何主任（评审委员会）"),
    ("zhiliangshenpi2", "approver", "quality", None, "许委员（评审委员会）"),
    ("zhiliangshenpi3", "approver", "quality", None, "马委员（评审委员会）"),
    *[(f"zhuanjia{i}", "expert", None, None, f"专家{i}") for i in range(1, 6)],
    ("ducha", "supervisor", None, None, "效能督查"),
    ("shenji", "auditor", None, None, "审计员"),
    ("admin", "admin", None, None, "系统管理员"),
]


def load_demo(db: Database) -> list[str]:
    """Create what is missing; return lines describing the demo accounts."""
    with db.transaction() as session:
        seed_from_chinese_calendar(session)
        deployed = deploy_directory(session, deployed_by="demo")
        fresh = session.scalar(select(User.id).where(User.username == "admin")) is None
        if fresh:
            _create_accounts(session)
    if fresh:
        _sample_cases(db)
    lines = [f"deployed {r.process_id} v{r.version}" for r in deployed if r.created]
    lines.append(f"demo accounts (password {PASSWORD}):")
    lines += [f"  {username:15} {role:10} {display}" for username, role, _d, _o, display in ACCOUNTS]
    return lines


def _create_accounts(session) -> None:
    ensure_departments(session)
    orgs = [create_organisation(session, code, name, area) for code, name, area in ORGANISATIONS]
    for username, role, department, org, display in ACCOUNTS:
        create_user(session, username, PASSWORD, role, display, department=department,
                    organisation_id=orgs[org].id if org is not None else None, enforce_policy=False)
    session.add(AwardRound(code="2026", title="2026年度市长质量奖", quota=5, status="open"))


def _sample_cases(db: Database) -> None:
    """Sample filings in several states, made through the same services a user would use."""
    from workflow.cli.demo_cases import build
    build(db)
