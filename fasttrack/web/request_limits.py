"""Bounds on what a request may bring before the app reads it: the request line and each header
field, answered 414 and 431 in the service's JSON envelope (with the security headers and an
X-Request-ID, like every other answer).

The numbers are the ones the README promises (gunicorn's defaults, kept when the service moved
to granian, whose own limits are far larger): an SSO link or a token that grew by accident is
refused with a message a tool author can show, before any work is done for it. Installed by the
HTTP server's app factory (fasttrack/http_server.py), as gunicorn's limits were part of the
server: an app made in-process (tests, `flask`) has none.
"""

from __future__ import annotations

from flask import Flask, request

from fasttrack.web.errors import ApiError

REQUEST_LINE_BYTES = 4094  # method, URL and version
HEADER_FIELD_BYTES = 8190  # one header field, name and value
HEADER_FIELDS = 100  # header fields (hyper, under granian, refuses more itself)


def init_app(app: Flask) -> None:
    """First among the before-request functions (after the request log's start, so the refusal
    has its duration too)."""
    functions = app.before_request_funcs.setdefault(None, [])
    after_log = next(
        (i + 1 for i, f in enumerate(functions) if f.__module__.endswith("request_log")), 0
    )
    functions.insert(after_log, refuse_oversized)


def refuse_oversized() -> None:
    environ = request.environ
    query = environ.get("QUERY_STRING", "")
    target = len(environ.get("RAW_URI") or environ.get("PATH_INFO", "")) + (
        len(query) + 1 if query else 0
    )
    line = len(request.method) + 1 + target + 1 + len(environ.get("SERVER_PROTOCOL", ""))
    if line > REQUEST_LINE_BYTES:
        raise ApiError(414, "The request line (URL) is too long", code="URI_TOO_LONG")
    fields = 0
    for key, value in environ.items():
        if key.startswith("HTTP_") or key in ("CONTENT_TYPE", "CONTENT_LENGTH"):
            fields += 1
            # "Name: value": the WSGI key lost the name's dashes, not its length
            if (
                len(key) - (5 if key.startswith("HTTP_") else 0) + 2 + len(value)
                > HEADER_FIELD_BYTES
            ):
                raise ApiError(431, "The request's headers are too large", code="HEADERS_TOO_LARGE")
    if fields > HEADER_FIELDS:
        raise ApiError(431, "The request's headers are too large", code="HEADERS_TOO_LARGE")
