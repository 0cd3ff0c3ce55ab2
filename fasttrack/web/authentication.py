"""Who is calling: `authenticated` verifies the bearer token; every failure is one 401 envelope."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from functools import wraps
from typing import Any, ParamSpec, TypeVar

import psycopg
from flask import Flask, Response, current_app, g, request
from flask_jwt_extended import JWTManager, decode_token
from flask_jwt_extended.exceptions import (
    InvalidHeaderError,
    JWTExtendedException,
    NoAuthorizationError,
)
from jwt.exceptions import InvalidTokenError, PyJWTError

from fasttrack.text_rules import is_storable_text
from fasttrack.web.errors import error_response, json_detail
from fasttrack.web.request_log import set_user
from fasttrack.web.verified_tokens import VerifiedTokens

P = ParamSpec("P")
R = TypeVar("R")

_MISSING = "Authentication required: send Authorization: Bearer <access token>"
_INVALID = "The access token is invalid or has expired"
VERIFIED_TOKENS_EXTENSION = "fasttrack.verified_tokens"
SESSION_ENDED = "SESSION_ENDED"  # the machine code of shared.authenticated_user's PT401
_MARK = "__authenticated__"  # on the views `authenticated` wraps: the document's security


def init_app(app: Flask, jwt: JWTManager) -> None:
    """Every way a token can fail gives one 401 envelope; the reason stays in the server."""
    app.extensions[VERIFIED_TOKENS_EXTENSION] = VerifiedTokens()
    jwt.unauthorized_loader(lambda _reason: _unauthorized(_MISSING, invalid=False))
    jwt.invalid_token_loader(lambda _reason: _unauthorized(_INVALID))
    for loader in (
        jwt.expired_token_loader,
        jwt.revoked_token_loader,
        jwt.needs_fresh_token_loader,
        jwt.token_verification_failed_loader,
        jwt.user_lookup_error_loader,
    ):
        loader(lambda _header, _payload: _unauthorized(_INVALID))
    # Anything the library or PyJWT raises that has no loader above (e.g. a key error).
    app.register_error_handler(JWTExtendedException, lambda _error: _unauthorized(_INVALID))
    app.register_error_handler(PyJWTError, lambda _error: _unauthorized(_INVALID))


def authenticated(view: Callable[P, R]) -> Callable[P, R]:
    """Require a valid access token; its claims become the caller of this request's api call.
    A token whose session the database says has ended is the same 401 as any invalid token."""

    @wraps(view)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        token = bearer_token()
        known: VerifiedTokens = current_app.extensions[VERIFIED_TOKENS_EXTENSION]
        claims = known.get(token)
        if claims is None:
            claims = _verified_claims(token)
            known.remember(token, claims)
        g.claims = claims
        set_user(claims["sub"])
        try:
            return view(*args, **kwargs)
        except psycopg.Error as error:
            if not session_ended(error):
                raise
            # Signed out, or its refresh token was reused: the token is dead for every call.
            known.forget(token)
            raise InvalidTokenError("the token's session has ended") from None

    setattr(wrapper, _MARK, True)
    return wrapper


def is_authenticated(view: Callable[..., Any]) -> bool:
    """Whether the view requires a bearer token (is wrapped by `authenticated`)."""
    return getattr(view, _MARK, False)


def bearer_token() -> str:
    """The token of `Authorization: Bearer <token>`. The scheme is case-insensitive (RFC 7235:
    `bearer` and `BEARER` too), which werkzeug's parser honours and flask-jwt-extended's header
    reader does not, so the header is read here and the token alone is verified and remembered:
    one token is one cache entry however its scheme is spelled. Another scheme, or none, is the
    bare challenge; `Bearer` with no token is an invalid one."""
    authorization = request.authorization
    if authorization is None or authorization.type != "bearer":
        raise NoAuthorizationError(_MISSING)
    if not authorization.token:
        raise InvalidHeaderError("Authorization: Bearer without a token")
    return authorization.token


def _verified_claims(token: str) -> dict[str, Any]:
    """The claims of an access token that passed every check (signature, HS256 only, expiry,
    not before, type access) and that SQL can read; any failure is the one 401."""
    claims = decode_token(token)
    if claims.get("type") != "access" or not _readable(claims):
        raise InvalidTokenError("not an access token SQL can read")
    return claims


def session_ended(error: psycopg.Error) -> bool:
    """Whether the database refused the call because the token's session has ended
    (shared.authenticated_user: PT401 SESSION_ENDED); answered as any other invalid token."""
    if error.sqlstate != "PT401":
        return False
    return json_detail(error.diag.message_detail).get("code") == SESSION_ENDED


def _readable(claims: dict[str, Any]) -> bool:
    """Claims SQL can read: `sub` (and `sid`, when there) a UUID as we write them, and no text
    PostgreSQL cannot store (a NUL, a lone surrogate). Only the server's key signs tokens, but
    one it signed with such a claim must still be a 401, not a 400 or a 500 from the database."""
    if not _is_uuid(claims.get("sub")) or ("sid" in claims and not _is_uuid(claims["sid"])):
        return False
    try:
        text = json.dumps(claims, ensure_ascii=False, allow_nan=False)
    except (TypeError, ValueError):  # NaN, a value JSON has no form for
        return False
    # json.dumps writes a NUL as the escape \u0000, and keeps a lone surrogate as it is.
    return is_storable_text(text) and "\\u0000" not in text


def _is_uuid(value: Any) -> bool:
    """A UUID written as we write them (SQL reads `sub` and `sid` as uuid)."""
    try:
        return isinstance(value, str) and str(uuid.UUID(value)) == value.lower()
    except ValueError:
        return False


def _unauthorized(message: str, *, invalid: bool = True) -> Response:
    response = error_response(401, message, code="UNAUTHORIZED")
    if invalid:  # RFC 6750: tell the client its token, not its request, is the problem
        response.headers["WWW-Authenticate"] = 'Bearer error="invalid_token"'
    return response
