"""A person's data: their export as a zip (/api/me/data-export, and for admins
/api/admin/users/<id>/data-export) and their erasure (DELETE /api/admin/users/<id>).

SQL builds every file of the export (api.export_my_data, api.admin_export_user_data: who may,
the rate limit, what each file holds) and decides the erasure; this module only zips the files
and passes arguments on.
"""

from __future__ import annotations

import io
import uuid
import zipfile
from typing import Any

from flask import Blueprint, Response

from fasttrack import exact_json
from fasttrack.web import envelope
from fasttrack.web.api_call import call
from fasttrack.web.authentication import authenticated
from fasttrack.web.contract import contract
from fasttrack.web.inputs import given, optional_json_object, string_field
from fasttrack.web.models.personal_data import Erasure, ErasureReason

bp = Blueprint("personal_data", __name__, url_prefix="/api")

ZIP_MIMETYPE = "application/zip"
ARCHIVE = {
    "wrapped": False,
    "media": {ZIP_MIMETYPE: {"schema": {"type": "string", "contentMediaType": ZIP_MIMETYPE}}},
    "headers": {
        "Content-Disposition": {
            "description": 'attachment; filename="fast-track-personal-data-2026-12-02.zip"',
            "schema": {"type": "string"},
        }
    },
}


@bp.get("/me/data-export")
@contract("Everything the service keeps about the caller, as a zip of JSON files", **ARCHIVE)
@authenticated
def export_my_data() -> Response:
    return archive(call("export_my_data"))


@bp.get("/admin/users/<uuid:user_id>/data-export")
@contract(
    "Everything the service keeps about a user, as a zip of JSON files (admins)",
    errors=(403,),
    **ARCHIVE,
)
@authenticated
def admin_export_user_data(user_id: uuid.UUID) -> Response:
    return archive(call("admin_export_user_data", p_user_id=user_id))


@bp.delete("/admin/users/<uuid:user_id>")
@contract(
    "Erase a user: their work, history and sessions go, audit and events stay anonymised",
    returns=Erasure,
    body=ErasureReason,
    body_required=False,
    errors=(403, 409, 422),
)
@authenticated
def admin_erase_user(user_id: uuid.UUID) -> dict[str, Any]:
    body = optional_json_object(ErasureReason)
    reason = given(p_reason=string_field(body, "reason", required=False))
    return envelope(call("admin_erase_user", p_user_id=user_id, **reason))


def archive(export: dict[str, Any]) -> Response:
    """The export's files in one zip, streamed as a download named by SQL."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive_file:
        for name, content in export["files"].items():
            text = content if name.endswith(".txt") else exact_json.dumps(content, indent=2)
            archive_file.writestr(name, text)
    response = Response(buffer.getvalue(), mimetype=ZIP_MIMETYPE)
    response.headers["Content-Disposition"] = f'attachment; filename="{export["filename"]}"'
    return response
