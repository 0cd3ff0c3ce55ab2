"""Organization and program analytics: GET /api/analytics/organizations/<id> (a guru coaching
it, admins), GET /api/analytics/program (admins), and the PDFs of an organization's progress
report and of the caller's own progress page.

Every figure, who may read it and k-anonymity are SQL's (sql/functions/280-285, 142); the answer's
meta comes from there too. This module picks the format and renders (exports/).
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
from fasttrack.web.exports import EXPORT, PDF_MIMETYPE, export_format
from fasttrack.web.models.organization_analytics import OrganizationAnalytics, ProgramAnalytics

bp = Blueprint("organization_analytics", __name__, url_prefix="/api/analytics")

Json = dict[str, Any]
REPORT = {**EXPORT, "returns": dict[str, Any]}


def analytics(answer: Json) -> Json:
    """SQL answers {data, meta}: the envelope with that meta."""
    return envelope(answer["data"], **answer["meta"])


@bp.get("/organizations/<uuid:organization_id>")
@contract(
    "An organization's funnel, stalled members and pace against the program",
    returns=OrganizationAnalytics,
    errors=(404,),
)
@authenticated
def organization_analytics(organization_id: uuid.UUID) -> Json:
    return analytics(call("organization_analytics", p_organization_id=organization_id))


@bp.get("/program")
@contract(
    "The program's funnel and figures, by organization and by joining month (admins)",
    returns=ProgramAnalytics,
    errors=(403,),
)
@authenticated
def program_analytics() -> Json:
    return analytics(call("program_analytics"))


@bp.get("/organizations/<uuid:organization_id>/export")
@contract("An organization's progress report, as JSON or a PDF", **REPORT)
@authenticated
def organization_report(organization_id: uuid.UUID) -> Response:
    chosen = export_format()
    return report(call("organization_report", p_organization_id=organization_id), chosen)


@bp.get("/me/export")
@contract("The caller's own progress page, as JSON or a PDF", **REPORT)
@authenticated
def progress_page() -> Response:
    chosen = export_format()
    return report(call("progress_page"), chosen)


def report(document: Json, chosen: str) -> Response:
    """The report as a download: the JSON envelope or a PDF, named for the report and the day."""
    started = time.perf_counter()
    if chosen == "pdf":
        try:
            pdf = exports.render_pdf(document, seconds=settings().export_render_seconds)
        except exports.RenderTimeout as late:
            outcome = late.code.removeprefix("EXPORT_").lower()
            observe_render(chosen, outcome, time.perf_counter() - started)
            raise ApiError(503, late.message, code=late.code, details=late.details) from None
        response = Response(pdf, mimetype=PDF_MIMETYPE)
    else:
        meta = document.pop("meta", {})
        response = jsonify(envelope(document, **meta))
    observe_render(chosen, "ok", time.perf_counter() - started)
    name = exports.report_filename(document, chosen)
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
