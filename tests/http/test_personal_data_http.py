"""A person's data over HTTP: the zip of everything about the caller (and, for admins, about
anyone), counted with the other exports, and the erasure: its answer, its repeat, its refusals,
and the erased person's token no longer working."""

from __future__ import annotations

import io
import json
import re
import uuid
import zipfile
from typing import Any

import pytest
from live_http import data_of, error_of, wait_for_fresh_rate_window

from support.person import tables_holding


def sign_in(live_server, conn, role: str = "user") -> tuple[str, dict[str, Any]]:
    login = live_server.sso_login()
    if role != "user":
        conn.execute("update shared.users set role = %s where id = %s", (role, login.user["id"]))
    return login.access_token, login.user


def unzip(response) -> dict[str, Any]:
    assert response.status_code == 200, response.text[:500]
    assert response.headers["Content-Type"] == "application/zip"
    disposition = response.headers["Content-Disposition"]
    assert re.fullmatch(
        r'attachment; filename="fast-track-personal-data-\d{4}-\d{2}-\d{2}\.zip"', disposition
    )
    with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
        assert archive.testzip() is None
        return {
            name: archive.read(name).decode()
            if name.endswith(".txt")
            else json.loads(archive.read(name))
            for name in archive.namelist()
        }


def test_the_caller_downloads_everything_about_them_as_a_zip(live_server, conn):
    token, user = sign_in(live_server, conn)
    marker = "mk" + uuid.uuid4().hex[:10]
    data_of(
        live_server.request(
            "POST",
            "/api/tools/woop/data",
            token=token,
            json={"data": {"wish": f"Sail around the world {marker}"}, "version": 0},
        )
    )

    files = unzip(live_server.request("GET", "/api/me/data-export", token=token))

    assert files["account.json"]["user"]["email"] == user["email"]
    woop = files["submissions/woop.json"]["submissions"]
    assert woop[0]["data"]["wish"].endswith(marker)
    assert len(files["sessions.json"]) == 1 and "token_hash" not in files["sessions.json"][0]
    assert "submissions/woop.json" in files["README.txt"]


def test_an_admin_downloads_anyones_archive_and_others_may_not(live_server, conn):
    admin_token, _ = sign_in(live_server, conn, role="admin")
    guru_token, _ = sign_in(live_server, conn, role="guru")
    _, member = sign_in(live_server, conn)
    path = f"/api/admin/users/{member['id']}/data-export"

    files = unzip(live_server.request("GET", path, token=admin_token))
    assert files["account.json"]["user"]["id"] == member["id"]
    assert error_of(live_server.request("GET", path, token=guru_token))["code"] == "FORBIDDEN"
    unknown = live_server.request(
        "GET", f"/api/admin/users/{uuid.uuid4()}/data-export", token=admin_token
    )
    assert unknown.status_code == 404 and error_of(unknown)["code"] == "USER_NOT_FOUND"


def test_archives_count_against_the_export_limit(live_server_factory, conn):
    server = live_server_factory(RATE_LIMIT_EXPORTS="2")
    token, _ = sign_in(server, conn)
    server.request(
        "POST", "/api/tools/woop/data", token=token, json={"data": {"wish": "w"}, "version": 0}
    )
    wait_for_fresh_rate_window()
    assert server.request("GET", "/api/tools/woop/export", token=token).status_code == 200
    assert server.request("GET", "/api/me/data-export", token=token).status_code == 200
    third = server.request("GET", "/api/me/data-export", token=token)
    assert third.status_code == 429 and error_of(third)["code"] == "RATE_LIMITED"
    assert "Retry-After" in third.headers


def test_an_admin_erases_a_user_once_and_their_token_stops_working(live_server, conn):
    admin_token, admin = sign_in(live_server, conn, role="admin")
    member_token, member = sign_in(live_server, conn)
    data_of(
        live_server.request(
            "POST",
            "/api/tools/cash/data",
            token=member_token,
            json={"data": {"note": "runway 14 months"}, "version": 0},
        )
    )
    path = f"/api/admin/users/{member['id']}"

    erased = data_of(
        live_server.request("DELETE", path, token=admin_token, json={"reason": "LMS request"})
    )
    assert erased["status"] == "erased" and erased["user_id"] == member["id"]
    assert erased["removed"]["submissions"] == 1
    assert tables_holding(conn, [member["id"], member["email"]]) == {}

    again = data_of(live_server.request("DELETE", path, token=admin_token))
    assert again == {
        "status": "already_erased",
        "user_id": member["id"],
        "erased_at": erased["erased_at"],
    }
    gone = live_server.request("GET", "/api/auth/me", token=member_token)
    assert gone.status_code == 401
    audit = data_of(live_server.request("GET", "/api/admin/audit", token=admin_token))
    assert audit[0]["action"] == "erase_user" and audit[0]["reason"] == "LMS request"
    assert audit[0]["actor_id"] == admin["id"]


@pytest.mark.parametrize(
    ("who", "body", "status", "code"),
    [
        ("self", None, 409, "CANNOT_ERASE_SELF"),
        ("unknown", None, 404, "USER_NOT_FOUND"),
        ("member", {"why": "x"}, 400, "INVALID_BODY"),
        ("member", {"reason": "r" * 501}, 422, "INVALID_REASON"),
    ],
)
def test_an_erasure_refused(live_server, conn, who, body, status, code):
    admin_token, admin = sign_in(live_server, conn, role="admin")
    _, member = sign_in(live_server, conn)
    target = {"self": admin["id"], "unknown": str(uuid.uuid4()), "member": member["id"]}[who]
    response = live_server.request(
        "DELETE", f"/api/admin/users/{target}", token=admin_token, json=body
    )
    assert response.status_code == status, response.text
    assert error_of(response)["code"] == code
