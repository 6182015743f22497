"""The caller's own notices (message centre): list, unread count, mark read, mark all read."""
from __future__ import annotations

from marshmallow import Schema, fields

from webapp.api.base import ApiBlueprint, actor, get_db, guarded, paged, require_id
from webapp.api.schemas.base import PageMeta, PageQuery
from workflow.services.notifications import messages

blp = ApiBlueprint("notifications", __name__, url_prefix="/api/v1/notifications", tag="notifications",
                   description="The caller's own notices: what happened to their cases and tasks.")


class NotificationQuery(PageQuery):
    unread = fields.Boolean(load_default=False, metadata={"description": "Only notices not read yet."})


class NotificationSchema(Schema):
    id = fields.Integer(required=True)
    kind = fields.String(required=True, metadata={"description": "accepted, correction, refused, suspension, "
                         "extension, decision, certificate, rectification, assigned, transfer, delegate, resolved, "
                         "reclaimed, sign, unsign, copy, urge, decide_extension"})
    message = fields.String(required=True)
    case_id = fields.Integer(allow_none=True, required=True)
    task_id = fields.Integer(allow_none=True, required=True)
    created_at = fields.DateTime(required=True)
    read_at = fields.DateTime(allow_none=True, required=True)


class NotificationPage(PageMeta):
    items = fields.List(fields.Nested(NotificationSchema), required=True)
    unread = fields.Integer(required=True, metadata={"description": "The caller's unread notices in all."})


class MarkedAll(Schema):
    marked = fields.Integer(required=True, metadata={"description": "How many unread notices were marked read."})


def _item(note) -> dict:
    return {name: getattr(note, name) for name in NotificationSchema._declared_fields}


@blp.route("", methods=["GET"])
@guarded(blp)
@blp.arguments(NotificationQuery, location="query")
@blp.response(200, NotificationPage)
def list_notifications(query):
    """The caller's notices, newest first, with the unread count"""
    db, who = get_db(), actor()
    page = messages.page(db, who, query["page"], query["per_page"], unread=query["unread"])
    return {**paged(page, [_item(n) for n in page.items]), "unread": messages.unread_count(db, who)}


@blp.route("/<int:notification_id>/read", methods=["POST"])
@guarded(blp, 404)
@blp.response(200, NotificationSchema)
def mark_read(notification_id):
    """Mark one of the caller's notices read (another person's is not found)"""
    return _item(messages.mark_read(get_db(), actor(), require_id(notification_id)))


@blp.route("/read", methods=["POST"])
@guarded(blp)
@blp.response(200, MarkedAll)
def mark_all_read():
    """Mark every unread notice of the caller read"""
    return {"marked": messages.mark_all_read(get_db(), actor())}
