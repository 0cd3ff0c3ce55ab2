"""The team report of a tool (/api/organizations/<id>/tools/<slug>/team/export, JSON or a PDF
for the meeting) and the organization's whole work as one zip (/api/organizations/<id>/export).

One api call each returns the whole document (who may, the one export counted against
RATE_LIMIT_EXPORTS, the team view's anonymous rules, the archive's bounds are SQL's business);
this module picks the format and renders, with the per-user exports' machinery (exports/).
"""

from __future__ import annotations

import uuid

from flask import Blueprint, Response

from fasttrack.web import settings
from fasttrack.web.api_call import call
from fasttrack.web.authentication import authenticated
from fasttrack.web.contract import contract
from fasttrack.web.export_jobs import ACCEPTED, background_pdf
from fasttrack.web.exports import EXPORT, export_format, exported
from fasttrack.web.models.team_report import TeamReport
from fasttrack.web.organization_archive import MAX_ARCHIVE_BYTES, MAX_ARCHIVE_FILES, archive
from fasttrack.web.personal_data import ARCHIVE

bp = Blueprint("team_exports", __name__, url_prefix="/api")

ORGANIZATION = "/organizations/<uuid:organization_id>"


@bp.get(ORGANIZATION + "/tools/<slug:slug>/team/export")
@contract(
    "The team report of a tool for the meeting, as JSON or a PDF",
    **{**EXPORT, "returns": TeamReport, "errors": (400, 404)},
)
@authenticated
def team_report(organization_id: uuid.UUID, slug: str) -> Response:
    chosen = export_format()
    if chosen == "pdf" and settings().export_background_reports:  # the worker renders it
        return background_pdf(
            "request_team_report_job",
            p_organization_id=organization_id,
            p_slug=slug,
            p_min_respondents=settings().team_min_respondents,
        )
    report = call(
        "team_report",
        p_organization_id=organization_id,
        p_slug=slug,
        p_min_respondents=settings().team_min_respondents,
    )
    return exported(report, chosen)


@bp.get(ORGANIZATION + "/export")
@contract(
    "The organization's work as one zip: team reports (JSON and PDF) and every member's exports",
    errors=(404,),
    also=ACCEPTED,
    **{
        **ARCHIVE,
        "headers": {
            "Content-Disposition": {
                "description": 'attachment; filename="fast-track-organization-acme-2026-12-02.zip"',
                "schema": {"type": "string"},
            }
        },
    },
)
@authenticated
def organization_export(organization_id: uuid.UUID) -> Response:
    if settings().export_background_reports:  # the worker builds it (its PDFs take seconds)
        return background_pdf(
            "request_organization_export_job",
            p_organization_id=organization_id,
            p_min_respondents=settings().team_min_respondents,
            p_max_bytes=MAX_ARCHIVE_BYTES,
            p_max_files=MAX_ARCHIVE_FILES,
        )
    export = call(
        "organization_export",
        p_organization_id=organization_id,
        p_min_respondents=settings().team_min_respondents,
        p_max_bytes=MAX_ARCHIVE_BYTES,
        p_max_files=MAX_ARCHIVE_FILES,
    )
    return archive(export, render_seconds=settings().export_render_seconds)
