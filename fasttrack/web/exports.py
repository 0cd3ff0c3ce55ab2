"""Exports of a tool's work as a JSON file or a PDF: /api/tools/<slug>/export and
/api/users/<id>/tools/<slug>/export.

One api call returns the whole bundle (who may export what, the rate limit and a 404 before the
first save are SQL's business); this module only picks the format and renders (exports/). The
PDF of a tool in EXPORT_BACKGROUND_TOOLS (the program report, seconds to render) is rendered by
the worker instead: 202 and a job to poll (export_jobs.py).
"""

from __future__ import annotations

import time
import uuid
from typing import Any

from flask import Blueprint, Response, jsonify

import exports
from fasttrack.metrics import observe_render
from fasttrack.web import envelope, settings
from fasttrack.web.api_call import call
from fasttrack.web.authentication import authenticated
from fasttrack.web.contract import contract
from fasttrack.web.errors import ApiError
from fasttrack.web.export_jobs import ACCEPTED, background_pdf
from fasttrack.web.inputs import query_value
from fasttrack.web.models.exports import ExportBundle

bp = Blueprint("exports", __name__, url_prefix="/api")

FORMATS = ("json", "pdf")
PDF_MIMETYPE = "application/pdf"

# An export's 200 is the JSON envelope or, with ?format=pdf, the PDF; both are downloads.
EXPORT = {
    "returns": ExportBundle,
    "query": {"format": {"type": "string", "enum": list(FORMATS), "default": "json"}},
    "errors": (400,),
    "also": ACCEPTED,
    "media": {PDF_MIMETYPE: {"schema": {"type": "string", "contentMediaType": PDF_MIMETYPE}}},
    "headers": {
        "Content-Disposition": {
            "description": 'attachment; filename="fast-track-sprint-02-dream-2026-11-22.pdf"',
            "schema": {"type": "string"},
        }
    },
}


@bp.get("/tools/<slug:slug>/export")
@contract("Export the caller's work on a tool, as JSON or a PDF", **EXPORT)
@authenticated
def export_tool(slug: str) -> Response:
    chosen = export_format()
    if in_background(slug, chosen):
        return background_pdf("request_tool_export_job", p_slug=slug)
    return exported(call("export_tool", p_slug=slug), chosen)


@bp.get("/users/<uuid:user_id>/tools/<slug:slug>/export")
@contract("Export a user's work on a tool", **EXPORT)
@authenticated
def export_user_tool(user_id: uuid.UUID, slug: str) -> Response:
    chosen = export_format()
    if in_background(slug, chosen):
        return background_pdf("request_user_tool_export_job", p_user_id=user_id, p_slug=slug)
    return exported(call("export_user_tool", p_user_id=user_id, p_slug=slug), chosen)


def export_format() -> str:
    """`?format=json|pdf`, json when absent; checked before the database is asked anything."""
    raw = query_value("format") or "json"
    if raw not in FORMATS:
        raise ApiError(
            400,
            'Query parameter "format" must be one of: ' + ", ".join(FORMATS),
            code="INVALID_PARAMETER",
            details={"parameter": "format", "allowed": list(FORMATS)},
        )
    return raw


def in_background(slug: str, chosen: str) -> bool:
    """Whether this PDF is the worker's to render (EXPORT_BACKGROUND_TOOLS): the small ones are
    rendered here, while the request waits, in well under a second."""
    return chosen == "pdf" and slug in settings().export_background_tools


def exported(bundle: dict[str, Any], chosen: str) -> Response:
    """The bundle as a download: the JSON envelope or a PDF, named for the tool and the day."""
    started = time.perf_counter()
    if chosen == "pdf":
        try:
            pdf = exports.render_pdf(bundle, seconds=settings().export_render_seconds)
        except exports.RenderTimeout as late:  # the render was stopped: 503, never a held worker
            outcome = late.code.removeprefix("EXPORT_").lower()  # timeout, busy
            observe_render(chosen, outcome, time.perf_counter() - started)
            raise ApiError(503, late.message, code=late.code, details=late.details) from None
        response = Response(pdf, mimetype=PDF_MIMETYPE)
    else:
        document = exports.json_document(bundle)
        response = jsonify(envelope(document, filename=exports.filename(bundle, "json")))
    observe_render(chosen, "ok", time.perf_counter() - started)
    name = exports.filename(bundle, chosen)  # [a-z0-9-.] only: no quoting problem
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
