"""The caller's own tools and progress: /api/tools/... and /api/progress."""

from __future__ import annotations

import uuid
from typing import Any

from flask import Blueprint

from fasttrack.web import envelope
from fasttrack.web.caller import authenticated, call
from fasttrack.web.inputs import json_object, object_field, version_field

bp = Blueprint("tools", __name__, url_prefix="/api")

Json = dict[str, Any]


@bp.get("/tools")
@authenticated
def list_tools() -> Json:
    return envelope(call("list_tools"))


@bp.get("/tools/<slug:slug>")
@authenticated
def get_tool(slug: str) -> Json:
    return envelope(call("get_tool", p_slug=slug))


@bp.get("/tools/<slug:slug>/data")
@authenticated
def get_tool_data(slug: str) -> Json:
    return envelope(call("get_submission", p_slug=slug))


@bp.post("/tools/<slug:slug>/data")
@authenticated
def save_tool_data(slug: str) -> Json:
    body = json_object()
    data, version = object_field(body, "data"), version_field(body)
    return envelope(call("save_draft", p_slug=slug, p_data=data, p_version=version))


@bp.post("/tools/<slug:slug>/submit")
@authenticated
def submit_tool(slug: str) -> Json:
    body = json_object()
    version, data = version_field(body), object_field(body, "data", required=False)
    return envelope(call("submit_tool", p_slug=slug, p_version=version, p_data=data))


@bp.get("/tools/<slug:slug>/dependencies")
@authenticated
def get_tool_dependencies(slug: str) -> Json:
    return envelope(call("resolve_dependencies", p_slug=slug))


@bp.get("/tools/<slug:slug>/versions")
@authenticated
def list_tool_versions(slug: str) -> Json:
    return envelope(call("submission_history", p_slug=slug))


@bp.post("/tools/<slug:slug>/versions/<uuid:submission_id>/<int(max=2147483647):version>/restore")
@authenticated
def restore_tool_version(slug: str, submission_id: uuid.UUID, version: int) -> Json:
    return envelope(
        call(
            "restore_submission_version",
            p_slug=slug,
            p_submission_id=submission_id,
            p_version=version,
        )
    )


@bp.post("/tools/<slug:slug>/start-over")
@authenticated
def start_over_tool(slug: str) -> Json:
    return envelope(call("start_over", p_slug=slug))


@bp.get("/progress")
@authenticated
def my_progress() -> Json:
    return envelope(call("get_progress"))
