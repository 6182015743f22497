"""The words of each written document, citing the article of law it is written under.

行政许可法: Art. 32 (acceptance, one-time correction, refusal to accept), Art. 38 (grant, or a
denial with reasons and the right to review or sue), Art. 42 (extension with reasons).
Rights of the applicant: administrative review within 60 days (行政复议法 Art. 20), a lawsuit
within 6 months (行政诉讼法 Art. 46).
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from workflow.documents import catalog, certificate
from workflow.domain.disclosure import correction_items
from workflow.documents.catalog import Ref
from workflow.documents.office import Office
from workflow.documents.pdf import Document, chinese_date
from workflow.domain.matters import MATTERS
from workflow.storage.models import AuditEvent, Case, Organisation
from workflow.timekeeping.workdays import local_date

RIGHTS = ("如不服本决定，可以自收到本决定书之日起六十日内依法向{body}申请行政复议（《中华人民共和国行政复议法》"
          "第二十条），或者自收到本决定书之日起六个月内依法向人民法院提起行政诉讼（《中华人民共和国行政诉讼法》"
          "第四十六条）。")
LAW = "《中华人民共和国行政许可法》"


@dataclass(frozen=True)
class Links:
    """Public addresses the documents print; the web layer knows them, the engine does not."""
    verify: Callable[[str], str]
    progress: str


@dataclass
class Facts:
    case: Case
    organisation: Organisation
    office: Office
    links: Links
    matter_of_instance: dict[int, str]
    history: list[AuditEvent]
    refs: list[Ref] = field(default_factory=list)

    def matter_title(self, event: AuditEvent | None) -> str:
        code = self.matter_of_instance.get(event.instance_id) if event is not None else None
        return MATTERS[code].title_zh if code in MATTERS else "、".join(
            MATTERS[c].title_zh for c in self.case.matters if c in MATTERS)


def number(facts: Facts, ref: Ref, day) -> str:
    if ref.certificate is not None:
        return ref.certificate.number
    if ref.kind == catalog.RECEIPT and (facts.case.data or {}).get("receipt_number"):
        return facts.case.data["receipt_number"]
    return f"{facts.office.prefix}{catalog.NUMBER_WORDS[ref.kind]}〔{day.year}〕{facts.case.number}{ref.number_suffix}号"


def _reason(event: AuditEvent) -> str:
    data = event.data or {}
    return str(data.get("refuse_reason") or data.get("reason") or event.opinion or "未载明")


def _acceptance(f: Facts, ref: Ref) -> tuple[list[str], list[str], list[tuple[str, str]]]:
    case, event = f.case, ref.event
    how = ("本机关未在法定期限内告知补正，依照第三十二条第一款第（四）项的规定，自收到申请材料之日起即为受理。"
           if event.action == "deemed_accepted" else
           f"申请材料齐全、符合法定形式，依照{LAW}第三十二条第一款第（五）项的规定，决定予以受理。")
    limit = f"本机关将自受理之日起{case.limit_days}个工作日内作出决定" if case.limit_days else "本机关将依法及时办理"
    text = [f"你（单位）于{chinese_date(local_date(case.materials_at or case.created_at))}提出的{f.matter_title(None)}"
            f"申请，{how}{limit}；依法需要听证、检验、检测、鉴定和专家评审的时间不计算在内（第四十五条）。",
            f"可凭办件编号 {case.number} 和查询码 {case.query_code or '—'} 在 {f.links.progress} 查询办理进度。"]
    rows = [("办件编号", case.number), ("查询码", case.query_code or "—"), ("申请事项", f.matter_title(None)),
            ("受理日期", local_date(event.at).isoformat()), ("经办人", event.actor_name),
            ("联系电话", f.office.phone or "—")]
    return text, [], rows


def _correction(f: Facts, ref: Ref):
    if ref.event.action == "return_to_applicant":   # 退回补正 during review: the case stays accepted
        accepted = f.case.accepted_at
        since = f"已于{chinese_date(local_date(accepted))}受理" if accepted else "已受理"
        text = [f"你（单位）提出的{f.matter_title(ref.event)}申请（办件编号 {f.case.number}）{since}。经审查，"
                "申请材料需要补正，现一次性告知需要补正的全部内容如下；补正期间不计入审批期限，"
                "补正材料提交后继续计算。"]
        return text, correction_items([ref.event]), []
    text = [f"你（单位）提出的{f.matter_title(None)}申请（办件编号 {f.case.number}），申请材料不齐全或者不符合法定形式。"
            f"依照{LAW}第三十二条第一款第（四）项的规定，现一次性告知需要补正的全部内容如下；"
            "补正材料提交后，受理期限重新计算。"]
    return text, correction_items([ref.event]), []


def _refusal(f: Facts, ref: Ref):
    text = [f"你（单位）提出的{f.matter_title(None)}申请（办件编号 {f.case.number}），经审查：{_reason(ref.event)}。"
            f"依照{LAW}第三十二条第一款的规定，决定不予受理。", RIGHTS.format(body=f.office.review_body)]
    return text, [], []


def _extension(f: Facts, ref: Ref):
    """Art. 42: the reasons are the request's (the step that needed more time), the approval is the head's."""
    days, segment = (ref.event.data or {}).get("days"), (ref.event.data or {}).get("segment_id")
    request = next((e for e in f.history if e.action == "extension_requested"
                    and (e.data or {}).get("segment_id") == segment), ref.event)
    text = [f"你（单位）提出的{f.matter_title(ref.event)}申请（办件编号 {f.case.number}），因{_reason(request)}，"
            f"不能在规定期限内作出决定。经本机关负责人批准，依照{LAW}第四十二条第一款的规定，"
            f"审批期限延长{days}个工作日，特此告知。"]
    return text, [], []


def _grant(f: Facts, ref: Ref):
    matter = f.matter_of_instance.get(ref.event.instance_id)
    certs = [r.certificate.number for r in f.refs if r.certificate is not None and r.certificate.matter_code == matter]
    text = [f"你（单位）提出的{f.matter_title(ref.event)}申请（办件编号 {f.case.number}），经审查，符合法定条件、标准。"
            f"依照{LAW}第三十八条第一款的规定，决定准予行政许可。"
            + (f"证书编号：{'、'.join(certs)}。" if certs else "")]
    return text + _refused_items(f, ref.event), [], []


def _refused_items(f: Facts, event: AuditEvent) -> list[str]:
    """A batch granted in part (a CNG check that refused some vehicles) denies those items: the
    decision names each with its reason and the applicant's rights (Art. 38 para. 2), as a denial does."""
    refused = [v for v in (event.data or {}).get("vehicles") or [] if v.get("decision") == "refuse"]
    if not refused:
        return []
    items = "；".join(f"{v.get('plate_number')}（{v.get('reason') or '未载明'}）" for v in refused)
    return [f"其中，下列车辆不符合法定条件、标准，依照{LAW}第三十八条第二款的规定，决定不予登记：{items}。",
            RIGHTS.format(body=f.office.review_body)]


