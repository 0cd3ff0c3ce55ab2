"""Liveness (no database) and readiness (the database answers and is migrated)."""

from __future__ import annotations

from typing import Any, NotRequired

from flask import Blueprint
from typing_extensions import TypedDict

from fasttrack.web import database, envelope
from fasttrack.web.contract import contract
from fasttrack.web.models import AnyObject

bp = Blueprint("health", __name__)


class Health(TypedDict):
    status: NotRequired[str]


@bp.get("/health")
@contract("Liveness (no database access)", returns=Health, database=False)
def health() -> dict[str, Any]:
    return envelope({"status": "ok"})


@bp.get("/ready")
@contract("Readiness: database reachable and migrated", returns=AnyObject)
def ready() -> dict[str, Any]:
    # A database that is down raises here; the error handlers turn it into a 503.
    return envelope(database().call("readiness"))
