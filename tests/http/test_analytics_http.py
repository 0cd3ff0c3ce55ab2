"""Analytics over HTTP: the envelope's meta, who may see whom (404 otherwise), the refresh's
limit (429 with Retry-After), ANALYTICS_MIN_GROUP reaching SQL, and sign-ins as facts."""

from __future__ import annotations

import uuid
from typing import Any

from live_http import data_of, error_of, refresh_cookie_of

from support.analytics_cohort import Cohort, build_cohort


def login_as(live_server, conn, user_id: Any) -> str:
    user = conn.execute(
        "select lms_user_id, email, full_name from shared.users where id = %s", (user_id,)
    ).fetchone()
    return live_server.sso_login(user["lms_user_id"], user["email"], user["full_name"]).access_token


def logins(conn, user_id: Any) -> int:
    return conn.execute(
        "select count(*) as n from shared.activity_facts where user_id = %s and kind = 'login'",
        (user_id,),
    ).fetchone()["n"]


def test_my_analytics_and_another_users_with_the_meta(live_server, conn):
    cohort: Cohort = build_cohort(conn)
    steady = login_as(live_server, conn, cohort.id("steady"))
    guru = login_as(live_server, conn, cohort.guru)

    mine = live_server.request("GET", "/api/analytics/me", token=steady)
    assert mine.status_code == 200, mine.text
    body = mine.json()
    assert body["data"]["user_id"] == str(cohort.id("steady"))
    assert body["data"]["dropoff_risk"]["score"] == 43
    assert body["meta"]["source"] == "live"
    assert body["meta"]["percentiles"]["source"] == "snapshot"

    path = f"/api/analytics/users/{cohort.id('stuck')}"
    assert data_of(live_server.request("GET", path, token=guru))["engagement_status"] == "active"
    for token, user in (
        (steady, cohort.id("stuck")),
        (guru, cohort.id("steady")),
        (guru, uuid.uuid4()),
    ):
        refused = live_server.request("GET", f"/api/analytics/users/{user}", token=token)
        assert refused.status_code == 404
        assert error_of(refused)["code"] == "USER_NOT_FOUND"
    assert live_server.request("GET", "/api/analytics/me").status_code == 401


def test_the_minimum_group_setting_hides_a_percentile_of_five(live_server_factory, conn):
    cohort = build_cohort(conn)
    server = live_server_factory(ANALYTICS_MIN_GROUP="6")
    token = login_as(server, conn, cohort.id("stuck"))
    struggle = data_of(server.request("GET", "/api/analytics/me", token=token))["struggle"]
    assert struggle["current_tool_p85_days"] == {"too_few": True, "text": "too few to show"}
    assert struggle["struggling"] is False


def test_refresh_three_times_an_hour_then_429_with_retry_after(live_server, conn):
    cohort = build_cohort(conn)
    guru = login_as(live_server, conn, cohort.guru)
    for _ in range(3):
        answer = data_of(live_server.request("POST", "/api/analytics/refresh", token=guru))
        assert {r["view"] for r in answer["refreshed"]} >= {"shared.analytics_tool_times"}
    limited = live_server.request("POST", "/api/analytics/refresh", token=guru)
    assert limited.status_code == 429
    assert error_of(limited)["code"] == "RATE_LIMITED"
    assert 3590 <= int(limited.headers["Retry-After"]) <= 3600
    user = login_as(live_server, conn, cohort.id("steady"))
    forbidden = live_server.request("POST", "/api/analytics/refresh", token=user)
    assert forbidden.status_code == 403 and error_of(forbidden)["code"] == "FORBIDDEN"


def test_a_sign_in_is_a_fact_and_a_refresh_after_an_hour_another(live_server, conn):
    login = live_server.sso_login()
    user_id = login.user["id"]
    assert logins(conn, user_id) == 1
    first = live_server.request("POST", "/api/auth/refresh", cookie=login.refresh_token)
    assert first.status_code == 200 and logins(conn, user_id) == 1  # the same visit
    conn.execute(
        "update shared.activity_facts set occurred_at = now() - interval '61 minutes'"
        " where user_id = %s and kind = 'login'",
        (user_id,),
    )
    again = live_server.request("POST", "/api/auth/refresh", cookie=refresh_cookie_of(first))
    assert again.status_code == 200 and logins(conn, user_id) == 2  # a new visit
