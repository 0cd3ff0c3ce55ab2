"""The documents the worker renders in the background, by kind: kind -> how to render its
bundle and what to call the file. A new kind of document is one entry here (and the SQL entry
point that authorizes and assembles its bundle, 147_api_export_jobs.sql).

renderer_version() is part of every render's fingerprint: a render made with other templates or
assets is not reused.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from exports.files import filename
from exports.pdf import render_pdf

PACKAGE = Path(__file__).resolve().parent


@dataclass(frozen=True)
class Document:
    """How one kind of document becomes a PDF: render(bundle, seconds) and its file name."""

    render: Callable[..., bytes]
    filename: Callable[[dict[str, Any]], str]


DOCUMENTS: dict[str, Document] = {
    # A tool's export (api.export_bundle); only the long ones (the program report) come here.
    "tool": Document(render=render_pdf, filename=lambda bundle: filename(bundle, "pdf")),
}


@cache
def renderer_version() -> str:
    """A hash of what a render reads besides its bundle: this package's code, templates and
    assets. Computed once per process."""
    digest = hashlib.sha256()
    for path in sorted(PACKAGE.rglob("*")):
        if path.is_file() and path.suffix not in {".pyc"}:
            digest.update(path.relative_to(PACKAGE).as_posix().encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:16]
