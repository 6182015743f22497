"""Bearer tokens and the catalogue of matters."""
from __future__ import annotations

from marshmallow import fields, validate

from webapp.api.schemas.base import PageMeta, Request, Response, Str, items_of


class TokenRequest(Request):
    username = Str(required=True, validate=validate.Length(min=1, max=64))
    password = Str(required=True, validate=validate.Length(min=1, max=256))


class TokenResponse(Response):
    token = fields.String()
    expires_at = fields.DateTime()
    user = fields.Nested(lambda: UserSchema())


class UserSchema(Response):
    id = fields.Integer()
    username = fields.String()
    display_name = fields.String()
    role = fields.String()
    department_code = fields.String(allow_none=True)
    organisation_id = fields.Integer(allow_none=True)


class Revoked(Response):
    revoked = fields.Boolean()


# --- matters -----------------------------------------------------------------------------------

class AttachmentKind(Response):
    kind = fields.String()
    title_zh = fields.String()
    title_en = fields.String()


class MatterSchema(Response):
    code = fields.String()
    title_zh = fields.String()
    title_en = fields.String()
    department = fields.String()
    statutory_days = fields.Integer(allow_none=True,
                                    metadata={"description": "Statutory decision limit in working days."})
    committed_days = fields.Integer(allow_none=True,
                                    metadata={"description": "Limit the office commits to (working days)."})
    green_channel_days = fields.Integer(allow_none=True)
    certificate_days = fields.Integer(allow_none=True)
    extension_days = fields.Integer()
    requires_decision = fields.Boolean()
    validity_years = fields.Integer(allow_none=True)
    attachments = fields.List(fields.Nested(AttachmentKind))
    steps_zh = fields.List(fields.String())
    steps_en = fields.List(fields.String())
    basis = fields.String()
    application_form = fields.String()
    form_schema = fields.Dict(allow_none=True,
                              metadata={"description": "JSON Schema of the application form (null when unknown)."})


class MatterPage(PageMeta):
    items = items_of(MatterSchema)




# --- the caller's own account ------------------------------------------------------------------

class AccountSchema(UserSchema):
    email = fields.String(allow_none=True, metadata={"description": "Where e-mail copies of notices go."})
    phone = fields.String(allow_none=True, metadata={"description": "Mainland mobile number for SMS notices."})


class ContactRequest(Request):
    """Both addresses, as they should be: ``null`` or ``""`` clears one (no copies sent there)."""
    email = Str(required=True, allow_none=True, validate=validate.Length(max=254))
    phone = Str(required=True, allow_none=True, validate=validate.Length(max=20),
                metadata={"description": "1[3-9] and 9 more digits; spaces and dashes are ignored."})


class PasswordRequest(Request):
    current_password = Str(required=True, validate=validate.Length(min=1, max=256))
    new_password = Str(required=True, validate=validate.Length(min=1, max=256))
