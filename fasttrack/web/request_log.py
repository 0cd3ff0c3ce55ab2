"""Request ids and the one log line per request.

An incoming X-Request-ID is kept when it is a sane token (so a proxy's id follows the request
through our logs and the database's request context); otherwise a new one is made. Either way
it is returned in the response's X-Request-ID.
"""

from __future__ import annotations

import logging
import re
import time
import uuid

from flask import Flask, Response, g, request

REQUEST_ID_HEADER = "X-Request-ID"
_SANE_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")

log = logging.getLogger("fasttrack.request")


def init_app(app: Flask) -> None:
    app.before_request(_start)
    # after_request functions run in reverse order of registration; init_app is called first,
    # so this runs last and logs the final status.
    app.after_request(_finish)


def request_id() -> str:
    """This request's id; made on first use, so errors raised before before_request have one."""
    if "request_id" not in g:
        incoming = request.headers.get(REQUEST_ID_HEADER, "")
        g.request_id = incoming if _SANE_REQUEST_ID.fullmatch(incoming) else str(uuid.uuid4())
    return g.request_id


def set_user(user_id: str) -> None:
    """Name the authenticated user in this request's log line."""
    g.log_user_id = user_id


def _start() -> None:
    g.started = time.perf_counter()
    request_id()


def _finish(response: Response) -> Response:
    current = request_id()
    response.headers[REQUEST_ID_HEADER] = current
    started = g.get("started")
    method, path, status = request.method, request.path, response.status_code
    log.info(
        "%s %s %s",
        method,
        path,
        status,
        extra={
            "request_id": current,
            "method": method,
            "path": path,  # never the query string: it can hold an SSO signature
            "status": status,
            "duration_ms": round((time.perf_counter() - started) * 1000, 1) if started else None,
            "user_id": g.get("log_user_id"),
        },
    )
    return response
