"""GET /metrics (Prometheus text format) and the per-request figures behind it.

The endpoint is WSGI middleware in front of the Flask app, not a route: it is for the operator's
Prometheus, never part of the public API (no OpenAPI entry, no rate limit, no caller). With
METRICS_TOKEN set it answers only `Authorization: Bearer <METRICS_TOKEN>`; unset, it is open in
development and off (404) anywhere else. What each request adds (count and latency by route
template and status, the pool's state) is recorded by the hooks `init_app` installs; the calls
per api function by fasttrack/web/api_call.py; export render times by fasttrack/web/exports.py.
"""

from __future__ import annotations

import hmac
import json
import time
from collections.abc import Callable, Iterable
from typing import Any

from flask import Flask, Response, current_app, g, request
from werkzeug.wrappers import Request as WsgiRequest
from werkzeug.wrappers import Response as WsgiResponse

from fasttrack import metrics, metrics_dir
from fasttrack.db import Database
from fasttrack.settings import Settings
from fasttrack.web import DB_EXTENSION

PATH = "/metrics"
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
UNMATCHED = "unmatched"  # the route label of a request no URL rule matched (404, 405)


def init_app(app: Flask, settings: Settings) -> None:
    """Record every request the app answers, and serve /metrics in front of it."""
    metrics_dir.forget_dead_workers()  # a replacement worker: its predecessor's gauges go
    app.before_request(_start)
    app.after_request(_finish)
    database: Database | None = app.extensions.get(DB_EXTENSION)
    app.wsgi_app = MetricsEndpoint(app.wsgi_app, settings, database)  # type: ignore[method-assign]


def _start() -> None:
    g.metrics_started = time.perf_counter()


def _finish(response: Response) -> Response:
    started = g.get("metrics_started")
    rule = request.url_rule
    metrics.count_request(
        request.method if request.method in METHODS else "OTHER",
        rule.rule if rule is not None else UNMATCHED,  # a template, never the raw path
        response.status_code,
        None if started is None else time.perf_counter() - started,
    )
    database: Database | None = current_app.extensions.get(DB_EXTENSION)
    if database is not None:
        metrics.record_pool(database.pool_stats())
    return response


class MetricsEndpoint:
    """WSGI middleware: /metrics here, every other path to the app."""

    def __init__(
        self, app: Callable[..., Iterable[bytes]], settings: Settings, database: Database | None
    ) -> None:
        self._app = app
        self._token = settings.metrics_token
        self._open = settings.metrics_token is None and settings.env == "development"
        self._database = database

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        if environ.get("PATH_INFO") != PATH:
            return self._app(environ, start_response)
        return self._answer(WsgiRequest(environ))(environ, start_response)

    def _answer(self, incoming: WsgiRequest) -> WsgiResponse:
        if self._token is None and not self._open:
            return _error(404, "NOT_FOUND", "Metrics are off: set METRICS_TOKEN to scrape them")
        if self._token is not None and not self._authorized(incoming):
            response = _error(401, "UNAUTHORIZED", "Send Authorization: Bearer <METRICS_TOKEN>")
            response.headers["WWW-Authenticate"] = "Bearer"
            return response
        if incoming.method not in ("GET", "HEAD"):
            response = _error(405, "METHOD_NOT_ALLOWED", "Only GET reads the metrics")
            response.headers["Allow"] = "GET, HEAD"
            return response
        body = metrics.scrape(self._snapshot)
        response = WsgiResponse(body, 200, content_type=metrics.CONTENT_TYPE)
        response.headers["Cache-Control"] = "no-store"
        return response

    def _authorized(self, incoming: WsgiRequest) -> bool:
        authorization = incoming.authorization
        if authorization is None or authorization.type != "bearer" or not authorization.token:
            return False
        assert self._token is not None
        return hmac.compare_digest(authorization.token.encode(), self._token.encode())

    def _snapshot(self) -> dict[str, Any]:
        if self._database is None:
            raise RuntimeError("no database configured")
        return self._database.call("metrics_snapshot")


def _error(status: int, code: str, message: str) -> WsgiResponse:
    """The service's error envelope, outside Flask (this runs before the app)."""
    body = json.dumps({"error": {"code": code, "message": message, "details": {}}})
    response = WsgiResponse(body, status, content_type="application/json")
    response.headers["Cache-Control"] = "no-store"
    return response
