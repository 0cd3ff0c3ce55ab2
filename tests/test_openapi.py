"""GET /api/openapi.json describes exactly the routes the app serves, as valid OpenAPI 3.1."""

from __future__ import annotations

import re
from typing import Any

import pytest
from flask import Flask
from openapi_spec_validator import validate
from openapi_spec_validator.validation.exceptions import OpenAPIValidationError

from fasttrack import create_app
from fasttrack.settings import Settings
from fasttrack.text_rules import MAX_SLUG_LENGTH, SLUG_PATTERN
from fasttrack.web.openapi import DOCUMENT_EXTENSION, build_document, document

IMPLICIT_METHODS = {"HEAD", "OPTIONS"}  # Flask adds them to every rule
HTTP_METHODS = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}


@pytest.fixture(scope="module")
def app() -> Flask:
    return create_app(Settings(env="test", jwt_secret_key="o" * 32))


@pytest.fixture(scope="module", name="document")
def document_(app: Flask) -> dict[str, Any]:
    response = app.test_client().get("/api/openapi.json")  # public: no token
    assert response.status_code == 200
    return response.get_json()


def openapi_path(rule: str) -> str:
    """Flask's /api/users/<uuid:user_id> is OpenAPI's /api/users/{user_id}."""
    return re.sub(r"<(?:[^<>:]+:)?([^<>]+)>", r"{\1}", rule)


def routes_of_app(app: Flask) -> set[tuple[str, str]]:
    return {
        (openapi_path(rule.rule), method.lower())
        for rule in app.url_map.iter_rules()
        if rule.endpoint != "static"
        for method in (rule.methods or set()) - IMPLICIT_METHODS
    }


def routes_of_document(document: dict[str, Any]) -> set[tuple[str, str]]:
    return {
        (path, method)
        for path, item in document["paths"].items()
        for method in item
        if method in HTTP_METHODS
    }


def test_every_route_is_documented(app: Flask, document: dict[str, Any]) -> None:
    assert routes_of_app(app) - routes_of_document(document) == set()


def test_every_documented_route_exists(app: Flask, document: dict[str, Any]) -> None:
    assert routes_of_document(document) - routes_of_app(app) == set()


def test_the_document_is_valid_openapi_3_1(document: dict[str, Any]) -> None:
    assert document["openapi"].startswith("3.1")
    try:
        validate(document)
    except OpenAPIValidationError as error:  # pragma: no cover - the message is the point
        pytest.fail(f"invalid OpenAPI document: {error}")


def test_every_path_parameter_is_declared(document: dict[str, Any]) -> None:
    for path, item in document["paths"].items():
        in_path = set(re.findall(r"{([^}]+)}", path))
        for method, operation in item.items():
            declared = {p["name"] for p in operation.get("parameters", []) if p["in"] == "path"}
            assert declared == in_path, f"{method.upper()} {path}"


def test_protected_routes_require_the_bearer_scheme(document: dict[str, Any]) -> None:
    assert document["components"]["securitySchemes"]["bearerAuth"] == {
        "type": "http",
        "scheme": "bearer",
        "bearerFormat": "JWT",
    }
    public = {
        "/health",
        "/ready",
        "/api/openapi.json",
        "/api/auth/sso",
        "/api/webhooks/learnworlds",
    }
    for path, item in document["paths"].items():
        for method, operation in item.items():
            secured = operation["security"] != []
            if path in public:
                assert not secured, f"{method.upper()} {path} should be public"
            elif path.startswith("/api/tools") or path.startswith("/api/admin"):
                assert operation["security"] == [{"bearerAuth": []}], f"{method.upper()} {path}"


