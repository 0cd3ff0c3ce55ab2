"""Organization and program analytics over HTTP: the envelope and its meta, who may read which
view, and the PDFs (organization progress report, own progress page) read back as text."""

from __future__ import annotations

import io
import uuid

import pytest
from live_http import data_of, error_of
from pypdf import PdfReader

from support.analytics_org_cohort import Cohort, build_cohort


def login_as(live_server, conn, user_id) -> str:
    """Sign in over SSO as an existing user of the cohort."""
    row = conn.execute(
        "select lms_user_id, email, full_name from shared.users where id = %s", (user_id,)
    ).fetchone()
    return live_server.sso_login(row["lms_user_id"], row["email"], row["full_name"]).access_token


def login_new(live_server, conn, role: str) -> tuple[str, str]:
    done = live_server.sso_login()
    conn.execute("update shared.users set role = %s where id = %s", (role, done.user["id"]))
    return done.access_token, done.user["id"]


@pytest.fixture
def cast(live_server, conn) -> tuple[Cohort, dict[str, str]]:
    cohort = build_cohort(conn)
    tokens = {"a1": login_as(live_server, conn, cohort.members["a1"])}
    tokens["guru"], guru_id = login_new(live_server, conn, "guru")
    tokens["other_guru"], _ = login_new(live_server, conn, "guru")
    tokens["admin"], _ = login_new(live_server, conn, "admin")
    conn.execute(
        "insert into shared.organization_gurus (organization_id, user_id) values (%s, %s)",
        (cohort.organizations["A"], guru_id),
    )
    conn.execute("select shared.refresh_analytics()")
    return cohort, tokens


def get(live_server, token: str | None, path: str):
    return live_server.request("GET", path, token=token)


def pdf_text(response) -> str:
    assert response.status_code == 200, response.text
    assert response.headers["Content-Type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(response.content))
    return " ".join(page.extract_text() for page in reader.pages)


def test_an_organizations_view_and_who_may_read_it(live_server, cast):
    cohort, t = cast
    path = f"/api/analytics/organizations/{cohort.organizations['A']}"
    answer = get(live_server, t["guru"], path)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert set(body["meta"]) >= {"calculated_at", "source", "stale_after"}
    woop = body["data"]["funnel"][0]
    assert (woop["tool"]["slug"], woop["reached"], woop["completed"]) == ("woop", 7, 6)
    # organization B (4 members) for an admin: counts hidden
    other = data_of(
        get(live_server, t["admin"], f"/api/analytics/organizations/{cohort.organizations['B']}")
    )
    assert other["funnel"][0]["reached"] == {"too_few": True, "text": "too few to show"}
    for who in ("a1", "other_guru"):  # a member, another organization's guru: as unknown
        assert error_of(get(live_server, t[who], path))["code"] == "ORGANIZATION_NOT_FOUND"
    unknown = get(live_server, t["admin"], f"/api/analytics/organizations/{uuid.uuid4()}")
    assert unknown.status_code == 404
    assert get(live_server, None, path).status_code == 401


def test_the_program_view_is_for_admins(live_server, cast):
    _, t = cast
    for who in ("guru", "a1"):
        assert get(live_server, t[who], "/api/analytics/program").status_code == 403
    body = get(live_server, t["admin"], "/api/analytics/program").json()
    assert body["meta"]["source"] == "snapshot"
    assert body["data"]["program"]["summary"]["members"] == 17


def test_the_organization_report_as_pdf_and_json(live_server, conn, cast):
    cohort, t = cast
    path = f"/api/analytics/organizations/{cohort.organizations['A']}/export"
    text = pdf_text(get(live_server, t["guru"], path + "?format=pdf"))
    stalled = conn.execute(
        "select full_name from shared.users where id = %s", (cohort.members["a2"],)
    ).fetchone()["full_name"]
    for expected in ("Progress report", "Org A", "FUNNEL", "66.7%", "too few to show", stalled):
        assert expected in text, expected  # section titles are set in capitals
    assert "Help those who completed WOOP start the next sprint: 66.7% went on." in text
    document = get(live_server, t["guru"], path)
    assert document.status_code == 200
    assert document.headers["Content-Disposition"].startswith(
        'attachment; filename="fast-track-organization-report-'
    )
    assert document.json()["data"]["next_actions"][0]["kind"] == "check_in"
    assert get(live_server, t["a1"], path + "?format=pdf").status_code == 404
    bad = get(live_server, t["guru"], path + "?format=docx")
    assert (bad.status_code, error_of(bad)["code"]) == (400, "INVALID_PARAMETER")


def test_the_own_progress_page_as_pdf(live_server, conn, cast):
    cohort, t = cast
    name = conn.execute(
        "select full_name from shared.users where id = %s", (cohort.members["a1"],)
    ).fetchone()["full_name"]
    text = pdf_text(get(live_server, t["a1"], "/api/analytics/me/export?format=pdf"))
    # a1: woop and know-thyself completed; day 30, program median 1: one ahead
    for expected in ("My progress", name, "2 of 31 tools", "1 ahead of the program median", "WOOP"):
        assert expected in text, expected
