"""Who is told what: the one table from events and facts to notices.

Applicants are told of acceptance, correction notices, refusals, suspensions, extensions,
decisions, certificates and rectification orders (Administrative Licensing Law Art. 32,
38, 42, 44; the office tells them in the app, and by e-mail and SMS when they gave an
address); staff of steps handed to them, reminders, signature requests and extension
requests waiting for their decision. Texts are Chinese: they are the bureau's own notices.
"""
from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from workflow import vocabulary as v
from workflow.services.notifications.facts import Fact
from workflow.storage.models import Case, HumanTask, User

APPLICANT = "applicant"   # recipients: every active applicant account of the case's enterprise

OUTCOME_ZH = {v.GRANTED: "准予许可", v.REGISTERED: "准予登记", v.FILED: "已备案", v.AWARDED: "获奖",
              v.DEEMED_GRANTED: "视为准予", v.PARTLY_GRANTED: "部分准予", v.DENIED: "不予许可",
              v.REFUSED: "不予受理", v.NOT_AWARDED: "未获奖", v.REVOKED: "撤销许可"}
REASON_ZH = {"hearing": "听证", "testing": "检验检测", "appraisal": "鉴定", "expert_review": "专家评审"}


@dataclass(frozen=True)
class Notice:
    """``to`` is a list of user ids or :data:`APPLICANT`."""
    to: list[int] | str
    kind: str
    message: str
    case: Case | None
    task_id: int | None = None


def _number(case: Case | None) -> str:
    return f"办件 {case.number}" if case is not None else "办件"


# -- audit events ---------------------------------------------------------------

def _correction(e: dict) -> list[Notice]:
    """Art. 32: the one-time notice lists every item (a window's decision or a later step's return)."""
    items = (e["data"] or {}).get("items") or []
    return [Notice(APPLICANT, "correction", f"{_number(e['case'])}请补正：" + "；".join(items), e["case"])]


def _rectification(e: dict) -> list[Notice]:
    data = e["data"] or {}
    days = f"，期限{data['rectify_days']}个工作日" if data.get("rectify_days") else ""
    return [Notice(APPLICANT, "rectification",
                   f"{_number(e['case'])}现场核查要求整改{days}：{data.get('findings') or ''}", e["case"])]


def _suspended(e: dict) -> list[Notice]:
    """Art. 45: the applicant is told the time is not counted and why; the staff's note stays internal."""
    reason = REASON_ZH.get((e["data"] or {}).get("reason"), "")
    return [Notice(APPLICANT, "suspension", f"{_number(e['case'])}因{reason}暂停计时", e["case"])]


def _extended(e: dict) -> list[Notice]:
    """Art. 42: the applicant is told of the extension and its reason."""
    data = e["data"] or {}
    return [Notice(APPLICANT, "extension", f"{_number(e['case'])}办理时限延长{data.get('days')}个工作日："
                                          f"{data.get('reason') or ''}", e["case"])]


def _rating_reply(e: dict) -> list[Notice]:
    """GB/T 39734-2020: the supervisor's answer to a bad rating reaches the applicant who rated."""
    return [Notice(APPLICANT, "rating_reply", f"{_number(e['case'])}对您的评价的整改答复：{e['opinion'] or ''}",
                   e["case"])]


def _to_people(key: str, kind: str, default: str) -> Callable[[dict], list[Notice]]:
    def rule(e: dict) -> list[Notice]:
        value = (e["data"] or {}).get(key)
        people = [value] if isinstance(value, int) else [p for p in value or [] if isinstance(p, int)]
        title = getattr(e["task"], "title", "")
        text = e["opinion"] or default.format(title=title)
        return [Notice(people, kind, f"{_number(e['case'])} · {title}：{text}", e["case"], _task(e))] if people else []
    return rule


def _task(e: dict) -> int | None:
    return getattr(e["task"], "id", None)


