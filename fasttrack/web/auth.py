"""Sign-in and sessions: LearnWorlds SSO, refresh-token rotation, logout, the current user.

Python checks the SSO signature and its age (a pure computation); the database records failed
attempts (rate limit per ip), refuses replayed signatures, creates or updates the user and keeps
the refresh tokens (only their hashes).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlencode

from flask import Blueprint, Response, jsonify, redirect, request

from fasttrack import tokens
from fasttrack.learnworlds_signatures import SsoLogin, SsoRejected, verify_sso
from fasttrack.web import envelope, settings
from fasttrack.web.api_call import call
from fasttrack.web.authentication import authenticated
from fasttrack.web.contract import REFRESH_COOKIE, contract
from fasttrack.web.errors import ApiError, error_response
from fasttrack.web.inputs import json_object
from fasttrack.web.models.people import LogoutResult, SsoFields, Tokens, User
from fasttrack.web.request_log import set_user

bp = Blueprint("auth", __name__, url_prefix="/api/auth")
log = logging.getLogger(__name__)

Json = dict[str, Any]


@bp.post("/sso")
@contract(
    "Sign in with a LearnWorlds SSO signature", returns=Tokens, body=SsoFields, errors=(401, 429)
)
def sso_post() -> Response:
    user, session_id, refresh_token = _sign_in(json_object(SsoFields))
    response = jsonify(envelope(tokens.token_response(user, session_id)))
    return tokens.set_refresh_cookie(response, refresh_token, settings().refresh_cookie_samesite)


@bp.get("/sso")
@contract(
    "Sign in from a LearnWorlds link; redirects to FRONTEND_URL#access_token=...",
    status=302,
    query={name: {} for name in SsoFields.__annotations__},  # any text: a bad one is a 401
    errors=(401, 429),
)
def sso_get() -> Response:
    """The LearnWorlds link flow: sign in, then send the browser to the frontend with the token."""
    user, session_id, refresh_token = _sign_in(request.args)
    body = tokens.token_response(user, session_id)
    fragment = urlencode({key: body[key] for key in ("access_token", "token_type", "expires_in")})
    # The fragment never reaches a server, so the token stays out of access logs and referers.
    response = redirect(f"{settings().frontend_url}#{fragment}", code=302)
    return tokens.set_refresh_cookie(response, refresh_token, settings().refresh_cookie_samesite)


@bp.post("/refresh")
@contract(
    "Rotate the refresh cookie, get a new access token",
    returns=Tokens,
    security=REFRESH_COOKIE,
    errors=(401, 429),
)
def refresh() -> Response:
    old = request.cookies.get(tokens.REFRESH_COOKIE)
    if not old:
        return _refresh_refused("missing")
    new = tokens.new_refresh_token()
    result = call("refresh_session", as_caller=False, p_refresh_token=old, p_new_refresh_token=new)
    if result.get("status") != "ok":
        return _refresh_refused(str(result.get("status")))
    set_user(str(result["user"]["id"]))
    response = jsonify(envelope(tokens.token_response(result["user"], result["session_id"])))
    return tokens.set_refresh_cookie(response, new, settings().refresh_cookie_samesite)


@bp.post("/logout")
@contract(
    "Revoke the refresh cookie's session: its refresh and access tokens stop working",
    returns=LogoutResult,
    security=[*REFRESH_COOKIE, {}],  # without a cookie there is nothing to revoke: 200
)
def logout() -> Response:
    token = request.cookies.get(tokens.REFRESH_COOKIE)
    result = call("logout", as_caller=False, p_refresh_token=token) if token else {"status": "ok"}
    return tokens.clear_refresh_cookie(
        jsonify(envelope(result)), settings().refresh_cookie_samesite
    )


@bp.get("/me")
@contract("The signed-in user", returns=User)
@authenticated
def me() -> Json:
    return envelope(call("me"))


def _sign_in(fields: Mapping[str, Any]) -> tuple[Mapping[str, Any], str, str]:
    """Verify the SSO fields and log the user in; return the user, the new session's id and its
    first refresh token."""
    try:
        login: SsoLogin = verify_sso(fields, settings().learnworlds_sso_secret)
    except SsoRejected as rejected:
        if rejected.reason == "not_configured":
            log.warning("SSO attempt refused: LEARNWORLDS_SSO_SECRET is not set")
        # Counts the failure for this ip; raises PT429 (-> 429) once there were too many.
        call("sso_failed", as_caller=False, p_reason=rejected.reason)
        raise ApiError(
            401,
            "The sign-in link is invalid or has expired",
            code="SSO_INVALID",
            details={"reason": rejected.reason},
        ) from None
    refresh_token = tokens.new_refresh_token()
    result = call(
        "sso_login",
        as_caller=False,
        p_lms_user_id=login.lms_user_id,
        p_email=login.email,
        p_full_name=login.name,
        p_signature=login.signature,
        p_refresh_token=refresh_token,
    )
    if result.get("status") != "ok":
        raise ApiError(401, "This sign-in link has already been used", code="SSO_REPLAYED")
    set_user(str(result["user"]["id"]))
    return result["user"], result["session_id"], refresh_token


def _refresh_refused(reason: str) -> Response:
    response = error_response(
        401,
        "The session has ended; sign in again",
        code="REFRESH_INVALID",
        details={"reason": reason},
    )
    return tokens.clear_refresh_cookie(response, settings().refresh_cookie_samesite)
