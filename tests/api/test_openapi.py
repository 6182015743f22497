"""The generated OpenAPI document and the marshmallow → JSON Schema converter."""
from __future__ import annotations

from marshmallow import Schema, fields, validate

from webapp.api.jsonschema import schema_to_json
from workflow.domain import forms
from workflow.domain.forms.fields import Form, required_when

EXPECTED = {
    ("post", "/api/v1/auth/token"), ("delete", "/api/v1/auth/token"), ("get", "/api/v1/matters"),
    ("post", "/api/v1/cases"), ("get", "/api/v1/cases"), ("get", "/api/v1/cases/{case_id}"),
    ("get", "/api/v1/cases/{case_id}/history"), ("get", "/api/v1/cases/{case_id}/documents/{key}.pdf"),
    ("post", "/api/v1/cases/{case_id}/withdraw"),
    ("post", "/api/v1/cases/{case_id}/attachments"), ("post", "/api/v1/cases/{case_id}/rating"),
    ("post", "/api/v1/cases/{case_id}/rating_reply"),
    ("get", "/api/v1/tasks"), ("get", "/api/v1/tasks/{task_id}"), ("post", "/api/v1/tasks/{task_id}/claim"),
    ("post", "/api/v1/tasks/{task_id}/unclaim"), ("post", "/api/v1/tasks/{task_id}/complete"),
    ("post", "/api/v1/tasks/{task_id}/return"), ("post", "/api/v1/tasks/{task_id}/transfer"),
    ("post", "/api/v1/tasks/{task_id}/copy"), ("post", "/api/v1/tasks/{task_id}/urge"),
    ("get", "/api/v1/certificates/{number}"), ("get", "/api/v1/calendar/add-workdays"),
    ("get", "/api/v1/calendar/workdays"), ("get", "/api/v1/reports/summary"), ("get", "/api/v1/audit/verify"),
    ("post", "/api/v1/cases/{case_id}/resubmit"), ("post", "/api/v1/extensions/{segment_id}/decide"),
    ("post", "/api/v1/processes/migrations"), ("get", "/api/v1/processes/failed"),
    ("post", "/api/v1/processes/failed/{instance_id}/retry"),
    ("get", "/api/v1/notifications"), ("post", "/api/v1/notifications/{notification_id}/read"),
    ("post", "/api/v1/notifications/read"),
    ("get", "/api/v1/account"), ("put", "/api/v1/account/contact"), ("post", "/api/v1/account/password"),
    *{("post", f"/api/v1/tasks/{{task_id}}/{op}") for op in (
        "correction", "recall", "delegate", "resolve", "reclaim", "add_signer", "remove_signer", "sign",
        "suspend", "resume", "extension", "close_round")},
}
PUBLIC = {("post", "/api/v1/auth/token"), ("get", "/api/v1/certificates/{number}"),
          ("get", "/api/v1/calendar/add-workdays"), ("get", "/api/v1/calendar/workdays")}


def test_document_lists_every_operation_with_security_and_error_shape(client):
    doc = client.get("/api/v1/openapi.json").get_json()
    assert doc["openapi"].startswith("3.")
    operations = {(m, p): op for p, item in doc["paths"].items() for m, op in item.items() if m != "parameters"}
    assert set(operations) == EXPECTED
    assert doc["components"]["securitySchemes"]["bearerAuth"] == {
        "type": "http", "scheme": "bearer", "description": "Token from POST /api/v1/auth/token."}
    for key, op in operations.items():
        assert op["summary"] and op["tags"], key
        assert op["security"] == ([] if key in PUBLIC else [{"bearerAuth": []}]), key
        if key not in PUBLIC:
            assert "401" in op["responses"], key
        for status, response in op["responses"].items():
            if status.startswith(("4", "5")) and "$ref" not in response:
                assert response["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Error"}
    error = doc["components"]["schemas"]["Error"]
    assert error["required"] == ["error"]
    assert set(doc["components"]["schemas"]["ErrorBody"]["properties"]) == {"code", "message", "fields"}
    assert {t["name"] for t in doc["tags"]} >= {"auth", "cases", "tasks", "matters", "calendar"}
    upload = operations[("post", "/api/v1/cases/{case_id}/attachments")]["requestBody"]["content"]
    assert "multipart/form-data" in upload
    create = doc["components"]["schemas"]["CaseCreate"]
    assert "bench" in create["properties"]["matters"]["items"]["enum"]
    assert create["additionalProperties"] is False


