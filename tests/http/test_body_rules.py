"""One rule for every request body and parameter, the one the OpenAPI document states: bodies
are closed (an unknown field is a 400), an integer is any integral JSON number, an empty change
is refused, and ids take their column's whole range.
"""

from __future__ import annotations

import pytest
from live_http import count_rows, data_of, error_of

KEPT = {"wish": "kept"}


@pytest.fixture
def leader(live_server):
    login = live_server.sso_login()
    saved = data_of(
        live_server.request(
            "POST", "/api/tools/woop/data", token=login.access_token,
            json={"data": KEPT, "version": 0},
        )
    )  # fmt: skip
    assert saved["version"] == 1
    return login


@pytest.fixture
def admin_token(live_server, conn):
    login = live_server.sso_login()
    conn.execute("update shared.users set role = 'admin' where id = %s", (login.user["id"],))
    return login.access_token


@pytest.mark.parametrize(
    ("endpoint", "body"),
    [
        ("data", {"data": {"wish": "typo"}, "version": 1, "verison": 1}),
        ("submit", {"version": 1, "data": {"wish": "typo"}, "force": True}),
    ],
)
def test_an_unknown_field_of_a_tool_body_is_400_and_writes_nothing(
    live_server, leader, conn, endpoint, body
):
    versions = count_rows(conn, "shared.submission_versions")

    response = live_server.request(
        "POST", f"/api/tools/woop/{endpoint}", token=leader.access_token, json=body
    )

    assert response.status_code == 400, response.text
    error = error_of(response)
    assert error["code"] == "INVALID_BODY"
    assert error["details"]["field"] in {"verison", "force"}
    assert count_rows(conn, "shared.submission_versions") == versions


def test_an_unknown_sso_field_is_400(live_server):
    fields = {**live_server.sso_fields("lw-extra", "extra@example.com", "Extra"), "role": "admin"}

    response = live_server.request("POST", "/api/auth/sso", json=fields)

    assert response.status_code == 400, response.text
    assert error_of(response)["details"]["field"] == "role"


@pytest.mark.parametrize("written", ["1.0", "1e0", "0.1e1"])
def test_a_version_written_as_an_integral_number_is_that_integer(live_server, leader, written):
    body = b'{"data": {"wish": "again"}, "version": ' + written.encode() + b"}"

    response = live_server.request(
        "POST", "/api/tools/woop/data", token=leader.access_token, data=body,
        headers={"Content-Type": "application/json"},
    )  # fmt: skip

    assert data_of(response)["version"] == 2


def test_a_version_with_a_fraction_is_400(live_server, leader):
    response = live_server.request(
        "POST", "/api/tools/woop/data", token=leader.access_token,
        json={"data": {"wish": "again"}, "version": 1.5},
    )  # fmt: skip

    assert response.status_code == 400
    assert error_of(response)["details"]["field"] == "version"


@pytest.mark.parametrize("before_id", [2**31, 2**63 - 1])
def test_the_audit_list_takes_any_bigint_before_id(live_server, admin_token, before_id):
    response = live_server.request(
        "GET", f"/api/admin/audit?before_id={before_id}", token=admin_token
    )

    assert isinstance(data_of(response), list)


def test_a_before_id_beyond_bigint_is_400(live_server, admin_token):
    response = live_server.request("GET", f"/api/admin/audit?before_id={2**63}", token=admin_token)

    assert response.status_code == 400
    assert error_of(response)["code"] == "INVALID_PARAMETER"


def test_an_empty_organization_change_is_400(live_server, admin_token, conn):
    created = data_of(
        live_server.request(
            "POST", "/api/admin/organizations", token=admin_token,
            json={"name": "Initech", "slug": "initech"},
        ),
        201,
    )  # fmt: skip

    response = live_server.request(
        "PATCH", f"/api/admin/organizations/{created['id']}", token=admin_token, json={}
    )

    assert response.status_code == 400
    assert error_of(response)["code"] == "INVALID_BODY"
