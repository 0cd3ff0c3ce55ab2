"""The program as config describes it, and answers that fill any tool, for walking it in tests."""

from __future__ import annotations

import json
import uuid
from functools import cache
from pathlib import Path
from typing import Any

import psycopg

CONFIG_DIR = Path(__file__).resolve().parents[2] / "config"

SAMPLE_BY_TYPE: dict[str, Any] = {
    "text": "An answer",
    "number": 42,
    "list": ["first item", "second item"],
    "table": [{"name": "Row one", "value": "1"}],
    "object": {"summary": "A nested answer"},
}


@cache
def registry() -> dict[str, Any]:
    return json.loads((CONFIG_DIR / "tool-registry.json").read_text(encoding="utf-8"))


@cache
def dependencies() -> dict[str, list[dict[str, Any]]]:
    return json.loads((CONFIG_DIR / "dependencies.json").read_text(encoding="utf-8"))[
        "dependencies"
    ]


def tools_in_sprint_order() -> list[dict[str, Any]]:
    return sorted(registry()["tools"], key=lambda tool: tool["sprint_number"])


def tool(slug: str) -> dict[str, Any]:
    return next(t for t in registry()["tools"] if t["slug"] == slug)


def required_sources(slug: str) -> set[str]:
    """Tools whose submission the config says this tool needs (its required field mappings)."""
    return {m["source_tool"] for m in dependencies().get(slug, []) if m["required"]}


def expected_open_tools(submitted: set[str]) -> set[str]:
    """Independent statement of the unlock rule: every required source tool has been submitted
    (the walk fills every output, so a submitted tool provides all of its fields)."""
    return {t["slug"] for t in registry()["tools"] if required_sources(t["slug"]) <= submitted}


def answers_for(slug: str, *, only_required: bool = False, marker: str = "") -> dict[str, Any]:
    """Data that fills the tool's declared outputs (dotted field ids become nested objects)."""
    data: dict[str, Any] = {}
    for output in tool(slug)["outputs"]:
        if only_required and not output["required"]:
            continue
        value = SAMPLE_BY_TYPE[output.get("type", "text")]
        if isinstance(value, str):
            value = f"{value} to {output['field_id']}{marker}"
        *parents, leaf = output["field_id"].split(".")
        node = data
        for name in parents:
            node = node.setdefault(name, {})
        node[leaf] = value
    return data


def create_user(
    conn: psycopg.Connection, *, organization_id: Any = None, role: str = "user"
) -> Any:
    tag = uuid.uuid4().hex[:10]
    row = conn.execute(
        "insert into shared.users (lms_user_id, email, full_name, organization_id, role)"
        " values (%s, %s, %s, %s, %s) returning id",
        (f"lms-{tag}", f"{tag}@example.com", f"User {tag}", organization_id, role),
    ).fetchone()
    return row["id"]


def create_organization(conn: psycopg.Connection, name: str = "Acme") -> Any:
    row = conn.execute(
        "insert into shared.organizations (name, slug) values (%s, %s) returning id",
        (name, f"{name.lower()}-{uuid.uuid4().hex[:8]}"),
    ).fetchone()
    return row["id"]


def call(conn: psycopg.Connection, function: str, *args: Any) -> Any:
    """Call a shared.* function with positional arguments and return its single value.

    Connections in tests use dict rows (see conftest)."""
    placeholders = ", ".join(["%s"] * len(args))
    row = conn.execute(f"select shared.{function}({placeholders}) as result", args).fetchone()
    return row["result"]


def progress(conn: psycopg.Connection, user_id: Any) -> dict[str, str]:
    rows = conn.execute(
        "select tool_slug, status from shared.user_progress where user_id = %s", (user_id,)
    ).fetchall()
    return {row["tool_slug"]: row["status"] for row in rows}
