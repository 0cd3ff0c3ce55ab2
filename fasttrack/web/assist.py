"""The AI assistant: POST /api/tools/<slug>/assist, and its request log for admins.

Limits, the circuit breaker and the context the agent is sent are decided in SQL
(sql/functions/180_ai_assist.sql); this module carries the question to n8n and the outcome back.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Annotated, Any

from flask import Blueprint
from pydantic import ConfigDict, Field, with_config
from typing_extensions import TypedDict

from fasttrack import n8n
from fasttrack.web import envelope, settings
from fasttrack.web.api_call import call
from fasttrack.web.authentication import authenticated
from fasttrack.web.contract import contract
from fasttrack.web.errors import ApiError
from fasttrack.web.inputs import (
    given,
    json_object,
    query_integer,
    query_timestamp,
    string_field,
)
from fasttrack.web.models import limit
from fasttrack.web.models.records import AiRequest
from fasttrack.web.models.tools import AssistAnswer
from fasttrack.web.request_log import request_id

bp = Blueprint("assist", __name__, url_prefix="/api")
log = logging.getLogger(__name__)

Json = dict[str, Any]

NOT_CONFIGURED = "The AI assistant is not configured on this server (N8N_WEBHOOK_URL is not set)"

# Outcome (as recorded by api.assist_finish) -> what the caller is told. Never a 500: whatever
# n8n does is a gateway problem (502, 504) or an unavailable assistant (503).
FAILURES: dict[str, tuple[int, str, str]] = {
    "error": (502, "AI_UPSTREAM_ERROR", "The AI assistant failed to answer; try again later"),
    "malformed": (502, "AI_BAD_REPLY", "The AI assistant sent a reply that could not be read"),
    "timeout": (504, "AI_TIMEOUT", "The AI assistant did not answer in time; try again later"),
    "unavailable": (503, "AI_UNREACHABLE", "The AI assistant cannot be reached right now"),
}


@with_config(ConfigDict(extra="forbid"))  # only "question": checked below
class Question(TypedDict):
    question: Annotated[str, Field(min_length=1, max_length=2000)]


@bp.post("/tools/<slug:slug>/assist")
@contract(
    "Ask the AI assistant (n8n) about a tool; the agent sees the caller's data for it",
    returns=AssistAnswer,
    body=Question,
    errors=(422, 502, 504),
)
@authenticated
def assist(slug: str) -> Json:
    current = settings()
    if current.n8n_webhook_url is None:
        raise ApiError(503, NOT_CONFIGURED, code="AI_NOT_CONFIGURED")
    body = json_object(Question)
    question = string_field(body, "question")

    # Two api calls, by necessity (the web layer's rule is one per request): the call to n8n
    # may take N8N_TIMEOUT_SECONDS and must not hold a transaction, a pooled connection or the
    # user's lock meanwhile. assist_begin commits the request (limits, circuit breaker, the
    # context); assist_finish records how it went (outcome, latency, circuit breaker).
    begun = call("assist_begin", p_slug=slug, p_question=question)
    reply = _ask(current.n8n_webhook_url, begun, current.n8n_timeout_seconds)
    keep = reply.outcome == "ok" and current.ai_store_answers
    finished = call(
        "assist_finish",
        p_request_id=begun["request_id"],
        p_outcome=reply.outcome,
        p_latency_ms=reply.latency_ms,
        **given(p_answer=reply.answer if keep else None),
    )

    if reply.outcome == "ok":
        return envelope({"answer": reply.answer, "request_id": begun["request_id"]})
    status, code, message = FAILURES[reply.outcome]
    log.warning(
        "AI assistant request %s: %s (%s, %d ms)",
        begun["request_id"],
        reply.outcome,
        reply.problem,
        reply.latency_ms,
    )
    details: Json = {
        "request_id": begun["request_id"],
        "reason": reply.problem,
        "circuit_open": bool(finished.get("circuit_open")),
    }
    if reply.status is not None:
        details["upstream_status"] = reply.status
    if status == 503 and finished.get("circuit_open"):
        details["retry_after"] = current.ai_cooldown_seconds
    raise ApiError(status, message, code=code, details=details)


def _ask(url: str, begun: Json, timeout: float) -> n8n.Reply:
    """What the agent is sent: who asks, about which tool, the question and the context."""
    payload = {
        "user_id": begun["user_id"],
        "tool": begun["tool"],
        "question": begun["question"],
        "context": begun["context"],
    }
    try:
        return n8n.ask(url, payload, timeout=timeout, request_id=request_id())
    except Exception:  # n8n.ask classifies every upstream failure; this is a last resort
        log.exception("AI assistant request %s: unexpected failure", begun["request_id"])
        return n8n.Reply("error", 0, problem="the request to the agent failed")


@bp.get("/admin/ai-requests")
@contract(
    "AI assistant requests, newest first",
    returns=list[AiRequest],
    query={"limit": limit(500, 100), "before": datetime},
    errors=(400, 403, 422),
)
@authenticated
def admin_list_ai_requests() -> Json:
    args = given(p_limit=query_integer("limit"), p_before=query_timestamp("before"))
    return envelope(call("admin_list_ai_requests", **args))
