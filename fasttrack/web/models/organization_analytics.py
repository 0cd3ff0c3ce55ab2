"""Organization and program analytics shapes: funnels, pace, stalled members, group summaries,
and the meta every analytics answer carries. A figure over fewer than ANALYTICS_MIN_GROUP
users is the TooFewToShow marker instead of a number."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal, NotRequired
from uuid import UUID

from typing_extensions import TypedDict

from fasttrack.web.models import ToolRef, UserRef


class TooFewToShow(TypedDict):
    too_few: Literal[True]
    text: Literal["too few to show"]


Count = int | TooFewToShow
Figure = float | int | None | TooFewToShow


class AnalyticsMeta(TypedDict):
    calculated_at: datetime | None
    source: Literal["live", "snapshot"]
    stale_after: datetime | None
    sections: NotRequired[dict[str, Any]]


class FunnelStep(TypedDict):
    tool: ToolRef
    reached: Count
    completed: Count
    conversion_to_next: Figure
    stopped_here: Count
    median_days: Figure


class StalledMember(TypedDict):
    user: UserRef
    last_saved_at: datetime | None


class MemberPace(TypedDict):
    user: UserRef
    days_since_joining: int
    tools_completed: int
    program_median: Figure
    difference: Figure


class Pace(TypedDict):
    median_difference: Figure
    members: list[MemberPace]


class OrganizationName(TypedDict):
    id: UUID
    name: str


class OrganizationAnalytics(TypedDict):
    organization: OrganizationName
    members: int
    min_group: int
    funnel: list[FunnelStep]
    stalled_members: list[StalledMember]
    pace: Pace


class GroupSummary(TypedDict):
    members: Count
    stalled: Count
    median_tools_completed: Figure
    median_pace_difference: Figure


class ProgramGroup(TypedDict):
    summary: GroupSummary
    funnel: list[FunnelStep]


class OrganizationGroup(ProgramGroup):
    organization: OrganizationName


class JoiningMonthGroup(ProgramGroup):
    month: str


class ProgramAnalytics(TypedDict):
    min_group: int
    program: ProgramGroup | None
    by_organization: list[OrganizationGroup]
    by_joining_month: list[JoiningMonthGroup]
