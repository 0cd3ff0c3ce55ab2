"""Running the program: organizations, users, roles, gurus, overrides, the audit trail.

Every function here is admin-only and audited in SQL; this module only passes arguments on.
"""

from __future__ import annotations

import uuid
from typing import Any
from uuid import UUID

from flask import Blueprint

from fasttrack.web import envelope
from fasttrack.web.api_call import call
from fasttrack.web.authentication import authenticated
from fasttrack.web.contract import contract
from fasttrack.web.inputs import (
    MAX_BIGINT,
    boolean_field,
    given,
    invalid_body,
    json_object,
    nullable_uuid_field,
    object_field,
    optional_json_object,
    query_integer,
    query_string,
    query_uuid,
    string_field,
)
from fasttrack.web.models import BigintId, limit
from fasttrack.web.models.people import (
    AuditEntry,
    GuruAssignment,
    NewOrganization,
    Organization,
    OrganizationChanges,
    OrganizationMove,
    ProgressRow,
    RoleChange,
    ToolOverride,
    User,
    UserOrganizationChange,
    UserPage,
)

bp = Blueprint("admin", __name__, url_prefix="/api/admin")

Json = dict[str, Any]
ORGANIZATION_FIELDS = tuple(OrganizationChanges.__annotations__)  # name, slug, settings


def _reason() -> dict[str, Any]:
    """The optional body of an unlock or re-lock: {"reason"?: text}."""
    body = optional_json_object(ToolOverride)
    return given(p_reason=string_field(body, "reason", required=False))


@bp.post("/users/<uuid:user_id>/tools/<slug:slug>/unlock")
@contract(
    "Unlock a tool for a user",
    returns=ProgressRow,
    body=ToolOverride,
    body_required=False,
    errors=(403, 409, 422),
)
@authenticated
def admin_unlock_tool(user_id: uuid.UUID, slug: str) -> Json:
    return envelope(call("admin_unlock_tool", p_user_id=user_id, p_slug=slug, **_reason()))


@bp.post("/users/<uuid:user_id>/tools/<slug:slug>/lock")
@contract(
    "Lock a tool again for a user (its draft is kept; completed work cannot be locked)",
    returns=ProgressRow,
    body=ToolOverride,
    body_required=False,
    errors=(403, 409, 422),
)
@authenticated
def admin_lock_tool(user_id: uuid.UUID, slug: str) -> Json:
    return envelope(call("admin_lock_tool", p_user_id=user_id, p_slug=slug, **_reason()))


@bp.put("/users/<uuid:user_id>/role")
@contract("Change a user's role", returns=User, body=RoleChange, errors=(403, 409, 422))
@authenticated
def admin_set_role(user_id: uuid.UUID) -> Json:
    role = string_field(json_object(RoleChange), "role")
    return envelope(call("admin_set_role", p_user_id=user_id, p_role=role))


@bp.get("/organizations")
@contract("All organizations", returns=list[Organization], errors=(403,))
@authenticated
def admin_list_organizations() -> Json:
    return envelope(call("admin_list_organizations"))


@bp.post("/organizations")
@contract(
    "Create an organization",
    returns=Organization,
    status=201,
    body=NewOrganization,
    errors=(403, 409, 422),
)
@authenticated
def admin_create_organization() -> tuple[Json, int]:
    body = json_object(NewOrganization)
    args = given(
        p_name=string_field(body, "name"),
        p_slug=string_field(body, "slug"),
        p_settings=object_field(body, "settings", required=False),
    )
    return envelope(call("admin_create_organization", **args)), 201


@bp.patch("/organizations/<uuid:organization_id>")
@contract(
    "Change an organization",
    returns=Organization,
    body=OrganizationChanges,
    errors=(403, 409, 422),
)
@authenticated
def admin_update_organization(organization_id: uuid.UUID) -> Json:
    body = json_object(OrganizationChanges)
    if not body:
        raise invalid_body(f"Nothing to change: give any of {', '.join(ORGANIZATION_FIELDS)}")
    string_field(body, "name", required=False)
    string_field(body, "slug", required=False)
    object_field(body, "settings", required=False)
    return envelope(
        call("admin_update_organization", p_organization_id=organization_id, p_changes=body)
    )


@bp.get("/users")
@contract(
    "Users by email, filtered, one page at a time",
    returns=UserPage,
    query={"organization_id": UUID, "search": str, "cursor": str, "limit": limit(200, 50)},
    errors=(400, 403, 422),  # 422: a limit out of range, a cursor this API never gave
)
@authenticated
def admin_list_users() -> Json:
    args = given(
        p_organization_id=query_uuid("organization_id"),
        p_search=query_string("search"),
        p_cursor=query_string("cursor"),
        p_limit=query_integer("limit"),
    )
    return envelope(call("admin_list_users", **args))


@bp.put("/users/<uuid:user_id>/organization")
@contract(
    "Move a user to an organization",
    returns=UserOrganizationChange,
    body=OrganizationMove,
    errors=(403, 409, 422),
)
@authenticated
def admin_set_user_organization(user_id: uuid.UUID) -> Json:
    body = json_object(OrganizationMove)
    organization_id = nullable_uuid_field(body, "organization_id")
    move_work = boolean_field(body, "move_work", required=False)
    return envelope(
        call(
            "admin_set_user_organization",
            p_user_id=user_id,
            p_organization_id=organization_id,
            **given(p_move_work=move_work),
        )
    )


@bp.put("/organizations/<uuid:organization_id>/gurus/<uuid:user_id>")
@contract("Assign a guru to an organization", returns=GuruAssignment, errors=(403, 422))
@authenticated
def admin_assign_guru(organization_id: uuid.UUID, user_id: uuid.UUID) -> Json:
    return envelope(call("admin_assign_guru", p_organization_id=organization_id, p_user_id=user_id))


@bp.delete("/organizations/<uuid:organization_id>/gurus/<uuid:user_id>")
@contract("Unassign a guru from an organization", returns=GuruAssignment, errors=(403,))
@authenticated
def admin_unassign_guru(organization_id: uuid.UUID, user_id: uuid.UUID) -> Json:
    return envelope(
        call("admin_unassign_guru", p_organization_id=organization_id, p_user_id=user_id)
    )


@bp.get("/audit")
@contract(
    "Admin changes, newest first",
    returns=list[AuditEntry],
    query={"limit": limit(500, 100), "before_id": BigintId},
    errors=(400, 403, 422),
)
@authenticated
def admin_list_audit() -> Json:
    args = given(p_limit=query_integer("limit"), p_before_id=query_integer("before_id", MAX_BIGINT))
    return envelope(call("admin_list_audit", **args))
