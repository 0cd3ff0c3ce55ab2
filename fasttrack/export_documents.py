"""The documents the worker renders in the background, by kind: kind -> how to render the
bundle its SQL entry point assembled (sql/functions/147_api_export_jobs.sql) and what to call
the file. A new kind of document is one entry here and one entry point there.

renderer_version() is part of every render's fingerprint: a render made with other templates,
assets or rendering code is not reused.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import exports
from fasttrack.web import organization_archive

Bundle = dict[str, Any]
# What a render may read besides its bundle.
RENDERING_CODE = (
    Path(exports.__file__).resolve().parent,
    Path(organization_archive.__file__).resolve(),
)


@dataclass(frozen=True)
class Document:
    """How one kind of document becomes a file: render(bundle, seconds) and its name (whose
    extension, .pdf or .zip, gives its media type)."""

    render: Callable[[Bundle, float], bytes]
    filename: Callable[[Bundle], str]


def _organization_archive(bundle: Bundle, seconds: float) -> bytes:
    return organization_archive.archive(bundle, render_seconds=seconds).get_data()


DOCUMENTS: dict[str, Document] = {
    # A tool's export (api.export_bundle); only the long ones (the program report) come here.
    "tool": Document(
        render=lambda bundle, seconds: exports.render_pdf(bundle, seconds=seconds),
        filename=lambda bundle: exports.filename(bundle, "pdf"),
    ),
    # A team's report of one tool (shared.team_report), for the meeting.
    "team_report": Document(
        render=lambda bundle, seconds: exports.render_pdf(bundle, seconds=seconds),
        filename=lambda bundle: exports.filename(bundle, "pdf"),
    ),
    # The organization's archive (shared.organization_export): a zip, its PDFs within `seconds`.
    "organization_export": Document(
        render=_organization_archive, filename=exports.archive_filename
    ),
}


@cache
def renderer_version() -> str:
    """A hash of the rendering code, templates and assets. Computed once per process."""
    digest = hashlib.sha256()
    for root in RENDERING_CODE:
        for path in sorted(root.rglob("*")) if root.is_dir() else [root]:
            if path.is_file() and path.suffix != ".pyc":
                digest.update(path.name.encode())
                digest.update(path.read_bytes())
    return digest.hexdigest()[:16]
