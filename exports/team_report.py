"""What the team report's template sees: the team report (sql/functions/266_team_report.sql),
arranged for a coach who prints it for the meeting. Who may see which answers (anonymous
outputs, TEAM_MIN_RESPONDENTS) SQL decided; the figures are SQL's (shared.answer_summary). Here
values are only fitted to the document's bounds (bounds.py) and charts placed (team_charts.py).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from exports.bounds import Budget, count, fit, fit_key
from exports.context import declared_table
from exports.environment import day, humanize
from exports.team_charts import count_bars, number_strip, readiness_bar

Json = dict[str, Any]

MAX_ANSWERS = 100  # members' answers shown per output; the JSON has every one
MAX_NUDGE = 100  # members listed under "who to nudge"
MAX_ACTION_ITEMS = 200
MAX_LABEL = 160  # characters of a chart's label (a list item can be long text)
# Outputs whose answers are laid out one under the other (a table in a table's cell is cramped)
BLOCK_TYPES = frozenset({"table", "object"})
PROGRESS = {
    "completed": "Submitted",
    "in_progress": "In progress",
    "unlocked": "Not started",
    "locked": "Locked",
}


def is_team_report(bundle: Json) -> bool:
    return bundle.get("document") == "team_report"


def team_context(report: Json) -> Json:
    """Everything team.html needs; every answer fitted to one budget for the document."""
    budget = Budget()
    tool = report["tool"]
    organization = report.get("organization") or {}
    sprint = f"Sprint {tool['sprint_number']:02d}"
    program = report.get("program") or "Fast Track"
    return {
        "program": program,
        "title": f"{program} · Team report · {sprint} · {tool['name']}",
        "tool": tool,
        "sprint": sprint,
        "module": (tool.get("module") or {}).get("name"),
        "organization": organization.get("name") or "",
        "generated_on": day(report.get("generated_at")),
        "generated_at": report.get("generated_at") or "",
        "meeting": meeting_line(report.get("meeting")),
        "anonymous": bool(report.get("anonymous")),
        "min_respondents": report.get("min_respondents"),
        "readiness": readiness(report.get("readiness") or {}, budget),
        "fields": [team_field(entry, budget) for entry in report.get("fields") or []],
        "decision": decision(report.get("decision"), budget),
        "action_items": action_items(report.get("action_items") or []),
    }


def meeting_line(meeting: Json | None) -> str:
    """3 March 2027, 14:00 (Europe/Amsterdam); "" when no meeting is scheduled."""
    if not meeting:
        return ""
    try:
        local = datetime.fromisoformat(str(meeting.get("meeting_at_local")))
    except ValueError:
        return str(meeting.get("meeting_at_local") or "")
    return f"{local.day} {local:%B %Y}, {local:%H:%M} ({meeting.get('time_zone') or 'UTC'})"


def person(user: Json | None) -> str:
    user = user or {}
    return user.get("full_name") or user.get("email") or "—"


def readiness(figures: Json, budget: Budget) -> Json:
    waiting = figures.get("to_nudge") or []
    listed = []
    for member in waiting[:MAX_NUDGE]:
        budget.take(4)
        listed.append(
            {
                "name": person(member.get("user")),
                "email": (member.get("user") or {}).get("email") or "",
                "status": PROGRESS.get(member.get("status"), humanize(member.get("status") or "")),
                "last_saved": day(member.get("last_saved_at")) or "Never",
            }
        )
    more = len(waiting) - len(listed)
    note = f"{count(more, 'more member')} not shown (the JSON export lists all)." if more else ""
    counts = ("members", "submitted", "in_progress", "not_started", "percent_ready")
    return {
        **{key: figures.get(key, 0) for key in counts},
        "bar": readiness_bar(figures),
        "to_nudge": listed,
        "to_nudge_note": note,
    }


def team_field(entry: Json, budget: Budget) -> Json:
    """One output: its chart (by the summary's shape) and the members' answers."""
    kind = entry.get("type") or "text"
    shown: Json = {
        "label": entry.get("label") or humanize(entry.get("field_id")),
        "type": kind,
        "anonymous": bool(entry.get("anonymous")),
        "hidden": bool(entry.get("hidden")),
        "message": entry.get("message") or "",
        "respondents": entry.get("respondents", 0),
        "layout": "blocks" if kind in BLOCK_TYPES else "rows",
        "answers": [],
        "answers_note": "",
        "chart": None,
    }
    if shown["hidden"]:
        return shown
    answers = entry.get("answers") or []
    shown["chart"] = chart(entry.get("summary") or {}, [a.get("value") for a in answers])
    columns = entry.get("columns")
    for answer in answers[:MAX_ANSWERS]:
        value = declared_table(answer.get("value"), columns)
        shown["answers"].append(
            {
                "who": None if shown["anonymous"] else person(answer.get("user")),
                "submitted": bool(answer.get("submitted")),
                # inside the side-by-side table a value is a cell (depth 1); a block is a field
                "value": fit(value, budget, depth=0 if shown["layout"] == "blocks" else 1),
            }
        )
    more = len(answers) - len(shown["answers"])
    if more > 0:
        shown["answers_note"] = (
            f"{count(more, 'more answer')} left out (a page shows no more; "
            "the JSON export has them all)."
        )
    return shown


def chart(summary: Json, values: list[Any], counted: str = "Answers") -> Json | None:
    """The chart of a summary: counts as bars, numbers as a strip with their figures, a table
    as its rows per member and a chart per number or choice column."""
    shape = summary.get("shape")
    if shape == "numbers":
        strip = number_strip(summary, values)
        return {"kind": "numbers", "figures": figures(summary, counted), "svg": strip}
    if shape == "counts":
        bars = count_bars(summary.get("counts") or [])
        for row in bars["rows"]:
            row["label"] = fit_key(str(row["label"])[:MAX_LABEL])
        return {"kind": "counts", **bars} if bars["rows"] else None
    if shape == "table":
        rows = [row for value in values if isinstance(value, list) for row in value]
        columns = []
        for column in summary.get("columns") or []:
            cells = [row.get(column.get("key")) for row in rows if isinstance(row, dict)]
            columns.append({"label": column.get("label") or humanize(column.get("key")),
                            "chart": chart(column, cells, "Values")})  # fmt: skip
        return {
            "kind": "table",
            "rows": figures(summary.get("rows") or {}, "Members"),
            "columns": [c for c in columns if c["chart"]],
        }
    return None


def figures(summary: Json, counted: str = "Answers") -> list[tuple[str, Any]]:
    """n (labelled `counted`), min, median, max, mean as (label, value) pairs, the ones SQL
    gave."""
    names = (("n", counted), ("min", "Min"), ("median", "Median"), ("max", "Max"),
             ("mean", "Mean"))  # fmt: skip
    return [(label, summary[key]) for key, label in names if summary.get(key) is not None]


def decision(recorded: Json | None, budget: Budget) -> Json | None:
    if not recorded:
        return None
    return {
        "version": recorded.get("version"),
        "by": person(recorded.get("decided_by")),
        "on": day(recorded.get("decided_at")),
        "outputs": [
            {
                **output,
                "value": fit(declared_table(output.get("value"), output.get("columns")), budget),
            }
            for output in recorded.get("outputs") or []
        ],
    }


def action_items(items: list[Json]) -> Json:
    listed = [
        {
            "task": item.get("task") or "",  # at most 2,000 characters (260_action_items.sql)
            "owner": person(item.get("owner")),
            "due": day(item.get("due")),
            "status": "Overdue" if item.get("overdue") else humanize(item.get("status") or ""),
            "state": "overdue" if item.get("overdue") else item.get("status"),
        }
        for item in items[:MAX_ACTION_ITEMS]
    ]
    more = len(items) - len(listed)
    note = ""
    if more > 0:
        note = f"{count(more, 'more action item')} not shown (the JSON export lists all)."
    return {"items": listed, "note": note}
