"""The client script everywhere; the demo pages and the development sign-in only in development."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from live_http import LiveServer, data_of, error_of, refresh_cookie_of, set_cookies

DEV_ONLY = [
    ("GET", "/dev/sign-in"),
    ("POST", "/dev/sign-in"),
    ("GET", "/tools/woop.html"),
    ("GET", "/tools/know-thyself.html"),
    ("GET", "/tools/sign-in.js"),
]


@pytest.mark.parametrize("env", ["test", "production"])
def test_outside_development_the_sign_in_and_demo_pages_do_not_exist(
    live_server_factory: Callable[..., LiveServer], database_url: str, env: str
) -> None:
    live = live_server_factory(FT_ENV=env, DATABASE_URL=database_url)
    for method, path in DEV_ONLY:
        answer = live.request(method, path, json={"email": "ada@example.com"})
        assert answer.status_code == 404, (method, path, answer.status_code)
        assert error_of(answer)["code"] == "NOT_FOUND"
    assert "/dev/sign-in" not in live.request("GET", "/api/openapi.json").json()["paths"]


def test_the_client_is_served_in_every_environment_with_cors(live_server: LiveServer) -> None:
    origin = live_server.env["CORS_ORIGINS"]
    script = live_server.request("GET", "/static/fasttrack-client.js", headers={"Origin": origin})
    assert script.status_code == 200
    assert script.headers["Content-Type"].startswith("text/javascript")
    assert script.headers["Access-Control-Allow-Origin"] == origin  # a module from elsewhere
    assert "export class ToolPage" in script.text
    types = live_server.request("GET", "/static/fasttrack-client.d.ts")
    assert types.status_code == 200 and "export declare class ToolPage" in types.text
    assert live_server.request("GET", "/static/nothing.js").status_code == 404


def test_in_development_an_email_signs_in_with_a_token_and_the_refresh_cookie(
    live_server_factory: Callable[..., LiveServer],
) -> None:
    live = live_server_factory(FT_ENV="development")
    page = live.request("GET", "/dev/sign-in")
    assert page.status_code == 200 and page.headers["Content-Type"].startswith("text/html")
    assert "script-src 'self'" in page.headers["Content-Security-Policy"]
    assert live.request("GET", "/tools/woop.html").status_code == 200

    answer = live.request("POST", "/dev/sign-in", json={"email": " Ada@Example.com "})
    tokens = data_of(answer)
    cookie = set_cookies(answer)["refresh_token"]["refresh_token"]
    assert cookie["samesite"] == "Strict" and cookie["secure"] and cookie["httponly"]
    me = data_of(live.request("GET", "/api/auth/me", token=tokens["access_token"]))
    assert (me["email"], me["full_name"]) == ("ada@example.com", "Ada")
    refreshed = live.request("POST", "/api/auth/refresh", cookie=refresh_cookie_of(answer))
    assert data_of(refreshed)["user"]["id"] == me["id"]
    again = data_of(live.request("POST", "/dev/sign-in", json={"email": "ada@example.com"}))
    assert again["user"]["id"] == me["id"]  # the same user, a new session

    bad = live.request("POST", "/dev/sign-in", json={"email": "not an email"})
    assert bad.status_code == 422, bad.text
    extra = live.request("POST", "/dev/sign-in", json={"email": "a@b.c", "role": "admin"})
    assert extra.status_code == 400 and error_of(extra)["code"] == "INVALID_BODY"


def test_the_refresh_cookie_takes_samesite_from_the_setting(
    live_server_factory: Callable[..., LiveServer],
) -> None:
    live = live_server_factory(FT_ENV="development", REFRESH_COOKIE_SAMESITE="None")
    answer = live.request("POST", "/dev/sign-in", json={"email": "grace@example.com"})
    cookie = set_cookies(answer)["refresh_token"]["refresh_token"]
    assert cookie["samesite"] == "None" and cookie["secure"]
    logout = live.request("POST", "/api/auth/logout", cookie=refresh_cookie_of(answer))
    cleared = set_cookies(logout)["refresh_token"]["refresh_token"]
    assert cleared["samesite"] == "None" and cleared.value == ""
