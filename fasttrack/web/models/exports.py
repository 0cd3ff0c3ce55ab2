"""The export bundle: a tool's work as one JSON document (and the data behind its PDF)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal, NotRequired
from uuid import UUID

from pydantic import Field
from typing_extensions import TypedDict

from fasttrack.web.models import AnyObject, Module, Status


class ExportUser(TypedDict):
    id: UUID
    email: str
    full_name: NotRequired[str | None]


class ExportOrganization(TypedDict):
    id: UUID
    name: str


class ExportTool(TypedDict):
    slug: str
    name: str
    sprint_number: int
    description: NotRequired[str | None]
    module: Module


class ExportSubmission(TypedDict):
    submission_id: UUID
    status: str
    version: int
    is_draft: Annotated[bool, Field(description="not submitted, or edited since")]
    organization_id: NotRequired[UUID | None]
    created_at: NotRequired[datetime | None]
    updated_at: NotRequired[datetime | None]
    submitted_at: NotRequired[datetime | None]
    completed_at: NotRequired[datetime | None]
    archived_at: NotRequired[datetime | None]


class DeclaredColumn(TypedDict):
    key: str
    label: str


class ExportOutput(TypedDict):
    field_id: str
    label: str | None
    type: str
    required: bool
    columns: Annotated[
        list[DeclaredColumn] | None,
        Field(description="a table's declared columns, in the registry's order; else null"),
    ]
    value: Any


class ExportDependency(TypedDict):
    source_tool: str
    source_tool_name: NotRequired[str]
    source_sprint: NotRequired[int]
    field_id: str
    label: NotRequired[str | None]
    target_field: str
    required: bool
    value: Annotated[Any, Field(description="the submitted value; null when not provided yet")]


class SectionTool(TypedDict):
    slug: NotRequired[str]
    name: NotRequired[str]
    sprint_number: NotRequired[int]
    description: NotRequired[str | None]
    module: NotRequired[str]


class SectionOutput(TypedDict):
    field_id: NotRequired[str]
    label: NotRequired[str | None]
    type: NotRequired[str]
    columns: NotRequired[list[DeclaredColumn] | None]
    value: NotRequired[Any]


class Section(TypedDict):
    tool: SectionTool
    status: Status | None
    completed_at: NotRequired[datetime | None]
    outputs: list[SectionOutput]


class ExportBundle(TypedDict):
    format_version: Literal[1]
    program: str
    generated_at: datetime
    user: ExportUser
    organization: ExportOrganization | None
    tool: ExportTool
    submission: ExportSubmission
    answers: Annotated[AnyObject, Field(description="the submission's data, as saved")]
    outputs: list[ExportOutput]
    dependencies: list[ExportDependency]
    sections: Annotated[
        list[Section] | None,
        Field(description="program-overview only: sprints 0 to 29 in order; null otherwise"),
    ]
