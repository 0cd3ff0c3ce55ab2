"""Helpers for tests of the service over real HTTP: serving the app on a free port, logging in
the way LearnWorlds does (a signed SSO request), reading cookies, envelopes and tokens.

Nothing here imitates the server: tokens come from POST /api/auth/sso, signed with the secret the
server was configured with, and every request goes through a socket.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from typing import Any

import psycopg
import requests
from flask import Flask
from werkzeug.serving import BaseWSGIServer, make_server

from fasttrack.settings import Settings
from fasttrack.web import DB_EXTENSION

# Test configuration. Every secret is 32+ bytes; tests read them from here (never restate them).
TEST_ENV: dict[str, str] = {
    "FT_ENV": "test",
    "JWT_SECRET_KEY": "test-jwt-secret-" + "j" * 48,
    "LEARNWORLDS_SSO_SECRET": "test-sso-secret-" + "s" * 48,
    "LEARNWORLDS_WEBHOOK_SECRET": "test-webhook-secret-" + "w" * 44,
    "FRONTEND_URL": "http://127.0.0.1:9/app",
    "CORS_ORIGINS": "https://tools.example.com",
    # High enough that ordinary tests never meet them; rate-limit tests set small ones.
    "RATE_LIMIT_DEFAULT": "1000",
    "RATE_LIMIT_SSO_FAILURES": "10",
    "RATE_LIMIT_EXPORTS": "1000",
}

REFRESH_COOKIE = "refresh_token"
REQUEST_TIMEOUT = 30  # seconds; a hung server fails the test instead of the whole run


def sso_signature(secret: str, user_id: str, email: str, name: str, timestamp: int | str) -> str:
    """What LearnWorlds sends: lowercase hex HMAC-SHA256 of "user_id|email|name|timestamp"."""
    message = f"{user_id}|{email}|{name}|{timestamp}".encode()
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def webhook_signature(secret: str, body: bytes) -> str:
    """The Learnworlds-Webhook-Signature header value for a raw body."""
    return "v1=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def set_cookies(response: requests.Response) -> dict[str, SimpleCookie]:
    """Every Set-Cookie header of a response, by cookie name (each parsed on its own, so an
    Expires date's comma cannot split one cookie into two)."""
    cookies: dict[str, SimpleCookie] = {}
    for header in response.raw.headers.getlist("Set-Cookie"):
        parsed = SimpleCookie()
        parsed.load(header)
        for name in parsed:
            cookies[name] = parsed
    return cookies


def refresh_cookie_of(response: requests.Response) -> str | None:
    """The refresh token a response sets, or None when it sets none (or clears it)."""
    cookie = set_cookies(response).get(REFRESH_COOKIE)
    if cookie is None:
        return None
    return cookie[REFRESH_COOKIE].value or None


def b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def jwt_parts(token: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """Header and claims of a JWT, read without checking anything."""
    header, payload, _ = token.split(".")

    def decode(part: str) -> dict[str, Any]:
        return json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))

    return decode(header), decode(payload)


def sign_jwt(header: Mapping[str, Any], claims: Mapping[str, Any], secret: str | None) -> str:
    """A compact JWT; HS256-signed with `secret`, or with an empty signature when None."""
    signing_input = (
        b64url(json.dumps(dict(header)).encode()) + "." + b64url(json.dumps(dict(claims)).encode())
    )
    if secret is None:
        return signing_input + "."
    signature = hmac.new(secret.encode(), signing_input.encode(), hashlib.sha256).digest()
    return signing_input + "." + b64url(signature)


@dataclass
class Login:
    """What a successful SSO login gave: the access token, the refresh cookie, the user."""

    access_token: str
    refresh_token: str | None
    user: dict[str, Any]
    response: requests.Response


