"""What an export is called, and the JSON document's stable shape."""

from __future__ import annotations

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


def filename(bundle: dict[str, Any], extension: str) -> str:
    """fast-track-sprint-02-dream-2026-11-22.pdf: program, sprint, tool slug, export date."""
    tool = bundle["tool"]
    generated = str(bundle.get("generated_at") or "")
    try:
        date = datetime.fromisoformat(generated).date().isoformat()
    except ValueError:
        date = "undated"
    return f"fast-track-sprint-{tool['sprint_number']:02d}-{tool['slug']}-{date}.{extension}"


def json_document(bundle: dict[str, Any]) -> dict[str, Any]:
    """The bundle with its top-level keys in the documented order (unknown ones last)."""
    ordered = {key: bundle[key] for key in KEY_ORDER if key in bundle}
    ordered.update((key, value) for key, value in bundle.items() if key not in ordered)
    return ordered
