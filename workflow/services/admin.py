"""Administration use cases: accounts and process deployments, each audited."""
from __future__ import annotations

from workflow import audit
from workflow.db import Database
from workflow.deployment import DeployResult, deploy_xml
from workflow.errors import ValidationError
from workflow.models import User
from workflow.permissions import require_role
from workflow.services.users import create_user


def create_account(db: Database, actor, username: str, password: str, role: str, display_name: str,
                   department: str | None = None, organisation_id: int | None = None) -> User:
    require_role(actor, "admin")
    with db.transaction() as session:
        user = create_user(session, (username or "").strip(), password or "", role or "",
                           (display_name or "").strip(), department=department or None,
                           organisation_id=organisation_id)
        audit.record(session, action="user_created", actor=actor, data={
            "user_id": user.id, "username": user.username, "role": user.role, "department": user.department_code})
        return user


def deploy(db: Database, actor, xml: bytes, filename: str) -> DeployResult:
    """Deploy an uploaded BPMN file; a changed file becomes the next version for new cases."""
    require_role(actor, "admin")
    try:
        xml.decode("utf-8")
    except (UnicodeDecodeError, AttributeError):
        raise ValidationError({"file": ["The file is not UTF-8 encoded BPMN XML."]}) from None
    with db.transaction() as session:
        result = deploy_xml(session, xml, filename, actor.username)
        if result.created:
            audit.record(session, action="deploy", actor=actor,
                         data={"process_id": result.process_id, "version": result.version, "file": filename})
        return result
