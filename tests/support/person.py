"""A person who has used the service a lot (for the export and erasure tests), the API called as
a user, and a search of every column of every table for what identifies them."""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass, field
from typing import Any

import psycopg
from psycopg import sql

from support.program import answers_for

# Tools open from the start (no required dependency), so a new user can submit them at once.
OPEN_TOOLS = ("woop", "know-thyself", "cash", "energy", "meeting-rhythm")
CONTEXT = {"limits": {"default": 1000, "exports": 1000, "ai_user": 10, "ai_staff": 50}}


def api(conn: psycopg.Connection, user_id: Any, function: str, **args: Any) -> Any:
    """`api.<function>` as the service calls it: as fasttrack_api, with the user's claims."""
    names = ", ".join(f"{name} => %({name})s" for name in args)
    with conn.transaction():
        conn.execute(
            "select set_config('request.jwt.claims', %s, true),"
            " set_config('request.context', %s, true)",
            (json.dumps({"sub": str(user_id)}), json.dumps(CONTEXT)),
        )
        conn.execute("set local role fasttrack_api")
        return conn.execute(f"select api.{function}({names}) as result", args).fetchone()["result"]


@dataclass
class Person:
    id: Any
    email: str
    full_name: str
    lms_user_id: str
    marker: str  # in every answer they wrote, and their AI answers
    answers: dict[str, Any] = field(default_factory=dict)

    @property
    def needles(self) -> list[str]:
        """What must not be found anywhere once they are erased."""
        return [str(self.id), self.email, self.full_name, self.lms_user_id, self.marker]


def new_person(
    conn: psycopg.Connection, *, role: str = "user", organization_id: Any = None
) -> Person:
    marker = "mk" + secrets.token_hex(6)
    person = Person(
        id=None,
        email=f"{marker}.mail@example.com",
        full_name=f"Dana {marker.upper()}name",
        lms_user_id=f"lw-{marker}-id",
        marker=marker,
    )
    person.id = conn.execute(
        "insert into shared.users (lms_user_id, email, full_name, organization_id, role)"
        " values (%s, %s, %s, %s, %s) returning id",
        (person.lms_user_id, person.email, person.full_name, organization_id, role),
    ).fetchone()["id"]
    return person


