"""What the templates see: the export bundle (see sql/functions/190_exports.sql), arranged for
reading. Arranging only: which values exist, and who may see them, the bundle already decided.
"""

from __future__ import annotations

from typing import Any

from exports.bounds import MAX_ITEMS, NO_ROOM, Budget, fit, fit_key
from exports.environment import day, humanize
from exports.left_out import LeftOut, NotedList

Json = dict[str, Any]


def document_context(bundle: Json) -> Json:
    """Everything a template needs, beside the bundle itself. Every answer in it is fitted to
    one budget for the document (bounds.py), in the order the document shows them."""
    budget = Budget()
    tool, submission = bundle["tool"], bundle["submission"]
    user = bundle.get("user") or {}
    organization = bundle.get("organization") or {}
    sprint = f"Sprint {tool['sprint_number']:02d}"
    context: Json = {
        "bundle": bundle,
        "program": bundle.get("program") or "Fast Track",
        "tool": tool,
        "module": (tool.get("module") or {}).get("name"),
        "sprint": sprint,
        "person": user.get("full_name") or user.get("email") or "",
        "email": user.get("email") or "",
        "organization": organization.get("name"),
        "generated_on": day(bundle.get("generated_at")),
        "generated_at": bundle.get("generated_at") or "",
        "draft": bool(submission.get("is_draft")),
        "status_line": status_line(submission),
        "outputs": fitted(bundle.get("outputs") or [], budget),
        "further_answers": further_answers(
            bundle.get("answers"), bundle.get("outputs") or [], budget
        ),
        "sources": sources(fitted(bundle.get("dependencies") or [], budget)),
        "title": f"{bundle.get('program') or 'Fast Track'} · {sprint} · {tool['name']}",
    }
    if bundle.get("sections") is not None:
        context.update(program_context(bundle, budget))
    return context


def fitted(entries: list[Json], budget: Budget) -> list[Json]:
    """Outputs or dependencies with their values fitted to the document's bounds; a table
    whose columns the registry declares shows them in its order, under their labels."""
    return [
        {**entry, "value": fit(declared_table(entry.get("value"), entry.get("columns")), budget)}
        for entry in entries
    ]


def declared_table(value: Any, declared: list[Json] | None) -> Any:
    """Rows keyed by the declared columns' labels, in their order (a column a row leaves out
    is an empty cell; keys it should not have follow, as they are). Anything else unchanged."""
    if not declared or not isinstance(value, list) or not value:
        return value
    if not all(isinstance(row, dict) for row in value):
        return value
    labels = {column["key"]: column["label"] for column in declared}
    rows = NotedList(
        {
            **{label: row.get(key) for key, label in labels.items()},
            **{key: item for key, item in row.items() if key not in labels},
        }
        for row in value
    )
    rows.declared = True
    return rows


def status_line(submission: Json) -> str:
    """Submitted 22 November 2026; or: Draft, version 3, last saved 22 November 2026."""
    if submission.get("is_draft"):
        saved = day(submission.get("updated_at"))
        return f"Draft, version {submission.get('version')}, last saved {saved}"
    return f"Submitted {day(submission.get('submitted_at') or submission.get('updated_at'))}"


def sources(dependencies: list[Json]) -> list[Json]:
    """The values this tool was built on, grouped by the earlier tool they come from."""
    groups: dict[str, Json] = {}
    for dependency in dependencies:
        group = groups.setdefault(
            dependency["source_tool"],
            {
                "slug": dependency["source_tool"],
                "name": dependency.get("source_tool_name") or dependency["source_tool"],
                "sprint_number": dependency.get("source_sprint"),
                "fields": [],
            },
        )
        group["fields"].append(dependency)
    return sorted(groups.values(), key=lambda group: group["sprint_number"] or 0)


def further_answers(answers: Any, outputs: list[Json], budget: Budget) -> list[tuple[str, Any]]:
    """Answers the tool's declared outputs do not cover, as (label, value) pairs, in the
    order the answers hold them (a tool page may keep notes beside its outputs); once the
    document's budget is spent (or MAX_ITEMS are found), one last pair says the rest was left
    out."""
    if not isinstance(answers, dict):
        return []
    covered = {tuple(output["field_id"].split(".")) for output in outputs}
    found: list[tuple[str, Any]] = []

    def walk(node: dict[str, Any], path: tuple[str, ...]) -> None:
        for key, value in node.items():
            here = (*path, str(key))
            if here in covered or value in (None, "", [], {}):
                continue
            if isinstance(value, dict) and any(c[: len(here)] == here for c in covered):
                walk(value, here)  # a parent of declared outputs: look inside it
            elif budget.spent or len(found) == MAX_ITEMS:
                if not (found and isinstance(found[-1][1], LeftOut)):
                    found.append(("Further answers", LeftOut(NO_ROOM)))
                return
            else:
                label = fit_key(" / ".join(humanize(fit_key(part)) for part in here))
                found.append((label, fit(value, budget)))

    walk(answers, ())
    return found


def program_context(bundle: Json, budget: Budget) -> Json:
    """The whole-program report: sprints grouped by module, each with its key outputs (the
    fields program-overview reads from it) first."""
    key_fields: dict[str, set[str]] = {}
    for dependency in bundle.get("dependencies") or []:
        key_fields.setdefault(dependency["source_tool"], set()).add(dependency["field_id"])
    modules: list[Json] = []
    for section in bundle["sections"]:
        tool = section["tool"]
        keys = key_fields.get(tool["slug"], set())
        outputs = fitted(section.get("outputs") or [], budget)
        entry = {
            **section,
            "anchor": f"sprint-{tool['sprint_number']:02d}",
            "sprint": f"Sprint {tool['sprint_number']:02d}",
            "completed_on": day(section.get("completed_at")),
            "key_outputs": [o for o in outputs if o["field_id"] in keys],
            "other_outputs": [o for o in outputs if o["field_id"] not in keys],
        }
        if not modules or modules[-1]["name"] != tool.get("module"):
            modules.append(
                {"name": tool.get("module"), "anchor": f"module-{len(modules) + 1}", "sections": []}
            )
        modules[-1]["sections"].append(entry)
    sections = [entry for module in modules for entry in module["sections"]]
    completed = sum(1 for entry in sections if entry.get("status") == "completed")
    return {
        "modules": modules,
        "sections": sections,
        "completed": completed,
        "total": len(sections),
        "title": f"{bundle.get('program') or 'Fast Track'} · Program report",
    }
