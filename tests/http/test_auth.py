"""Authentication over HTTP: LearnWorlds SSO, access tokens, refresh rotation, rate limits and
the LearnWorlds webhook. Every attempt is a real request; its effect is read from the database."""

from __future__ import annotations

import hashlib
import json
import time
import uuid
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from live_http import (
    REFRESH_COOKIE,
    count_rows,
    data_of,
    error_of,
    jwt_parts,
    refresh_cookie_of,
    set_cookies,
    wait_for_fresh_rate_window,
    webhook_signature,
)

from fasttrack.tokens import access_token
from support.program import expected_open_tools, required_sources

ACCESS_TOKEN_SECONDS = 24 * 3600  # the contract: access tokens live 24 h
REFRESH_TOKEN_SECONDS = 7 * 24 * 3600  # refresh tokens 7 days
SSO_WINDOW_SECONDS = 300  # a signed SSO request is accepted within 300 s of its timestamp
LEARNWORLDS_CONFIG = Path(__file__).resolve().parents[2] / "config" / "learnworlds.json"


def _auth_state(conn) -> dict[str, int]:
    """What a login may write: users and refresh tokens."""
    return {
        "users": count_rows(conn, "shared.users"),
        "refresh_tokens": count_rows(conn, "shared.refresh_tokens"),
    }


def _cleared(response) -> bool:
    """Whether the response clears the refresh cookie (empty value or expired at once)."""
    cookie = set_cookies(response).get(REFRESH_COOKIE)
    if cookie is None:
        return False
    morsel = cookie[REFRESH_COOKIE]
    return morsel.value == "" or morsel["max-age"] == "0" or "1970" in morsel["expires"]


# --- SSO ---------------------------------------------------------------------------------------


def test_a_signed_sso_login_creates_the_user_and_returns_a_24_hour_bearer_token(live_server, conn):
    before = count_rows(conn, "shared.users")
    fields = live_server.sso_fields("lw-100", "lead@example.com", "Lea Lead")

    response = live_server.request("POST", "/api/auth/sso", json=fields)

    data = data_of(response)
    assert data["token_type"] == "Bearer"
    assert data["expires_in"] == ACCESS_TOKEN_SECONDS
    user = data["user"]
    assert (user["email"], user["full_name"], user["role"]) == (
        "lead@example.com",
        "Lea Lead",
        "user",
    )
    _, claims = jwt_parts(data["access_token"])
    assert claims["sub"] == user["id"]
    assert claims["exp"] - claims["iat"] == ACCESS_TOKEN_SECONDS
    assert count_rows(conn, "shared.users") == before + 1
    stored = conn.execute(
        "select id::text, email, full_name, last_login from shared.users where lms_user_id = %s",
        ("lw-100",),
    ).fetchone()
    assert (stored["id"], stored["email"], stored["full_name"]) == (
        user["id"],
        "lead@example.com",
        "Lea Lead",
    )
    assert stored["last_login"] is not None
    me = data_of(live_server.request("GET", "/api/auth/me", token=data["access_token"]))
    assert me["id"] == user["id"]


def test_signing_in_again_updates_the_same_user(live_server, conn):
    first = live_server.sso_login("lw-200", "old@example.com", "Old Name")

    second = live_server.sso_login("lw-200", "new@example.com", "New Name")

    assert second.user["id"] == first.user["id"]
    assert count_rows(conn, "shared.users", "lms_user_id = %s", "lw-200") == 1
    me = data_of(live_server.request("GET", "/api/auth/me", token=second.access_token))
    assert (me["email"], me["full_name"]) == ("new@example.com", "New Name")


def test_a_signature_a_minute_old_is_still_accepted(live_server):
    fields = live_server.sso_fields(
        "lw-300", "minute@example.com", "Min Ute", timestamp=int(time.time()) - 60
    )

    assert live_server.request("POST", "/api/auth/sso", json=fields).status_code == 200