@dataclass
class LiveServer:
    base_url: str
    settings: Settings
    env: dict[str, str]
    app: Flask
    _sessions: list[requests.Session] = field(default_factory=list)

    def url(self, path: str) -> str:
        return self.base_url + path

    # -- raw requests ----------------------------------------------------------------------

    def request(
        self,
        method: str,
        path: str,
        *,
        token: str | None = None,
        cookie: str | None = None,
        headers: Mapping[str, str] | None = None,
        **kwargs: Any,
    ) -> requests.Response:
        """One request on a fresh connection. `cookie` is sent as the refresh_token cookie by
        hand: the cookie is Secure, so a cookie jar would (rightly) never send it over http."""
        all_headers = dict(headers or {})
        if token is not None:
            all_headers["Authorization"] = f"Bearer {token}"
        if cookie is not None:
            all_headers["Cookie"] = f"{REFRESH_COOKIE}={cookie}"
        kwargs.setdefault("timeout", REQUEST_TIMEOUT)
        kwargs.setdefault("allow_redirects", False)
        return requests.request(method, self.url(path), headers=all_headers, **kwargs)

    def client(self, token: str | None = None) -> requests.Session:
        """A session that sends `Authorization: Bearer <token>` (none when token is None)."""
        session = _BaseUrlSession(self.base_url)
        if token is not None:
            session.headers["Authorization"] = f"Bearer {token}"
        self._sessions.append(session)
        return session

    # -- LearnWorlds SSO -------------------------------------------------------------------

    def sso_fields(
        self,
        lms_id: str,
        email: str,
        name: str,
        *,
        timestamp: int | None = None,
        secret: str | None = None,
    ) -> dict[str, Any]:
        """The five SSO fields, signed with the server's SSO secret (or `secret`)."""
        timestamp = int(time.time()) if timestamp is None else timestamp
        signature = sso_signature(
            secret or self.env["LEARNWORLDS_SSO_SECRET"], lms_id, email, name, timestamp
        )
        return {
            "user_id": lms_id,
            "email": email,
            "name": name,
            "timestamp": timestamp,
            "signature": signature,
        }

    def sso_login(
        self,
        lms_id: str | None = None,
        email: str | None = None,
        name: str | None = None,
        *,
        timestamp: int | None = None,
    ) -> Login:
        """A real signed POST /api/auth/sso; fails the test unless it succeeds."""
        tag = uuid.uuid4().hex[:10]
        lms_id = lms_id or f"lw-{tag}"
        email = email or f"{tag}@example.com"
        name = name or f"Leader {tag}"
        fields = self.sso_fields(lms_id, email, name, timestamp=timestamp)
        response = self.request("POST", "/api/auth/sso", json=fields)
        assert response.status_code == 200, response.text
        data = response.json()["data"]
        return Login(
            access_token=data["access_token"],
            refresh_token=refresh_cookie_of(response),
            user=data["user"],
            response=response,
        )

    # -- LearnWorlds webhook ---------------------------------------------------------------

    def post_webhook(self, body: bytes, signature: str | None = "sign") -> requests.Response:
        """POST a raw webhook body; signature "sign" (default) signs it with the server's
        secret, None sends no signature header, anything else is sent as given."""
        headers = {"Content-Type": "application/json"}
        if signature == "sign":
            signature = webhook_signature(self.env["LEARNWORLDS_WEBHOOK_SECRET"], body)
        if signature is not None:
            headers["Learnworlds-Webhook-Signature"] = signature
        return self.request("POST", "/api/webhooks/learnworlds", data=body, headers=headers)

    # -- tokens ------------------------------------------------------------------------------

    def resign(self, token: str, *, secret: str | None = "server", **changes: Any) -> str:
        """The same token with some claims changed, HS256-signed with the server's secret
        (default), another secret, or unsigned (secret=None, alg "none")."""
        header, claims = jwt_parts(token)
        claims.update(changes)
        if secret is None:
            return sign_jwt({**header, "alg": "none"}, claims, None)
        key = self.env["JWT_SECRET_KEY"] if secret == "server" else secret
        return sign_jwt(header, claims, key)

    def close(self) -> None:
        for session in self._sessions:
            session.close()


class _BaseUrlSession(requests.Session):
    """requests.Session whose paths are relative to the server and that never hangs."""

    def __init__(self, base_url: str) -> None:
        super().__init__()
        self.base_url = base_url

    def request(self, method: str | bytes, url: str | bytes, *args: Any, **kwargs: Any):  # type: ignore[override]
        kwargs.setdefault("timeout", REQUEST_TIMEOUT)
        kwargs.setdefault("allow_redirects", False)
        if isinstance(url, str) and url.startswith("/"):
            url = self.base_url + url
        return super().request(method, url, *args, **kwargs)


@dataclass
class Running:
    server: BaseWSGIServer
    thread: threading.Thread
    live: LiveServer


def start_server(app: Flask, settings: Settings, env: dict[str, str]) -> Running:
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    live = LiveServer(
        base_url=f"http://127.0.0.1:{server.server_port}", settings=settings, env=env, app=app
    )
    return Running(server, thread, live)


def stop_server(running: Running) -> None:
    running.live.close()
    running.server.shutdown()
    running.server.server_close()
    running.thread.join(timeout=10)
    database = running.live.app.extensions.get(DB_EXTENSION)
    if database is not None:
        database.close()


def wait_for_fresh_rate_window(margin_seconds: float = 10.0) -> None:
    """Rate limits count per calendar minute. A burst that must land in one window waits for
    the next minute when fewer than `margin_seconds` remain in this one."""
    remaining = 60.0 - (time.time() % 60.0)
    if remaining < margin_seconds:
        time.sleep(remaining + 0.2)


def count_rows(conn: psycopg.Connection, table: str, where: str = "true", *params: Any) -> int:
    """Rows of a table (name written by the test, never from input) matching a condition."""
    row = conn.execute(f"select count(*) as n from {table} where {where}", params).fetchone()
    return row["n"]


def error_of(response: requests.Response) -> dict[str, Any]:
    """The error envelope of a response, checked to be one: {"error": {code, message, details}}."""
    assert response.headers.get("Content-Type", "").startswith("application/json"), (
        response.status_code,
        response.headers.get("Content-Type"),
        response.text[:300],
    )
    body = response.json()
    assert set(body) == {"error"}, body
    error = body["error"]
    assert isinstance(error.get("code"), str) and error["code"], body
    assert isinstance(error.get("message"), str) and error["message"], body
    assert isinstance(error.get("details"), dict), body
    return error


def data_of(response: requests.Response, status: int = 200) -> Any:
    """The data of a success envelope, after checking the status."""
    assert response.status_code == status, (response.status_code, response.text[:1000])
    body = response.json()
    assert "data" in body and "error" not in body, body
    return body["data"]
