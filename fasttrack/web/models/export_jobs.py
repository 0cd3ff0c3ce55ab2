"""An export job: a PDF the worker renders in the background (GET /api/exports/{id})."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal
from uuid import UUID

from pydantic import Field
from typing_extensions import TypedDict


class ExportJobError(TypedDict):
    code: Annotated[
        str,
        Field(
            description="EXPORT_TIMEOUT, EXPORT_TOO_LARGE, RENDER_FAILED, RENDER_ABANDONED "
            "or UNKNOWN_DOCUMENT"
        ),
    ]
    message: str


class ExportJob(TypedDict):
    id: UUID
    kind: Annotated[
        str,
        Field(description="what is rendered: tool, team_report or organization_export (a zip)"),
    ]
    document: Annotated[str, Field(description="which document: e.g. tool:{slug}:{user id}")]
    status: Literal["pending", "done", "failed"]
    attempts: int
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    filename: str | None
    byte_size: int | None
    download_url: Annotated[
        str | None, Field(description="when done: GET it (with the token) for the PDF")
    ]
    error: ExportJobError | None
