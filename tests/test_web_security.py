"""Headers every response carries, CORS for the listed origins only, request ids and log lines."""

from __future__ import annotations

import json
import logging

import pytest
from flask import Flask
from flask.testing import FlaskClient

from fasttrack import create_app
from fasttrack.logs import JsonFormatter
from fasttrack.settings import Settings

ALLOWED = "https://tools.example"


def make_app(**changes: object) -> Flask:
    settings = {"env": "test", "jwt_secret_key": "s" * 32, "cors_origins": (ALLOWED,), **changes}
    return create_app(Settings(**settings))  # type: ignore[arg-type]


@pytest.fixture
def client() -> FlaskClient:
    return make_app().test_client()


@pytest.mark.parametrize("path", ["/health", "/api/tools", "/api/openapi.json", "/no/such/page"])
def test_every_response_carries_the_security_headers(client: FlaskClient, path: str) -> None:
    headers = client.get(path).headers

    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["Referrer-Policy"] == "no-referrer"
    assert headers["Content-Security-Policy"] == "default-src 'none'; frame-ancestors 'none'"
    assert "Strict-Transport-Security" not in headers


def test_api_answers_are_never_cached(client: FlaskClient) -> None:
    assert client.get("/api/tools").headers["Cache-Control"] == "no-store"
    assert "no-store" not in client.get("/health").headers.get("Cache-Control", "")


def test_production_adds_hsts() -> None:
    response = make_app(env="production").test_client().get("/health")

    assert response.headers["Strict-Transport-Security"].startswith("max-age=")


def test_a_listed_origin_is_echoed_with_credentials(client: FlaskClient) -> None:
    response = client.get("/api/tools", headers={"Origin": ALLOWED})

    assert response.headers["Access-Control-Allow-Origin"] == ALLOWED
    assert response.headers["Access-Control-Allow-Credentials"] == "true"
    assert "Origin" in response.headers["Vary"]


@pytest.mark.parametrize("origin", ["https://evil.example", "https://tools.example.evil", "null"])
def test_any_other_origin_gets_no_cors_header(client: FlaskClient, origin: str) -> None:
    response = client.get("/api/tools", headers={"Origin": origin})

    assert "Access-Control-Allow-Origin" not in response.headers
    assert "Access-Control-Allow-Credentials" not in response.headers
    assert "Origin" in response.headers["Vary"]


def test_a_preflight_from_a_listed_origin_is_answered_without_a_token(client: FlaskClient) -> None:
    response = client.options(
        "/api/tools/woop/data",
        headers={
            "Origin": ALLOWED,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization, content-type",
        },
    )

    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == ALLOWED
    assert "POST" in response.headers["Access-Control-Allow-Methods"]
    allowed_headers = response.headers["Access-Control-Allow-Headers"].lower()
    assert "authorization" in allowed_headers and "content-type" in allowed_headers


def test_a_preflight_from_another_origin_gets_no_permission(client: FlaskClient) -> None:
    response = client.options(
        "/api/tools",
        headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "GET"},
    )

    assert "Access-Control-Allow-Origin" not in response.headers
    assert "Access-Control-Allow-Methods" not in response.headers


def test_a_sane_incoming_request_id_is_kept(client: FlaskClient) -> None:
    response = client.get("/health", headers={"X-Request-ID": "lb-42.abc_DEF"})

    assert response.headers["X-Request-ID"] == "lb-42.abc_DEF"


@pytest.mark.parametrize("incoming", ["", "a" * 65, "has space", "semi;colon", "ü"])
def test_any_other_request_id_is_replaced(client: FlaskClient, incoming: str) -> None:
    response = client.get("/health", headers={"X-Request-ID": incoming})

    assert response.headers["X-Request-ID"] not in ("", incoming)


def test_one_log_line_per_request_without_query_or_credentials(
    client: FlaskClient, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="fasttrack.request"):
        response = client.get(
            "/api/tools?signature=s3cret-signature&user_id=1",
            headers={"Authorization": "Bearer s3cret-token", "Cookie": "refresh_token=s3cret"},
        )

    records = [record for record in caplog.records if record.name == "fasttrack.request"]
    assert len(records) == 1
    line = json.loads(JsonFormatter().format(records[0]))
    assert line["request_id"] == response.headers["X-Request-ID"]
    assert (line["method"], line["path"], line["status"]) == ("GET", "/api/tools", 401)
    assert isinstance(line["duration_ms"], float)
    assert "user_id" in line
    assert "s3cret" not in json.dumps(line)


def test_trusted_proxy_supplies_the_client_address() -> None:
    seen: list[str | None] = []

    for trust in (False, True):
        app = make_app(trust_proxy=trust)

        @app.get("/ip")
        def ip() -> dict[str, str]:
            from flask import request

            seen.append(request.remote_addr)
            return {}

        app.test_client().get(
            "/ip",
            headers={"X-Forwarded-For": "203.0.113.9"},
            environ_base={"REMOTE_ADDR": "10.0.0.1"},
        )

    assert seen == ["10.0.0.1", "203.0.113.9"]