def _wrong_secret(server, fields):
    return server.sso_fields(
        fields["user_id"], fields["email"], fields["name"], secret="another-secret-" + "x" * 40
    )


def _tampered_email(server, fields):
    return {**fields, "email": "attacker@example.com"}


def _stale(server, fields):
    then = int(time.time()) - SSO_WINDOW_SECONDS - 100
    return server.sso_fields(fields["user_id"], fields["email"], fields["name"], timestamp=then)


def _future(server, fields):
    later = int(time.time()) + SSO_WINDOW_SECONDS + 100
    return server.sso_fields(fields["user_id"], fields["email"], fields["name"], timestamp=later)


def _missing(name):
    def build(server, fields):
        return {key: value for key, value in fields.items() if key != name}

    build.__name__ = f"_missing_{name}"
    return build


def _not_a_timestamp(server, fields):
    return {**fields, "timestamp": "yesterday"}


def _empty_signature(server, fields):
    return {**fields, "signature": ""}


BAD_SSO = [
    _wrong_secret,
    _tampered_email,
    _stale,
    _future,
    _not_a_timestamp,
    _empty_signature,
    *[_missing(name) for name in ("user_id", "email", "name", "timestamp", "signature")],
]


@pytest.mark.parametrize("spoil", BAD_SSO, ids=lambda f: f.__name__.lstrip("_"))
def test_an_sso_request_that_is_not_validly_signed_is_401_and_writes_nothing(
    live_server, conn, spoil
):
    fields = live_server.sso_fields("lw-bad", "bad@example.com", "Bad Actor")
    before = _auth_state(conn)

    response = live_server.request("POST", "/api/auth/sso", json=spoil(live_server, fields))

    assert response.status_code == 401, response.text
    assert error_of(response)["code"] == "SSO_INVALID"
    assert refresh_cookie_of(response) is None
    assert _auth_state(conn) == before
    assert count_rows(conn, "shared.users", "lms_user_id = 'lw-bad'") == 0


def test_a_signature_over_a_name_with_the_separator_cannot_register_another_email(
    live_server, conn
):
    """Eve gets a genuine link for her own account with the name `victim@...|Eve`; the signed
    text re-split says user `lw-eve|eve@...`, email `victim@...`. It must not register the
    victim's email, or the victim's own sign-in is locked out with 409 EMAIL_TAKEN."""
    tag = uuid.uuid4().hex[:8]
    victim = f"victim-{tag}@example.com"
    genuine = live_server.sso_fields(f"lw-eve-{tag}", f"eve-{tag}@example.com", f"{victim}|Eve")
    forged = {
        **genuine,
        "user_id": f"{genuine['user_id']}|{genuine['email']}",
        "email": victim,
        "name": "Eve",
    }

    response = live_server.request("POST", "/api/auth/sso", json=forged)

    assert response.status_code == 401, response.text
    assert error_of(response) | {"message": ""} == {
        "code": "SSO_INVALID",
        "message": "",
        "details": {"reason": "separator_in_field"},
    }
    assert count_rows(conn, "shared.users", f"email = '{victim}'") == 0
    assert live_server.sso_login(f"lw-victim-{tag}", victim, "Vic Tim").user["email"] == victim


def test_an_sso_request_with_a_bad_signature_by_link_is_401_not_a_redirect(live_server, conn):
    fields = live_server.sso_fields("lw-bad", "bad@example.com", "Bad Actor")
    before = _auth_state(conn)

    response = live_server.request(
        "GET", "/api/auth/sso", params={**fields, "email": "other@example.com"}
    )

    assert response.status_code == 401
    assert error_of(response)["code"] == "SSO_INVALID"
    assert _auth_state(conn) == before


def test_a_replayed_sso_signature_is_refused(live_server, conn):
    fields = live_server.sso_fields("lw-400", "replay@example.com", "Re Play")
    assert live_server.request("POST", "/api/auth/sso", json=fields).status_code == 200
    before = _auth_state(conn)

    replay = live_server.request("POST", "/api/auth/sso", json=fields)

    assert replay.status_code == 401
    assert error_of(replay)["code"] == "SSO_REPLAYED"
    assert refresh_cookie_of(replay) is None
    assert _auth_state(conn) == before


