"""PDF exports rendered in the background (fasttrack/render_jobs.py renders them):
GET /api/exports/<id> (the job: pending, done, failed) and GET /api/exports/<id>/file (its PDF,
or the organization's archive).

exports.py sends a PDF request for a tool of EXPORT_BACKGROUND_TOOLS here (background_pdf), and
team_exports.py the team report's PDF and the organization's archive: a
render of the same data already made is answered at once (200, the PDF); otherwise 202 Accepted
with the job and `Location: /api/exports/<id>`. The job is the requester's own (SQL answers 404
to anyone else); the PDF is kept in the database, so any instance serves it.
"""

from __future__ import annotations

import base64
import uuid
from typing import Any

from flask import Blueprint, Response, jsonify

from fasttrack.export_documents import renderer_version
from fasttrack.web import envelope
from fasttrack.web.api_call import call
from fasttrack.web.authentication import authenticated
from fasttrack.web.contract import contract
from fasttrack.web.models.export_jobs import ExportJob

bp = Blueprint("export_jobs", __name__, url_prefix="/api")

PDF_MIMETYPE = "application/pdf"
ZIP_MIMETYPE = "application/zip"
POLL_AFTER_SECONDS = 1  # Retry-After on a pending job: the program report takes seconds
LOCATION = {
    "Location": {"description": "/api/exports/{job_id}: poll it", "schema": {"type": "string"}},
    "Retry-After": {"description": "seconds before the first poll", "schema": {"type": "integer"}},
}
# The other answer of an export that may be rendered in the background.
ACCEPTED = {
    202: {
        "description": "The PDF is being rendered: poll the job at Location",
        "returns": ExportJob,
        "headers": LOCATION,
    }
}
DISPOSITION = {
    "Content-Disposition": {
        "description": 'attachment; filename="fast-track-sprint-30-program-overview-2026-12-02'
        '.pdf"',
        "schema": {"type": "string"},
    }
}


def background_pdf(function: str, **args: Any) -> Response:
    """api.<function> asks for the render: the PDF when one of the same data is done, else the
    job (202, Location)."""
    job = call(function, p_renderer=renderer_version(), **args)
    if job.pop("cached"):
        return pdf_download(job.pop("pdf"), job["filename"])
    response = jsonify(envelope(job))
    response.status_code = 202
    response.headers["Location"] = f"/api/exports/{job['id']}"
    response.headers["Retry-After"] = str(POLL_AFTER_SECONDS)
    return response


def pdf_download(encoded: str, filename: str) -> Response:
    """The rendered file: a PDF, or the organization's archive (a zip), by its name."""
    mimetype = ZIP_MIMETYPE if filename.endswith(".zip") else PDF_MIMETYPE
    response = Response(base64.b64decode(encoded), mimetype=mimetype)
    # The file name is made of [a-z0-9-.] only (exports/files.py): no quoting problem.
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@bp.get("/exports/<uuid:job_id>")
@contract("An export job: pending, done (with its download URL) or failed", returns=ExportJob)
@authenticated
def export_job(job_id: uuid.UUID) -> Response:
    job = call("export_job", p_job_id=job_id)
    response = jsonify(envelope(job))
    if job["status"] == "pending":
        response.headers["Retry-After"] = str(POLL_AFTER_SECONDS)
    return response


@bp.get("/exports/<uuid:job_id>/file")
@contract(
    "The file of a finished export job: a PDF, or the organization's archive (a zip)",
    errors=(409,),
    wrapped=False,
    media={
        kind: {"schema": {"type": "string", "contentMediaType": kind}}
        for kind in (PDF_MIMETYPE, ZIP_MIMETYPE)
    },
    headers=DISPOSITION,
)
@authenticated
def export_job_file(job_id: uuid.UUID) -> Response:
    answer = call("export_job_file", p_job_id=job_id)
    return pdf_download(answer["pdf"], answer["filename"])
