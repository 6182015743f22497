"""The fields each certificate prints, in the order the regulation's form prints them.

What a matter's certificate prints of its own (its name, the word for the holder, its rows)
is the catalogue entry's layout (``Matter.certificate_layout``, ``workflow/domain/particulars.py``).
"""
from __future__ import annotations

from datetime import date

from workflow.domain.matters import get_matter
from workflow.storage.models import Case, Certificate


def title(cert: Certificate) -> str:
    return get_matter(cert.matter_code).certificate_layout.title


def _validity(cert: Certificate) -> str:
    end = cert.valid_until.isoformat() if cert.valid_until else "长期"
    return f"{(cert.reissued_on or cert.issued_on).isoformat()} 至 {end}"


def rows(cert: Certificate, case: Case, issuer: str | None, authority: str, supervisor: str,
         issued: date) -> list[tuple[str, str]]:
    """Every field the certificate prints; an honour (an award) prints no validity, supervisor
    or legal representative."""
    layout = get_matter(cert.matter_code).certificate_layout
    data = {**(case.data or {}), **(cert.details or {})}
    own = layout.particulars(data, cert.scope)
    if layout.honour:
        return [("获奖单位", cert.holder), ("统一社会信用代码", cert.holder_code), *own,
                ("证书编号", cert.number), ("颁发机关", authority), ("颁发日期", issued.isoformat())]
    return [(layout.holder_label, cert.holder), ("统一社会信用代码", cert.holder_code),
            ("法定代表人", data.get("legal_representative")), ("住所", data.get("address")),
            *own, ("证书编号", cert.number), ("有效期", _validity(cert)),
            ("日常监督管理机构", supervisor), ("签发人", issuer), ("发证机关", authority),
            ("发证日期", issued.isoformat())]
