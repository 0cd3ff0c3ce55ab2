"""Coaching: the organizations a caller coaches, a team's dashboard, its meeting schedule and
nudges, meeting notes, team decisions and action items.

Who may see or change what is decided in SQL (an organization the caller may not see is a 404
like an unknown one); this module checks the request's shape and passes it on.
"""

from __future__ import annotations

import uuid
from typing import Any

from flask import Blueprint

from fasttrack.web import envelope, settings
from fasttrack.web.api_call import call
from fasttrack.web.authentication import authenticated
from fasttrack.web.contract import contract
from fasttrack.web.inputs import (
    given,
    invalid_body,
    json_object,
    object_field,
    query_integer,
    query_string,
    string_field,
    version_field,
)
from fasttrack.web.models import limit
from fasttrack.web.models.coaching import (
    ActionItem,
    ActionItemChanges,
    Dashboard,
    MeetingNotes,
    MeetingNotesBody,
    NewActionItem,
    Nudge,
    OrganizationPage,
    ScheduleBody,
    ScheduledMeeting,
    TeamDecision,
    TeamDecisionBody,
    TeamView,
)

bp = Blueprint("coaching", __name__, url_prefix="/api")

Json = dict[str, Any]
ORGANIZATION = "/organizations/<uuid:organization_id>"
ORGANIZATION_TOOL = ORGANIZATION + "/tools/<slug:slug>"


def uuid_field(body: Json, name: str) -> str | None:
    """An optional UUID string field (None when absent)."""
    value = string_field(body, name, required=False)
    if value is not None:
        try:
            uuid.UUID(value)
        except ValueError:
            raise invalid_body(f'"{name}" must be a UUID', name) from None
    return value


@bp.get("/organizations")
@contract(
    "The organizations the caller may see, with their figures, one page at a time",
    returns=OrganizationPage,
    query={"cursor": str, "limit": limit(200, 50)},
    errors=(400, 422),
)
@authenticated
def list_organizations() -> Json:
    args = given(p_cursor=query_string("cursor"), p_limit=query_integer("limit"))
    return envelope(call("list_organizations", **args))


@bp.get(ORGANIZATION + "/dashboard")
@contract("Members x tools, stalled members, the next meeting", returns=Dashboard, errors=(404,))
@authenticated
def organization_dashboard(organization_id: uuid.UUID) -> Json:
    return envelope(call("organization_dashboard", p_organization_id=organization_id))


@bp.get(ORGANIZATION + "/schedule")
@contract("The team's meetings, soonest first", returns=list[ScheduledMeeting], errors=(404,))
@authenticated
def get_schedule(organization_id: uuid.UUID) -> Json:
    return envelope(call("get_schedule", p_organization_id=organization_id))


@bp.put(ORGANIZATION_TOOL + "/schedule")
@contract(
    "When the team meets about a tool",
    returns=ScheduledMeeting,
    body=ScheduleBody,
    errors=(404, 422),
)
@authenticated
def set_schedule(organization_id: uuid.UUID, slug: str) -> Json:
    meeting_at = string_field(json_object(ScheduleBody), "meeting_at")
    return envelope(
        call(
            "set_schedule", p_organization_id=organization_id, p_slug=slug, p_meeting_at=meeting_at
        )
    )


@bp.post(ORGANIZATION_TOOL + "/nudge")
@contract("Nudge the members who have not submitted a tool", returns=Nudge, errors=(404,))
@authenticated
def nudge_members(organization_id: uuid.UUID, slug: str) -> Json:
    return envelope(call("nudge_members", p_organization_id=organization_id, p_slug=slug))


@bp.get(ORGANIZATION_TOOL + "/meeting")
@contract("The notes of the team's meeting about a tool", returns=MeetingNotes, errors=(404,))
@authenticated
def get_meeting_notes(organization_id: uuid.UUID, slug: str) -> Json:
    return envelope(call("get_meeting_notes", p_organization_id=organization_id, p_slug=slug))


@bp.put(ORGANIZATION_TOOL + "/meeting")
@contract(
    "Write the meeting's notes over the version last seen",
    returns=MeetingNotes,
    body=MeetingNotesBody,
    errors=(404, 409, 422),
)
@authenticated
def save_meeting_notes(organization_id: uuid.UUID, slug: str) -> Json:
    body = json_object(MeetingNotesBody)
    notes, version = object_field(body, "notes"), version_field(body)
    return envelope(
        call(
            "save_meeting_notes",
            p_organization_id=organization_id,
            p_slug=slug,
            p_notes=notes,
            p_version=version,
        )
    )


