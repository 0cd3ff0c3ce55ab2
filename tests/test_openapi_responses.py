"""The OpenAPI document tells the truth: real answers of a migrated database match its schemas.

One walk through the API as an admin (who may call everything), each answer validated against
the response schema the document gives for that route, method and status.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from typing import Any

import psycopg
import pytest
from flask import Flask
from flask.testing import FlaskClient
from openapi_schema_validator import OAS31Validator

from fasttrack import create_app, tokens
from fasttrack.settings import Settings
from fasttrack.web import DB_EXTENSION
from fasttrack.web.openapi import document
from support.outbox import fail_due_events
from support.program import answers_for

# The document an app serves: generated from its routes when the app is created.
DOCUMENT = document(create_app(Settings(env="test", jwt_secret_key="d" * 32)))


@pytest.fixture
def app(database_url: str) -> Iterator[Flask]:
    app = create_app(Settings(env="test", jwt_secret_key="r" * 32), database_url=database_url)
    yield app
    app.extensions[DB_EXTENSION].close()


def make_user(conn: psycopg.Connection[Any], email: str, role: str) -> dict[str, Any]:
    row = conn.execute(
        "insert into shared.users (email, full_name, role, lms_user_id) values (%s, %s, %s, %s)"
        " returning id, role, organization_id",
        (email, email.split("@")[0], role, f"lw-{email}"),
    ).fetchone()
    assert row is not None
    return {"id": str(row["id"]), "role": row["role"], "organization_id": row["organization_id"]}


class Checked:
    """A test client whose every answer is checked against the document."""

    def __init__(self, client: FlaskClient, token: str) -> None:
        self.client, self.token = client, token
        self.seen: set[tuple[str, str]] = set()

    def __call__(self, method: str, path: str, *, status: int = 200, **kwargs: Any) -> Any:
        response = self.client.open(
            path, method=method.upper(), headers={"Authorization": f"Bearer {self.token}"}, **kwargs
        )
        assert response.status_code == status, (method, path, response.get_json())
        template = _template(path.split("?")[0])
        self.seen.add((template, method))
        schema = DOCUMENT["paths"][template][method]["responses"][str(status)]
        if "$ref" in schema:
            schema = DOCUMENT["components"]["responses"][schema["$ref"].rsplit("/", 1)[1]]
        body_schema = schema["content"]["application/json"]["schema"]
        validator = OAS31Validator({**body_schema, "components": DOCUMENT["components"]})
        errors = [
            f"{list(e.absolute_path)}: {e.message}"
            for e in validator.iter_errors(response.get_json())
        ]
        assert not errors, (method, path, errors[:5])
        return response.get_json().get("data")


def _template(path: str) -> str:
    for template in DOCUMENT["paths"]:
        pattern = "^" + re.sub(r"\{[^}]+\}", "[^/]+", template) + "$"
        if re.match(pattern, path):
            return template
    raise AssertionError(f"{path} is not in the document")


def test_answers_match_the_documented_schemas(app: Flask, conn: psycopg.Connection[Any]) -> None:
    admin = make_user(conn, "admin@example.com", "admin")
    guru = make_user(conn, "guru@example.com", "guru")
    with app.app_context():
        call = Checked(app.test_client(), tokens.access_token(admin))

    call("get", "/api/auth/me")
    call("get", "/api/tools")
    call("get", "/api/tools/know-thyself")
    call("get", "/api/tools/know-thyself/data")
    call("get", "/api/tools/know-thyself/schema")
    answers = {
        "identity": {"personal_dream": "A company that runs itself", "purpose": "Help people grow"}
    }
    saved = call("post", "/api/tools/know-thyself/data", json={"data": answers, "version": 0})
    call("post", "/api/tools/know-thyself/data", json={"data": {**answers, "x": 1}, "version": 1})
    submitted = call("post", "/api/tools/know-thyself/submit", json={"version": 2})
    assert [tool["slug"] for tool in submitted["unlocked_tools"]] == ["dream"]
    call("get", "/api/tools/dream/dependencies")
    versions = call("get", "/api/tools/know-thyself/versions")
    assert versions
    submission = saved["submission_id"]
    call("get", f"/api/tools/know-thyself/versions/{submission}/1")
    call("post", f"/api/tools/know-thyself/versions/{submission}/1/restore", json={"version": 3})
    call("post", "/api/tools/know-thyself/start-over")
    call("get", "/api/progress")
    call("get", f"/api/users/{admin['id']}/progress")
    call("get", f"/api/users/{admin['id']}/tools/know-thyself/data")
    call("get", "/api/tools/know-thyself/export")
    call("get", f"/api/users/{admin['id']}/tools/know-thyself/export?format=json")

    organization = call(
        "post", "/api/admin/organizations", status=201, json={"name": "Acme", "slug": "acme"}
    )
    org = organization["id"]
    call("patch", f"/api/admin/organizations/{org}", json={"settings": {"cohort": 3}})
    call("put", f"/api/admin/users/{guru['id']}/organization", json={"organization_id": org})
    call("put", f"/api/admin/users/{admin['id']}/organization", json={"organization_id": org})
    call("put", f"/api/admin/organizations/{org}/gurus/{guru['id']}")
    call("get", "/api/admin/organizations")
    call("get", f"/api/organizations/{org}/progress")
    coaching_walk(call, org, admin, guru)
    analytics_walk(call, admin)
    organization_analytics_walk(call, org)
    call("delete", f"/api/admin/organizations/{org}/gurus/{guru['id']}")
    call("get", f"/api/admin/users?organization_id={org}&search=example&limit=1")
    call("post", f"/api/admin/users/{guru['id']}/tools/values/unlock", json={"reason": "Late"})
    call("post", f"/api/admin/users/{guru['id']}/tools/values/lock")
    call("put", f"/api/admin/users/{guru['id']}/role", json={"role": "user"})
    call("get", "/api/admin/audit?limit=5")
    # Not configured here (no N8N_WEBHOOK_URL): the documented 503; tests/http/test_assist.py
    # checks the other answers against a stand-in n8n.
    call("post", "/api/tools/know-thyself/assist", json={"question": "Why?"}, status=503)
    call("get", "/api/admin/ai-requests?limit=5")
    [dead, *_] = fail_due_events(conn)  # the submit above recorded events
    call("get", "/api/admin/events?status=dead&limit=5")
    call("post", f"/api/admin/events/{dead}/retry")
    call("post", f"/api/admin/events/{dead}/retry", status=409)

    # A person's archive is a zip, as documented; erasing answers JSON (the guru goes last).
    for path in ("/api/me/data-export", f"/api/admin/users/{guru['id']}/data-export"):
        response = call.client.get(path, headers={"Authorization": f"Bearer {call.token}"})
        assert response.status_code == 200 and response.mimetype == "application/zip"
        assert (
            "application/zip"
            in DOCUMENT["paths"][_template(path)]["get"]["responses"]["200"]["content"]
        )
        call.seen.add((_template(path), "get"))
    call("delete", f"/api/admin/users/{guru['id']}", json={"reason": "Asked to be erased"})

    gamification_walk(call, org)

    # Documented errors have the error envelope too.
    call("get", f"/api/users/{uuid.uuid4()}/progress", status=404)
    call("get", "/api/tools/woop/export", status=404)  # NOTHING_TO_EXPORT
    call("get", "/api/tools/woop/export?format=docx", status=400)
    call("post", "/api/tools/values/data", json={"data": {}, "version": 0}, status=423)
    call("post", "/api/tools/dream/submit", json={"version": 0}, status=404)

    # The program report's PDF is a job: 202, the job pending, its file not there yet.
    conn.execute(
        "update shared.user_progress set status = 'unlocked'"
        " where user_id = %s and tool_slug = 'program-overview'",
        (admin["id"],),
    )
    report = answers_for("program-overview")
    call("post", "/api/tools/program-overview/data", json={"data": report, "version": 0})
    job = call("get", "/api/tools/program-overview/export?format=pdf", status=202)
    call("get", f"/api/exports/{job['id']}")
    call("get", f"/api/exports/{job['id']}/file", status=409)  # EXPORT_NOT_READY

    authenticated = {
        (path, method)
        for path, item in DOCUMENT["paths"].items()
        for method, operation in item.items()
        if operation["security"] == [{"bearerAuth": []}]
    }
    assert authenticated - call.seen == set()


def organization_analytics_walk(call: Checked, org: str) -> None:
    """Organization and program analytics, and their reports as JSON."""
    call("get", f"/api/analytics/organizations/{org}")
    call("get", "/api/analytics/program")
    call("get", f"/api/analytics/organizations/{org}/export")
    call("get", "/api/analytics/me/export")


def analytics_walk(call: Checked, admin: dict[str, Any]) -> None:
    """The per-user analytics and the refresh, as the admin (who has work in tools here)."""
    call("get", "/api/analytics/me")
    call("get", f"/api/analytics/users/{admin['id']}")
    call("post", "/api/analytics/refresh")


def coaching_walk(call: Checked, org: str, admin: dict[str, Any], guru: dict[str, Any]) -> None:
    """Every coaching route once, as the admin (a member of the organization here)."""
    call("get", "/api/organizations?limit=5")
    call("get", f"/api/organizations/{org}/dashboard")
    base = f"/api/organizations/{org}/tools/woop"
    call("put", base + "/schedule", json={"meeting_at": "2030-01-01T10:00"})
    call("get", f"/api/organizations/{org}/schedule")
    call("post", base + "/nudge")
    call("put", base + "/meeting", json={"notes": {"decisions": "Go"}, "version": 0})
    call("get", base + "/meeting")
    call("get", base + "/meeting/history")
    call("get", base + "/decision")  # none yet: version 0, data null
    call("put", base + "/decision", json={"data": answers_for("woop"), "version": 0})
    call("put", base + "/decision", json={"data": {"wish": 5}, "version": 1}, status=422)
    call("get", base + "/decision/history")
    call("get", base + "/decision")
    call("get", base + "/team")
    item = call(
        "post",
        base + "/action-items",
        status=201,
        json={"task": "Do it", "owner_id": admin["id"], "due": "2030-01-01"},
    )
    call("patch", f"/api/action-items/{item['id']}", json={"status": "done"})
    call("get", f"/api/organizations/{org}/action-items?status=done")
    call("get", "/api/me/action-items")
    call("get", base + "/team/export")  # the team report: the decision and action item above
    archive = f"/api/organizations/{org}/export"  # a zip the worker builds: 202 and a job
    assert call("get", archive, status=202)["kind"] == "organization_export"
    for path in (_template(archive), "/api/exports/{job_id}/file"):
        assert "application/zip" in DOCUMENT["paths"][path]["get"]["responses"]["200"]["content"]
    group = call("post", "/api/admin/groups", status=201, json={"name": "Cohort"})
    call("patch", f"/api/admin/groups/{group['id']}", json={"name": "Cohort 1"})
    call("get", "/api/admin/groups")
    call("put", f"/api/admin/organizations/{org}/group", json={"group_id": group["id"]})
    call("put", f"/api/admin/groups/{group['id']}/gurus/{guru['id']}")
    call("delete", f"/api/admin/groups/{group['id']}/gurus/{guru['id']}")
    call("put", f"/api/admin/organizations/{org}/group", json={"group_id": None})
    call("delete", f"/api/admin/groups/{group['id']}")


def gamification_walk(call: Checked, org: str) -> None:
    """Every gamification route once, as the admin (a member of the organization here)."""
    call("get", "/api/gamification/me")
    call("get", f"/api/gamification/leaderboard?organization_id={org}")
    call("get", f"/api/gamification/leaderboard?organization_id={uuid.uuid4()}", status=404)
    call("put", "/api/gamification/me/preferences", json={"leaderboard": False})
    call("put", "/api/gamification/me/preferences", json={"leaderboard": 1}, status=400)
