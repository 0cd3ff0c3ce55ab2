"""The analytics PDFs: an organization's progress report and a user's own progress page.

The report bundles come from SQL (sql/functions/284_analytics_reports.sql: api.organization_report,
api.progress_page), with every figure decided there, "too few to show" included; this module
arranges them for the templates (exports/templates/analytics/) and draws the charts
(exports/progress_charts.py). Lists are cut at bounds.MAX_ITEMS with a note; the JSON has
everything.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from exports.bounds import MAX_ITEMS
from exports.environment import day, environment
from exports.progress_charts import funnel_chart, pace_chart, shown

Json = dict[str, Any]
TEMPLATES = {
    "organization_progress": "analytics/organization_report.html",
    "progress_page": "analytics/progress_page.html",
}
SHOWN_AFTER_FURTHEST = 1  # funnel rows drawn past the furthest tool anyone reached
MIN_FUNNEL_ROWS = 5


def is_report(bundle: Json) -> bool:
    return bundle.get("report") in TEMPLATES


def report_html(report: Json) -> str:
    template = environment().get_template(TEMPLATES[report["report"]])
    return template.render(report_context(report))


def figure(value: Any, suffix: str = "") -> str:
    """A figure as text: the number with its unit, or the marker's own text."""
    if isinstance(value, dict) and value.get("too_few"):
        return str(value.get("text") or "too few to show")
    if value is None:
        return "—"
    if isinstance(value, float) and value == int(value):
        value = int(value)
    return f"{value}{suffix}"


def capped(rows: list[Any]) -> tuple[list[Any], str]:
    """At most MAX_ITEMS rows, and a note saying how many were left out."""
    if len(rows) <= MAX_ITEMS:
        return rows, ""
    return rows[:MAX_ITEMS], f"{len(rows) - MAX_ITEMS} more are in the JSON export (format=json)."


def funnel_rows(funnel: list[Json]) -> list[Json]:
    """The tools up to one past the furthest anyone reached (at least five)."""
    reached = [i for i, step in enumerate(funnel) if shown(step["reached"]) and step["reached"] > 0]
    last = max(reached, default=-1) + SHOWN_AFTER_FURTHEST
    return funnel[: max(last + 1, MIN_FUNNEL_ROWS)]


def report_context(report: Json) -> Json:
    generated = day(report.get("generated_at"))
    context: Json = {"report": report, "generated_on": generated, "figure": figure, "shown": shown}
    if report["report"] == "organization_progress":
        funnel = funnel_rows(report.get("funnel") or [])
        any_shown = any(shown(step["reached"]) for step in funnel)
        members = report["pace"]["members"]
        stalled, stalled_note = capped(report.get("stalled_members") or [])
        pace_rows, pace_note = capped(members)
        risks = report.get("risks") or {}
        risk_rows, risk_note = capped(risks.get("members") or [])
        context.update(
            funnel=funnel,
            funnel_chart=funnel_chart(funnel, report["members"]) if any_shown else None,
            pace_chart=pace_chart(pace_rows)
            if any(shown(m["difference"]) for m in pace_rows)
            else None,
            pace_rows=pace_rows,
            pace_note=pace_note,
            stalled=stalled,
            stalled_note=stalled_note,
            risks=risks,
            risk_rows=risk_rows,
            risk_note=risk_note,
            calculated_on=day((report.get("meta") or {}).get("calculated_at")),
        )
    return context


def report_filename(report: Json, extension: str) -> str:
    """fast-track-organization-report-2026-12-02.pdf, fast-track-progress-2026-12-02.pdf."""
    generated = str(report.get("generated_at") or "")
    try:
        date = datetime.fromisoformat(generated).date().isoformat()
    except ValueError:
        date = "undated"
    kind = "organization-report" if report["report"] == "organization_progress" else "progress"
    return f"fast-track-{kind}-{date}.{extension}"
