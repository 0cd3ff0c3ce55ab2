"""The OpenAPI 3.1 document, served at GET /api/openapi.json, generated from the routes.

Built once, when the app is created (`init_app`), from Flask's URL map and the contract each
route declares beside it (fasttrack/web/contract.py): paths, methods and path parameters come
from the rules, security from `@authenticated`, the rest from the contract. A route without a
contract fails the app's creation, so the document cannot miss one.
"""

from __future__ import annotations

import re
from typing import Any

from flask import Blueprint, Flask, current_app
from werkzeug.routing import Rule

from fasttrack.web.authentication import is_authenticated
from fasttrack.web.contract import (
    BEARER,
    PUBLIC,
    SCHEMAS,
    Contract,
    Schema,
    contract,
    contract_of,
    schema_of,
)
from fasttrack.web.models import Slug, VersionNumber

bp = Blueprint("openapi", __name__)

DOCUMENT_EXTENSION = "fasttrack.openapi"
IMPLICIT_METHODS = {"HEAD", "OPTIONS"}  # Flask answers them for every rule

ERRORS = {
    400: "Malformed body or parameter (INVALID_BODY, INVALID_PARAMETER)",
    401: "Missing, invalid or expired credentials",
    403: "Not allowed (FORBIDDEN)",
    404: "Unknown tool or record, or one the caller may not see",
    409: "Stale version or conflicting change",
    413: "Body over 256 KiB (PAYLOAD_TOO_LARGE)",
    422: "Invalid data (e.g. MISSING_REQUIRED_OUTPUTS)",
    423: "The tool is locked (TOOL_LOCKED)",
    429: "Rate limited (RATE_LIMITED); see Retry-After",
    502: "The AI assistant failed or sent an unreadable reply (AI_UPSTREAM_ERROR, AI_BAD_REPLY)",
    503: "The database, the AI assistant (AI_NOT_CONFIGURED, AI_UNAVAILABLE, AI_UNREACHABLE) or "
    "the PDF renderer (EXPORT_TIMEOUT, EXPORT_BUSY) is unavailable; see Retry-After",
    504: "The AI assistant did not answer in time (AI_TIMEOUT)",
}
ERROR_SCHEMA: Schema = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message", "details"],
            "properties": {
                "code": {"type": "string"},
                "message": {"type": "string"},
                "details": {"type": "object", "additionalProperties": True},
            },
        }
    },
}
# The URL converters' values, as the converters accept them (fasttrack/web/inputs.py).
CONVERTERS: dict[str, Schema] = {
    "slug": schema_of(Slug),
    "uuid": {"type": "string", "format": "uuid"},
    "int": schema_of(VersionNumber),  # werkzeug's int takes no sign: 0 and up
}
RULE_ARGUMENT = re.compile(r"<(?:(?P<converter>[a-z]+)(?:\([^)]*\))?:)?(?P<name>[a-z_]+)>")


def init_app(app: Flask) -> None:
    """After every blueprint is registered: the document, once for the app's life."""
    app.extensions[DOCUMENT_EXTENSION] = build_document(app)


def document(app: Flask) -> dict[str, Any]:
    return app.extensions[DOCUMENT_EXTENSION]


@bp.get("/api/openapi.json")
@contract("This document", returns={"type": "object"}, database=False, wrapped=False)
def openapi() -> dict[str, Any]:
    return current_app.extensions[DOCUMENT_EXTENSION]


def build_document(app: Flask) -> dict[str, Any]:
    paths: dict[str, dict[str, Any]] = {}
    for rule in sorted(app.url_map.iter_rules(), key=lambda rule: rule.rule):
        view = app.view_functions[rule.endpoint]
        declared = contract_of(view)
        if declared is None:
            raise RuntimeError(f"{rule.rule} ({rule.endpoint}) declares no contract")
        security = declared.security
        if security is None:
            security = BEARER if is_authenticated(view) else PUBLIC
        for method in sorted((rule.methods or set()) - IMPLICIT_METHODS):
            item = paths.setdefault(_openapi_path(rule), {})
            item[method.lower()] = operation(declared, _path_parameters(rule), security)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Fast Track API",
            "version": "1.0.0",
            "description": "Tools, progress and administration for the Fast Track program. "
            'Success: {"data": ..., "meta": {...}}; failure: {"error": {"code", "message", '
            '"details"}}.',
        },
        "paths": paths,
        "components": {
            "schemas": {**dict(sorted(SCHEMAS.items())), "Error": ERROR_SCHEMA},
            "securitySchemes": {
                "bearerAuth": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"},
                "refreshCookie": {"type": "apiKey", "in": "cookie", "name": "refresh_token"},
            },
            "responses": {
                f"E{code}": {"description": description, "content": _json(_ref("Error"))}
                for code, description in ERRORS.items()
            },
        },
    }


def operation(declared: Contract, path_parameters: list[Schema], security: Any) -> Schema:
    op: Schema = {"summary": declared.summary, "security": security}
    parameters = path_parameters + [
        # The service reads an empty value (?limit=) as no value at all.
        {"name": name, "in": "query", "required": False, "allowEmptyValue": True, "schema": schema}
        for name, schema in declared.query.items()
    ]
    if parameters:
        op["parameters"] = parameters
    if declared.body is not None:
        op["requestBody"] = {"required": declared.body_required, "content": _json(declared.body)}
    responses: Schema = {}
    if declared.status == 302:
        responses["302"] = {"description": declared.summary}
    else:
        answer = _envelope(declared.returns) if declared.wrapped else declared.returns
        # A page (media only, no JSON shape) is not also described as JSON.
        content = {**(_json(answer) if answer or not declared.media else {}), **declared.media}
        ok: Schema = {"description": declared.summary, "content": content}
        if declared.headers:
            ok["headers"] = declared.headers
        responses[str(declared.status)] = ok
    for code, other in declared.also.items():
        content = _json(_envelope(other["returns"]))
        headers = {"headers": other["headers"]} if "headers" in other else {}
        responses[str(code)] = {"description": other["description"], "content": content, **headers}
    implied = (401, 429) if security == BEARER else ()
    implied += (400, 413) if declared.body is not None else ()
    implied += (404,) if path_parameters else ()
    implied += (503,) if declared.database else ()
    for code in sorted({*declared.errors, *implied}):
        responses[str(code)] = {"$ref": f"#/components/responses/E{code}"}
    op["responses"] = responses
    return op


def _openapi_path(rule: Rule) -> str:
    """Flask's /api/users/<uuid:user_id> is OpenAPI's /api/users/{user_id}."""
    return re.sub(r"<(?:[^<>:]+:)?([^<>]+)>", r"{\1}", rule.rule)


def _path_parameters(rule: Rule) -> list[Schema]:
    """The rule's arguments in order; a converter without a schema here fails the app's creation."""
    return [
        {
            "name": found["name"],
            "in": "path",
            "required": True,
            "schema": CONVERTERS[found["converter"] or "default"],
        }
        for found in RULE_ARGUMENT.finditer(rule.rule)
    ]


def _ref(name: str) -> Schema:
    return {"$ref": f"#/components/schemas/{name}"}


def _json(schema: Schema) -> Schema:
    return {"application/json": {"schema": schema}}


def _envelope(schema: Schema) -> Schema:
    return {
        "type": "object",
        "required": ["data", "meta"],
        "properties": {"data": schema, "meta": {"type": "object", "additionalProperties": True}},
    }
