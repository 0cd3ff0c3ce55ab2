"""Entry point for `flask --app app ...` (the HTTP server: fasttrack/http_server.py)."""

from fasttrack import create_app

__all__ = ["create_app"]
