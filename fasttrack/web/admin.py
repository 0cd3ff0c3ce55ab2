"""Running the program: organizations, users, roles, gurus, overrides, the audit trail.

Every function here is admin-only and audited in SQL; this module only passes arguments on.
"""

from __future__ import annotations

import uuid
from typing import Any

from flask import Blueprint

from fasttrack.web import envelope
from fasttrack.web.caller import authenticated, call
from fasttrack.web.inputs import (
    boolean_field,
    given,
    invalid_body,
    json_object,
    nullable_uuid_field,
    object_field,
    only_fields,
    query_integer,
    query_string,
    query_uuid,
    string_field,
)

bp = Blueprint("admin", __name__, url_prefix="/api/admin")

Json = dict[str, Any]
ORGANIZATION_FIELDS = ("name", "slug", "settings")


@bp.post("/users/<uuid:user_id>/tools/<slug:slug>/unlock")
@authenticated
def admin_unlock_tool(user_id: uuid.UUID, slug: str) -> Json:
    return envelope(call("admin_unlock_tool", p_user_id=user_id, p_slug=slug))


@bp.put("/users/<uuid:user_id>/role")
@authenticated
def admin_set_role(user_id: uuid.UUID) -> Json:
    role = string_field(json_object(), "role")
    return envelope(call("admin_set_role", p_user_id=user_id, p_role=role))


@bp.get("/organizations")
@authenticated
def admin_list_organizations() -> Json:
    return envelope(call("admin_list_organizations"))


@bp.post("/organizations")
@authenticated
def admin_create_organization() -> tuple[Json, int]:
    body = json_object()
    only_fields(body, ORGANIZATION_FIELDS)
    args = given(
        p_name=string_field(body, "name"),
        p_slug=string_field(body, "slug"),
        p_settings=object_field(body, "settings", required=False),
    )
    return envelope(call("admin_create_organization", **args)), 201


@bp.patch("/organizations/<uuid:organization_id>")
@authenticated
def admin_update_organization(organization_id: uuid.UUID) -> Json:
    body = json_object()
    only_fields(body, ORGANIZATION_FIELDS)
    if not body:
        raise invalid_body(f"Nothing to change: give any of {', '.join(ORGANIZATION_FIELDS)}")
    string_field(body, "name", required=False)
    string_field(body, "slug", required=False)
    object_field(body, "settings", required=False)
    return envelope(
        call("admin_update_organization", p_organization_id=organization_id, p_changes=body)
    )


@bp.get("/users")
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
@authenticated
def admin_set_user_organization(user_id: uuid.UUID) -> Json:
    body = json_object()
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
@authenticated
def admin_assign_guru(organization_id: uuid.UUID, user_id: uuid.UUID) -> Json:
    return envelope(call("admin_assign_guru", p_organization_id=organization_id, p_user_id=user_id))


@bp.delete("/organizations/<uuid:organization_id>/gurus/<uuid:user_id>")
@authenticated
def admin_unassign_guru(organization_id: uuid.UUID, user_id: uuid.UUID) -> Json:
    return envelope(
        call("admin_unassign_guru", p_organization_id=organization_id, p_user_id=user_id)
    )


@bp.get("/audit")
@authenticated
def admin_list_audit() -> Json:
    args = given(p_limit=query_integer("limit"), p_before_id=query_integer("before_id"))
    return envelope(call("admin_list_audit", **args))
