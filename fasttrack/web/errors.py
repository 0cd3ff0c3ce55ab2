"""Exceptions to the JSON error envelope: {"error": {"code", "message", "details"}}.

SQL functions raise SQLSTATE `PT` + HTTP status (PostgREST's convention) with a human message
and a JSON DETAIL; this module only translates. Anything unexpected becomes a 500 that shows a
request id and nothing else; the full exception goes to the log under that id.
"""

from __future__ import annotations

import json
import logging
import uuid
from http import HTTPStatus
from typing import Any

import psycopg
from flask import Flask, Response, g, jsonify
from werkzeug.exceptions import HTTPException

log = logging.getLogger(__name__)

REQUEST_ID_HEADER = "X-Request-Id"
RETRY_AFTER_SECONDS = "5"

# Machine codes per HTTP status; a JSON DETAIL with its own "code" takes precedence.
CODES: dict[int, str] = {
    400: "BAD_REQUEST",
    401: "UNAUTHORIZED",
    403: "FORBIDDEN",
    404: "NOT_FOUND",
    405: "METHOD_NOT_ALLOWED",
    409: "CONFLICT",
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
}
_UNAVAILABLE_MESSAGE = "The database is unavailable; retry shortly"


def init_app(app: Flask) -> None:
    app.before_request(_assign_request_id)
    app.after_request(_send_request_id)
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
    if status == 503:
        response.headers["Retry-After"] = RETRY_AFTER_SECONDS
    return response


def _assign_request_id() -> None:
    g.request_id = uuid.uuid4().hex


def _request_id() -> str:
    # Errors raised before before_request ran (e.g. routing) still need an id.
    if "request_id" not in g:
        _assign_request_id()
    return g.request_id


def _send_request_id(response: Response) -> Response:
    response.headers[REQUEST_ID_HEADER] = _request_id()
    return response


def _http_error(error: HTTPException) -> Response:
    status = error.code or 500
    response = error_response(status, error.description or HTTPStatus(status).phrase)
    valid_methods = getattr(error, "valid_methods", None)
    if valid_methods:  # 405 must say what is allowed
        response.headers["Allow"] = ", ".join(valid_methods)
    return response


def _database_error(error: psycopg.Error) -> Response:
    sqlstate = error.sqlstate or ""
    if sqlstate.startswith("PT") and _is_http_status(sqlstate[2:]):
        details = _json_object(error.diag.message_detail)
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
    # Connection failures (class 08), shutdowns (57P*), a server that never answered
    # (no SQLSTATE) and pool timeouts are all OperationalError or carry those SQLSTATEs.
    if sqlstate.startswith(("08", "57P")) or isinstance(error, psycopg.OperationalError):
        log.warning("database unavailable (request id %s): %s", _request_id(), error)
        return error_response(503, _UNAVAILABLE_MESSAGE)
    return _unexpected_error(error)


def _unexpected_error(error: Exception) -> Response:
    request_id = _request_id()
    log.error("unhandled error (request id %s)", request_id, exc_info=error)
    return error_response(500, f"Internal error (request id {request_id})")


def _code_for(status: int) -> str:
    if status in CODES:
        return CODES[status]
    try:
        return HTTPStatus(status).phrase.upper().replace(" ", "_").replace("-", "_")
    except ValueError:
        return "ERROR"


def _is_http_status(text: str) -> bool:
    return text.isdigit() and 400 <= int(text) <= 599


def _json_object(text: str | None) -> dict[str, Any]:
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
