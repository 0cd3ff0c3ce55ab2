"""Errors raised by a real PostgreSQL become the JSON error envelope with the right status."""

from __future__ import annotations

import logging

import pytest
from flask import Flask
from flask.testing import FlaskClient

from fasttrack import create_app
from fasttrack.settings import Settings
from support import Server, connect

# What a test route runs against the server; each raises the way an api function would.
STATEMENTS = {
    "locked": """do $$ begin raise sqlstate 'PT423' using message = 'Tool dream is locked',
                 detail = '{"tool": "dream", "missing": ["woop.wish"]}'; end $$""",
    "coded": """do $$ begin raise sqlstate 'PT409' using message = 'Stale version',
                detail = '{"code": "STALE_VERSION", "expected": 3}'; end $$""",
    "plain-detail": """do $$ begin raise sqlstate 'PT404' using message = 'No such tool',
                       detail = 'not json'; end $$""",
    "unique": """create temporary table t (id int constraint t_id_key unique);
                 insert into t values (1), (1)""",
    "privilege": "do $$ begin raise sqlstate '42501' using message = 'permission denied'; end $$",
    "shutdown": "do $$ begin raise sqlstate '57P01' using message = 'terminating'; end $$",
    "division": "select 1 / 0",
    "bad-uuid": "select 'not-a-uuid'::uuid",
    "json-nan": "select '{\"x\": NaN}'::jsonb",
    "too-big": "select 1e400::numeric::float8",
}


@pytest.fixture
def client(server: Server) -> FlaskClient:
    url = server.owner_url(server.maintenance_dbname)
    app: Flask = create_app(Settings(env="test"))

    @app.get("/sql/<name>")
    def run_sql(name: str) -> dict[str, str]:
        with connect(url) as conn:
            conn.execute(STATEMENTS[name])
        return {}

    @app.get("/python")
    def fail() -> dict[str, str]:
        raise RuntimeError("secret internals")

    return app.test_client()


def test_pt_sqlstate_becomes_that_http_status_with_json_details(client: FlaskClient) -> None:
    response = client.get("/sql/locked")

    assert response.status_code == 423
    assert response.get_json() == {
        "error": {
            "code": "TOOL_LOCKED",
            "message": "Tool dream is locked",
            "details": {"tool": "dream", "missing": ["woop.wish"]},
        }
    }


def test_a_code_in_the_detail_is_the_machine_code(client: FlaskClient) -> None:
    response = client.get("/sql/coded")

    assert response.status_code == 409
    assert response.get_json()["error"]["code"] == "STALE_VERSION"


def test_a_detail_that_is_not_json_gives_empty_details(client: FlaskClient) -> None:
    response = client.get("/sql/plain-detail")

    assert response.status_code == 404
    assert response.get_json()["error"] == {
        "code": "NOT_FOUND",
        "message": "No such tool",
        "details": {},
    }


def test_unique_violation_is_a_conflict(client: FlaskClient) -> None:
    response = client.get("/sql/unique")

    assert response.status_code == 409
    assert response.get_json()["error"]["code"] == "CONFLICT"
    assert response.get_json()["error"]["details"] == {"constraint": "t_id_key"}


def test_insufficient_privilege_is_forbidden(client: FlaskClient) -> None:
    response = client.get("/sql/privilege")

    assert response.status_code == 403
    assert response.get_json()["error"]["code"] == "FORBIDDEN"


def test_server_shutdown_is_unavailable(client: FlaskClient) -> None:
    response = client.get("/sql/shutdown")

    assert response.status_code == 503
    assert response.headers["Retry-After"] == "5"
    assert response.get_json()["error"]["code"] == "UNAVAILABLE"


@pytest.mark.parametrize("name", ["bad-uuid", "json-nan", "too-big"])
def test_a_value_the_database_cannot_take_is_a_400_not_a_500(
    client: FlaskClient, name: str
) -> None:
    """The safety net behind the web layer's own input checks (class 22, value errors only)."""
    response = client.get(f"/sql/{name}")

    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "BAD_REQUEST"


@pytest.mark.parametrize(("path", "secret"), [("/sql/division", "zero"), ("/python", "secret")])
def test_anything_else_is_a_500_with_only_a_request_id(
    client: FlaskClient, caplog: pytest.LogCaptureFixture, path: str, secret: str
) -> None:
    with caplog.at_level(logging.ERROR, logger="fasttrack.web.errors"):
        response = client.get(path)

    assert response.status_code == 500
    request_id = response.headers["X-Request-Id"]
    assert response.get_json() == {
        "error": {
            "code": "INTERNAL",
            "message": f"Internal error (request id {request_id})",
            "details": {},
        }
    }
    assert secret not in response.get_data(as_text=True)
    assert any(request_id in record.getMessage() and record.exc_info for record in caplog.records)