def busy_person(conn: psycopg.Connection, admin: Person, organization_id: Any) -> Person:
    """A user with work in several tools (versions, a start over), events delivered and queued,
    AI requests, sessions, a LearnWorlds event, admin changes about them, rate counters, and
    coaching: a group they coached, a meeting they scheduled and noted, an action item."""
    person = new_person(conn, organization_id=organization_id)
    for slug in OPEN_TOOLS:
        draft = answers_for(slug, only_required=True, marker=person.marker)
        saved = api(
            conn, person.id, "save_draft", p_slug=slug, p_data=json.dumps(draft), p_version=0
        )
        full = answers_for(slug, marker=person.marker)
        api(
            conn,
            person.id,
            "submit_tool",
            p_slug=slug,
            p_version=saved["version"],
            p_data=json.dumps(full),
        )
        person.answers[slug] = full
    # start over once: the submitted woop is archived, a new draft is written and changed
    fresh = api(conn, person.id, "start_over", p_slug="woop")
    saved = api(
        conn,
        person.id,
        "save_draft",
        p_slug="woop",
        p_data=json.dumps({"wish": f"A second wish {person.marker}"}),
        p_version=fresh["version"],
    )
    api(
        conn,
        person.id,
        "save_draft",
        p_slug="woop",
        p_data=json.dumps({"wish": f"A third wish {person.marker}"}),
        p_version=saved["version"],
    )
    # some events were delivered, the rest are queued
    conn.execute(
        "update shared.outbox_events set status = 'delivered', delivered_at = now(),"
        " delivered_to = array['https://lms.example.com/hooks'] where id in"
        " (select id from shared.outbox_events where user_id = %s order by created_at limit 3)",
        (person.id,),
    )
    # the assistant: one question answered (its answer kept), one pending
    begun = api(
        conn,
        person.id,
        "assist_begin",
        p_slug="dream",
        p_question=f"How do I dream bigger, {person.marker}?",
    )
    conn.execute(
        "update shared.ai_requests set outcome = 'ok', latency_ms = 900, answer = %s where id = %s",
        (f"Think of {person.full_name} in ten years {person.marker}", begun["request_id"]),
    )
    # two sign-in sessions
    for _ in range(2):
        conn.execute(
            "select shared.issue_refresh_token(%s, gen_random_uuid(), %s)",
            (person.id, secrets.token_urlsafe(40)),
        )
    # LearnWorlds told us they completed a course
    payload = {
        "data": {
            "user": {"id": person.lms_user_id, "email": person.email},
            "course": {"id": "course-not-mapped"},
        }
    }
    api(
        conn,
        None,
        "learnworlds_event",
        p_event_id=f"evt-{secrets.token_hex(8)}",
        p_event_type="courseCompleted",
        p_payload=json.dumps(payload),
    )
    # admins changed things about them, once with a reason that names them
    api(conn, admin.id, "admin_set_role", p_user_id=person.id, p_role="guru")
    api(conn, admin.id, "admin_assign_guru", p_organization_id=organization_id, p_user_id=person.id)
    # while a guru: they coach a group, schedule the team's meeting and write its notes
    group = api(conn, admin.id, "admin_create_group", p_name="Cohort North")
    api(conn, admin.id, "admin_assign_group_guru", p_group_id=group["id"], p_user_id=person.id)
    api(
        conn,
        person.id,
        "set_schedule",
        p_organization_id=organization_id,
        p_slug="woop",
        p_meeting_at="2031-03-04T10:00:00+01:00",
    )
    api(
        conn,
        person.id,
        "save_meeting_notes",
        p_organization_id=organization_id,
        p_slug="woop",
        p_notes=json.dumps({"decisions": "Cash flow first"}),
        p_version=0,
    )
    api(conn, admin.id, "admin_set_role", p_user_id=person.id, p_role="user")
    # an action item of theirs, in words that are theirs
    api(
        conn,
        admin.id,
        "create_action_item",
        p_organization_id=organization_id,
        p_slug="woop",
        p_task=f"Call the bank about the loan {person.marker}",
        p_owner_id=person.id,
        p_due="2031-01-15",
    )
    api(
        conn,
        admin.id,
        "admin_unlock_tool",
        p_user_id=person.id,
        p_slug="program-overview",
        p_reason=f"{person.full_name} asked for it ({person.email})",
    )
    # a PDF export waiting for the worker: the job holds their work until it is rendered
    conn.execute(
        "select shared.request_export_job(%s, 'tool', 'tool:woop:' || %s, %s,"
        " shared.export_bundle('woop', %s), 'test')",
        (person.id, person.id, person.id, person.id),
    )
    return person


def tables_holding(conn: psycopg.Connection, needles: list[str]) -> dict[str, list[str]]:
    """Every table.column, in every schema of the database (from the catalog), whose value as
    text contains one of the needles (case-insensitive): the columns of type text, varchar,
    char, name, json, jsonb, uuid and arrays of them."""
    columns = conn.execute(
        """
        select n.nspname as schema, c.relname as table_name, a.attname as column_name
          from pg_catalog.pg_attribute as a
          join pg_catalog.pg_class as c on c.oid = a.attrelid
          join pg_catalog.pg_namespace as n on n.oid = c.relnamespace
          join pg_catalog.pg_type as t on t.oid = a.atttypid
          left join pg_catalog.pg_type as e on e.oid = t.typelem and t.typcategory = 'A'
         where c.relkind in ('r', 'p', 'm') and a.attnum > 0 and not a.attisdropped
           and n.nspname not in ('pg_catalog', 'information_schema') and n.nspname !~ '^pg_toast'
           and coalesce(e.typname, t.typname) in
               ('text', 'varchar', 'bpchar', 'name', 'json', 'jsonb', 'uuid')
         order by 1, 2, 3
        """
    ).fetchall()
    assert len(columns) > 100, "the catalog query found too few columns to be searching"
    lowered = [needle.lower() for needle in needles]
    found: dict[str, list[str]] = {}
    for column in columns:
        statement = sql.SQL(
            "select array_agg(distinct n.needle) as hits"
            " from {}.{} as r, unnest({}::text[]) as n(needle)"
            " where strpos(lower(r.{}::text), n.needle) > 0"
        ).format(
            sql.Identifier(column["schema"]),
            sql.Identifier(column["table_name"]),
            sql.Literal(lowered),
            sql.Identifier(column["column_name"]),
        )
        hits = conn.execute(statement).fetchone()["hits"]
        if hits:
            found[f"{column['schema']}.{column['table_name']}.{column['column_name']}"] = hits
    return found
