"""Bad requests are refused by shape before any database call.

The app here has no database at all: a request that reached one would be a 500, so every 4xx
below also proves that nothing was called or written.
"""

from __future__ import annotations

import io
import json
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from fasttrack import create_app, tokens
from fasttrack.settings import Settings

USER_ID = "00000000-0000-4000-8000-000000000001"
OTHER_ID = "00000000-0000-4000-8000-000000000002"


@pytest.fixture
def app() -> Flask:
    return create_app(Settings(env="test", jwt_secret_key="t" * 32))


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    with app.app_context():
        token = tokens.access_token({"id": USER_ID, "role": "admin", "organization_id": None})
    client = app.test_client()
    client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    return client


def error(response: Any, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.get_data(as_text=True)
    body = response.get_json()
    assert body["error"]["code"] == code
    return body["error"]


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        ('{"data": {}, "version": 1', "application/json"),  # cut short
        ("{'data': {}}", "application/json"),  # not JSON quotes
        ("", "application/json"),
        (b"\xff\xfe{}", "application/json"),  # not UTF-8
        ("[" * 50_000 + "]" * 50_000, "application/json"),  # deeper than the parser goes
        ('{"data": {}, "version": 1}', "text/plain"),  # JSON, but not declared as such
        ("data=x&version=1", "application/x-www-form-urlencoded"),
    ],
)
def test_a_body_that_is_not_json_is_invalid(
    client: FlaskClient, body: str | bytes, content_type: str
) -> None:
    response = client.post("/api/tools/woop/data", data=body, content_type=content_type)

    error(response, 400, "INVALID_BODY")


@pytest.mark.parametrize("body", [[], "text", 3, None, True])
def test_a_body_that_is_not_an_object_is_invalid(client: FlaskClient, body: Any) -> None:
    response = client.post(
        "/api/tools/woop/data", data=json.dumps(body), content_type="application/json"
    )

    assert "object" in error(response, 400, "INVALID_BODY")["message"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"version": 1}, "data"),
        ({"data": [], "version": 1}, "data"),
        ({"data": "x", "version": 1}, "data"),
        ({"data": None, "version": 1}, "data"),
        ({"data": {}}, "version"),
        ({"data": {}, "version": True}, "version"),
        ({"data": {}, "version": -1}, "version"),
        ({"data": {}, "version": 1.5}, "version"),  # 1.0 is the integer 1
        ({"data": {}, "version": "1"}, "version"),
        ({"data": {}, "version": 2**31}, "version"),
    ],
)
def test_save_names_the_field_of_the_wrong_type(
    client: FlaskClient, body: dict[str, Any], field: str
) -> None:
    failure = error(client.post("/api/tools/woop/data", json=body), 400, "INVALID_BODY")

    assert failure["details"] == {"field": field}
    assert f'"{field}"' in failure["message"]


@pytest.mark.parametrize(
    ("body", "field"),
    [({}, "version"), ({"version": False}, "version"), ({"version": 0, "data": [1]}, "data")],
)
def test_submit_checks_version_and_optional_data(
    client: FlaskClient, body: dict[str, Any], field: str
) -> None:
    failure = error(client.post("/api/tools/woop/submit", json=body), 400, "INVALID_BODY")

    assert failure["details"] == {"field": field}


def test_a_body_over_256_kib_is_413(client: FlaskClient) -> None:
    body = json.dumps({"data": {"text": "x" * (256 * 1024)}, "version": 0})

    response = client.post("/api/tools/woop/data", data=body, content_type="application/json")

    error(response, 413, "PAYLOAD_TOO_LARGE")


@pytest.mark.parametrize(
    "slug",
    [
        "WOOP",
        "woop'; drop table shared.users; --",
        "woop%20or%201=1",
        "-woop",
        "woop-",
        "wo--op",
        "wo_op",
        "a" * 101,
        "%C3%A9",
    ],
)
def test_a_slug_that_cannot_be_a_tool_is_tool_not_found(client: FlaskClient, slug: str) -> None:
    for path in (
        f"/api/tools/{slug}",
        f"/api/tools/{slug}/data",
        f"/api/users/{USER_ID}/tools/{slug}/data",
    ):
        error(client.get(path), 404, "TOOL_NOT_FOUND")
    error(
        client.post(f"/api/tools/{slug}/data", json={"data": {}, "version": 0}),
        404,
        "TOOL_NOT_FOUND",
    )


