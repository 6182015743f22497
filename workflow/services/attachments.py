"""Attachments (申请材料): upload with checks, download for those who may see the case.

A file is accepted when it is at most :data:`MAX_BYTES` and its *content* is a
PDF, JPEG, PNG or OFD (the Chinese fixed-layout format, a ZIP holding
``OFD.xml``); the name's extension is not trusted. Files are stored under
``<root>/<case number>/<sha256 prefix>-<safe name>``; the row keeps the sha256,
size and sniffed type. Only the case's applicant organisation or staff who may
see the case can upload or download (others are told the case does not exist).
"""
from __future__ import annotations

import hashlib
import io
import os
import re
import unicodedata
import zipfile
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select

from workflow.domain.matters import material_kinds
from workflow.domain.permissions import Actor
from workflow.errors import NotFound, ValidationError, msg
from workflow.runtime.command import Command
from workflow.services.common import case_op, record, visible_case
from workflow.storage.db import Database, on_rollback
from workflow.storage.models import Attachment

MAX_BYTES = 10 * 1024 * 1024
DEFAULT_ROOT = Path(__file__).resolve().parents[2] / "var" / "attachments"
TYPES = {"pdf": "application/pdf", "jpg": "image/jpeg", "png": "image/png", "ofd": "application/ofd"}
_KIND = re.compile(r"^[a-z0-9_]{1,64}$")


@dataclass(frozen=True)
class Upload:
    """A file as the caller received it."""
    kind: str
    filename: str
    content: bytes


def root_dir(root: str | Path | None = None) -> Path:
    return Path(root or os.environ.get("ATTACHMENTS_DIR") or DEFAULT_ROOT)


MAX_UNPACKED = 100 * 1024 * 1024   # an OFD of scanned pages is a few MiB; nothing needs more
MAX_RATIO = 100                     # declared uncompressed / compressed; text-heavy OFD is ~10
MAX_MEMBERS = 10_000


def refuse_bomb(content: bytes) -> None:
    """An OFD (a ZIP) that would unpack to far more than it holds is a bomb for whoever opens it.
    Judged by the sizes its directory declares: we never unpack it ourselves."""
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        members = archive.infolist()
    unpacked = sum(m.file_size for m in members)
    if len(members) > MAX_MEMBERS or unpacked > MAX_UNPACKED or unpacked > MAX_RATIO * len(content):
        raise ValidationError({"file": [msg("The archive unpacks to far more data than it holds; it is refused.")]})


def sniff(content: bytes) -> str | None:
    """The file type from its magic bytes: ``pdf``, ``jpg``, ``png``, ``ofd`` or None."""
    if content.startswith(b"%PDF-"):
        return "pdf"
    if content.startswith(b"\xff\xd8\xff"):
        return "jpg"
    if content.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if content.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(io.BytesIO(content)) as archive:
                names = {n.rsplit("/", 1)[-1] for n in archive.namelist()}
        except (zipfile.BadZipFile, ValueError):
            return None
        return "ofd" if "OFD.xml" in names else None
    return None


HIDDEN_CATEGORIES = {"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"}


def _visible(name: str) -> str:
    """Without control and format characters: a right-to-left override (U+202E) would show
    ``invoice\u202efdp.exe`` as ``invoiceexe.pdf``; zero-width characters hide look-alikes."""
    return "".join(ch for ch in name if unicodedata.category(ch) not in HIDDEN_CATEGORIES)


def safe_name(filename: str, kind: str) -> str:
    """A file name safe on any disk and honest on screen: no directories, no control, bidi or
    zero-width characters, bounded length."""
    name = os.path.basename(_visible(filename or "").replace("\\", "/")).strip()
    name = re.sub(r"[<>:\"/\\|?*]", "_", name)
    name = name.lstrip(".") or f"{kind}.{kind}"
    stem, dot, ext = name.rpartition(".")
    if not dot:
        stem, ext = name, kind
    return f"{stem[:80]}.{ext[:8]}"


