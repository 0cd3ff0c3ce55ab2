"""Per-user analytics and the analytics refresh (README "Analytics"). Every figure is computed
in SQL (sql/functions/270_activity_facts.sql to 273_user_forecast_risk.sql); who may see whom
is decided there too (an invisible user is a 404 like an unknown one)."""

from __future__ import annotations

import uuid
from typing import Any

from flask import Blueprint

from fasttrack.web import envelope
from fasttrack.web.api_call import call
from fasttrack.web.authentication import authenticated
from fasttrack.web.contract import contract
from fasttrack.web.models.analytics_user import AnalyticsRefresh, UserAnalytics

bp = Blueprint("analytics_user", __name__, url_prefix="/api/analytics")

Json = dict[str, Any]


def with_meta(answer: Json) -> Json:
    """The SQL answer's {data, meta} as the envelope: meta says when and how it was computed."""
    return envelope(answer["data"], **answer["meta"])


@bp.get("/me")
@contract("The caller's analytics (live)", returns=UserAnalytics)
@authenticated
def my_analytics() -> Json:
    return with_meta(call("my_analytics"))


@bp.get("/users/<uuid:user_id>")
@contract("A user's analytics (self, their guru, admin)", returns=UserAnalytics, errors=(404,))
@authenticated
def user_analytics(user_id: uuid.UUID) -> Json:
    return with_meta(call("user_analytics", p_user_id=user_id))


@bp.post("/refresh")
@contract(
    "Refresh the analytics' heavy aggregates now (gurus, admins; 3 per hour)",
    returns=AnalyticsRefresh,
    errors=(403, 409, 429),
)
@authenticated
def refresh_analytics() -> Json:
    return envelope(call("refresh_analytics"))