def test_the_sso_link_redirects_to_the_frontend_with_the_token_in_the_fragment(live_server):
    fields = live_server.sso_fields("lw-500", "link@example.com", "Lin K")

    response = live_server.request("GET", "/api/auth/sso", params=fields)

    assert response.status_code == 302
    location = response.headers["Location"]
    frontend = live_server.env["FRONTEND_URL"]
    assert location.startswith(frontend + "#")
    parts = urlsplit(location)
    assert parts.query == ""  # the token never travels in a query string (server logs)
    fragment = {key: values[0] for key, values in parse_qs(parts.fragment).items()}
    assert fragment["token_type"] == "Bearer"
    assert int(fragment["expires_in"]) == ACCESS_TOKEN_SECONDS
    me = data_of(live_server.request("GET", "/api/auth/me", token=fragment["access_token"]))
    assert me["lms_user_id"] == "lw-500"
    assert refresh_cookie_of(response)


@pytest.mark.parametrize("method", ["POST", "GET"])
def test_the_refresh_cookie_is_httponly_secure_strict_and_scoped_to_auth(live_server, method):
    fields = live_server.sso_fields("lw-600", "cookie@example.com", "Coo Kie")
    if method == "POST":
        response = live_server.request("POST", "/api/auth/sso", json=fields)
    else:
        response = live_server.request("GET", "/api/auth/sso", params=fields)

    cookie = set_cookies(response)[REFRESH_COOKIE][REFRESH_COOKIE]

    assert len(cookie.value) >= 32
    assert cookie["httponly"] is True
    assert cookie["secure"] is True
    assert cookie["samesite"].lower() == "strict"
    assert cookie["path"] == "/api/auth"
    assert int(cookie["max-age"]) == REFRESH_TOKEN_SECONDS


def test_the_database_keeps_only_a_hash_of_the_refresh_token(live_server, conn):
    login = live_server.sso_login()

    rows = conn.execute(
        "select token_hash from shared.refresh_tokens where user_id = %s", (login.user["id"],)
    ).fetchall()

    assert len(rows) == 1
    assert bytes(rows[0]["token_hash"]) == hashlib.sha256(login.refresh_token.encode()).digest()


# --- refresh and logout -----------------------------------------------------------------------


def test_refresh_rotates_the_token_and_the_new_one_keeps_working(live_server):
    login = live_server.sso_login()

    first = live_server.request("POST", "/api/auth/refresh", cookie=login.refresh_token)

    data = data_of(first)
    rotated = refresh_cookie_of(first)
    assert rotated and rotated != login.refresh_token
    me = data_of(live_server.request("GET", "/api/auth/me", token=data["access_token"]))
    assert me["id"] == login.user["id"]
    second = live_server.request("POST", "/api/auth/refresh", cookie=rotated)
    assert second.status_code == 200
    assert refresh_cookie_of(second) not in (None, rotated, login.refresh_token)


def test_a_rotated_refresh_token_fails_and_its_reuse_revokes_the_whole_family(live_server):
    login = live_server.sso_login()
    newest = refresh_cookie_of(
        live_server.request("POST", "/api/auth/refresh", cookie=login.refresh_token)
    )
    assert newest

    reuse = live_server.request("POST", "/api/auth/refresh", cookie=login.refresh_token)

    assert reuse.status_code == 401
    assert error_of(reuse)["code"] == "REFRESH_INVALID"
    assert _cleared(reuse)
    after = live_server.request("POST", "/api/auth/refresh", cookie=newest)
    assert after.status_code == 401
    assert error_of(after)["code"] == "REFRESH_INVALID"


