"""The one api call a request makes: `api.<function>` with the verified claims and the request
context the SQL side needs (the client's ip, the request id, the limits)."""

from __future__ import annotations

from typing import Any

from flask import g, request

from fasttrack.metrics import count_api_call
from fasttrack.tokens import REFRESH_TTL_SECONDS
from fasttrack.web import database, settings
from fasttrack.web.request_log import request_id


def call(function: str, *, as_caller: bool = True, as_text: bool = False, **args: Any) -> Any:
    """Run `api.<function>(**args)` as this request's caller (or as nobody), return its result
    (`as_text`: its JSON text, unparsed, for `envelope_text`)."""
    claims = g.get("claims", {}) if as_caller else {}
    try:
        result = database().call(
            function, claims, context=request_context(), as_text=as_text, **args
        )
    except Exception:
        count_api_call(function, "error")  # refused (PTnnn) or failed: GET /metrics
        raise
    count_api_call(function, "ok")
    return result


def request_context() -> dict[str, Any]:
    """`request.context` for SQL: the client (rate limits per ip), the request id, the limits."""
    current = settings()
    return {
        # ProxyFix has already put the forwarded address here when TRUST_PROXY is on.
        "ip": request.remote_addr or "unknown",
        "request_id": request_id(),
        "limits": {
            "default": current.rate_limit_default,
            "sso_failures": current.rate_limit_sso_failures,
            "exports": current.rate_limit_exports,
            "ai_user": current.ai_limit_user,  # AI questions per hour (api.assist_begin)
            "ai_staff": current.ai_limit_staff,
            "analytics_refresh": current.analytics_refresh_per_hour,  # per hour
        },
        "refresh_ttl_seconds": REFRESH_TTL_SECONDS,
        # The AI assistant's circuit breaker (api.assist_finish).
        "ai_failure_threshold": current.ai_failure_threshold,
        "ai_cooldown_seconds": current.ai_cooldown_seconds,
        # k-anonymity of every analytics aggregate (shared.analytics_min_group).
        "analytics_min_group": current.analytics_min_group,
    }
