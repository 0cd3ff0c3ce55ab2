"""Coaching shapes: organizations as a coach lists them, the dashboard, the schedule, meeting
notes, team decisions, action items, organization groups (and the bodies that change them)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal, NotRequired
from uuid import UUID

from pydantic import ConfigDict, Field, with_config
from typing_extensions import TypedDict

from fasttrack.web.models import AnyObject, Status, ToolRef, UserRef

ActionStatus = Literal["open", "done"]
Text = Annotated[str, Field(max_length=20000)]


class Meeting(TypedDict):
    tool: ToolRef
    meeting_at: datetime
    meeting_at_local: Annotated[str, Field(description="the instant on the organization's clock")]
    time_zone: str


class ScheduledMeeting(Meeting):
    revision: int
    reminder_at: datetime
    reminded_at: datetime | None
    updated_at: datetime


class TeamReadiness(TypedDict):
    tool: NotRequired[str]
    members: int
    submitted: int
    in_progress: int
    not_started: int
    percent_ready: float


class OrganizationSummary(TypedDict):
    id: UUID
    name: str
    slug: str
    group_id: UUID | None
    time_zone: str
    member_count: int
    stalled_count: int
    current_tool: ToolRef | None
    next_meeting: Meeting | None


class OrganizationPage(TypedDict):
    items: list[OrganizationSummary]
    next_cursor: str | None


class DashboardMember(TypedDict):
    user: UserRef
    statuses: Annotated[list[Status], Field(description="one per tool, in the order of tools")]
    completed: int
    last_saved_at: datetime | None
    stalled: bool


class Dashboard(TypedDict):
    organization: dict[str, Any]
    tools: list[ToolRef]
    members: list[DashboardMember]
    current_tool: ToolRef | None
    next_meeting: Meeting | None
    readiness: TeamReadiness | None


class TeamMember(TypedDict):
    user: UserRef
    status: Status
    last_saved_at: datetime | None


class TeamToolReadiness(TeamReadiness):
    to_nudge: list[TeamMember]


class TeamField(TypedDict):
    field_id: str
    label: str
    type: str
    anonymous: bool
    respondents: int
    hidden: Annotated[bool, Field(description="anonymous with too few answers: nothing shown")]
    message: NotRequired[str]
    answers: NotRequired[list[dict[str, Any]]]
    summary: NotRequired[dict[str, Any]]


class TeamView(TypedDict):
    organization: dict[str, Any]
    tool: ToolRef
    anonymous: bool
    min_respondents: int
    readiness: TeamToolReadiness
    fields: list[TeamField]


class Nudge(TypedDict):
    tool: ToolRef
    day: date
    nudged: list[UserRef]
    already_nudged_today: list[UserRef]


class MeetingNotesFields(TypedDict):
    meeting_date: NotRequired[date | None]
    discussion_points: NotRequired[Text | None]
    key_insights: NotRequired[Text | None]
    concerns: NotRequired[Text | None]
    decisions: NotRequired[Text | None]
    next_steps: NotRequired[Text | None]


class MeetingNotes(TypedDict):
    organization_id: NotRequired[UUID]
    tool: NotRequired[ToolRef]
    version: int
    notes: MeetingNotesFields
    updated_by: UserRef | None
    updated_at: datetime | None
    changed: NotRequired[bool]


class TeamDecision(TypedDict):
    organization_id: NotRequired[UUID]
    tool: NotRequired[ToolRef]
    version: int
    data: AnyObject | None  # the agreed answers; null before the first decision
    team_level_fields: list[str]  # the outputs every member then reads from the decision
    decided_by: UserRef | None
    decided_at: datetime | None
    changed: NotRequired[bool]


class ActionItem(TypedDict):
    id: UUID
    organization_id: UUID
    tool: ToolRef
    task: str
    owner: UserRef
    due: date
    status: ActionStatus
    overdue: bool
    created_at: datetime
    updated_at: datetime
    done_at: datetime | None


class GroupRef(TypedDict):
    id: UUID
    name: str


class Group(TypedDict):
    id: UUID
    name: str
    parent_id: UUID | None
    depth: int
    ancestors: list[GroupRef]
    organization_count: int
    gurus: list[UserRef]
    created_at: datetime
    updated_at: datetime


class GroupGuru(TypedDict):
    group_id: UUID
    user_id: UUID
    assigned_at: NotRequired[datetime]
    unassigned: NotRequired[bool]


class OrganizationGroupChange(TypedDict):
    organization_id: UUID
    group_id: UUID | None


class Deleted(TypedDict):
    id: UUID
    deleted: bool


# -- request bodies ----------------------------------------------------------------------------


@with_config(ConfigDict(extra="forbid"))
class ScheduleBody(TypedDict):
    meeting_at: Annotated[
        str,
        Field(
            description="ISO 8601: with an offset an instant, without one the organization's"
            " wall clock (settings.time_zone)",
            examples=["2027-03-01T14:00", "2027-03-01T13:00:00Z"],
        ),
    ]


@with_config(ConfigDict(extra="forbid"))
class MeetingNotesBody(TypedDict):
    notes: Annotated[
        dict[str, Any],
        Field(
            description="meeting_date (YYYY-MM-DD or null), discussion_points, key_insights,"
            " concerns, decisions, next_steps (text or null); no other field"
        ),
    ]
    version: Annotated[int, Field(ge=0, le=2**31 - 1, description="the version edited; 0 first")]


@with_config(ConfigDict(extra="forbid"))
class TeamDecisionBody(TypedDict):
    data: Annotated[
        dict[str, Any],
        Field(description="the tool's outputs as the team agreed them, checked like a submit"),
    ]
    version: Annotated[int, Field(ge=0, le=2**31 - 1, description="the version edited; 0 first")]


@with_config(ConfigDict(extra="forbid"))
class NewActionItem(TypedDict):
    task: Annotated[str, Field(min_length=1, max_length=2000)]
    owner_id: UUID
    due: Annotated[date, Field(description="YYYY-MM-DD, today or later")]


@with_config(ConfigDict(extra="forbid", json_schema_extra={"minProperties": 1}))
class ActionItemChanges(TypedDict):
    task: NotRequired[Annotated[str, Field(min_length=1, max_length=2000)]]
    owner_id: NotRequired[UUID]
    due: NotRequired[date]
    status: NotRequired[ActionStatus]


@with_config(ConfigDict(extra="forbid"))
class NewGroup(TypedDict):
    name: Annotated[str, Field(min_length=1, max_length=255)]
    parent_id: NotRequired[UUID | None]


@with_config(ConfigDict(extra="forbid", json_schema_extra={"minProperties": 1}))
class GroupChanges(TypedDict):
    name: NotRequired[Annotated[str, Field(min_length=1, max_length=255)]]
    parent_id: NotRequired[UUID | None]


@with_config(ConfigDict(extra="forbid"))
class OrganizationGroupBody(TypedDict):
    group_id: UUID | None