def test_a_reused_token_revokes_only_its_own_family(live_server):
    lms_id = f"lw-{uuid.uuid4().hex[:8]}"
    laptop = live_server.sso_login(lms_id, f"{lms_id}@example.com", "Two Devices")
    # A second sign-in, a little later (the same second would be the same signature: a replay).
    phone = live_server.sso_login(
        lms_id, f"{lms_id}@example.com", "Two Devices", timestamp=int(time.time()) - 5
    )
    live_server.request("POST", "/api/auth/refresh", cookie=laptop.refresh_token)

    assert (
        live_server.request("POST", "/api/auth/refresh", cookie=laptop.refresh_token).status_code
        == 401
    )

    assert (
        live_server.request("POST", "/api/auth/refresh", cookie=phone.refresh_token).status_code
        == 200
    )


def test_logout_revokes_the_refresh_token_and_clears_the_cookie(live_server):
    login = live_server.sso_login()

    response = live_server.request("POST", "/api/auth/logout", cookie=login.refresh_token)

    assert response.status_code == 200
    assert _cleared(response)
    refused = live_server.request("POST", "/api/auth/refresh", cookie=login.refresh_token)
    assert refused.status_code == 401
    assert error_of(refused)["code"] == "REFRESH_INVALID"
    again = live_server.request("POST", "/api/auth/logout", cookie=login.refresh_token)
    assert again.status_code == 200


def _ended(response) -> None:
    """The answer to a token whose session has ended: the same 401 as any invalid token."""
    assert response.status_code == 401, response.text
    assert error_of(response)["code"] == "UNAUTHORIZED"
    assert response.headers["WWW-Authenticate"] == 'Bearer error="invalid_token"'


def test_logout_ends_the_sessions_access_tokens_at_once(live_server):
    login = live_server.sso_login()
    refreshed = live_server.request("POST", "/api/auth/refresh", cookie=login.refresh_token)
    tokens = [login.access_token, data_of(refreshed)["access_token"]]
    for token in tokens:  # verified and remembered by the worker
        assert live_server.request("GET", "/api/tools", token=token).status_code == 200

    live_server.request("POST", "/api/auth/logout", cookie=refresh_cookie_of(refreshed))

    for token in tokens:
        for path in ("/api/tools", "/api/auth/me", "/api/progress"):
            _ended(live_server.request("GET", path, token=token))
            _ended(live_server.request("GET", path, headers={"Authorization": f"bearer {token}"}))


def test_a_reused_refresh_token_ends_its_sessions_access_tokens_and_no_other(live_server):
    lms_id = f"lw-{uuid.uuid4().hex[:8]}"
    laptop = live_server.sso_login(lms_id, f"{lms_id}@example.com", "Stolen Cookie")
    phone = live_server.sso_login(
        lms_id, f"{lms_id}@example.com", "Stolen Cookie", timestamp=int(time.time()) - 5
    )
    rotated = live_server.request("POST", "/api/auth/refresh", cookie=laptop.refresh_token)
    thief = data_of(rotated)["access_token"]
    assert live_server.request("GET", "/api/tools", token=thief).status_code == 200

    reuse = live_server.request("POST", "/api/auth/refresh", cookie=laptop.refresh_token)

    assert error_of(reuse)["details"]["reason"] == "reused"
    for token in (laptop.access_token, thief):
        _ended(live_server.request("GET", "/api/tools", token=token))
    assert live_server.request("GET", "/api/tools", token=phone.access_token).status_code == 200


def test_an_access_token_names_its_session_and_refresh_keeps_it(live_server, conn):
    login = live_server.sso_login()
    refreshed = live_server.request("POST", "/api/auth/refresh", cookie=login.refresh_token)

    sessions = {
        jwt_parts(token)[1]["sid"]
        for token in (login.access_token, data_of(refreshed)["access_token"])
    }

    assert len(sessions) == 1
    rows = conn.execute(
        "select distinct family_id::text as family from shared.refresh_tokens where user_id = %s",
        (login.user["id"],),
    ).fetchall()
    assert [row["family"] for row in rows] == list(sessions)


