"""Users, organizations, gurus, sign-in and the audit trail."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal, NotRequired
from uuid import UUID

from pydantic import ConfigDict, Field, with_config
from typing_extensions import TypedDict

from fasttrack.web.models import AnyObject, Role, UserRef


class User(TypedDict):
    id: UUID
    email: str
    full_name: NotRequired[str | None]
    role: Role
    organization_id: NotRequired[UUID | None]
    lms_user_id: NotRequired[str | None]
    created_at: NotRequired[datetime]
    last_login: NotRequired[datetime | None]


class UserPage(TypedDict):
    users: list[User]
    next_cursor: str | None


class UserOrganizationChange(TypedDict):
    user: User
    submissions_moved: int


class Organization(TypedDict):
    id: UUID
    name: str
    slug: str
    settings: NotRequired[AnyObject]
    created_at: NotRequired[datetime]
    updated_at: NotRequired[datetime]
    member_count: NotRequired[int]
    gurus: NotRequired[list[UserRef]]


class ProgressRow(TypedDict):
    user_id: UUID
    tool_slug: str
    status: Literal["locked", "unlocked", "in_progress", "completed"]
    unlocked_at: NotRequired[datetime | None]
    started_at: NotRequired[datetime | None]
    completed_at: NotRequired[datetime | None]


class GuruAssignment(TypedDict):
    organization_id: UUID
    user_id: UUID
    assigned_at: NotRequired[datetime]
    unassigned: NotRequired[bool]


class AuditEntry(TypedDict):
    id: int
    actor_id: NotRequired[UUID | None]
    actor_email: NotRequired[str | None]
    action: str
    target_type: str
    target_id: str
    before: NotRequired[Any]
    after: NotRequired[Any]
    reason: NotRequired[str | None]
    at: datetime


class Tokens(TypedDict):
    access_token: str
    token_type: Literal["Bearer"]
    expires_in: int
    user: User


@with_config(ConfigDict(extra="forbid"))
class SsoFields(TypedDict):
    user_id: str
    email: str
    name: str
    timestamp: int | Annotated[str, Field(pattern="^[0-9]+$")]
    signature: Annotated[str, Field(description="hex HMAC-SHA256 of user_id|email|name|ts")]


class LogoutResult(TypedDict):
    status: NotRequired[str]


# -- request bodies ----------------------------------------------------------------------------


@with_config(ConfigDict(extra="forbid"))
class ToolOverride(TypedDict):
    reason: NotRequired[Annotated[str, Field(max_length=500)]]


@with_config(ConfigDict(extra="forbid"))  # every body is closed (inputs.json_object)
class RoleChange(TypedDict):
    role: Role


@with_config(ConfigDict(extra="forbid"))
class NewOrganization(TypedDict):
    name: str
    slug: str
    settings: NotRequired[AnyObject]


# At least one change: an empty PATCH is a 400 ("nothing to change"), not a silent no-op.
@with_config(ConfigDict(extra="forbid", json_schema_extra={"minProperties": 1}))
class OrganizationChanges(TypedDict):
    name: NotRequired[str]
    slug: NotRequired[str]
    settings: NotRequired[AnyObject]


@with_config(ConfigDict(extra="forbid"))
class OrganizationMove(TypedDict):
    organization_id: UUID | None
    move_work: NotRequired[bool]