# Keyed by action, or by (action, decision) for completed steps.
EVENT_RULES: dict[str | tuple[str, str], Callable[[dict], list[Notice]]] = {
    ("complete", "correct"): _correction,
    ("complete", "rectify"): _rectification,
    "return_to_applicant": _correction,
    "suspend": _suspended,
    "extension_approved": _extended,
    "rating_reply": _rating_reply,
    "transfer": _to_people("to_user_id", "transfer", "转办给您"),
    "delegate": _to_people("to_user_id", "delegate", "委派给您"),
    "resolve": _to_people("to_user_id", "resolved", "已答复"),
    "reclaim": _to_people("from_user_id", "reclaimed", "已被拿回"),
    "add_signer": _to_people("signer_id", "sign", "请会签"),
    "remove_signer": _to_people("signer_id", "unsign", "已取消会签"),
    "copy": _to_people("to", "copy", "抄送"),
    "urge": _to_people("to", "urge", "请尽快办理"),
}


def _extension_request(session: Session, e: dict) -> list[Notice]:
    """An extension request waits for an approver of the case's department (Art. 42)."""
    department = getattr(e["task"], "department_code", None)
    approvers = list(session.scalars(select(User.id).where(
        User.role == "approver", User.active.is_(True), User.department_code == department)))
    days = (e["data"] or {}).get("days")
    return [Notice(approvers, "decide_extension",
                   f"{_number(e['case'])}申请延长{days}个工作日，待您决定：{e['opinion'] or ''}", e["case"], _task(e))]


# -- facts ------------------------------------------------------------------------

def _task_opened(task: HumanTask, case: Case | None, actor_id: int | None) -> list[Notice]:
    """A step opened for a named person (an inspection team member, a returned step's holder)."""
    if task.assignee_id is not None and task.assignee_id != actor_id:
        return [Notice([task.assignee_id], "assigned", f"{_number(case)} · {task.title}：已分派给您", case, task.id)]
    return []


def _fact_notices(session: Session, fact: Fact, actor_id: int | None) -> list[Notice]:
    row = fact.row
    if fact.kind == "accepted":
        return [Notice(APPLICANT, "accepted", f"{_number(row)}已受理", row)]
    if fact.kind == "outcome" and row.outcome in OUTCOME_ZH:
        kind = "refused" if row.outcome == v.REFUSED else "decision"
        return [Notice(APPLICANT, kind, f"{_number(row)}办理结果：{OUTCOME_ZH[row.outcome]}", row)]
    if fact.kind == "certificate":
        case = session.get(Case, row.case_id)
        return [Notice(APPLICANT, "certificate", f"{_number(case)}证书已制发：{row.number}", case)]
    if fact.kind == "task_opened":
        return _task_opened(row, session.get(Case, row.case_id), actor_id)
    return []


def notices(session: Session, events: list[dict], facts: list[Fact]) -> Iterator[Notice]:
    """Every notice the transaction's events and facts call for; certificates of one case in one."""
    actor_ids = {getattr(e["actor"], "id", None) for e in events}
    actor_id = next(iter(actor_ids)) if len(actor_ids) == 1 else None
    for e in events:
        rule = EVENT_RULES.get((e["action"], e["decision"])) or EVENT_RULES.get(e["action"])
        if e["action"] == "extension_requested":     # addressed by department: needs the session
            yield from _extension_request(session, e)
        elif rule is not None:
            yield from rule(e)
    yield from _merge_certificates([n for f in facts for n in _fact_notices(session, f, actor_id)])


def _merge_certificates(found: list[Notice]) -> list[Notice]:
    """A CNG batch issues hundreds of certificates at once: one notice per case lists them."""
    merged: dict[int | None, Notice] = {}
    others = []
    for n in found:
        if n.kind != "certificate":
            others.append(n)
            continue
        key = getattr(n.case, "id", None)
        earlier = merged.get(key)
        merged[key] = n if earlier is None else Notice(
            n.to, n.kind, earlier.message + "、" + n.message.rsplit("：", 1)[-1], n.case)
    return others + list(merged.values())