def test_a_token_without_a_session_works_until_it_expires(live_server):
    """Tokens of create-user, and those issued before tokens named their session, have none."""
    login = live_server.sso_login()
    with live_server.app.app_context():
        token = access_token(login.user)
    assert "sid" not in jwt_parts(token)[1]

    live_server.request("POST", "/api/auth/logout", cookie=login.refresh_token)

    assert (
        data_of(live_server.request("GET", "/api/auth/me", token=token))["id"] == login.user["id"]
    )


@pytest.mark.parametrize("cookie", [None, "", "not-a-token-we-ever-issued"])
def test_refresh_without_a_known_token_is_401(live_server, cookie):
    response = live_server.request("POST", "/api/auth/refresh", cookie=cookie)

    assert response.status_code == 401
    error_of(response)


# --- access tokens ----------------------------------------------------------------------------


def test_a_token_resigned_with_the_servers_secret_is_accepted(live_server):
    """Control for the forgeries below: the re-signing itself yields tokens the server takes."""
    login = live_server.sso_login()
    token = live_server.resign(login.access_token, exp=int(time.time()) + 600)

    assert live_server.request("GET", "/api/auth/me", token=token).status_code == 200


@pytest.mark.parametrize("scheme", ["bearer", "BEARER"])
def test_the_authorization_scheme_is_case_insensitive(live_server, scheme):
    login = live_server.sso_login()

    response = live_server.request(
        "GET", "/api/auth/me", headers={"Authorization": f"{scheme} {login.access_token}"}
    )

    assert data_of(response)["id"] == login.user["id"]


def _expired(server, token):
    now = int(time.time())
    return server.resign(token, iat=now - 2 * ACCESS_TOKEN_SECONDS, exp=now - 60)


def _other_secret(server, token):
    return server.resign(token, secret="another-jwt-secret-" + "z" * 40)


def _alg_none(server, token):
    return server.resign(token, secret=None)


def _garbage(server, token):
    return "garbage"


