"""The HTTP layer: authenticate, call one api function, wrap the result. No business rules."""

from __future__ import annotations

from typing import Any

from flask import Response, current_app

from fasttrack.db import Database
from fasttrack.settings import Settings

DB_EXTENSION = "fasttrack.db"
SETTINGS_EXTENSION = "fasttrack.settings"


def settings() -> Settings:
    """The settings the app was created with."""
    return current_app.extensions[SETTINGS_EXTENSION]


def database() -> Database:
    """The app's Database; a clear error when the app was created without a database URL."""
    db = current_app.extensions.get(DB_EXTENSION)
    if db is None:
        raise RuntimeError(
            "no database configured: set DATABASE_URL or start the service with bin/run"
        )
    return db


def envelope(data: Any, **meta: Any) -> dict[str, Any]:
    """The success envelope every endpoint returns."""
    return {"data": data, "meta": meta}


def envelope_text(data: str | None) -> Response:
    """The same envelope around an api function's JSON text (`call(..., as_text=True)`), which
    is passed on as PostgreSQL wrote it: never parsed into Python objects and encoded again."""
    body = '{"data": ' + ("null" if data is None else data) + ', "meta": {}}'
    return current_app.response_class(body, mimetype="application/json")
