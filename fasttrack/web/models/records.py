"""What admins read about the service's own work: AI requests, completion events, webhooks."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal, NotRequired
from uuid import UUID

from pydantic import Field
from typing_extensions import TypedDict

from fasttrack.web.models import AnyObject, EventStatus


class AiRequest(TypedDict):
    id: UUID
    user_id: UUID
    tool_slug: str
    requested_at: datetime
    question_chars: NotRequired[int]
    outcome: Literal["pending", "ok", "error", "timeout", "malformed", "unavailable"]
    latency_ms: NotRequired[int | None]
    answer: NotRequired[
        Annotated[str | None, Field(description="kept only when AI_STORE_ANSWERS is on")]
    ]


class OutboxEvent(TypedDict):
    id: UUID
    event_type: Literal[
        "tool_completed",
        "tool_unlocked",
        "member_reminder",
        "member_nudged",
        "guru_digest",
        "award_earned",
    ]
    user_id: NotRequired[UUID | None]
    tool_slug: str | None  # null for a guru_digest
    dedupe_key: NotRequired[str | None]
    payload: NotRequired[AnyObject]
    created_at: datetime
    status: EventStatus
    attempts: int
    next_attempt_at: NotRequired[datetime]
    locked_until: NotRequired[datetime | None]
    delivered_to: NotRequired[list[str]]
    last_error: NotRequired[str | None]
    delivered_at: NotRequired[datetime | None]


class EventRetry(TypedDict):
    event_id: UUID
    status: EventStatus


class WebhookResult(TypedDict):
    status: Literal["processed", "duplicate", "ignored"]