@pytest.mark.parametrize(
    "path",
    [
        "/api/users/not-a-uuid/progress",
        "/api/users/1/progress",
        "/api/organizations/x'--/progress",
        f"/api/tools/woop/versions/{USER_ID}/-1/restore",
        f"/api/tools/woop/versions/{USER_ID}/1.5/restore",
        "/api/tools/woop/versions/nope/1/restore",
    ],
)
def test_a_malformed_id_in_the_path_is_a_json_404(client: FlaskClient, path: str) -> None:
    method = client.post if path.endswith("restore") else client.get

    error(method(path), 404, "NOT_FOUND")


@pytest.mark.parametrize(
    ("method", "path", "body", "field"),
    [
        ("put", f"/api/admin/users/{USER_ID}/role", {}, "role"),
        ("put", f"/api/admin/users/{USER_ID}/role", {"role": ["admin"]}, "role"),
        ("post", "/api/admin/organizations", {"name": "Acme"}, "slug"),
        ("post", "/api/admin/organizations", {"name": 1, "slug": "acme"}, "name"),
        (
            "post",
            "/api/admin/organizations",
            {"name": "A", "slug": "a", "settings": []},
            "settings",
        ),
        ("post", "/api/admin/organizations", {"name": "A", "slug": "a", "colour": "red"}, "colour"),
        ("patch", f"/api/admin/organizations/{OTHER_ID}", {"nmae": "Acme"}, "nmae"),
        ("patch", f"/api/admin/organizations/{OTHER_ID}", {"settings": "x"}, "settings"),
        ("put", f"/api/admin/users/{USER_ID}/organization", {}, "organization_id"),
        (
            "put",
            f"/api/admin/users/{USER_ID}/organization",
            {"organization_id": "x"},
            "organization_id",
        ),
        (
            "put",
            f"/api/admin/users/{USER_ID}/organization",
            {"organization_id": 5},
            "organization_id",
        ),
        (
            "put",
            f"/api/admin/users/{USER_ID}/organization",
            {"organization_id": None, "move_work": "yes"},
            "move_work",
        ),
    ],
)
def test_admin_bodies_name_the_field_of_the_wrong_type(
    client: FlaskClient, method: str, path: str, body: dict[str, Any], field: str
) -> None:
    response = getattr(client, method)(path, json=body)

    assert error(response, 400, "INVALID_BODY")["details"] == {"field": field}


def test_an_organization_change_must_change_something(client: FlaskClient) -> None:
    error(client.patch(f"/api/admin/organizations/{OTHER_ID}", json={}), 400, "INVALID_BODY")


@pytest.mark.parametrize(
    "query",
    [
        "/api/admin/users?limit=ten",
        "/api/admin/users?limit=1.5",
        "/api/admin/users?limit=99999999999",
        "/api/admin/users?organization_id=acme",
        "/api/admin/audit?before_id=x",
    ],
)
def test_malformed_query_parameters_are_400(client: FlaskClient, query: str) -> None:
    failure = error(client.get(query), 400, "INVALID_PARAMETER")

    assert failure["details"]["parameter"] in query


@pytest.mark.parametrize(
    ("raw", "field"),
    [
        ('{"data": {"wish": "a\\u0000b"}, "version": 0}', "data"),
        ('{"data": {"a\\u0000": 1}, "version": 0}', "data"),
        ('{"data": {"list": [[{"x": "\\ud800"}]]}, "version": 0}', "data"),
        ('{"data": {}, "version": 0, "\\u0000": 1}', None),
    ],
)
def test_text_the_database_cannot_store_is_refused(
    client: FlaskClient, raw: str, field: str | None
) -> None:
    response = client.post("/api/tools/woop/data", data=raw, content_type="application/json")

    failure = error(response, 400, "INVALID_BODY")
    assert failure["details"] == ({"field": field} if field else {})


def test_a_nul_in_a_query_parameter_is_refused(client: FlaskClient) -> None:
    error(client.get("/api/admin/users?search=a%00b"), 400, "INVALID_PARAMETER")


def test_a_chunked_body_over_the_limit_is_413_not_cut_short(client: FlaskClient) -> None:
    # Valid JSON within the first 256 KiB: a body silently cut at the limit would be saved.
    body = b'{"data": {"wish": "x"}, "version": 0}' + b" " * (256 * 1024)

    response = client.post(
        "/api/tools/woop/data",
        input_stream=io.BytesIO(body),
        content_type="application/json",
        # What a server sets for Transfer-Encoding: chunked: no usable Content-Length.
        environ_overrides={"HTTP_TRANSFER_ENCODING": "chunked", "wsgi.input_terminated": True},
    )

    error(response, 413, "PAYLOAD_TOO_LARGE")
