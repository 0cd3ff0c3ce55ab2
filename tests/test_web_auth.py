"""Every way an access token can be wrong is the same 401, decided without the database.

The app has no database: reaching one would be a 500, so each 401 here also proves that no
api function ran.
"""

from __future__ import annotations

import base64
import json
import time
from typing import Any

import jwt
import pytest
from flask import Flask
from flask.testing import FlaskClient

from fasttrack import create_app, tokens
from fasttrack.settings import Settings
from fasttrack.web.authentication import VERIFIED_TOKENS_EXTENSION

KEY = "k" * 64  # long enough for the HS512 case too
USER_ID = "00000000-0000-4000-8000-000000000001"


@pytest.fixture
def app() -> Flask:
    return create_app(Settings(env="test", jwt_secret_key=KEY, learnworlds_webhook_secret="w" * 32))


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


def claims(**changes: Any) -> dict[str, Any]:
    now = int(time.time())
    return {"sub": USER_ID, "type": "access", "iat": now, "nbf": now, "exp": now + 60, **changes}


def b64(data: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def unauthorized(response: Any, *, challenge: str = 'Bearer error="invalid_token"') -> None:
    assert response.status_code == 401, response.get_data(as_text=True)
    assert response.get_json()["error"]["code"] == "UNAUTHORIZED"
    assert response.headers["WWW-Authenticate"] == challenge


def test_a_token_made_by_the_server_names_the_user_role_and_organization(app: Flask) -> None:
    with app.app_context():
        token = tokens.access_token({"id": USER_ID, "role": "guru", "organization_id": None})

    header = jwt.get_unverified_header(token)
    payload = jwt.decode(token, KEY, algorithms=["HS256"])
    assert header["alg"] == "HS256"
    assert (payload["sub"], payload["role"], payload["org_id"]) == (USER_ID, "guru", None)
    assert payload["exp"] - payload["iat"] == 24 * 3600


@pytest.mark.parametrize(
    "path", ["/api/tools", "/api/progress", "/api/auth/me", "/api/admin/audit"]
)
def test_no_token_is_401_with_a_bearer_challenge(client: FlaskClient, path: str) -> None:
    unauthorized(client.get(path), challenge="Bearer")


@pytest.mark.parametrize(
    "authorization",
    [
        "Bearer",
        "Bearer not-a-jwt",
        "Bearer a.b.c",
        "Basic dXNlcjpwYXNz",
        f"Bearer {jwt.encode(claims(), 'another-key-' + 'x' * 32, algorithm='HS256')}",
        f"Bearer {jwt.encode(claims(exp=int(time.time()) - 1), KEY, algorithm='HS256')}",
        f"Bearer {jwt.encode(claims(nbf=int(time.time()) + 600), KEY, algorithm='HS256')}",
        f"Bearer {jwt.encode(claims(), KEY, algorithm='HS512')}",
        f"Bearer {jwt.encode(claims(type='refresh'), KEY, algorithm='HS256')}",
        f"Bearer {jwt.encode(claims(sub=42), KEY, algorithm='HS256')}",
        f"Bearer {b64({'alg': 'none', 'typ': 'JWT'})}.{b64(claims())}.",
        f"Bearer {b64({'alg': 'none', 'typ': 'JWT'})}.{b64(claims())}",
    ],
    ids=[
        "empty",
        "garbage",
        "not-base64",
        "basic",
        "other-key",
        "expired",
        "not-yet-valid",
        "hs512",
        "refresh-type",
        "numeric-sub",
        "alg-none",
        "alg-none-no-dot",
    ],
)
def test_every_bad_token_is_the_same_401(client: FlaskClient, authorization: str) -> None:
    response = client.get("/api/tools", headers={"Authorization": authorization})

    # Missing-looking headers get the bare challenge, broken tokens the invalid_token one.
    assert response.status_code == 401
    assert response.get_json()["error"] == {
        "code": "UNAUTHORIZED",
        "message": response.get_json()["error"]["message"],
        "details": {},
    }
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def _accepted(client: FlaskClient, token: str) -> None:
    """Authenticated: the request reached the api call (a 500 only because there is no
    database here), and the process now remembers the token as verified."""
    response = client.get("/api/tools", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 500, response.get_json()


@pytest.mark.parametrize("scheme", ["bearer", "BEARER", "bEaReR"])
def test_the_scheme_is_case_insensitive_and_one_token_is_one_cache_entry(
    app: Flask, client: FlaskClient, scheme: str
) -> None:
    token = jwt.encode(claims(), KEY, algorithm="HS256")

    response = client.get("/api/tools", headers={"Authorization": f"{scheme} {token}"})

    assert response.status_code == 500, response.get_json()  # reached the (absent) database
    _accepted(client, token)  # the same token with "Bearer": the same entry
    assert len(app.extensions[VERIFIED_TOKENS_EXTENSION]) == 1


def test_a_token_accepted_before_is_refused_once_it_has_expired(client: FlaskClient) -> None:
    expires = int(time.time()) + 2
    token = jwt.encode(claims(exp=expires), KEY, algorithm="HS256")
    _accepted(client, token)

    time.sleep(max(0.0, expires - time.time()) + 0.05)

    unauthorized(client.get("/api/tools", headers={"Authorization": f"Bearer {token}"}))


def test_an_altered_copy_of_an_accepted_token_is_refused(client: FlaskClient) -> None:
    token = jwt.encode(claims(), KEY, algorithm="HS256")
    _accepted(client, token)
    head, payload, signature = token.split(".")
    other_payload = b64(claims(sub="00000000-0000-4000-8000-000000000002"))
    flipped = signature[:-2] + ("AA" if signature[-2:] != "AA" else "BA")

    for altered in (f"{head}.{other_payload}.{signature}", f"{head}.{payload}.{flipped}"):
        unauthorized(client.get("/api/tools", headers={"Authorization": f"Bearer {altered}"}))


def test_refresh_without_a_cookie_is_refused_and_clears_it(client: FlaskClient) -> None:
    response = client.post("/api/auth/refresh")

    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "REFRESH_INVALID"
    cleared = response.headers["Set-Cookie"]
    assert cleared.startswith("refresh_token=;")
    assert "Path=/api/auth" in cleared
    assert "Max-Age=0" in cleared


def test_logout_without_a_cookie_is_ok_and_clears_it(client: FlaskClient) -> None:
    response = client.post("/api/auth/logout")

    assert response.status_code == 200
    assert response.get_json()["data"] == {"status": "ok"}
    assert response.headers["Set-Cookie"].startswith("refresh_token=;")


def test_the_refresh_cookie_is_httponly_secure_strict_and_scoped(app: Flask) -> None:
    response = tokens.set_refresh_cookie(app.response_class(), "t0ken")

    cookie = response.headers["Set-Cookie"]
    assert cookie.startswith("refresh_token=t0ken;")
    for attribute in ("HttpOnly", "Secure", "SameSite=Strict", "Path=/api/auth", "Max-Age=604800"):
        assert attribute in cookie


@pytest.mark.parametrize(
    "headers",
    [{}, {"Learnworlds-Webhook-Signature": "v1=00"}, {"Learnworlds-Webhook-Signature": "nope"}],
)
def test_a_webhook_without_a_valid_signature_is_refused_before_parsing(
    client: FlaskClient, headers: dict[str, str]
) -> None:
    response = client.post("/api/webhooks/learnworlds", data=b"not even json", headers=headers)

    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "WEBHOOK_SIGNATURE"
