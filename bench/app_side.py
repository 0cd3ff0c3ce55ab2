"""The alternative design, for comparison only: orchestration in the service, not in the database.

Written the way a service layer without database logic does it, over the same tables and data:
look up the registry, query each source schema's field_outputs field by field (the spec's
query pattern), check and compute unlocks in Python, write everything back with plain
INSERT/UPDATE statements. Parameterized queries, prepared by psycopg after a few uses, one
transaction per call. Never used by the service.

For its submit, the product's triggers on the submissions tables and user_progress are disabled
for the duration of the measurement (`triggers_off`), so the database does none of the work;
the app writes what the triggers would: history, outputs, progress, audit rows and outbox events.
It keeps no shared.current_field_values (that index is the in-database design's);
`repair_current_values` brings them up to date afterwards for the phases that follow.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import psycopg
from psycopg import sql
from psycopg.types.json import Jsonb

from bench.workload import WIDE_TOOL, Population, User

FIELD_VALUE = """
select fo.field_value, s.id
  from {schema}.field_outputs as fo
  join {schema}.submissions as s on fo.submission_id = s.id
 where s.user_id = %s and fo.field_id = %s
 order by s.updated_at desc
 limit 1
"""


class AppError(Exception):
    """What the service would answer with an error status."""


def produced(value: Any) -> bool:
    """shared.is_produced in Python: absent, null, blank, [] and {} are not answers."""
    if value is None:
        return False
    if isinstance(value, str):
        return value.strip() != ""
    if isinstance(value, list | dict):
        return len(value) > 0
    return True


def at_path(data: Any, path: list[str]) -> Any:
    for name in path:
        if not isinstance(data, dict) or name not in data:
            return None
        data = data[name]
    return data


def field_value(conn: psycopg.Connection, schema: str, user_id: str, field_id: str) -> Any:
    query = sql.SQL(FIELD_VALUE).format(schema=sql.Identifier(schema))
    return conn.execute(query, (user_id, field_id)).fetchone()


# --- resolve -----------------------------------------------------------------------------------


def resolve(conn: psycopg.Connection, slug: str, user_id: str) -> dict[str, Any]:
    """resolve_dependencies, app-side: one query per dependency field."""
    with conn.transaction():
        if conn.execute("select 1 from shared.users where id = %s", (user_id,)).fetchone() is None:
            raise AppError("unknown user")
        dependencies = conn.execute(
            "select d.source_tool_slug, d.source_field_id, d.target_field, d.required,"
            "       t.schema_name, t.sprint_number, f.label"
            "  from shared.tool_dependencies as d"
            "  join shared.tools as t on t.slug = d.source_tool_slug"
            "  join shared.tool_fields as f"
            "    on f.tool_slug = d.source_tool_slug and f.field_id = d.source_field_id"
            " where d.tool_slug = %s order by t.sprint_number, d.position",
            (slug,),
        ).fetchall()
        fields, values, missing = [], {}, []
        for source, field_id, target, required, schema, sprint, label in dependencies:
            row = field_value(conn, schema, user_id, field_id)
            value, submission_id = row if row else (None, None)
            fields.append(
                {
                    "field_id": field_id,
                    "target_field": target,
                    "source_tool": source,
                    "source_sprint": sprint,
                    "label": label,
                    "required": required,
                    "value": value,
                    "submission_id": submission_id,
                }
            )
            if value is None:
                missing.append({"source_tool": source, "field_id": field_id, "required": required})
            else:
                values[target] = value
    return {
        "tool": slug,
        "user_id": user_id,
        "fields": fields,
        "values": values,
        "missing": missing,
    }


# --- submit ------------------------------------------------------------------------------------


def submit(
    conn: psycopg.Connection, slug: str, user_id: str, version: int, data: dict[str, Any]
) -> dict[str, Any]:
    """submit_tool, app-side: every rule in Python, every write a plain statement."""
    with conn.transaction():
        tool = conn.execute(
            "select slug, name, sprint_number, schema_name from shared.tools where slug = %s",
            (slug,),
        ).fetchone()
        if tool is None:
            raise AppError("unknown tool")
        _, tool_name, sprint, schema = tool
        outputs = conn.execute(
            "select field_id, required, path from shared.tool_fields where tool_slug = %s"
            " order by position",
            (slug,),
        ).fetchall()
        user = conn.execute(
            "select id, email, lms_user_id, organization_id from shared.users where id = %s"
            " for no key update",
            (user_id,),
        ).fetchone()
        if user is None:
            raise AppError("unknown user")
        status = conn.execute(
            "select status from shared.user_progress where user_id = %s and tool_slug = %s",
            (user_id, slug),
        ).fetchone()
        if status is None or status[0] == "locked":
            raise AppError("tool locked")
        submissions = sql.Identifier(schema)
        row = conn.execute(
            sql.SQL(
                "select id, data, status, version, updated_at from {}.submissions"
                " where user_id = %s and archived_at is null for update"
            ).format(submissions),
            (user_id,),
        ).fetchone()
        current = row[3] if row else 0
        if version != current:
            raise AppError(f"stale version {version}, latest {current}")
        missing = [
            f for f, required, path in outputs if required and not produced(at_path(data, path))
        ]
        if missing:
            raise AppError(f"missing required outputs {missing}")

        if row is None:
            submission_id, new_version = conn.execute(
                sql.SQL(
                    "insert into {}.submissions (user_id, organization_id, data, status, version,"
                    "                            submitted_at)"
                    " values (%s, %s, %s, 'submitted', 1, clock_timestamp()) returning id, version"
                ).format(submissions),
                (user_id, user[3], Jsonb(data)),
            ).fetchone()
        else:
            submission_id = row[0]
            if row[1] != data:
                conn.execute(
                    "insert into shared.submission_versions"
                    " (tool_slug, submission_id, user_id, version, status, data, saved_at)"
                    " values (%s, %s, %s, %s, %s, %s, %s)",
                    (slug, submission_id, user_id, row[3], row[2], Jsonb(row[1]), row[4]),
                )
            new_version = conn.execute(
                sql.SQL(
                    "update {}.submissions set data = %s, status = 'submitted',"
                    "       version = version + 1, updated_at = now(),"
                    "       submitted_at = clock_timestamp()"
                    " where id = %s returning version"
                ).format(submissions),
                (Jsonb(data), submission_id),
            ).fetchone()[0]

        # publish the outputs
        conn.execute(
            sql.SQL("delete from {}.field_outputs where submission_id = %s").format(submissions),
            (submission_id,),
        )
        filled = [
            (f, at_path(data, path)) for f, _, path in outputs if produced(at_path(data, path))
        ]
        conn.execute(
            sql.SQL(
                "insert into {}.field_outputs (submission_id, field_id, field_value)"
                " select %s, f, v from unnest(%s::text[], %s::jsonb[]) as x(f, v)"
            ).format(submissions),
            (submission_id, [f for f, _ in filled], [Jsonb(v) for _, v in filled]),
        )

        # complete the tool, audit it, tell the outbox
        conn.execute(
            "update shared.user_progress set status = 'completed', progress_percentage = 100,"
            "       started_at = coalesce(started_at, now()), completed_at = now(),"
            "       updated_at = now() where user_id = %s and tool_slug = %s",
            (user_id, slug),
        )
        changes = [(slug, status[0], "completed")]
        events = [
            (
                "tool_completed",
                slug,
                sprint,
                tool_name,
                {"submission_id": str(submission_id), "version": new_version},
            )
        ]

        # unlocks: which locked tools now have every required field, field by field
        locked = [
            r[0]
            for r in conn.execute(
                "select tool_slug from shared.user_progress"
                " where user_id = %s and status = 'locked'",
                (user_id,),
            ).fetchall()
        ]
        unlocked: list[tuple[str, str, int]] = []
        if locked:
            requirements = conn.execute(
                "select d.tool_slug, d.source_field_id, t.schema_name, o.name, o.sprint_number"
                "  from shared.tool_dependencies as d"
                "  join shared.tools as t on t.slug = d.source_tool_slug"
                "  join shared.tools as o on o.slug = d.tool_slug"
                " where d.required and d.tool_slug = any(%s)",
                (locked,),
            ).fetchall()
            have: dict[tuple[str, str], bool] = {}
            ready: dict[str, tuple[bool, str, int]] = {}
            for target, field_id, source_schema, name, target_sprint in requirements:
                key = (source_schema, field_id)
                if key not in have:
                    have[key] = field_value(conn, source_schema, user_id, field_id) is not None
                met, _, _ = ready.get(target, (True, name, target_sprint))
                ready[target] = (met and have[key], name, target_sprint)
            for target in locked:  # a locked tool without required dependencies opens too
                ready.setdefault(target, (True, target, 0))
            unlocked = sorted(
                ((t, n, s) for t, (met, n, s) in ready.items() if met), key=lambda x: x[2]
            )
        if unlocked:
            slugs = [t for t, _, _ in unlocked]
            conn.execute(
                "update shared.user_progress set status = 'unlocked',"
                "       unlocked_at = coalesce(unlocked_at, now()), updated_at = now()"
                " where user_id = %s and tool_slug = any(%s)",
                (user_id, slugs),
            )
            changes += [(t, "locked", "unlocked") for t in slugs]
            events += [("tool_unlocked", t, s, n, {"source": "system"}) for t, n, s in unlocked]
        conn.execute(
            "insert into shared.progress_changes (user_id, tool_slug, old_status, new_status,"
            "                                     source, changed_by)"
            " select %s, t, o, n, 'system', %s from unnest(%s::text[], %s::text[], %s::text[])"
            "   as x(t, o, n)",
            (
                user_id,
                user_id,
                [c[0] for c in changes],
                [c[1] for c in changes],
                [c[2] for c in changes],
            ),
        )
        user_json = {
            "id": str(user[0]),
            "email": user[1],
            "lms_user_id": user[2],
            "organization_id": str(user[3]) if user[3] else None,
        }
        payloads = [
            json.dumps(
                {
                    "type": kind,
                    "user": user_json,
                    "tool": {"slug": t, "name": n, "sprint_number": s},
                    **extra,
                }
            )
            for kind, t, s, n, extra in events
        ]
        conn.execute(
            "insert into shared.outbox_events (event_type, user_id, tool_slug, payload)"
            " select k, %s, t, p::jsonb from unnest(%s::text[], %s::text[], %s::text[])"
            "   as x(k, t, p)",
            (user_id, [e[0] for e in events], [e[1] for e in events], payloads),
        )
    return {
        "tool": slug,
        "submission_id": submission_id,
        "version": new_version,
        "unlocked_tools": [{"slug": t, "name": n, "sprint_number": s} for t, n, s in unlocked],
    }


# --- measuring ---------------------------------------------------------------------------------


def call_once(conn: psycopg.Connection, population: Population, op: str, user: User) -> None:
    if op == "app_resolve_program_overview":
        resolve(conn, WIDE_TOOL, user.user_id)
    elif op == "app_submit":
        slug, data, version = population.submit_call(user)
        submit(conn, slug, user.user_id, version, data)
        population.submitted(user)
    else:
        raise ValueError(f"unknown app-side operation {op}")


@contextmanager
def triggers_off(url: str) -> Iterator[None]:
    """The product's submission and progress triggers off (committed) while the app submits."""

    def switch(action: str) -> None:
        with psycopg.connect(url) as conn:
            tables = [
                sql.SQL("{}.submissions").format(sql.Identifier(r[0]))
                for r in conn.execute("select schema_name from shared.tools").fetchall()
            ]
            tables.append(sql.SQL("shared.user_progress"))
            for table in tables:
                conn.execute(
                    sql.SQL("alter table {} {} trigger user").format(table, sql.SQL(action))
                )

    switch("disable")
    try:
        yield
    finally:
        switch("enable")


