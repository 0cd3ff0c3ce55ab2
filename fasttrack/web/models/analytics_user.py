"""The shapes of the per-user analytics and of the analytics refresh (README "Analytics")."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any, Literal
from uuid import UUID

from typing_extensions import TypedDict

from fasttrack.web.models.organization_analytics import TooFewToShow

Engagement = Literal["active", "slowing", "inactive", "not_started"]
Trend = Literal["up", "down", "steady"]


class UserActivity(TypedDict):
    last_activity_at: datetime | None
    days_since_last_activity: int | None
    active_days: int
    active_days_last_4_weeks: int
    saves: int
    submits: int
    tools_submitted_last_4_weeks: int
    active_weeks_last_4_weeks: int
    tools_submitted_4_weeks_before: int
    active_weeks_4_weeks_before: int
    velocity: Decimal | None
    velocity_4_weeks_before: Decimal | None


class Velocity(TypedDict):
    tools_per_active_week: Decimal | None
    tools_per_active_week_4_weeks_before: Decimal | None
    trend: Trend | None


class ToolTime(TypedDict):
    tool: str
    sprint_number: int
    started_at: datetime
    submitted_at: datetime
    days: Decimal
    active_days: int


class Struggle(TypedDict):
    saves_per_submit: Decimal | None
    program_p85_saves_per_submit: Decimal | TooFewToShow | None
    above_p85_saves_per_submit: bool | None
    current_tool: str | None
    days_on_current_tool: Decimal | None
    current_tool_p85_days: Decimal | TooFewToShow | None
    above_p85_time: bool | None
    struggling: bool


class RiskFactor(TypedDict):
    factor: Literal["inactivity", "velocity_down", "struggling", "behind_schedule"]
    weight: int
    value: Decimal
    points: Decimal
    explained: str


class DropoffRisk(TypedDict):
    score: int
    factors: list[RiskFactor]


class ScheduleForecast(TypedDict):
    scheduled_finish_date: date
    days_behind: int | None
    on_schedule: bool
    overdue_tools: int


class Forecast(TypedDict):
    tools_total: int
    tools_completed: int
    tools_remaining: int
    pace_tools_per_week: Decimal
    finished: bool
    forecast_finish_date: date | None
    schedule: ScheduleForecast | None


class UserAnalytics(TypedDict):
    user_id: UUID
    organization_id: UUID | None
    time_zone: str
    today: date
    joined_at: datetime | None
    days_since_joining: int
    activity: UserActivity
    engagement_status: Engagement
    velocity: Velocity
    time_per_tool: list[ToolTime]
    struggle: Struggle
    dropoff_risk: DropoffRisk
    forecast: Forecast


class RefreshedView(TypedDict):
    view: str
    calculated_at: datetime
    duration_ms: int


class AnalyticsRefresh(TypedDict):
    trigger: Literal["manual", "schedule"]
    refreshed: list[RefreshedView]
    duration_ms: int | None


AnalyticsMeta = dict[str, Any]  # calculated_at, source (live | snapshot), stale_after
