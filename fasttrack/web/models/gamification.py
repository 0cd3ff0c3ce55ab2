"""Gamification shapes: a user's points, streak, awards and leaderboard position, an
organization's leaderboard, and the opt-out body. Every answer's meta says how fresh it is
(calculated_at, source "live", stale_after)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal, NotRequired
from uuid import UUID

from pydantic import ConfigDict, Field, with_config
from typing_extensions import TypedDict

AwardKind = Literal["first_tool", "module_finished", "all_tools", "five_on_time", "streak_8"]
Band = Annotated[
    Literal["top_10", "top_25", "top_50", "rest"],
    Field(description="by the share of participants strictly ahead: < 10%, < 25%, < 50%, else"),
]


class ToolPoints(TypedDict):
    slug: str
    submitted_at: Annotated[datetime, Field(description="the tool's first submit")]
    meeting_at: datetime | None
    on_time: Annotated[bool, Field(description="first submit before the team's meeting")]
    points: int


class Points(TypedDict):
    total: int
    tools_submitted: int
    tools_on_time: int
    tools: list[ToolPoints]


class Streak(TypedDict):
    weeks: Annotated[int, Field(description="ISO weeks with a submit in the current streak")]
    week_starts: list[date]
    forgiven_weeks: list[date]
    current_week: date
    time_zone: str
    submitted_this_week: bool


class Award(TypedDict):
    kind: AwardKind
    subject: Annotated[str | None, Field(description="the module id of a module_finished")]
    facts: dict[str, Any]
    awarded_at: datetime


class Standing(TypedDict):
    rank: int
    participants: int
    band: Band
    active_days: int
    tools_submitted: int
    effort: Annotated[int, Field(description="active days + tools submitted, this week")]
    takes_part: bool


class OwnStanding(Standing):
    organization_id: UUID


class Preferences(TypedDict):
    leaderboard: bool
    updated_at: NotRequired[datetime]


class GamificationMe(TypedDict):
    points: Points
    streak: Streak
    awards: list[Award]
    leaderboard: OwnStanding | None
    preferences: Preferences


class Member(TypedDict):
    id: UUID
    full_name: str


class LeaderboardEntry(Standing):
    user: Member


class LeaderboardWeek(TypedDict):
    starts_on: date
    time_zone: str


class OrganizationName(TypedDict):
    id: UUID
    name: str


class Leaderboard(TypedDict):
    organization: OrganizationName
    week: LeaderboardWeek
    entries: list[LeaderboardEntry]
    me: Standing | None


@with_config(ConfigDict(extra="forbid"))
class PreferencesBody(TypedDict):
    leaderboard: Annotated[
        bool,
        Field(description="false: left out of everyone else's leaderboard (you still see yours)"),
    ]
