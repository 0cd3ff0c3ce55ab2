"""Liveness (no database) and readiness (the database answers and is migrated)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint

from fasttrack.web import database, envelope

bp = Blueprint("health", __name__)


@bp.get("/health")
def health() -> dict[str, Any]:
    return envelope({"status": "ok"})


@bp.get("/ready")
def ready() -> dict[str, Any]:
    # A database that is down raises here; the error handlers turn it into a 503.
    return envelope(database().call("readiness"))
