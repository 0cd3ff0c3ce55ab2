"""The team report of a tool: the team view with the meeting, the decision by output and the
action items (the JSON of GET .../team/export, and the data behind its PDF)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal, NotRequired
from uuid import UUID

from pydantic import Field
from typing_extensions import TypedDict

from fasttrack.web.models import Module, ToolRef, UserRef
from fasttrack.web.models.coaching import ActionItem, ScheduledMeeting, TeamField, TeamToolReadiness
from fasttrack.web.models.exports import DeclaredColumn


class TeamReportOrganization(TypedDict):
    id: UUID
    name: str
    slug: str
    time_zone: str


class TeamReportTool(ToolRef):
    description: NotRequired[str | None]
    module: NotRequired[Module]


class TeamReportField(TeamField):
    columns: Annotated[
        list[DeclaredColumn] | None,
        Field(description="a table's declared columns, in the registry's order; else null"),
    ]


class DecisionOutput(TypedDict):
    field_id: str
    label: str | None
    type: str
    team_level: bool
    columns: list[DeclaredColumn] | None
    value: Any


class TeamReportDecision(TypedDict):
    version: int
    team_level_fields: list[str]
    decided_by: UserRef | None
    decided_at: datetime | None
    outputs: list[DecisionOutput]


class TeamReport(TypedDict):
    format_version: Literal[1]
    document: Literal["team_report"]
    program: str
    generated_at: datetime
    organization: TeamReportOrganization
    tool: TeamReportTool
    anonymous: bool
    min_respondents: int
    readiness: TeamToolReadiness
    fields: list[TeamReportField]
    meeting: Annotated[ScheduledMeeting | None, Field(description="null: none scheduled")]
    decision: Annotated[TeamReportDecision | None, Field(description="null: none recorded")]
    action_items: list[ActionItem]
