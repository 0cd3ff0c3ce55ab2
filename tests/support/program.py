"""The program as config describes it, and answers that fill any tool, for walking it in tests."""

from __future__ import annotations

import copy
import json
import uuid
from functools import cache
from pathlib import Path
from typing import Any

import psycopg

CONFIG_DIR = Path(__file__).resolve().parents[2] / "config"
TEXT_CEILING = 20000  # the grammar's longest text


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
    """Valid answers to the tool's declared outputs: its registry `example` (one complete,
    realistic answer document), dotted field ids as nested objects. `only_required` keeps the
    required outputs only; `marker` is appended to every text value (cut to stay within its
    `max_length`), so that answers of different users or rounds tell apart."""
    entry = tool(slug)
    data: dict[str, Any] = {}
    for output in entry["outputs"]:
        if only_required and not output["required"]:
            continue
        *parents, leaf = output["field_id"].split(".")
        source, node = entry["example"], data
        for name in parents:
            source = source[name]
            node = node.setdefault(name, {})
        node[leaf] = marked(output, copy.deepcopy(source[leaf]), marker)
    return data


def marked(rule: dict[str, Any], value: Any, marker: str) -> Any:
    """The value with `marker` appended to each text in it, as the rule describes its shape."""
    if not marker or value is None:
        return value
    kind = rule.get("type", "text")
    if kind == "text":
        limit = rule.get("max_length", TEXT_CEILING) - len(marker)
        return value[:limit] + marker
    if kind == "list":
        return [marked(rule.get("items", {"type": "text"}), item, marker) for item in value]
    if kind in ("table", "object"):
        members = {m["key"]: m for m in rule["columns" if kind == "table" else "keys"]}
        rows = value if kind == "table" else [value]
        for row in rows:
            for key, member in members.items():
                if key in row:
                    row[key] = marked(member, row[key], marker)
        return value
    return value


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
