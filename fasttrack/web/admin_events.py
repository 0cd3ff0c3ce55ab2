"""Completion events for admins: GET /api/admin/events, POST /api/admin/events/<id>/retry.

The delivery worker (fasttrack/worker.py) sends them; admins see what is pending, delivered or
dead, and send a dead one again. Admin-only and audited in SQL (sql/functions/170_events.sql).
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any
from uuid import UUID

from flask import Blueprint

from fasttrack.web import envelope
from fasttrack.web.api_call import call
from fasttrack.web.authentication import authenticated
from fasttrack.web.contract import contract
from fasttrack.web.inputs import given, query_integer, query_string, query_timestamp, query_uuid
from fasttrack.web.models import EventStatus, limit
from fasttrack.web.models.records import EventRetry, OutboxEvent

bp = Blueprint("admin_events", __name__, url_prefix="/api/admin")

Json = dict[str, Any]


@bp.get("/events")
@contract(
    "Completion events, newest first, optionally by status",
    returns=list[OutboxEvent],
    query={"status": EventStatus, "limit": limit(500, 100), "before": datetime, "before_id": UUID},
    errors=(400, 403, 422),
)
@authenticated
def admin_list_events() -> Json:
    args = given(
        p_status=query_string("status"),  # pending, delivered or dead: checked in SQL (422)
        p_limit=query_integer("limit"),
        p_before=query_timestamp("before"),
        p_before_id=query_uuid("before_id"),  # with before: the last event of the previous page
    )
    return envelope(call("admin_list_events", **args))


@bp.post("/events/<uuid:event_id>/retry")
@contract("Send a dead event again", returns=EventRetry, errors=(403, 409))
@authenticated
def admin_retry_event(event_id: uuid.UUID) -> Json:
    return envelope(call("admin_retry_event", p_event_id=event_id))
