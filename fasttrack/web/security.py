"""Security headers on every response, and CORS for the configured origins only.

The API serves JSON to scripts, never pages: nothing may frame it, sniff it, cache it or
follow a link out of it with a referer.
"""

from __future__ import annotations

from flask import Flask, Response, request

from fasttrack.web import settings

ALLOWED_METHODS = "GET, POST, PUT, PATCH, DELETE, OPTIONS"
ALLOWED_HEADERS = "Authorization, Content-Type, X-Request-ID"
EXPOSED_HEADERS = "X-Request-ID, Retry-After, Content-Disposition"  # the export's file name
PREFLIGHT_MAX_AGE = "600"
HSTS = "max-age=63072000; includeSubDomains"

HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'",
}


def init_app(app: Flask) -> None:
    app.after_request(_secure)
    app.after_request(_cors)


def _secure(response: Response) -> Response:
    for name, value in HEADERS.items():  # a page may bring its own, narrower, policy
        response.headers.setdefault(name, value)
    if settings().env == "production":
        response.headers["Strict-Transport-Security"] = HSTS
    if request.path.startswith("/api/"):
        response.headers["Cache-Control"] = "no-store"  # tokens and answers stay off disks
    return response


def _cors(response: Response) -> Response:
    """Echo an allowed Origin with credentials; other origins get no CORS header at all."""
    response.vary.add("Origin")  # the answer depends on Origin, shared caches must know it
    origin = request.headers.get("Origin")
    if not origin or origin not in settings().cors_origins:
        return response
    response.headers["Access-Control-Allow-Origin"] = origin
    response.headers["Access-Control-Allow-Credentials"] = "true"
    response.headers["Access-Control-Expose-Headers"] = EXPOSED_HEADERS
    if request.method == "OPTIONS" and "Access-Control-Request-Method" in request.headers:
        response.headers["Access-Control-Allow-Methods"] = ALLOWED_METHODS
        response.headers["Access-Control-Allow-Headers"] = ALLOWED_HEADERS
        response.headers["Access-Control-Max-Age"] = PREFLIGHT_MAX_AGE
    return response
