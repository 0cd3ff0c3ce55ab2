"""The AI assistant's settings (POST /api/tools/<slug>/assist; fasttrack/n8n.py).
Settings (fasttrack/settings.py) inherits them."""

from __future__ import annotations

from dataclasses import dataclass

from fasttrack import setting_parsers as parse
from fasttrack.setting_declarations import assistant

_LIMIT = parse.integer(1, 1_000_000)  # questions per hour


@dataclass(frozen=True)
class AssistantSettings:
    """The n8n workflow the assistant asks, its limits and its circuit breaker."""

    n8n_webhook_url: str | None = assistant(
        "N8N_WEBHOOK_URL",
        None,
        parse.private_http_url,
        "The agent workflow's webhook (http or https). Unset: the assistant is off (`503 "
        "AI_NOT_CONFIGURED`). May carry a token; it is never logged.",
        secret=True,
    )
    n8n_timeout_seconds: float = assistant(
        "N8N_TIMEOUT_SECONDS",
        30.0,
        parse.number(0.1, 600.0),
        "How long to wait for n8n to connect, start and finish its reply.",
    )
    ai_limit_user: int = assistant("AI_LIMIT_USER", 10, _LIMIT, "Questions per hour for users.")
    ai_limit_staff: int = assistant(
        "AI_LIMIT_STAFF", 50, _LIMIT, "Questions per hour for gurus and admins."
    )
    ai_failure_threshold: int = assistant(
        "AI_FAILURE_THRESHOLD",
        5,
        parse.integer(1, 1000),
        "Failures in a row that open the circuit breaker.",
    )
    ai_cooldown_seconds: int = assistant(
        "AI_COOLDOWN_SECONDS",
        60,
        parse.integer(1, 86400),
        "How long the open breaker answers 503 before trying n8n again.",
    )
    ai_store_answers: bool = assistant(
        "AI_STORE_ANSWERS",
        False,
        parse.boolean,
        "Keep the answer text in `shared.ai_requests` (off: only metadata).",
    )
