"""EXPLAIN (ANALYZE, BUFFERS) of the hot queries, with planning and execution time apart.

Every statement is taken from the installed functions' source (pg_proc.prosrc), so the plans
shown are those of the SQL that runs: the read statements from their functions, the save path's
from the branch of the generated per-tool functions (shared.tool_submission*) for one tool.
Each is explained as a prepared statement twice: on its first execution (planned for its
parameters, as dynamic SQL would be on every call) and after six more (the plan PostgreSQL
caches, as PL/pgSQL does for a static statement).
"""

from __future__ import annotations

import re
from typing import Any

import psycopg
from psycopg import sql

from bench.app_side import FIELD_VALUE


def _function_source(conn: psycopg.Connection, name: str) -> str:
    return conn.execute(
        "select p.prosrc from pg_catalog.pg_proc as p join pg_catalog.pg_namespace as n"
        "    on n.oid = p.pronamespace where n.nspname = 'shared' and p.proname = %s",
        (name,),
    ).fetchone()[0]


def resolve_statement(conn: psycopg.Connection) -> str:
    source = _function_source(conn, "resolve_dependencies")
    match = re.search(
        r"(select jsonb?_build_object\(.*?where d\.tool_slug = v_tool\.slug)", source, re.S | re.I
    )
    if not match:
        raise RuntimeError("resolve_dependencies no longer has the statement this explains")
    statement = re.sub(r"\binto v_result\b", "", match.group(1))
    return (
        statement.replace("v_tool.slug", "$1")
        .replace("p_user_id", "$2")
        # the caller's organization, a variable of the function (its team's decisions)
        .replace(
            "v_organization_id",
            "(select u.organization_id from shared.users as u where u.id = $2)",
        )
    )


def unlock_rule_statement(conn: psycopg.Connection) -> str:
    source = _function_source(conn, "missing_requirements")
    match = re.search(r"return query(.*?);", source, re.S | re.I)  # PL/pgSQL body
    statement = (match.group(1) if match else source).strip().rstrip(";")
    return statement.replace("p_user_id", "$2").replace("p_tool_slug", "$1")


def tool_statement(conn: psycopg.Connection, function: str, schema: str, start: str) -> str:
    """The statement of a generated per-tool function's branch for `schema` that begins with
    `start` (`select` or `update`), its PL/pgSQL variables made parameters."""
    source = _function_source(conn, function)
    match = re.search(
        rf"({start}\b[^;]*?\b{re.escape(schema)}\.submissions\b[^;]*?)\s*;", source, re.S | re.I
    )
    if not match:
        raise RuntimeError(f"{function} has no {start} statement on {schema}.submissions")
    statement = re.sub(r"\s*\binto v_row\b", "", match.group(1))
    for variable, parameter in (
        ("p_user_id", "$1"),
        ("p_submission_id", "$1"),
        ("p_data", "$2"),
        ("p_status", "$3"),
    ):
        statement = re.sub(rf"\b{variable}\b", parameter, statement)
    return statement


def explain_all(url: str, samples: dict[str, Any]) -> list[dict[str, Any]]:
    """samples: user_id (a user in the middle of the program) and their draft tool's schema."""
    user_id, schema = samples["user_id"], samples["schema_name"]
    with psycopg.connect(url) as conn:
        draft = conn.execute(
            sql.SQL(
                'select s.id, (s.data || \'{{"page_state": {{"explain": 1}}}}\')::text, s.status'
                "  from {}.submissions as s where s.user_id = %s and s.archived_at is null"
            ).format(sql.Identifier(schema)),
            (user_id,),
        ).fetchone()
    statements = [
        (
            "resolve_dependencies('program-overview'): the one statement",
            resolve_statement,
            ("program-overview", user_id),
            "(text, uuid)",
            False,
        ),
        (
            "unlock rule (shared.missing_requirements) for program-overview",
            unlock_rule_statement,
            ("program-overview", user_id),
            "(text, uuid)",
            False,
        ),
        (
            "save_draft: the active submission, locked (shared.tool_submission)",
            lambda c: tool_statement(c, "tool_submission", schema, "select"),
            (user_id,),
            "(uuid)",
            True,
        ),
        (
            "save_draft: the update, its triggers inside (shared.tool_submission_update)",
            lambda c: tool_statement(c, "tool_submission_update", schema, "update"),
            (draft[0], draft[1], draft[2]) if draft else (user_id, "{}", "draft"),
            "(uuid, jsonb, text)",
            True,
        ),
        (
            "progress_summary_for: the view for one user",
            lambda _c: (
                "select to_jsonb(s.*) from shared.progress_summary as s where s.user_id = $1"
            ),
            (user_id,),
            "(uuid)",
            False,
        ),
        (
            "app-side: one field of one source tool (the spec's query, 30 of these per resolve)",
            lambda _c: (
                FIELD_VALUE.format(schema="sprint_01_know_thyself")
                .replace("%s", "$1", 1)
                .replace("%s", "$2", 1)
            ),
            (user_id, "identity.personal_dream"),
            "(uuid, text)",
            False,
        ),
    ]
    plans = []
    with psycopg.connect(url) as conn:
        for label, build, args, types, writes in statements:
            try:
                plans.append(_explain(conn, label, build(conn), args, types))
            except psycopg.Error as error:  # a changed function must not lose the whole run
                conn.rollback()
                plans.append({"query": label, "error": str(error).splitlines()[0]})
            finally:
                conn.execute("deallocate all")
                conn.rollback() if writes else conn.commit()
    return plans


def _explain(
    conn: psycopg.Connection, label: str, statement: str, args: tuple, types: str
) -> dict[str, Any]:
    conn.execute(f"prepare hot {types} as {statement}")
    call = sql.SQL("execute hot({})").format(sql.SQL(", ").join(map(sql.Literal, args)))
    explain = sql.SQL("explain (analyze, buffers) {}").format(call)
    # The first execution is planned for its parameters (what dynamic SQL pays on every call);
    # after five, PostgreSQL switches to the cached generic plan when it is as good.
    first = "\n".join(r[0] for r in conn.execute(explain).fetchall())
    for _ in range(6):
        conn.execute(call)
    text = "\n".join(r[0] for r in conn.execute(explain).fetchall())
    return {
        "query": label,
        "planning_first_ms": _ms(r"Planning Time: ([\d.]+) ms", first),
        "execution_first_ms": _ms(r"Execution Time: ([\d.]+) ms", first),
        "planning_ms": _ms(r"Planning Time: ([\d.]+) ms", text),
        "execution_ms": _ms(r"Execution Time: ([\d.]+) ms", text),
        "generic_plan": "$1" in text,
        "plan": text,
    }


def _ms(pattern: str, text: str) -> float:
    match = re.search(pattern, text)
    return float(match.group(1)) if match else 0.0
