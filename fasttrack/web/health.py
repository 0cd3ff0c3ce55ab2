"""Liveness (no database) and readiness (the database answers and is migrated)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from time import monotonic
from typing import Any, NotRequired

from flask import Blueprint, current_app
from flask.blueprints import BlueprintSetupState
from typing_extensions import TypedDict

from fasttrack.web import database, envelope
from fasttrack.web.contract import contract

bp = Blueprint("health", __name__)

READY_CACHE_SECONDS = 1.0  # /ready is public and unlimited: one database call a second per worker
_READY_EXTENSION = "fasttrack.readiness"


class Health(TypedDict):
    status: NotRequired[str]


class Readiness(TypedDict):
    tools: int
    tool_schemas: int


class _Recent:
    """The last outcome of a call (its answer or its error), reused for `seconds`. One thread
    calls at a time; the others wait for its outcome instead of calling too."""

    def __init__(self, seconds: float) -> None:
        self._seconds = seconds
        self._lock = threading.Lock()
        self._until = 0.0
        self._answer: Any = None
        self._error: Exception | None = None

    def get(self, fetch: Callable[[], Any]) -> Any:
        with self._lock:
            if monotonic() >= self._until:
                try:
                    self._answer, self._error = fetch(), None
                except Exception as error:  # a lost database: its 503, reused too
                    self._answer, self._error = None, error
                self._until = monotonic() + self._seconds
            if self._error is not None:
                raise self._error
            return self._answer


@bp.record_once
def _init(state: BlueprintSetupState) -> None:
    state.app.extensions[_READY_EXTENSION] = _Recent(READY_CACHE_SECONDS)


@bp.get("/health")
@contract("Liveness (no database access)", returns=Health, database=False)
def health() -> dict[str, Any]:
    return envelope({"status": "ok"})


@bp.get("/ready")
@contract(
    f"Readiness: database reachable and migrated (answered from a result at most"
    f" {READY_CACHE_SECONDS:g} s old)",
    returns=Readiness,
)
def ready() -> dict[str, Any]:
    # A database that is down raises here; the error handlers turn it into a 503.
    recent: _Recent = current_app.extensions[_READY_EXTENSION]
    return envelope(recent.get(lambda: database().call("readiness")))