def _denial(f: Facts, ref: Ref):
    text = [f"你（单位）提出的{f.matter_title(ref.event)}申请（办件编号 {f.case.number}），经审查，"
            f"不符合法定条件、标准，理由如下：{_reason(ref.event)}。"
            f"依照{LAW}第三十八条第二款的规定，决定不予行政许可。", RIGHTS.format(body=f.office.review_body)]
    return text, [], []


def _receipt(f: Facts, ref: Ref):
    """A filing's receipt, worded and laid out as its matter's catalogue entry says."""
    matter = next(MATTERS[c] for c in f.case.matters if c in MATTERS and MATTERS[c].receipt)
    text = [f"你（单位）于{chinese_date(local_date(ref.event.at))}提交的{f.matter_title(None)}（办件编号 {f.case.number}）"
            f"已收到。{matter.receipt.statement}"]
    return text, [], matter.receipt.particulars(f.case.data or {})


WRITERS = {catalog.ACCEPTANCE: _acceptance, catalog.CORRECTION: _correction, catalog.REFUSAL: _refusal,
           catalog.EXTENSION: _extension, catalog.GRANT: _grant, catalog.DENIAL: _denial, catalog.RECEIPT: _receipt}


def _issuer(f: Facts, cert) -> str | None:
    """签发人: whoever made the decision the certificate was issued on."""
    decided = [r.event for r in f.refs if r.kind == catalog.GRANT
               and f.matter_of_instance.get(r.event.instance_id) == cert.matter_code]
    return decided[-1].actor_name if decided else None


def _delivery_table(f: Facts) -> list[list[str]]:
    rows = [["文书名称", "文书编号", "送达方式", "送达日期"]]
    for ref in f.refs:
        if ref.kind != catalog.DELIVERY:
            day = day_of(f, ref)
            rows.append([ref.title, number(f, ref, day), "电子送达（一窗通办系统）", day.isoformat()])
    return rows


def day_of(f: Facts, ref: Ref):
    """A document's day; the delivery receipt is dated with the last document it lists."""
    return ref.issued_on or max((r.issued_on for r in f.refs if r.issued_on), default=local_date(f.case.created_at))


def build(f: Facts, ref: Ref) -> Document:
    """The document ``ref`` names, with the office's name, seal, number and date."""
    day = day_of(f, ref)
    doc = Document(ref.kind, ref.title, number(f, ref, day), day, f.office.authority, seal=f.office.seal)
    if ref.kind == catalog.CERTIFICATE:
        cert = ref.certificate
        doc.rows = [*certificate.rows(cert, f.case, _issuer(f, cert), f.office.authority, f.office.supervisor, day),
                    ("办件编号", f.case.number)]      # links the paper to its file in the register
        doc.qr_url, doc.qr_caption = f.links.verify(cert.token), "扫码核验证书真伪及状态"
    elif ref.kind == catalog.DELIVERY:
        doc.rows = [("受送达人", f.organisation.name), ("统一社会信用代码", f.organisation.credit_code),
                    ("办件编号", f.case.number)]
        doc.table = _delivery_table(f)
        doc.paragraphs = ["上列文书已通过一窗通办系统送达受送达人，受送达人可随时在系统中下载。受送达人签收：＿＿＿＿＿＿"]
    else:
        doc.addressee = f.organisation.name
        doc.paragraphs, doc.items, doc.rows = WRITERS[ref.kind](f, ref)
    return doc