def test_converter_types_and_validators():
    class Inner(Schema):
        name = fields.String(required=True, validate=validate.Length(min=2, max=5))

    class Sample(Form):
        text = fields.String(required=True, validate=validate.Length(max=10))
        count = fields.Integer(validate=validate.Range(min=1, max=9), load_default=1)
        ratio = fields.Float(validate=validate.Range(min=0, max=1, max_inclusive=False))
        flag = fields.Boolean()
        day = fields.Date()
        at = fields.DateTime(allow_none=True)
        kind = fields.String(validate=validate.OneOf(["a", "b"]))
        tags = fields.List(fields.String(validate=validate.Length(min=1)), validate=validate.Length(min=1, max=3))
        inner = fields.Nested(Inner)
        many = fields.Nested(Inner, many=True)
        refusal = fields.String()
        conditions = (required_when("refusal", "kind", "b"),)

    out = schema_to_json(Sample)
    props = out["properties"]
    assert out["$schema"].startswith("https://json-schema.org/") and out["title"] == "Sample"
    assert out["required"] == ["text"] and out["additionalProperties"] is False
    assert props["text"] == {"type": "string", "maxLength": 10}
    assert props["count"] == {"type": "integer", "minimum": 1, "maximum": 9, "default": 1}
    assert props["ratio"] == {"type": "number", "minimum": 0, "exclusiveMaximum": 1}
    assert props["flag"] == {"type": "boolean"}
    assert props["day"] == {"type": "string", "format": "date"}
    assert props["at"] == {"type": ["string", "null"], "format": "date-time"}
    assert props["kind"] == {"type": "string", "enum": ["a", "b"]}
    assert props["tags"] == {"type": "array", "items": {"type": "string", "minLength": 1}, "minItems": 1, "maxItems": 3}
    assert props["inner"]["properties"]["name"] == {"type": "string", "minLength": 2, "maxLength": 5}
    assert props["inner"]["required"] == ["name"] and "$schema" not in props["inner"]
    assert props["many"]["type"] == "array" and props["many"]["items"]["required"] == ["name"]
    assert out["allOf"] == [{"if": {"properties": {"kind": {"enum": ["b"]}}, "required": ["kind"]},
                             "then": {"required": ["refusal"]}}]


def test_every_registered_form_converts():
    for key, schema in forms.FORMS.items():
        out = schema_to_json(schema)
        assert out["type"] == "object" and isinstance(out["properties"], dict), key


def test_every_secured_operation_refuses_calls_without_a_valid_token(client, people):
    doc = client.get("/api/v1/openapi.json").get_json()
    for path, item in doc["paths"].items():
        concrete = path.replace("{case_id}", "1").replace("{task_id}", "1").replace("{number}", "X") \
            .replace("{segment_id}", "1").replace("{instance_id}", "1").replace("{notification_id}", "1")
        for method, op in item.items():
            if method == "parameters":
                continue
            for headers in ({}, {"Authorization": "Bearer revoked-or-made-up"}):
                response = client.open(concrete, method=method.upper(), headers=headers, json={})
                if op["security"]:
                    assert response.status_code == 401, (method, path, headers)
                    assert response.get_json()["error"]["code"] == "unauthorized"
                else:
                    assert response.status_code != 401 or path == "/api/v1/auth/token", (method, path)
