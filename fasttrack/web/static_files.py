"""The tool pages' client, served at /static/ in every environment.

`static/fasttrack-client.js` (an ES module) and its TypeScript declarations. Pages on another
origin load it from here too: the CORS headers of fasttrack/web/security.py cover these answers,
and the module reads the API's address from the URL it was loaded from.
"""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, Response, send_from_directory

from fasttrack.web.contract import contract

bp = Blueprint("static_files", __name__)

STATIC_DIR = Path(__file__).resolve().parents[2] / "static"
MEDIA_TYPES = {
    "fasttrack-client.js": "text/javascript",
    "fasttrack-client.d.ts": "text/plain",  # mimetypes would call .ts a video stream
}


def _serve(name: str, media_type: str) -> None:
    """GET /static/<name>, one route per file (the OpenAPI document lists each)."""

    @contract(
        f"The tool pages' client: {name}",
        database=False,
        wrapped=False,
        media={media_type: {"schema": {"type": "string"}}},
    )
    def view() -> Response:
        response = send_from_directory(STATIC_DIR, name, mimetype=media_type, max_age=0)
        response.headers["Cache-Control"] = "no-cache"  # revalidated (ETag): releases show at once
        return response

    bp.add_url_rule(f"/static/{name}", endpoint=name.replace(".", "_"), view_func=view)


for _name, _media_type in MEDIA_TYPES.items():
    _serve(_name, _media_type)
