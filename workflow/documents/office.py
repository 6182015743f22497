"""The issuing authority as an administrator sets it: full name, number prefix, review body, seal.

Every document prints the authority's full name and, when one was uploaded, its seal image
(none by default: a blank seal area is honest, a fake seal is not).
"""
from __future__ import annotations

import io
from dataclasses import dataclass

from PIL import Image, UnidentifiedImageError
from sqlalchemy import select
from sqlalchemy.orm import Session

from workflow.errors import ValidationError, msg
from workflow.storage.models import OfficeSetting

AUTHORITY, PREFIX, REVIEW_BODY, SUPERVISOR, PHONE, SEAL = (
    "authority", "number_prefix", "review_body", "supervising_authority", "phone", "seal")
TEXT_KEYS = (AUTHORITY, PREFIX, REVIEW_BODY, SUPERVISOR, PHONE)
MAX_LENGTH = {AUTHORITY: 100, PREFIX: 20, REVIEW_BODY: 200, SUPERVISOR: 100, PHONE: 30}
UNSET_AUTHORITY = "（发证机关全称未设置）"
DEFAULT_REVIEW_BODY = "本机关的上一级主管部门或者本级人民政府"
MAX_SEAL_BYTES = 1024 * 1024
SEAL_TYPE = "Upload the seal as a PNG or JPEG image of at most 1 MB."


@dataclass(frozen=True)
class Office:
    authority: str
    prefix: str
    review_body: str
    supervisor: str
    phone: str
    seal: bytes | None

    @property
    def configured(self) -> bool:
        return self.authority != UNSET_AUTHORITY


def load(session: Session) -> Office:
    rows = {r.key: r for r in session.scalars(select(OfficeSetting))}
    value = {k: (rows[k].value or "").strip() if k in rows else "" for k in TEXT_KEYS}
    authority = value[AUTHORITY] or UNSET_AUTHORITY
    return Office(authority, value[PREFIX] or "市监许", value[REVIEW_BODY] or DEFAULT_REVIEW_BODY,
                  value[SUPERVISOR] or authority, value[PHONE], rows[SEAL].blob if SEAL in rows else None)


def clean_text(values: dict) -> dict[str, str]:
    """The text settings, trimmed, each within its length; field errors otherwise."""
    clean = {k: str(values.get(k) or "").strip() for k in TEXT_KEYS}
    errors = {k: [msg("Longer than maximum length {max}.", max=MAX_LENGTH[k])]   # a catalogue id, so pages translate it
              for k, v in clean.items() if len(v) > MAX_LENGTH[k]}
    if not clean[AUTHORITY]:
        errors[AUTHORITY] = ["Missing data for required field."]
    if errors:
        raise ValidationError(errors)
    return clean


def check_seal(data: bytes) -> bytes:
    """Only a real PNG or JPEG (decoded, not just named so) becomes the seal."""
    if not data or len(data) > MAX_SEAL_BYTES:
        raise ValidationError({"seal": [SEAL_TYPE]})
    try:
        with Image.open(io.BytesIO(data)) as image:
            image.verify()
            if image.format not in ("PNG", "JPEG"):
                raise ValidationError({"seal": [SEAL_TYPE]})
    except (UnidentifiedImageError, OSError, SyntaxError):
        raise ValidationError({"seal": [SEAL_TYPE]}) from None
    return data
