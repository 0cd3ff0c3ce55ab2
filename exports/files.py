"""What an export is called, and the JSON document's stable shape."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

# The documented order of the JSON export's top-level keys (README, OpenAPI "ExportBundle").
KEY_ORDER = (
    "format_version",
    "program",
    "generated_at",
    "user",
    "organization",
    "tool",
    "submission",
    "answers",
    "outputs",
    "dependencies",
    "sections",
)


# The team report's (sql/functions/266_team_report.sql; OpenAPI "TeamReport").
TEAM_KEY_ORDER = (
    "format_version",
    "document",
    "program",
    "generated_at",
    "organization",
    "tool",
    "meeting",
    "anonymous",
    "min_respondents",
    "readiness",
    "fields",
    "decision",
    "action_items",
)


def filename(bundle: dict[str, Any], extension: str) -> str:
    """fast-track-sprint-02-dream-2026-11-22.pdf: program, sprint, tool slug, export date; a
    team report: fast-track-team-acme-sprint-02-dream-2026-11-22.pdf (the organization's
    slug)."""
    tool = bundle["tool"]
    date = export_date(bundle)
    team = ""
    if bundle.get("document") == "team_report":
        team = f"team-{safe_slug((bundle.get('organization') or {}).get('slug'))}-"
    return f"fast-track-{team}sprint-{tool['sprint_number']:02d}-{tool['slug']}-{date}.{extension}"


def archive_filename(export: dict[str, Any]) -> str:
    """fast-track-organization-acme-2026-12-02.zip"""
    slug = safe_slug((export.get("organization") or {}).get("slug"))
    return f"fast-track-organization-{slug}-{export_date(export)}.zip"


def export_date(document: dict[str, Any]) -> str:
    """The day a document was generated (UTC, as SQL stamped it), or "undated"."""
    try:
        return datetime.fromisoformat(str(document.get("generated_at") or "")).date().isoformat()
    except ValueError:
        return "undated"


def safe_slug(slug: Any) -> str:
    """An organization's slug as a file name part: [a-z0-9-] only, at most 60 characters (so a
    Content-Disposition needs no quoting and a zip entry no escaping)."""
    text = re.sub(r"[^a-z0-9]+", "-", str(slug or "").lower()).strip("-")[:60].strip("-")
    return text or "organization"


def json_document(bundle: dict[str, Any]) -> dict[str, Any]:
    """The bundle (or team report) with its top-level keys in the documented order (unknown
    ones last)."""
    order = TEAM_KEY_ORDER if bundle.get("document") == "team_report" else KEY_ORDER
    ordered = {key: bundle[key] for key in order if key in bundle}
    ordered.update((key, value) for key, value in bundle.items() if key not in ordered)
    return ordered