def test_bodies_are_described_where_the_route_reads_one(document: dict[str, Any]) -> None:
    with_body = {
        ("/api/tools/{slug}/data", "post"),
        ("/api/tools/{slug}/submit", "post"),
        ("/api/tools/{slug}/versions/{submission_id}/{version}/restore", "post"),
        ("/api/tools/{slug}/assist", "post"),
        ("/api/admin/users/{user_id}/tools/{slug}/unlock", "post"),
        ("/api/admin/users/{user_id}/tools/{slug}/lock", "post"),
        ("/api/admin/users/{user_id}/role", "put"),
        ("/api/admin/organizations", "post"),
        ("/api/admin/organizations/{organization_id}", "patch"),
        ("/api/admin/users/{user_id}/organization", "put"),
        ("/api/admin/users/{user_id}", "delete"),
        ("/api/auth/sso", "post"),
        ("/api/webhooks/learnworlds", "post"),
        # coaching
        ("/api/organizations/{organization_id}/tools/{slug}/schedule", "put"),
        ("/api/organizations/{organization_id}/tools/{slug}/meeting", "put"),
        ("/api/organizations/{organization_id}/tools/{slug}/decision", "put"),
        ("/api/organizations/{organization_id}/tools/{slug}/action-items", "post"),
        ("/api/action-items/{action_item_id}", "patch"),
        ("/api/admin/groups", "post"),
        ("/api/admin/groups/{group_id}", "patch"),
        # gamification
        ("/api/gamification/me/preferences", "put"),
        ("/api/admin/organizations/{organization_id}/group", "put"),
    }
    described = {
        (path, method)
        for path, item in document["paths"].items()
        for method, operation in item.items()
        if "requestBody" in operation
    }
    assert described == with_body


def test_creating_an_organization_answers_201(document: dict[str, Any]) -> None:
    responses = document["paths"]["/api/admin/organizations"]["post"]["responses"]

    assert "201" in responses and "200" not in responses


def test_the_document_is_built_once_when_the_app_is_created(app: Flask) -> None:
    client = app.test_client()
    first, second = client.get("/api/openapi.json"), client.get("/api/openapi.json")

    assert first.get_json() == document(app)
    assert first.data == second.data
    assert app.extensions[DOCUMENT_EXTENSION] is document(app)  # one object, not rebuilt


def test_a_route_without_a_contract_fails_the_app_s_creation() -> None:
    app = create_app(Settings(env="test", jwt_secret_key="o" * 32))
    app.add_url_rule("/api/undocumented", "undocumented", lambda: {})

    with pytest.raises(RuntimeError, match="/api/undocumented"):
        build_document(app)


def test_path_parameters_are_described_as_the_url_converters_accept_them(
    document: dict[str, Any],
) -> None:
    path = "/api/tools/{slug}/versions/{submission_id}/{version}/restore"
    schemas = {
        parameter["name"]: parameter["schema"]
        for parameter in document["paths"][path]["post"]["parameters"]
    }

    assert schemas == {
        "slug": {"type": "string", "pattern": f"^{SLUG_PATTERN}$", "maxLength": MAX_SLUG_LENGTH},
        "submission_id": {"type": "string", "format": "uuid"},
        "version": {"type": "integer", "minimum": 0, "maximum": 2**31 - 1},
    }
    pattern = re.compile(schemas["slug"]["pattern"])
    assert pattern.search("know-thyself") and not pattern.search("Know--thyself")


def test_every_body_is_closed_in_the_document_as_on_the_server(
    document: dict[str, Any],
) -> None:
    """One rule: an unknown field is a 400 (inputs.json_object), so every body says
    additionalProperties: false; only the LearnWorlds webhook (LearnWorlds' document) is open."""
    schemas = document["components"]["schemas"]
    open_bodies = set()
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if "requestBody" not in operation:
                continue
            schema = operation["requestBody"]["content"]["application/json"]["schema"]
            if "$ref" in schema:
                schema = schemas[schema["$ref"].rsplit("/", 1)[1]]
            if schema.get("additionalProperties") is not False:
                open_bodies.add((path, method))
    assert open_bodies == {("/api/webhooks/learnworlds", "post")}


def test_the_document_states_the_limits_the_server_applies(document: dict[str, Any]) -> None:
    schemas = document["components"]["schemas"]
    audit = document["paths"]["/api/admin/audit"]["get"]["parameters"]
    before_id = next(p["schema"] for p in audit if p["name"] == "before_id")

    assert before_id == {"type": "integer", "minimum": -(2**63 - 1), "maximum": 2**63 - 1}
    assert schemas["OrganizationChanges"]["minProperties"] == 1
    for body in ("Draft", "Submit"):
        version = schemas[body]["properties"]["version"]
        # "integer" in JSON Schema is any number with no fraction: 3.0 is accepted, as it is.
        assert version == {"type": "integer", "minimum": 0, "maximum": 2**31 - 1}