def check(upload: Upload) -> tuple[str, str]:
    """(sniffed type, sha256) of an acceptable file, else ValidationError naming the field."""
    field = "file"
    if not upload.kind or not _KIND.match(upload.kind):
        raise ValidationError({"kind": [msg("Choose which material this file is.")]})
    if not upload.content:
        raise ValidationError({field: [msg("The file is empty.")]})
    if len(upload.content) > MAX_BYTES:
        raise ValidationError({field: [msg("File too large: at most {n} MiB.", n=MAX_BYTES // (1024 * 1024))]})
    kind = sniff(upload.content)
    if kind is None:
        raise ValidationError({field: [msg("Only PDF, JPG, PNG or OFD files are accepted.")]})
    if kind == "ofd":
        refuse_bomb(upload.content)
    return kind, hashlib.sha256(upload.content).hexdigest()


def _store(cmd: Command, root: Path, upload: Upload, kind: str, sha: str) -> Path:
    """Write the file; a file this command wrote is removed again if its transaction rolls back."""
    folder = root / re.sub(r"[^A-Za-z0-9_-]", "_", cmd.case.number)
    folder.mkdir(parents=True, exist_ok=True)
    name = safe_name(upload.filename, kind)
    path = folder / f"{sha[:12]}-{name}"
    if not path.exists():
        tmp = path.with_suffix(path.suffix + ".part")
        tmp.write_bytes(upload.content)
        os.replace(tmp, path)
        on_rollback(cmd.session, lambda: path.unlink(missing_ok=True))
    return path


def add(cmd: Command, root: Path, upload: Upload) -> Attachment:
    """Store one checked file and its row inside the caller's command (one transaction); its kind is one
    of the materials the case's matters name, so a crafted form cannot file an unnamed material."""
    kind, sha = check(upload)
    if upload.kind not in material_kinds(cmd.case.matters):
        raise ValidationError({"kind": [msg("Choose which material this file is.")]})
    path = _store(cmd, root, upload, kind, sha)
    row = Attachment(case_id=cmd.case.id, kind=upload.kind, filename=safe_name(upload.filename, kind),
                     content_type=TYPES[kind], size=len(upload.content), sha256=sha,
                     path=str(path), uploaded_by=cmd.actor.id, uploaded_at=cmd.now)
    cmd.session.add(row)
    cmd.session.flush()
    record(cmd, "attachment_uploaded", data={"attachment_id": row.id, "kind": upload.kind,
                                             "filename": row.filename, "sha256": sha, "size": row.size})
    return row


def check_all(uploads: list[Upload]) -> None:
    """Every file checked before anything is written; all problems reported at once."""
    errors: dict[str, list[str]] = {}
    for item in uploads:
        try:
            check(item)
        except ValidationError as exc:
            for name, messages in exc.fields.items():
                errors.setdefault(f"{name}:{item.kind}" if name == "file" else name, []).extend(messages)
    if errors:
        raise ValidationError(errors)


def upload(db: Database, actor: Actor, case_id: int, item: Upload, root: str | Path | None = None) -> Attachment:
    """Add one file to a case the actor may add files to (the policy's ``attachments`` action); the file is
    checked (``add``) after the policy, so who is asking is answered before what they sent."""
    with case_op(db, actor, case_id, "attachments") as (cmd, _action):
        return add(cmd, root_dir(root), item)


def download(db: Database, actor: Actor, attachment_id: int) -> tuple[Attachment, Path]:
    """The row and its file for someone who may see the case; missing rows and files are 404."""
    with db.reading() as session:
        row = session.get(Attachment, attachment_id)
        if row is None:
            raise NotFound("Attachment not found.")
        visible_case(session, actor, row.case_id)
    path = Path(row.path)
    if not path.is_file():
        raise NotFound("Attachment not found.")
    return row, path


def for_case(db: Database, actor: Actor, case_id: int) -> list[Attachment]:
    with db.reading() as session:
        case = visible_case(session, actor, case_id)
        return list(session.scalars(select(Attachment).where(Attachment.case_id == case.id).order_by(Attachment.id)))