def repair_current_values(url: str, user_ids: list[str]) -> int:
    """Bring shared.current_field_values of these users up to date from their submitted
    field_outputs (app-side submits do not keep it). Returns the number of rows written."""
    total = 0
    with psycopg.connect(url) as conn:
        tools = conn.execute("select slug, schema_name from shared.tools").fetchall()
        for slug, schema in tools:
            total += conn.execute(
                sql.SQL(
                    "insert into shared.current_field_values"
                    "       (user_id, tool_slug, field_id, submission_id, field_value)"
                    " select distinct on (s.user_id, fo.field_id) s.user_id, %s, fo.field_id, s.id,"
                    "        fo.field_value"
                    "   from {0}.field_outputs as fo"
                    "   join {0}.submissions as s on s.id = fo.submission_id"
                    "  where s.submitted_at is not null and s.user_id = any(%s::uuid[])"
                    "  order by s.user_id, fo.field_id, s.submitted_at desc"
                    " on conflict (user_id, tool_slug, field_id) do update"
                    "    set submission_id = excluded.submission_id,"
                    "        field_value = excluded.field_value"
                ).format(sql.Identifier(schema)),
                (slug, user_ids),
            ).rowcount
    return total


def same_answers(url: str, population: Population, samples: int = 5) -> bool:
    """The app-side resolve returns what the database's does (values and missing fields)."""
    with psycopg.connect(url, autocommit=True) as conn:
        for user in population.sample(samples, seed=3):
            ours = resolve(conn, WIDE_TOOL, user.user_id)
            theirs = conn.execute(
                "select shared.resolve_dependencies(%s, %s)", (WIDE_TOOL, user.user_id)
            ).fetchone()[0]
            if ours["values"] != theirs["values"] or (
                {(m["source_tool"], m["field_id"]) for m in ours["missing"]}
                != {(m["source_tool"], m["field_id"]) for m in theirs["missing"]}
            ):
                return False
    return True
