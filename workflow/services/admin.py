"""Administration use cases: accounts, process deployments and matter limits, each audited."""
from __future__ import annotations

from workflow.domain import limits
from workflow.domain.matters import get_matter
from workflow.domain.permissions import Actor, require_role
from workflow.errors import ValidationError, msg
from workflow.runtime.deployment import DeployResult, deploy_xml
from workflow.services.users import create_user
from workflow.storage import audit
from workflow.storage.db import Database, utcnow
from workflow.storage.models import MatterSetting, User


def create_account(db: Database, actor: Actor, username: str, password: str, role: str, display_name: str,
                   department: str | None = None, organisation_id: int | None = None) -> User:
    require_role(actor, "admin")
    with db.transaction() as session:
        user = create_user(session, (username or "").strip(), password or "", role or "",
                           (display_name or "").strip(), department=department or None,
                           organisation_id=organisation_id)
        audit.record(session, action="user_created", actor=actor, data={
            "user_id": user.id, "username": user.username, "role": user.role, "department": user.department_code})
        return user


def deploy(db: Database, actor: Actor, xml: bytes, filename: str) -> DeployResult:
    """Deploy an uploaded BPMN file; a changed file becomes the next version for new cases."""
    require_role(actor, "admin")
    try:
        xml.decode("utf-8")
    except (UnicodeDecodeError, AttributeError):
        raise ValidationError({"file": [msg("The file is not UTF-8 encoded BPMN XML.")]}) from None
    with db.transaction() as session:
        result = deploy_xml(session, xml, filename, actor.username)
        if result.created:
            audit.record(session, action="deploy", actor=actor,
                         data={"process_id": result.process_id, "version": result.version, "file": filename})
        return result


MAX_LIMIT_DAYS = 365


def set_limits(db: Database, actor: Actor, code: str, statutory: int | None, committed: int | None,
               green_channel: int | None) -> MatterSetting:
    """Change a matter's limits; the committed limit may not exceed the statutory one."""
    require_role(actor, "admin")
    matter = get_matter(code)
    errors = _limit_errors(statutory, committed, green_channel)
    if statutory is None and matter.statutory_days and "statutory_days" not in errors:
        # A blank would take the clock off every running case of a matter the law limits (Art. 42).
        errors["statutory_days"] = [msg("The law sets this matter's time limit: change it, do not leave it blank.")]
    if errors:
        raise ValidationError(errors)
    with db.transaction() as session:
        row = session.get(MatterSetting, code) or MatterSetting(code=code)
        row.statutory_days, row.committed_days, row.green_channel_days = statutory, committed, green_channel
        row.updated_by = actor.id
        row.updated_at = utcnow()
        session.add(row)
        audit.record(session, action="matter_limits", actor=actor, data={
            "matter": code, "statutory_days": statutory, "committed_days": committed,
            "green_channel_days": green_channel})
    limits.invalidate()
    return row


def _limit_errors(statutory, committed, green_channel) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    values = {"statutory_days": statutory, "committed_days": committed, "green_channel_days": green_channel}
    for name, value in values.items():
        if value is not None and (not isinstance(value, int) or isinstance(value, bool)
                                  or not 1 <= value <= MAX_LIMIT_DAYS):
            errors[name] = [msg("Must be greater than or equal to {min} and less than or equal to {max}.", min=1, max=MAX_LIMIT_DAYS)]
    if not errors:
        if statutory and committed and committed > statutory:
            errors["committed_days"] = [msg("The committed limit may not exceed the statutory limit.")]
        if green_channel and (committed or statutory) and green_channel > (committed or statutory):
            errors["green_channel_days"] = [msg("The green-channel limit may not exceed the committed limit.")]
    return errors
