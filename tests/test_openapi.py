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

IMPLICIT_METHODS = {"HEAD", "OPTIONS"}  # Flask adds them to every rule
HTTP_METHODS = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}


@pytest.fixture(scope="module")
def app() -> Flask:
    return create_app(Settings(env="test", jwt_secret_key="o" * 32))


@pytest.fixture(scope="module")
def document(app: Flask) -> dict[str, Any]:
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
        ("/api/tools/{slug}/assist", "post"),
        ("/api/admin/users/{user_id}/role", "put"),
        ("/api/admin/organizations", "post"),
        ("/api/admin/organizations/{organization_id}", "patch"),
        ("/api/admin/users/{user_id}/organization", "put"),
        ("/api/auth/sso", "post"),
        ("/api/webhooks/learnworlds", "post"),
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
