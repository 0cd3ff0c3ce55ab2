"""Exceptions to the JSON error envelope: {"error": {"code", "message", "details"}}.

SQL functions raise SQLSTATE `PT` + HTTP status (PostgREST's convention) with a human message
and a JSON DETAIL; this module only translates. Anything unexpected becomes a 500 that shows a
request id and nothing else; the full exception goes to the log under that id.
"""

from __future__ import annotations

import json
import logging
from http import HTTPStatus
from typing import Any

import psycopg
from flask import Flask, Response, jsonify
from werkzeug.exceptions import HTTPException

from fasttrack.web.request_log import request_id

log = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = "5"
RATE_LIMIT_RETRY_AFTER_SECONDS = 60  # when a PT429 does not say how long to wait

# Machine codes per HTTP status; a JSON DETAIL with its own "code" takes precedence.
CODES: dict[int, str] = {
    400: "BAD_REQUEST",
    401: "UNAUTHORIZED",
    403: "FORBIDDEN",
    404: "NOT_FOUND",
    405: "METHOD_NOT_ALLOWED",
    409: "CONFLICT",
    413: "PAYLOAD_TOO_LARGE",
    422: "UNPROCESSABLE",
    423: "TOOL_LOCKED",
    429: "RATE_LIMITED",
    500: "INTERNAL",
    503: "UNAVAILABLE",
}

# Standard SQLSTATEs the web layer answers itself, with a message that names no table.
_SQLSTATES: dict[str, tuple[int, str]] = {
    "23505": (409, "Conflicts with an existing record"),
    "23503": (409, "Refers to a record that does not exist"),
    "42501": (403, "Not allowed"),
    # Text the database cannot store; the web layer refuses it earlier, this is a safety net.
    "22P05": (400, "The request contains text the database cannot store"),
    "22021": (400, "The request contains text the database cannot store"),
}
# Data exceptions (class 22) that say "this value cannot be taken": text or numbers that do not
# convert, do not fit or cannot be encoded. The rest of class 22 (division by zero, a bad
# argument to a function...) points at our own SQL, so it stays a 500.
_VALUE_REFUSED = frozenset({
    "22001",  # string data right truncation
    "22003",  # numeric value out of range
    "22007",  # invalid datetime format
    "22008",  # datetime field overflow
    "22021",  # character not in repertoire
    "22026",  # string data length mismatch
    "22P02",  # invalid text representation (a malformed uuid, number or JSON text)
    "22P03",  # invalid binary representation
    "22P05",  # untranslatable character
})  # fmt: skip
_UNAVAILABLE_MESSAGE = "The database is unavailable; retry shortly"


class ApiError(HTTPException):
    """An error the web layer answers itself (bad body, bad signature...), with a machine code.

    An HTTPException, so that raising it from a URL converter is a routing error Flask reports
    through the same handler.
    """

    def __init__(
        self,
        status: int,
        message: str,
        *,
        code: str | None = None,
        details: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(description=message)
        self.code = status
        self.error_code = code
        self.details = details or {}


def init_app(app: Flask) -> None:
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(psycopg.Error, _database_error)
    app.register_error_handler(Exception, _unexpected_error)


def error_response(
    status: int, message: str, *, code: str | None = None, details: dict[str, Any] | None = None
) -> Response:
    response = jsonify(
        {"error": {"code": code or _code_for(status), "message": message, "details": details or {}}}
    )
    response.status_code = status
    if status == 401:  # RFC 9110: a 401 names the scheme that would work
        response.headers["WWW-Authenticate"] = "Bearer"
    elif status in (429, 503):  # a limit, or the AI assistant's open circuit, says how long
        default = RATE_LIMIT_RETRY_AFTER_SECONDS if status == 429 else int(RETRY_AFTER_SECONDS)
        response.headers["Retry-After"] = _retry_after(details or {}, default)
    return response


def _retry_after(details: dict[str, Any], default: int) -> str:
    """details.retry_after (seconds) when it is a positive number, else `default`."""
    seconds = details.get("retry_after")
    valid = isinstance(seconds, int | float) and not isinstance(seconds, bool) and seconds > 0
    return str(max(1, round(seconds))) if valid else str(default)


def _http_error(error: HTTPException) -> Response:
    status = error.code or 500
    message = error.description or HTTPStatus(status).phrase
    if isinstance(error, ApiError):
        return error_response(status, message, code=error.error_code, details=error.details)
    response = error_response(status, message)
    valid_methods = getattr(error, "valid_methods", None)
    if valid_methods:  # 405 must say what is allowed
        response.headers["Allow"] = ", ".join(valid_methods)
    return response


def _database_error(error: psycopg.Error) -> Response:
    sqlstate = error.sqlstate or ""
    if sqlstate.startswith("PT") and _is_http_status(sqlstate[2:]):
        details = json_detail(error.diag.message_detail)
        code = details.get("code")
        return error_response(
            int(sqlstate[2:]),
            error.diag.message_primary or HTTPStatus(int(sqlstate[2:])).phrase,
            code=code if isinstance(code, str) else None,
            details=details,
        )
    if sqlstate in _SQLSTATES:
        status, message = _SQLSTATES[sqlstate]
        return error_response(status, message, details=_constraint(error))
    if sqlstate in _VALUE_REFUSED:
        # A data exception a client's value can cause (the web layer refuses such values
        # earlier; this is the safety net). Logged, in case a function of ours is the cause.
        log.warning("data exception %s (request id %s): %s", sqlstate, request_id(), error)
        return error_response(400, "The request contains a value the database cannot store")
    # Connection failures (class 08), shutdowns (57P*), a server that never answered
    # (no SQLSTATE) and pool timeouts are all OperationalError or carry those SQLSTATEs.
    if sqlstate.startswith(("08", "57P")) or isinstance(error, psycopg.OperationalError):
        log.warning("database unavailable (request id %s): %s", request_id(), error)
        return error_response(503, _UNAVAILABLE_MESSAGE)
    return _unexpected_error(error)


def _unexpected_error(error: Exception) -> Response:
    current = request_id()
    log.error("unhandled error (request id %s)", current, exc_info=error)
    return error_response(500, f"Internal error (request id {current})")


def _code_for(status: int) -> str:
    if status in CODES:
        return CODES[status]
    try:
        return HTTPStatus(status).phrase.upper().replace(" ", "_").replace("-", "_")
    except ValueError:
        return "ERROR"


def _is_http_status(text: str) -> bool:
    return text.isdigit() and 400 <= int(text) <= 599


def json_detail(text: str | None) -> dict[str, Any]:
    """The SQL error's DETAIL as a JSON object, or {} when it is absent or not one."""
    if not text:
        return {}
    try:
        value = json.loads(text)
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def _constraint(error: psycopg.Error) -> dict[str, Any]:
    name = error.diag.constraint_name
    return {"constraint": name} if name else {}
