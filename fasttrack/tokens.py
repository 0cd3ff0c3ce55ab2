"""Access tokens (JWT, HS256, 24 h) and the refresh-token cookie.

The access token names the user (`sub`) with their role and organization as a convenience for
clients; SQL trusts only `sub` and reads role and organization from the database. A token from a
sign-in also names its session (`sid`, the refresh-token family), which the database checks on
every call: logout, or a reused refresh token, ends the session's access tokens at once. The refresh
token is an opaque random string: the database keeps only its SHA-256 and rotates it.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from flask import Flask, Response
from flask_jwt_extended import JWTManager, create_access_token

ALGORITHM = "HS256"
ACCESS_TOKEN_TTL = timedelta(hours=24)
REFRESH_TTL_SECONDS = 7 * 24 * 3600
REFRESH_COOKIE = "refresh_token"
REFRESH_COOKIE_PATH = "/api/auth"  # sent only to the auth endpoints, never to tool requests


def init_app(app: Flask, secret: str) -> JWTManager:
    """Configure flask-jwt-extended to make and check tokens, HS256 only. The Authorization
    header is read by fasttrack.web.authentication (its scheme is case-insensitive)."""
    app.config.update(
        JWT_SECRET_KEY=secret,
        JWT_ALGORITHM=ALGORITHM,
        JWT_DECODE_ALGORITHMS=[ALGORITHM],  # "none" and every other algorithm are refused
        JWT_ACCESS_TOKEN_EXPIRES=ACCESS_TOKEN_TTL,
    )
    return JWTManager(app)


def access_token(user: Mapping[str, Any], session_id: str | None = None) -> str:
    """A token for the user row an api function returned ({id, role, organization_id, ...}), in
    the session `session_id` (none for an operator's token: it lives until it expires)."""
    claims = {"role": user.get("role"), "org_id": user.get("organization_id")}
    if session_id is not None:
        claims["sid"] = str(session_id)
    return create_access_token(identity=str(user["id"]), additional_claims=claims)


def token_response(user: Mapping[str, Any], session_id: str) -> dict[str, Any]:
    """The body of a successful login or refresh in the session `session_id`."""
    return {
        "access_token": access_token(user, session_id),
        "token_type": "Bearer",
        "expires_in": int(ACCESS_TOKEN_TTL.total_seconds()),
        "user": dict(user),
    }


def new_refresh_token() -> str:
    return secrets.token_urlsafe(32)


def set_refresh_cookie(response: Response, token: str, samesite: str = "Strict") -> Response:
    """Secure always (browsers keep Secure cookies on http://localhost and 127.0.0.1 too);
    SameSite as REFRESH_COOKIE_SAMESITE says: None only for pages on another site."""
    response.set_cookie(
        REFRESH_COOKIE,
        token,
        max_age=REFRESH_TTL_SECONDS,
        path=REFRESH_COOKIE_PATH,
        secure=True,
        httponly=True,
        samesite=samesite,
    )
    return response


def clear_refresh_cookie(response: Response, samesite: str = "Strict") -> Response:
    # The same attributes as when set, or browsers keep the original cookie.
    response.delete_cookie(
        REFRESH_COOKIE, path=REFRESH_COOKIE_PATH, secure=True, httponly=True, samesite=samesite
    )
    return response
