"""The organization's archive as a zip: what api.organization_export returned, as files, with
the team reports' PDFs rendered within one deadline and a manifest.json saying what is in it.

    manifest.json                                  what follows, and what was left out, and why
    team/sprint-06-cash.json, .pdf                 each tool with team activity: its team report
    members/<email>/sprint-06-cash.json            each member's export of each tool they saved

The PDFs share one deadline, EXPORT_RENDER_SECONDS, in sprint order: a PDF that does not fit
in what is left is listed in the manifest (its JSON is there), so the archive never holds a
worker longer than one PDF export may.
"""

from __future__ import annotations

import io
import re
import time
import zipfile
from typing import Any

from flask import Response

import exports
from fasttrack import exact_json
from fasttrack.metrics import observe_render
from fasttrack.web.personal_data import ZIP_MIMETYPE

Json = dict[str, Any]

# What one archive may hold (sql/functions/268_organization_export.sql leaves out the rest and
# lists it): 50 MB of JSON is about 5,000 realistic tool exports, a team of 160 members' whole
# program; the zip of it is about a tenth.
MAX_ARCHIVE_BYTES = 50_000_000
MAX_ARCHIVE_FILES = 5_000
SAFE_PATH_PART = re.compile(r"[^A-Za-z0-9@._+-]+")

ABOUT = [
    "The organization's work in Fast Track, as exported on the date above.",
    "team/: one team report per tool some member saved, as JSON and as a PDF for the meeting "
    "(readiness, every output's answers side by side with their distribution, the team's "
    "decision, the action items).",
    "members/<email>/: each member's export of each tool they saved (the JSON of "
    "GET /api/users/{id}/tools/{slug}/export).",
    "Anonymous tools and outputs follow the team view's rule: no names, and nothing shown under "
    "the minimum number of answers. A member's export of an anonymous tool is left out "
    "(anonymous_left_out), and answers to anonymous outputs are withheld (value null, "
    "withheld true).",
    "left_out: what did not fit the archive's size bounds; pdf_left_out: team reports whose "
    "PDF did not fit the render deadline (their JSON is here).",
]


def archive(export: Json, *, render_seconds: float) -> Response:
    """The zip download of an organization export."""
    files: list[tuple[str, bytes]] = []
    listed: list[Json] = []
    pdf_left_out: list[Json] = []
    deadline = time.monotonic() + render_seconds

    for report in export.get("team_reports") or []:
        stem = f"team/{sprint_stem(report['tool'])}"
        files.append((f"{stem}.json", dumps(exports.json_document(report))))
        listed.append(entry(f"{stem}.json", "team_report", "json", report["tool"]))
        pdf = render_within_deadline(report, deadline)
        if isinstance(pdf, bytes):
            files.append((f"{stem}.pdf", pdf))
            listed.append(entry(f"{stem}.pdf", "team_report", "pdf", report["tool"]))
        else:
            pdf_left_out.append({"tool": tool_ref(report["tool"]), "reason": pdf})

    folders: dict[str, str] = {}
    for bundle in export.get("member_exports") or []:
        folder = member_folder(bundle.get("user") or {}, folders)
        path = f"members/{folder}/{sprint_stem(bundle['tool'])}.json"
        files.append((path, dumps(exports.json_document(bundle))))
        listed.append(entry(path, "member_export", "json", bundle["tool"], bundle.get("user")))

    manifest = {
        "format_version": 1,
        "generated_at": export.get("generated_at"),
        "organization": export.get("organization"),
        "about": ABOUT,
        "members": export.get("members") or [],
        "files": listed,
        "pdf_left_out": pdf_left_out,
        "anonymous_left_out": export.get("anonymous_left_out") or [],
        "left_out": export.get("left_out") or [],
        "left_out_count": export.get("left_out_count") or 0,
        "limits": {**(export.get("limits") or {}), "render_seconds": render_seconds},
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive_file:
        archive_file.writestr("manifest.json", dumps(manifest))
        for name, content in files:
            archive_file.writestr(name, content)
    response = Response(buffer.getvalue(), mimetype=ZIP_MIMETYPE)
    name = exports.archive_filename(export)  # [a-z0-9-.] only: no quoting problem
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def render_within_deadline(report: Json, deadline: float) -> bytes | str:
    """The report's PDF, or why there is none ("no time left", "timeout", "busy")."""
    left = deadline - time.monotonic()
    if left <= 0.05:
        return "no time left: the archive's PDFs share one render deadline"
    started = time.perf_counter()
    try:
        pdf = exports.render_pdf(report, seconds=left)
    except exports.RenderTimeout as late:
        outcome = late.code.removeprefix("EXPORT_").lower()  # timeout, busy
        observe_render("pdf", outcome, time.perf_counter() - started)
        return f"{outcome}: the render did not fit the archive's deadline"
    observe_render("pdf", "ok", time.perf_counter() - started)
    return pdf


def sprint_stem(tool: Json) -> str:
    return f"sprint-{tool['sprint_number']:02d}-{tool['slug']}"


def tool_ref(tool: Json) -> Json:
    return {key: tool.get(key) for key in ("slug", "name", "sprint_number")}


def entry(path: str, kind: str, form: str, tool: Json, user: Json | None = None) -> Json:
    listed = {"path": path, "kind": kind, "format": form, "tool": tool_ref(tool)}
    if user is not None:
        listed["member"] = {key: user.get(key) for key in ("id", "email", "full_name")}
    return listed


def member_folder(user: Json, folders: dict[str, str]) -> str:
    """The member's folder: their email, made safe for a zip path (their id when two emails
    would make the same folder)."""
    user_id = str(user.get("id") or "")
    if user_id in folders:
        return folders[user_id]
    name = SAFE_PATH_PART.sub("_", str(user.get("email") or "")).strip("._")[:120] or user_id
    if name in folders.values():
        name = user_id
    folders[user_id] = name
    return name


def dumps(document: Any) -> bytes:
    return exact_json.dumps(document, indent=2).encode("utf-8")
