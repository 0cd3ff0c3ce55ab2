"""Seed N users with a realistic spread of progress, set-based, and prove it matches the rules.

Users go in through `insert into shared.users`; their progress rows and their work are then
written in bulk, one statement per tool schema and batch, in the state the real functions leave
behind for this history of calls (creating a user through its trigger costs about 7 ms, since
the unlock rule is re-planned for each of the 31 tools, so the bulk path writes the same rows
set-based):

- every tool before the user's stage: `save_draft(full answers, 0)` then `submit_tool(1)`:
  a submitted submission at version 2, its field_outputs, its current_field_values, progress
  completed, and every tool whose requirements are now met unlocked;
- the tool at the user's stage, for most users: two autosaves, `save_draft(first output, 0)` and
  `save_draft(first half of the outputs, 1)`: a draft at version 2, version 1 in
  shared.submission_versions, progress in_progress with its completeness.

The submissions', progress and user-creation triggers are disabled inside each batch's
transaction (so nothing outside it ever sees them off): the bulk statements do their work.
`verify()` replays the same calls through the real functions for sample users and compares.
Not written by the bulk path: the audit log (shared.progress_changes) and the outbox
(shared.outbox_events), append-only logs that no measured path reads.
"""

from __future__ import annotations

import json
import random
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql
from psycopg.rows import dict_row

SEED_SQL = Path(__file__).parent / "sql" / "seed.sql"
USERS_PER_ORGANIZATION = 20
MARKER = "@U@"

PAGE_STATE = {"page_state": {"step": 3, "notes": "Working notes of user @U@, kept by the page."}}


@dataclass(frozen=True)
class Tool:
    slug: str
    ord: int
    schema_name: str
    full_data: dict[str, Any]
    first_draft: dict[str, Any]
    draft: dict[str, Any]


def answers(template: Any, seq: int) -> Any:
    """A template with the user's sequence number filled in."""
    return json.loads(json.dumps(template).replace(MARKER, str(seq)))


def stage_plan(n_users: int, seed: int = 20250101) -> list[tuple[int, int, bool]]:
    """(seq, stage, has_draft) per user: some at the start, most in the middle, some finished."""
    rng = random.Random(seed)
    plan = []
    for seq in range(1, n_users + 1):
        roll = rng.random()
        if roll < 0.08:
            stage = 0
        elif roll > 0.92:
            stage = 31
        else:
            stage = round(rng.triangular(1, 30, 14))
        plan.append((seq, stage, stage < 31 and rng.random() < 0.75))
    return plan