@bp.get(ORGANIZATION_TOOL + "/decision")
@contract("The answers the team agreed for a tool", returns=TeamDecision, errors=(404,))
@authenticated
def get_team_decision(organization_id: uuid.UUID, slug: str) -> Json:
    return envelope(call("get_team_decision", p_organization_id=organization_id, p_slug=slug))


@bp.put(ORGANIZATION_TOOL + "/decision")
@contract(
    "Record the answers the team agreed, over the version last seen (checked like a submit)",
    returns=TeamDecision,
    body=TeamDecisionBody,
    errors=(404, 409, 422),
)
@authenticated
def save_team_decision(organization_id: uuid.UUID, slug: str) -> Json:
    body = json_object(TeamDecisionBody)
    data, version = object_field(body, "data"), version_field(body)
    return envelope(
        call(
            "save_team_decision",
            p_organization_id=organization_id,
            p_slug=slug,
            p_data=data,
            p_version=version,
        )
    )


@bp.get(ORGANIZATION_TOOL + "/decision/history")
@contract("Every version of the team's decision, newest first", returns=list[Any], errors=(404,))
@authenticated
def team_decision_history(organization_id: uuid.UUID, slug: str) -> Json:
    return envelope(call("team_decision_history", p_organization_id=organization_id, p_slug=slug))


@bp.get(ORGANIZATION_TOOL + "/meeting/history")
@contract("Every version of the meeting's notes, newest first", returns=list[Any], errors=(404,))
@authenticated
def meeting_notes_history(organization_id: uuid.UUID, slug: str) -> Json:
    return envelope(call("meeting_notes_history", p_organization_id=organization_id, p_slug=slug))


@bp.post(ORGANIZATION_TOOL + "/action-items")
@contract(
    "A new action item",
    returns=ActionItem,
    status=201,
    body=NewActionItem,
    errors=(404, 422),
)
@authenticated
def create_action_item(organization_id: uuid.UUID, slug: str) -> tuple[Json, int]:
    body = json_object(NewActionItem)
    task, due = string_field(body, "task"), string_field(body, "due")
    owner_id = uuid_field(body, "owner_id")
    if owner_id is None:
        raise invalid_body('"owner_id" is required (a UUID)', "owner_id")
    answer = call(
        "create_action_item",
        p_organization_id=organization_id,
        p_slug=slug,
        p_task=task,
        p_owner_id=owner_id,
        p_due=due,
    )
    return envelope(answer), 201


@bp.patch("/action-items/<uuid:action_item_id>")
@contract(
    "Change an action item",
    returns=ActionItem,
    body=ActionItemChanges,
    errors=(403, 404, 422),
)
@authenticated
def update_action_item(action_item_id: uuid.UUID) -> Json:
    body = json_object(ActionItemChanges)
    if not body:
        raise invalid_body("Nothing to change: give any of task, owner_id, due, status")
    for name in ("task", "due", "status"):
        string_field(body, name, required=False)
    uuid_field(body, "owner_id")
    return envelope(call("update_action_item", p_action_item_id=action_item_id, p_changes=body))


@bp.get(ORGANIZATION + "/action-items")
@contract(
    "The team's action items by due date",
    returns=list[ActionItem],
    query={"status": str},
    errors=(400, 404, 422),
)
@authenticated
def list_action_items(organization_id: uuid.UUID) -> Json:
    args = given(p_status=query_string("status"))
    return envelope(call("list_action_items", p_organization_id=organization_id, **args))


@bp.get("/me/action-items")
@contract(
    "The action items the caller owns", returns=list[ActionItem], query={"status": str},
    errors=(400, 422),
)  # fmt: skip
@authenticated
def my_action_items() -> Json:
    return envelope(call("my_action_items", **given(p_status=query_string("status"))))


@bp.get(ORGANIZATION_TOOL + "/team")
@contract("The team's answers to a tool side by side, summarized", returns=TeamView, errors=(404,))
@authenticated
def team_view(organization_id: uuid.UUID, slug: str) -> Json:
    minimum = settings().team_min_respondents
    return envelope(
        call(
            "team_view",
            p_organization_id=organization_id,
            p_slug=slug,
            p_min_respondents=minimum,
        )
    )
