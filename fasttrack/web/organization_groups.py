"""Admins' organization groups: nested groups (cohorts, regions), which organizations sit in
them and which gurus coach them. Admin-only and audited in SQL."""

from __future__ import annotations

import uuid
from typing import Any

from flask import Blueprint

from fasttrack.web import envelope
from fasttrack.web.api_call import call
from fasttrack.web.authentication import authenticated
from fasttrack.web.contract import contract
from fasttrack.web.inputs import (
    given,
    invalid_body,
    json_object,
    nullable_uuid_field,
    string_field,
)
from fasttrack.web.models.coaching import (
    Deleted,
    Group,
    GroupChanges,
    GroupGuru,
    NewGroup,
    OrganizationGroupBody,
    OrganizationGroupChange,
)

bp = Blueprint("organization_groups", __name__, url_prefix="/api/admin")

Json = dict[str, Any]
GROUP = "/groups/<uuid:group_id>"


@bp.get("/groups")
@contract("Every organization group, each after its parent", returns=list[Group], errors=(403,))
@authenticated
def admin_list_groups() -> Json:
    return envelope(call("admin_list_groups"))


@bp.post("/groups")
@contract(
    "Create a group (below parent_id)",
    returns=Group,
    status=201,
    body=NewGroup,
    errors=(403, 404, 422),
)
@authenticated
def admin_create_group() -> tuple[Json, int]:
    body = json_object(NewGroup)
    name = string_field(body, "name")
    parent_id = nullable_uuid_field(body, "parent_id") if "parent_id" in body else None
    return envelope(call("admin_create_group", p_name=name, **given(p_parent_id=parent_id))), 201


@bp.patch(GROUP)
@contract(
    "Rename a group, or move it with everything below it",
    returns=Group,
    body=GroupChanges,
    errors=(403, 404, 422),
)
@authenticated
def admin_update_group(group_id: uuid.UUID) -> Json:
    body = json_object(GroupChanges)
    if not body:
        raise invalid_body("Nothing to change: give name and/or parent_id")
    string_field(body, "name", required=False)
    if "parent_id" in body:
        nullable_uuid_field(body, "parent_id")
    return envelope(call("admin_update_group", p_group_id=group_id, p_changes=body))


@bp.delete(GROUP)
@contract("Delete an empty group", returns=Deleted, errors=(403, 404, 409))
@authenticated
def admin_delete_group(group_id: uuid.UUID) -> Json:
    return envelope(call("admin_delete_group", p_group_id=group_id))


@bp.put("/organizations/<uuid:organization_id>/group")
@contract(
    "Put an organization in a group (null: none)",
    returns=OrganizationGroupChange,
    body=OrganizationGroupBody,
    errors=(403, 404),
)
@authenticated
def admin_set_organization_group(organization_id: uuid.UUID) -> Json:
    group_id = nullable_uuid_field(json_object(OrganizationGroupBody), "group_id")
    return envelope(
        call(
            "admin_set_organization_group",
            p_organization_id=organization_id,
            p_group_id=group_id,
        )
    )


@bp.put(GROUP + "/gurus/<uuid:user_id>")
@contract("Let a guru coach a group and all below it", returns=GroupGuru, errors=(403, 404, 422))
@authenticated
def admin_assign_group_guru(group_id: uuid.UUID, user_id: uuid.UUID) -> Json:
    return envelope(call("admin_assign_group_guru", p_group_id=group_id, p_user_id=user_id))


@bp.delete(GROUP + "/gurus/<uuid:user_id>")
@contract("Stop a guru coaching through a group", returns=GroupGuru, errors=(403, 404))
@authenticated
def admin_unassign_group_guru(group_id: uuid.UUID, user_id: uuid.UUID) -> Json:
    return envelope(call("admin_unassign_group_guru", p_group_id=group_id, p_user_id=user_id))