def install(conn: psycopg.Connection) -> list[Tool]:
    """Create the bench schema and the answer templates from the registry in the database."""
    conn.execute(SEED_SQL.read_text(encoding="utf-8").encode())
    rows = conn.execute(
        "select t.slug, t.schema_name, t.example, f.field_id"
        "  from shared.tools as t join shared.tool_fields as f on f.tool_slug = t.slug"
        " order by t.sprint_number, f.position"
    ).fetchall()
    by_tool: dict[str, tuple[str, dict[str, Any], list[str]]] = {}
    for slug, schema_name, example, field_id in rows:
        by_tool.setdefault(slug, (schema_name, example, []))[2].append(field_id)
    tools = []
    for ord_, (slug, (schema_name, example, fields)) in enumerate(by_tool.items()):
        half = fields[: max(1, (len(fields) + 1) // 2)]
        tools.append(
            Tool(
                slug,
                ord_,
                schema_name,
                _data(example, fields),
                _data(example, fields[:1]),
                _data(example, half),
            )
        )
    conn.execute("truncate bench.templates")
    with conn.cursor() as cur:
        cur.executemany(
            "insert into bench.templates values (%s, %s, %s, %s, %s, %s)",
            [
                (
                    t.slug,
                    t.ord,
                    t.schema_name,
                    json.dumps(t.full_data),
                    json.dumps(t.first_draft),
                    json.dumps(t.draft),
                )
                for t in tools
            ],
        )
    conn.commit()
    return tools


def load_tools(conn: psycopg.Connection) -> list[Tool]:
    rows = conn.execute(
        "select tool_slug, ord, schema_name, full_data, first_draft, draft"
        "  from bench.templates order by ord"
    ).fetchall()
    return [Tool(*row) for row in rows]


def _data(example: dict[str, Any], fields: list[str]) -> dict[str, Any]:
    """The page state (which names the user) and the registry example's answers to `fields`:
    valid under the tool's rules, so every save and submit does all its work."""
    data: dict[str, Any] = json.loads(json.dumps(PAGE_STATE))
    for field_id in fields:
        *parents, leaf = field_id.split(".")
        node, source = data, example
        for name in parents:
            node, source = node.setdefault(name, {}), source[name]
        node[leaf] = source[leaf]
    return data


# --- the bulk path ------------------------------------------------------------------------------

ORGANIZATIONS = """
insert into shared.organizations (name, slug)
select 'Bench organization ' || o, 'bench-org-' || o
  from generate_series(%(first_org)s::integer, %(last_org)s::integer) as o
    on conflict (slug) do nothing
"""

USERS = """
with batch as (
    select * from unnest(%(seqs)s::integer[], %(stages)s::integer[], %(drafts)s::boolean[])
                  as b(seq, stage, has_draft)
), created as (
    insert into shared.users (lms_user_id, email, full_name, organization_id)
    select 'bench-' || b.seq, 'bench-' || b.seq || '@example.com', 'Bench User ' || b.seq, o.id
      from batch as b
      join shared.organizations as o on o.slug = 'bench-org-' || ((b.seq - 1) / %(per_org)s)
    returning id, lms_user_id, organization_id
), signed_in as (
    -- one session (refresh-token family) per user, which every call's claims name (sid)
    insert into shared.refresh_tokens (family_id, user_id, token_hash, expires_at)
    select gen_random_uuid(), c.id, sha256(convert_to('bench-session-' || c.id, 'UTF8')),
           now() + interval '7 days'
      from created as c
    returning family_id, user_id
)
insert into bench.users (seq, user_id, organization_id, stage, has_draft, version, claims)
select b.seq, c.id, c.organization_id, b.stage, b.has_draft,
       case when b.has_draft then 2 else 0 end,
       json_build_object('sub', c.id, 'role', 'user', 'org_id', c.organization_id,
                         'sid', s.family_id)::text
  from created as c
  join batch as b on c.lms_user_id = 'bench-' || b.seq
  join signed_in as s on s.user_id = c.id
"""

SUBMITTED = """
insert into {schema}.submissions
       (user_id, organization_id, data, status, version, created_at, updated_at, submitted_at)
select b.user_id, b.organization_id, replace(t.full_data::text, '@U@', b.seq::text)::jsonb,
       'submitted', 2, w.done - interval '1 hour', w.done, w.done
  from bench.users as b
  join bench.templates as t on t.tool_slug = %(slug)s
 cross join lateral (select now() - make_interval(days => b.stage - t.ord) as done) as w
 where b.seq between %(lo)s::integer and %(hi)s::integer and b.stage > t.ord
"""

DRAFTS = """
with drafted as (
    insert into {schema}.submissions (user_id, organization_id, data, status, version,
                                      created_at, updated_at)
    select b.user_id, b.organization_id, replace(t.draft::text, '@U@', b.seq::text)::jsonb,
           'draft', 2, now() - interval '2 hours', now() - interval '1 hour'
      from bench.users as b
      join bench.templates as t on t.tool_slug = %(slug)s
     where b.seq between %(lo)s::integer and %(hi)s::integer and b.stage = t.ord and b.has_draft
    returning id, user_id, created_at
)
insert into shared.submission_versions (tool_slug, submission_id, user_id, version, status, data,
                                        saved_at)
select %(slug)s, d.id, d.user_id, 1, 'draft',
       replace(t.first_draft::text, '@U@', b.seq::text)::jsonb, d.created_at
  from drafted as d
  join bench.users as b on b.user_id = d.user_id
  join bench.templates as t on t.tool_slug = %(slug)s
"""

OUTPUTS = """
with produced as (
    select s.id, s.user_id, s.submitted_at, f.field_id, s.data #> f.path as value
      from bench.users as b
      join {schema}.submissions as s on s.user_id = b.user_id
      join shared.tool_fields as f on f.tool_slug = %(slug)s
     where b.seq between %(lo)s::integer and %(hi)s::integer and s.status = 'submitted'
       and shared.is_produced(s.data #> f.path)
), extracted as (
    insert into {schema}.field_outputs (submission_id, field_id, field_value, created_at)
    select p.id, p.field_id, p.value, p.submitted_at from produced as p
)
insert into shared.current_field_values (user_id, tool_slug, field_id, submission_id, field_value,
                                         recorded_at)
select p.user_id, %(slug)s, p.field_id, p.id, p.value, p.submitted_at from produced as p
"""

PROGRESS = """
insert into shared.user_progress (user_id, tool_slug, status, progress_percentage, unlocked_at,
                                  started_at, completed_at, created_at, updated_at)
select x.user_id, x.tool_slug, x.status, x.percentage,
       case when x.status <> 'locked' then x.done - interval '1 day' end,
       case when x.status in ('in_progress', 'completed') then x.done - interval '1 hour' end,
       case when x.status = 'completed' then x.done end,
       x.created, now()
  from (select b.user_id, t.tool_slug, now() - interval '40 days' as created,
               now() - make_interval(days => greatest(b.stage - t.ord, 0)) as done,
               case when t.ord < b.stage then 'completed'
                    when t.ord = b.stage and b.has_draft then 'in_progress'
                    -- the unlock rule (shared.missing_requirements), set-based
                    when not exists (
                        select from shared.tool_dependencies as d
                         where d.tool_slug = t.tool_slug and d.required
                           and not exists (select from shared.current_field_values as v
                                            where v.user_id = b.user_id
                                              and v.tool_slug = d.source_tool_slug
                                              and v.field_id = d.source_field_id))
                    then 'unlocked'
                    else 'locked' end as status,
               case when t.ord < b.stage then 100
                    when t.ord = b.stage and b.has_draft
                    then least(shared.output_completeness(t.tool_slug, t.draft), 99)
                    else 0 end as percentage
          from bench.users as b cross join bench.templates as t
         where b.seq between %(lo)s::integer and %(hi)s::integer) as x
"""


def seed(url: str, n_users: int, *, batch_size: int = 1000, progress: bool = True) -> dict:
    """Seed `n_users` users into the migrated database at `url`; return what was written."""
    started = time.perf_counter()
    plan = stage_plan(n_users)
    with psycopg.connect(url) as conn:
        tools = install(conn)
        schemas = [sql.Identifier(t.schema_name) for t in tools]
        bar = ProgressBar(n_users, "seeding users", enabled=progress)
        for start in range(0, n_users, batch_size):
            batch = plan[start : start + batch_size]
            _seed_batch(conn, tools, schemas, batch)
            conn.commit()
            bar.update(len(batch))
        bar.close()
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("vacuum analyze")
        counts = dict(
            conn.execute(
                "select 'users', count(*) from bench.users"
                " union all select 'progress_rows', count(*) from shared.user_progress"
                " union all select 'current_field_values', count(*)"
                "   from shared.current_field_values"
                " union all select 'submission_versions', count(*) from shared.submission_versions"
            ).fetchall()
        )
        counts["submissions"] = sum(
            conn.execute(sql.SQL("select count(*) from {}.submissions").format(s)).fetchone()[0]
            for s in schemas
        )
        size = conn.execute("select pg_database_size(current_database())").fetchone()[0]
    stages = [stage for _, stage, _ in plan]
    return {
        "users": n_users,
        "seconds": round(time.perf_counter() - started, 1),
        "rows": counts,
        "database_bytes": size,
        "stage_spread": {
            "at_start": sum(1 for s in stages if s == 0),
            "in_the_middle": sum(1 for s in stages if 0 < s < 31),
            "finished": sum(1 for s in stages if s == 31),
            "mean_tools_completed": round(sum(stages) / max(len(stages), 1), 1),
        },
    }


def _seed_batch(
    conn: psycopg.Connection,
    tools: list[Tool],
    schemas: list[sql.Identifier],
    batch: list[tuple[int, int, bool]],
) -> None:
    lo, hi = batch[0][0], batch[-1][0]
    conn.execute(
        ORGANIZATIONS,
        {
            "first_org": (lo - 1) // USERS_PER_ORGANIZATION,
            "last_org": (hi - 1) // USERS_PER_ORGANIZATION,
        },
    )
    _set_triggers(conn, schemas, enabled=False)
    conn.execute(
        USERS,
        {
            "seqs": [b[0] for b in batch],
            "stages": [b[1] for b in batch],
            "drafts": [b[2] for b in batch],
            "per_org": USERS_PER_ORGANIZATION,
        },
    )
    params = {"lo": lo, "hi": hi}
    for tool, schema in zip(tools, schemas, strict=True):
        for statement in (SUBMITTED, DRAFTS, OUTPUTS):
            conn.execute(sql.SQL(statement).format(schema=schema), {**params, "slug": tool.slug})
    conn.execute(PROGRESS, params)
    _set_triggers(conn, schemas, enabled=True)


def _set_triggers(
    conn: psycopg.Connection, schemas: list[sql.Identifier], *, enabled: bool
) -> None:
    action = sql.SQL("enable" if enabled else "disable")
    tables = [sql.SQL("{}.submissions").format(s) for s in schemas]
    tables.append(sql.SQL("shared.user_progress"))
    for table in tables:
        conn.execute(sql.SQL("alter table {} {} trigger user").format(table, action))
    conn.execute(
        sql.SQL("alter table shared.users {} trigger users_create_progress").format(action)
    )


# --- verification -------------------------------------------------------------------------------


def verify(url: str, samples: int = 6) -> dict:
    """Replay sample users' histories through the real functions; compare with the bulk path."""
    with psycopg.connect(url) as conn:
        tools = load_tools(conn)
        users = conn.execute(
            "select seq, user_id, organization_id, stage, has_draft from bench.users order by seq"
        ).fetchall()
        picked = _sample(users, samples)
        mismatches = []
        for seq, user_id, organization_id, stage, has_draft in picked:
            twin = _replay(conn, tools, seq, organization_id, stage, has_draft)
            seeded, replayed = _state(conn, tools, user_id), _state(conn, tools, twin)
            for part, value in seeded.items():
                if value != replayed[part]:
                    mismatches.append({"seq": seq, "stage": stage, "part": part})
            conn.rollback()  # the twin and its work go away
    return {"users_checked": len(picked), "mismatches": mismatches, "ok": not mismatches}


def _sample(users: list[tuple], samples: int) -> list[tuple]:
    """Users spread over the stages: the first, the last, with and without a draft."""
    by_stage = sorted(users, key=lambda u: (u[3], u[4]))
    if len(by_stage) <= samples:
        return by_stage
    step = (len(by_stage) - 1) / (samples - 1)
    return [by_stage[round(i * step)] for i in range(samples)]


def _replay(
    conn: psycopg.Connection,
    tools: list[Tool],
    seq: int,
    organization_id: Any,
    stage: int,
    has_draft: bool,
) -> Any:
    twin = conn.execute(
        "insert into shared.users (lms_user_id, email, full_name, organization_id)"
        " values (%s, %s, %s, %s) returning id",
        (f"bench-twin-{seq}", f"bench-twin-{seq}@example.com", "Twin", organization_id),
    ).fetchone()[0]
    for tool in tools[:stage]:
        conn.execute(
            "select shared.save_draft(%s, %s, %s::jsonb, 0)",
            (tool.slug, twin, json.dumps(answers(tool.full_data, seq))),
        )
        conn.execute("select shared.submit_tool(%s, %s, 1)", (tool.slug, twin))
    if has_draft and stage < len(tools):
        tool = tools[stage]
        conn.execute(
            "select shared.save_draft(%s, %s, %s::jsonb, 0)",
            (tool.slug, twin, json.dumps(answers(tool.first_draft, seq))),
        )
        conn.execute(
            "select shared.save_draft(%s, %s, %s::jsonb, 1)",
            (tool.slug, twin, json.dumps(answers(tool.draft, seq))),
        )
    return twin


def _state(conn: psycopg.Connection, tools: list[Tool], user_id: Any) -> dict[str, Any]:
    """Everything the rules keep about a user, without ids and clock times."""
    cur = conn.cursor(row_factory=dict_row)
    state: dict[str, Any] = {
        "progress": cur.execute(
            "select tool_slug, status, progress_percentage, unlocked_at is not null as unlocked,"
            "       started_at is not null as started, completed_at is not null as completed"
            "  from shared.user_progress where user_id = %s order by tool_slug",
            (user_id,),
        ).fetchall(),
        "current_field_values": cur.execute(
            "select tool_slug, field_id, field_value from shared.current_field_values"
            " where user_id = %s order by tool_slug, field_id",
            (user_id,),
        ).fetchall(),
        "submission_versions": cur.execute(
            "select tool_slug, version, status, data from shared.submission_versions"
            " where user_id = %s order by tool_slug, version",
            (user_id,),
        ).fetchall(),
    }
    submissions, outputs = [], []
    for tool in tools:
        schema = sql.Identifier(tool.schema_name)
        submissions += cur.execute(
            sql.SQL(
                "select %s as tool, status, version, data, organization_id,"
                "       submitted_at is not null as submitted, archived_at is not null as archived"
                "  from {}.submissions where user_id = %s order by created_at"
            ).format(schema),
            (tool.slug, user_id),
        ).fetchall()
        outputs += cur.execute(
            sql.SQL(
                "select %s as tool, fo.field_id, fo.field_value"
                "  from {0}.field_outputs as fo"
                "  join {0}.submissions as s on s.id = fo.submission_id"
                " where s.user_id = %s order by fo.field_id"
            ).format(schema),
            (tool.slug, user_id),
        ).fetchall()
    state["submissions"] = submissions
    state["field_outputs"] = outputs
    return state


class ProgressBar:
    """A one-line progress bar on stderr (no dependency)."""

    def __init__(self, total: int, label: str, *, enabled: bool = True, width: int = 30) -> None:
        self.total, self.label, self.enabled, self.width = total, label, enabled, width
        self.done = 0
        self.started = time.perf_counter()

    def update(self, amount: int) -> None:
        self.done += amount
        if not self.enabled:
            return
        share = self.done / max(self.total, 1)
        elapsed = time.perf_counter() - self.started
        eta = elapsed / share - elapsed if share else 0.0
        filled = round(share * self.width)
        sys.stderr.write(
            f"\r{self.label} [{'#' * filled}{'.' * (self.width - filled)}] "
            f"{self.done:,}/{self.total:,} {elapsed:5.0f}s eta {eta:4.0f}s"
        )
        sys.stderr.flush()

    def close(self) -> None:
        if self.enabled:
            sys.stderr.write("\n")
            sys.stderr.flush()
