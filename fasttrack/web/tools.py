"""The caller's own tools and progress: /api/tools/... and /api/progress."""

from __future__ import annotations

import uuid
from typing import Any, NotRequired

from flask import Blueprint, Response
from pydantic import ConfigDict, with_config
from typing_extensions import TypedDict

from fasttrack.web import envelope, envelope_text
from fasttrack.web.api_call import call
from fasttrack.web.authentication import authenticated
from fasttrack.web.contract import contract, schema_of
from fasttrack.web.inputs import json_object, object_field, version_field
from fasttrack.web.models import AnyObject, VersionNumber
from fasttrack.web.models.tools import (
    AnswerSchema,
    Dependencies,
    Progress,
    SavedSubmission,
    StartOverResult,
    Submission,
    SubmitResult,
    Tool,
    ToolSummary,
    Version,
    VersionData,
)

bp = Blueprint("tools", __name__, url_prefix="/api")

Json = dict[str, Any]


@with_config(ConfigDict(extra="forbid"))  # every body is closed (inputs.json_object)
class Draft(TypedDict):
    data: AnyObject
    version: VersionNumber


@with_config(ConfigDict(extra="forbid"))
class Restore(TypedDict):
    version: VersionNumber


@with_config(ConfigDict(extra="forbid"))
class Submit(TypedDict):
    version: VersionNumber
    data: NotRequired[AnyObject]


@bp.get("/tools")
@contract("All tools in sprint order with the caller's status", returns=list[ToolSummary])
@authenticated
def list_tools() -> Json:
    return envelope(call("list_tools"))


@bp.get("/tools/<slug:slug>")
@contract(
    "A tool, its outputs, dependencies and the caller's status; answer_schema_url is "
    "GET /api/tools/{slug}/schema, its answers as JSON Schema",
    returns=Tool,
)
@authenticated
def get_tool(slug: str) -> Json:
    return envelope(call("get_tool", p_slug=slug))


@bp.get("/tools/<slug:slug>/schema")
@contract(
    "The tool's answers as a JSON Schema (draft 2020-12): data is the schema itself, ready for a "
    "validator; title = label at every level, examples = one complete valid set of answers",
    returns=schema_of(AnswerSchema),
)
@authenticated
def get_tool_answer_schema(slug: str) -> Json:
    return envelope(call("get_tool_answer_schema", p_slug=slug))


@bp.get("/tools/<slug:slug>/data")
@contract("The caller's active submission, or an empty draft", returns=Submission)
@authenticated
def get_submission(slug: str) -> Response:
    return envelope_text(call("get_submission", as_text=True, p_slug=slug))


@bp.post("/tools/<slug:slug>/data")
@contract("Save a draft", returns=SavedSubmission, body=Draft, errors=(409, 422, 423))
@authenticated
def save_draft(slug: str) -> Response:
    body = json_object(Draft)
    data, version = object_field(body, "data"), version_field(body)
    return envelope_text(
        call("save_draft", as_text=True, p_slug=slug, p_data=data, p_version=version)
    )


@bp.post("/tools/<slug:slug>/submit")
@contract(
    "Submit; lists the tools this unlocked",
    returns=SubmitResult,
    body=Submit,
    errors=(409, 422, 423),
)
@authenticated
def submit_tool(slug: str) -> Response:
    body = json_object(Submit)
    version, data = version_field(body), object_field(body, "data", required=False)
    return envelope_text(
        call("submit_tool", as_text=True, p_slug=slug, p_version=version, p_data=data)
    )


@bp.get("/tools/<slug:slug>/dependencies")
@contract("Resolved values from earlier tools", returns=Dependencies)
@authenticated
def resolve_dependencies(slug: str) -> Response:
    return envelope_text(call("resolve_dependencies", as_text=True, p_slug=slug))


@bp.get("/tools/<slug:slug>/versions")
@contract("Saved versions, newest first", returns=list[Version])
@authenticated
def submission_history(slug: str) -> Json:
    return envelope(call("submission_history", p_slug=slug))


@bp.get("/tools/<slug:slug>/versions/<uuid:submission_id>/<int(max=2147483647):version>")
@contract("One saved version with its data (a preview before a restore)", returns=VersionData)
@authenticated
def submission_version(slug: str, submission_id: uuid.UUID, version: int) -> Json:
    return envelope(
        call("submission_version", p_slug=slug, p_submission_id=submission_id, p_version=version)
    )


@bp.post("/tools/<slug:slug>/versions/<uuid:submission_id>/<int(max=2147483647):version>/restore")
@contract(
    "Save an earlier version's data again",
    returns=SavedSubmission,
    body=Restore,
    errors=(409, 423),
)
@authenticated
def restore_submission_version(slug: str, submission_id: uuid.UUID, version: int) -> Json:
    # the body's version is the active one the caller last saw, checked as a save checks it
    expected_version = version_field(json_object(Restore))
    return envelope(
        call(
            "restore_submission_version",
            p_slug=slug,
            p_submission_id=submission_id,
            p_version=version,
            p_expected_version=expected_version,
        )
    )


@bp.post("/tools/<slug:slug>/start-over")
@contract(
    "Archive the active submission, open an empty one", returns=StartOverResult, errors=(423,)
)
@authenticated
def start_over(slug: str) -> Json:
    return envelope(call("start_over", p_slug=slug))


@bp.get("/progress")
@contract("The caller's progress and next tool", returns=Progress)
@authenticated
def get_progress() -> Json:
    return envelope(call("get_progress"))