def _truncated(server, token):
    return token[: len(token) // 2]


def _unknown_user(server, token):
    return server.resign(token, sub=str(uuid.uuid4()))


def _unknown_session(server, token):
    return server.resign(token, sid=str(uuid.uuid4()))


def _malformed_session(server, token):
    return server.resign(token, sid="not-a-session")


BAD_TOKENS = [
    _expired,
    _other_secret,
    _alg_none,
    _garbage,
    _truncated,
    _unknown_user,
    _unknown_session,
    _malformed_session,
]


@pytest.mark.parametrize("forge", BAD_TOKENS, ids=lambda f: f.__name__.lstrip("_"))
def test_a_bad_access_token_is_401_with_a_json_error(live_server, forge):
    login = live_server.sso_login()
    token = forge(live_server, login.access_token)

    for method, path in [("GET", "/api/auth/me"), ("GET", "/api/tools"), ("GET", "/api/progress")]:
        response = live_server.request(method, path, token=token)
        assert response.status_code == 401, (path, response.text)
        error_of(response)


def test_a_request_without_a_token_is_401_with_a_json_error(live_server):
    response = live_server.request("GET", "/api/tools")

    assert response.status_code == 401
    error_of(response)


# --- rate limits ------------------------------------------------------------------------------


def test_failed_sso_attempts_from_one_ip_are_limited_but_a_valid_login_still_gets_in(
    live_server_factory, conn
):
    server = live_server_factory(RATE_LIMIT_SSO_FAILURES="3")
    limit = int(server.env["RATE_LIMIT_SSO_FAILURES"])
    wait_for_fresh_rate_window()
    bad = {**server.sso_fields("lw-700", "f@example.com", "F"), "signature": "0" * 64}

    statuses = [server.request("POST", "/api/auth/sso", json=bad).status_code for _ in range(limit)]
    limited = server.request("POST", "/api/auth/sso", json=bad)

    assert statuses == [401] * limit
    assert limited.status_code == 429
    assert error_of(limited)["code"] == "RATE_LIMITED"
    assert 1 <= int(limited.headers["Retry-After"]) <= 60
    # A whole workshop behind one address: correct logins are not throttled by IP.
    for n in range(3):
        login = server.sso_login(f"lw-ok-{n}", f"ok{n}@example.com", f"Ok {n}")
        assert login.access_token
    assert server.request("POST", "/api/auth/sso", json=bad).status_code == 429
    assert count_rows(conn, "shared.users", "lms_user_id = 'lw-700'") == 0


def test_requests_beyond_the_per_user_limit_are_429_with_retry_after(live_server_factory):
    server = live_server_factory(RATE_LIMIT_DEFAULT="3")
    limit = int(server.env["RATE_LIMIT_DEFAULT"])
    busy = server.client(server.sso_login().access_token)
    calm = server.client(server.sso_login().access_token)
    wait_for_fresh_rate_window()

    statuses = [busy.get("/api/tools").status_code for _ in range(limit)]
    limited = busy.get("/api/progress")

    assert statuses == [200] * limit
    assert limited.status_code == 429
    assert error_of(limited)["code"] == "RATE_LIMITED"
    assert 1 <= int(limited.headers["Retry-After"]) <= 60
    assert calm.get("/api/tools").status_code == 200  # the limit is per user


def test_refreshing_counts_against_the_per_user_limit(live_server_factory):
    server = live_server_factory(RATE_LIMIT_DEFAULT="2")
    limit = int(server.env["RATE_LIMIT_DEFAULT"])
    login = server.sso_login()
    wait_for_fresh_rate_window()
    for _ in range(limit):
        assert server.request("GET", "/api/auth/me", token=login.access_token).status_code == 200

    limited = server.request("POST", "/api/auth/refresh", cookie=login.refresh_token)

    assert limited.status_code == 429
    assert error_of(limited)["code"] == "RATE_LIMITED"
    assert 1 <= int(limited.headers["Retry-After"]) <= 60


# --- LearnWorlds webhook ----------------------------------------------------------------------


def _course_of_a_locked_tool() -> tuple[str, str]:
    """A course that config/learnworlds.json maps to a tool a new user has locked."""
    courses = json.loads(LEARNWORLDS_CONFIG.read_text(encoding="utf-8"))["courses"]
    initially_open = expected_open_tools(set())
    for course_id, slug in courses.items():
        if slug not in initially_open and required_sources(slug):
            return course_id, slug
    raise AssertionError("config/learnworlds.json maps no course to a tool that starts locked")


def _course_completed(lms_id: str, email: str, course_id: str, event_id: str | None) -> bytes:
    event = {
        "type": "courseCompleted",
        "data": {"user": {"id": lms_id, "email": email}, "course": {"id": course_id}},
    }
    if event_id is not None:
        event = {"id": event_id, **event}
    return json.dumps(event).encode()


def _tool_status(server, token, slug):
    return data_of(server.request("GET", f"/api/tools/{slug}", token=token))["status"]


def _progress_rows(conn, user_id):
    return conn.execute(
        "select tool_slug, status, xmin::text as row_version from shared.user_progress"
        " where user_id = %s order by tool_slug",
        (user_id,),
    ).fetchall()


def test_a_signed_course_completed_webhook_unlocks_the_mapped_tool(live_server, conn):
    course_id, slug = _course_of_a_locked_tool()
    login = live_server.sso_login("lw-800", "course@example.com", "Course Taker")
    assert _tool_status(live_server, login.access_token, slug) == "locked"
    body = _course_completed("lw-800", "course@example.com", course_id, f"evt-{uuid.uuid4()}")

    response = live_server.post_webhook(body)

    assert data_of(response)["status"] == "processed"
    assert _tool_status(live_server, login.access_token, slug) == "unlocked"
    statuses = {r["tool_slug"]: r["status"] for r in _progress_rows(conn, login.user["id"])}
    still_locked = {s for s, status in statuses.items() if status == "locked"}
    assert still_locked == set(statuses) - expected_open_tools(set()) - {slug}


@pytest.mark.parametrize("with_id", [True, False], ids=["event-id", "body-hash"])
def test_the_same_webhook_event_twice_is_reported_duplicate_and_changes_nothing(
    live_server, conn, with_id
):
    course_id, slug = _course_of_a_locked_tool()
    login = live_server.sso_login("lw-900", "dup@example.com", "Dup Licate")
    body = _course_completed(
        "lw-900", "dup@example.com", course_id, f"evt-{uuid.uuid4()}" if with_id else None
    )
    assert data_of(live_server.post_webhook(body))["status"] == "processed"
    progress_before = _progress_rows(conn, login.user["id"])
    events_before = count_rows(conn, "shared.webhook_events")
    audit_before = count_rows(conn, "shared.admin_audit")

    again = live_server.post_webhook(body)

    assert data_of(again)["status"] == "duplicate"
    assert _progress_rows(conn, login.user["id"]) == progress_before
    assert count_rows(conn, "shared.webhook_events") == events_before == 1
    assert count_rows(conn, "shared.admin_audit") == audit_before
    assert _tool_status(live_server, login.access_token, slug) == "unlocked"


def test_an_event_id_seen_before_is_a_duplicate_even_with_another_course(live_server, conn):
    course_id, slug = _course_of_a_locked_tool()
    login = live_server.sso_login("lw-901", "dup2@example.com", "Dup Two")
    event_id = f"evt-{uuid.uuid4()}"
    other_course = "a-course-that-is-not-mapped"
    assert data_of(
        live_server.post_webhook(
            _course_completed("lw-901", "x@example.com", other_course, event_id)
        )
    )["status"] in ("processed", "ignored")

    again = live_server.post_webhook(
        _course_completed("lw-901", "dup2@example.com", course_id, event_id)
    )

    assert data_of(again)["status"] == "duplicate"
    assert _tool_status(live_server, login.access_token, slug) == "locked"


def test_an_event_type_the_service_does_not_handle_is_ignored(live_server, conn):
    body = json.dumps({"id": f"evt-{uuid.uuid4()}", "type": "userUpdated", "data": {}}).encode()

    response = live_server.post_webhook(body)

    assert data_of(response)["status"] == "ignored"


def _signature_of_another_body(server, body):
    return webhook_signature(server.env["LEARNWORLDS_WEBHOOK_SECRET"], body + b" ")


def _signature_with_another_secret(server, body):
    return webhook_signature("another-webhook-secret-" + "q" * 40, body)


def _signature_without_scheme(server, body):
    return webhook_signature(server.env["LEARNWORLDS_WEBHOOK_SECRET"], body).removeprefix("v1=")


def _no_signature(server, body):
    return None


BAD_WEBHOOK_SIGNATURES = [
    _signature_of_another_body,
    _signature_with_another_secret,
    _signature_without_scheme,
    _no_signature,
]


@pytest.mark.parametrize(
    "signature_for", BAD_WEBHOOK_SIGNATURES, ids=lambda f: f.__name__.lstrip("_")
)
def test_a_webhook_without_a_valid_signature_is_401_and_changes_nothing(
    live_server, conn, signature_for
):
    course_id, slug = _course_of_a_locked_tool()
    login = live_server.sso_login("lw-950", "sig@example.com", "Sig Nature")
    body = _course_completed("lw-950", "sig@example.com", course_id, f"evt-{uuid.uuid4()}")

    response = live_server.post_webhook(body, signature=signature_for(live_server, body))

    assert response.status_code == 401
    assert error_of(response)["code"] == "WEBHOOK_SIGNATURE"
    assert count_rows(conn, "shared.webhook_events") == 0
    assert _tool_status(live_server, login.access_token, slug) == "locked"
