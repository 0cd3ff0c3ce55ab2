"""Tools, the caller's submissions, dependencies and progress."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal, NotRequired
from uuid import UUID

from typing_extensions import TypedDict

from fasttrack.web.models import AnyObject, Module, Role, Status, ToolRef, UserRef


class ToolSummary(TypedDict):
    slug: str
    sprint_number: int
    name: str
    description: NotRequired[str]
    module_id: NotRequired[int]
    module_name: NotRequired[str]
    status: Status
    progress_percentage: NotRequired[float]


class ToolOutput(TypedDict):
    field_id: str
    label: NotRequired[str]
    type: NotRequired[str]
    required: bool


class ToolDependency(TypedDict):
    source_tool: NotRequired[str]
    source_field: NotRequired[str]
    target_field: NotRequired[str]
    required: NotRequired[bool]
    description: NotRequired[str | None]


class MissingDependency(TypedDict):
    source_tool: NotRequired[str]
    source_tool_name: NotRequired[str]
    field_id: NotRequired[str]
    label: NotRequired[str]


class Tool(TypedDict):
    slug: str
    sprint_number: int
    name: str
    description: NotRequired[str]
    module: NotRequired[Module]
    outputs: list[ToolOutput]
    dependencies: list[ToolDependency]
    status: Status
    unlocked: bool
    missing_dependencies: NotRequired[list[MissingDependency]]
    answer_schema_url: str  # GET /api/tools/{slug}/schema


# The answers' JSON Schema (draft 2020-12), generated from the registry: open here, since its
# keywords are JSON Schema's own (type, properties, items, required, minLength, ...).
AnswerSchema = TypedDict(
    "AnswerSchema",
    {
        "$schema": str,
        "$id": str,
        "title": str,
        "description": str,
        "type": str,
        "properties": AnyObject,
        "required": list[str],
        "examples": list[AnyObject],
    },
)


Rule = Literal[
    "type", "min_length", "max_length", "minimum", "maximum", "choices",
    "min_items", "max_items", "required", "unknown_key",
]  # fmt: skip


class Problem(TypedDict):
    field_id: str  # the output
    label: str  # the output's label
    rule: Rule
    message: str  # for people: labels, 1-based rows and items
    path: str  # the offending value: field_id, then [i] and .key steps (0-based)


class Submission(TypedDict):
    tool: str
    submission_id: UUID | None
    status: str
    version: int
    data: AnyObject
    organization_id: NotRequired[UUID | None]
    created_at: NotRequired[datetime | None]
    updated_at: NotRequired[datetime | None]
    submitted_at: NotRequired[datetime | None]
    completed_at: NotRequired[datetime | None]
    archived_at: NotRequired[datetime | None]


class SavedSubmission(Submission):
    changed: bool
    problems: list[Problem]  # what breaks the tool's rules (the save happened all the same)


class SubmitResult(Submission):
    changed: bool
    unlocked_tools: list[ToolRef]


class StartOverResult(Submission):
    archived_submission_id: UUID


class DependencyField(TypedDict):
    field_id: NotRequired[str]
    target_field: NotRequired[str]
    source_tool: NotRequired[str]
    source_sprint: NotRequired[int]
    label: NotRequired[str]
    required: NotRequired[bool]
    value: NotRequired[Any]
    submission_id: NotRequired[UUID | None]  # the member's own, when the value is theirs
    # team: a team_level output from the organization's decision; own: the member's submission
    source: NotRequired[Literal["team", "own"] | None]


class Dependencies(TypedDict):
    tool: str
    user_id: NotRequired[UUID]
    fields: list[DependencyField]
    values: AnyObject
    missing: list[Any]


class Version(TypedDict):
    submission_id: UUID
    version: int
    status: str
    saved_at: NotRequired[datetime]
    archived_at: NotRequired[datetime | None]
    is_latest: NotRequired[bool]


class VersionData(TypedDict):
    tool: str
    submission_id: UUID
    version: int
    status: str
    data: AnyObject
    saved_at: datetime | None


class Counts(TypedDict):
    total_tools: NotRequired[int]
    completed: NotRequired[int]
    in_progress: NotRequired[int]
    unlocked: NotRequired[int]
    locked: NotRequired[int]
    percent_complete: NotRequired[float]
    next_tool: NotRequired[ToolRef | None]


class ToolProgress(TypedDict):
    slug: NotRequired[str]
    sprint_number: NotRequired[int]
    name: NotRequired[str]
    status: NotRequired[Status]
    progress_percentage: NotRequired[float]
    unlocked_at: NotRequired[datetime | None]
    started_at: NotRequired[datetime | None]
    completed_at: NotRequired[datetime | None]


class Progress(Counts):
    user_id: UUID
    tools: list[ToolProgress]


class ProgressUser(UserRef):
    organization_id: NotRequired[UUID | None]


class UserProgress(Progress):
    user: ProgressUser


class MemberUser(UserRef):
    role: NotRequired[Role]


class MemberProgress(Counts):
    user: NotRequired[MemberUser]


class OrganizationRef(TypedDict):
    id: NotRequired[UUID]
    name: NotRequired[str]
    slug: NotRequired[str]


class OrganizationProgress(TypedDict):
    organization: OrganizationRef
    members: list[MemberProgress]


class AssistAnswer(TypedDict):
    answer: str
    request_id: UUID
