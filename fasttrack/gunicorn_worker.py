"""gunicorn's gthread worker, answering what gunicorn refuses before the app sees it (a request
line or headers over the limits in fasttrack/gunicorn_conf.py, a malformed request) the way the
app answers: the JSON error envelope, the security headers and an X-Request-ID, instead of
gunicorn's HTML page.
"""

from __future__ import annotations

import json
import uuid
from http import HTTPStatus
from ssl import SSLError
from typing import Any

from gunicorn import util
from gunicorn.http import errors
from gunicorn.workers.gthread import ThreadWorker

from fasttrack.settings import Settings, SettingsError
from fasttrack.web.request_log import REQUEST_ID_HEADER
from fasttrack.web.security import HEADERS, HSTS

# gunicorn's refusals, most specific first: (exception, status, machine code, message).
_REFUSALS: tuple[tuple[type[BaseException], int, str, str], ...] = (
    (errors.InvalidResponseHeader, 500, "INTERNAL", "Internal error"),
    (errors.InvalidResponseHeaderName, 500, "INTERNAL", "Internal error"),
    (errors.ConfigurationProblem, 500, "INTERNAL", "Internal error"),
    (errors.LimitRequestLine, 414, "URI_TOO_LONG", "The request line (URL) is too long"),
    (errors.LimitRequestHeaders, 431, "HEADERS_TOO_LARGE", "The request's headers are too large"),
    (errors.UnsupportedTransferCoding, 501, "NOT_IMPLEMENTED", "Unsupported transfer coding"),
    (errors.ExpectationFailed, 417, "EXPECTATION_FAILED", "Unsupported Expect header"),
    (errors.ForbiddenProxyRequest, 403, "FORBIDDEN", "Request forbidden"),
    (SSLError, 403, "FORBIDDEN", "TLS error"),
    (errors.ParseException, 400, "BAD_REQUEST", "The request is not valid HTTP"),
)


def refusal(exc: BaseException) -> tuple[int, str, str]:
    """The status, machine code and message for an exception gunicorn's worker caught."""
    for kind, status, code, message in _REFUSALS:
        if isinstance(exc, kind):
            return status, code, message
    return 500, "INTERNAL", "Internal error"


def error_answer(status: int, code: str, message: str, request_id: str, *, hsts: bool) -> bytes:
    """A complete HTTP/1.1 answer with the service's error envelope; the connection closes."""
    if status >= 500:
        message = f"{message} (request id {request_id})"  # as the app's own 500
    body = json.dumps({"error": {"code": code, "message": message, "details": {}}})
    headers = {
        "Connection": "close",
        "Content-Type": "application/json",
        "Content-Length": str(len(body)),
        "Cache-Control": "no-store",
        REQUEST_ID_HEADER: request_id,
        **HEADERS,
        **({"Strict-Transport-Security": HSTS} if hsts else {}),
    }
    head = f"HTTP/1.1 {status} {HTTPStatus(status).phrase}\r\n" + "".join(
        f"{name}: {value}\r\n" for name, value in headers.items()
    )
    return (head + "\r\n" + body).encode("latin-1")


class JsonErrorsThreadWorker(ThreadWorker):
    """`worker_class` of fasttrack/gunicorn_conf.py."""

    def init_process(self) -> None:
        try:
            self._hsts = Settings.from_env().env == "production"
        except SettingsError:
            self._hsts = False  # the app refuses to start anyway, naming the variable
        super().init_process()

    def handle_error(self, req: Any, client: Any, addr: Any, exc: BaseException) -> None:
        status, code, message = refusal(exc)
        request_id = str(uuid.uuid4())  # the request's own X-Request-ID was not read
        ip = (addr or ("", -1))[0]
        if status >= 500:
            self.log.exception("Error handling request (request id %s)", request_id)
        else:
            self.log.warning("Invalid request from ip=%s: %s (request id %s)", ip, exc, request_id)
        answer = error_answer(status, code, message, request_id, hsts=getattr(self, "_hsts", False))
        try:
            util.write_nonblock(client, answer)
        except Exception:
            self.log.debug("Failed to send error message.")
