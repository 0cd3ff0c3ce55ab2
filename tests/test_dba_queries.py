"""What a DBA does in the SQL editor: the spec's query patterns, the views, the comments."""

from __future__ import annotations

from psycopg.types.json import Jsonb

from support.program import answers_for, call, create_organization, create_user, tool


def walk_first_tools(conn, user_id):
    for slug in ("woop", "know-thyself"):
        call(conn, "submit_tool", slug, user_id, None, Jsonb(answers_for(slug)))
    call(conn, "save_draft", "dream", user_id, Jsonb({"company_dream": "draft"}), 0)


def test_the_spec_cross_schema_field_query_runs_as_written(conn):
    user_id = create_user(conn)
    walk_first_tools(conn, user_id)

    row = conn.execute(
        """SELECT fo.field_value
           FROM sprint_01_know_thyself.field_outputs fo
           INNER JOIN sprint_01_know_thyself.submissions s ON fo.submission_id = s.id
           WHERE s.user_id = %s AND fo.field_id = %s
           ORDER BY s.updated_at DESC
           LIMIT 1""",
        (user_id, "identity.personal_dream"),
    ).fetchone()

    assert row["field_value"] == answers_for("know-thyself")["identity"]["personal_dream"]


def test_the_spec_batch_field_query_runs_as_written(conn):
    user_id = create_user(conn)
    walk_first_tools(conn, user_id)
    wanted = ["identity.personal_dream", "identity.purpose", "identity.not_declared"]

    rows = conn.execute(
        """SELECT fo.field_id, fo.field_value
           FROM sprint_01_know_thyself.field_outputs fo
           INNER JOIN sprint_01_know_thyself.submissions s ON fo.submission_id = s.id
           WHERE s.user_id = %s AND fo.field_id IN (%s, %s, %s)""",
        (user_id, *wanted),
    ).fetchall()

    assert {r["field_id"] for r in rows} == {"identity.personal_dream", "identity.purpose"}


def test_the_spec_progress_summary_query_runs_as_written_and_agrees_with_the_function(conn):
    user_id = create_user(conn)
    walk_first_tools(conn, user_id)

    row = conn.execute(
        """SELECT
             COUNT(*) as total_tools,
             SUM(CASE WHEN status = 'completed' THEN 1 ELSE 0 END) as completed,
             SUM(CASE WHEN status = 'in_progress' THEN 1 ELSE 0 END) as in_progress,
             SUM(CASE WHEN status = 'unlocked' THEN 1 ELSE 0 END) as unlocked,
             SUM(CASE WHEN status = 'locked' THEN 1 ELSE 0 END) as locked
           FROM shared.user_progress
           WHERE user_id = %s""",
        (user_id,),
    ).fetchone()
    summary = call(conn, "progress_summary_for", user_id)

    assert (row["total_tools"], row["completed"], row["in_progress"]) == (31, 2, 1)
    for column in ("total_tools", "completed", "in_progress", "unlocked", "locked"):
        assert summary[column] == row[column], column
    assert summary["next_tool"] == "dream"


def test_next_tool_is_the_lowest_sprint_open_tool_after_an_admin_unlock_and_a_save(conn):
    user_id = create_user(conn)
    call(conn, "update_progress", user_id, "program-overview", "unlocked")
    call(conn, "save_draft", "program-overview", user_id, Jsonb({"note": "a first look"}), 0)

    assert call(conn, "progress_summary_for", user_id)["next_tool"] == "woop"
    assert call(conn, "get_progress", user_id)["next_tool"]["slug"] == "woop"

    call(conn, "submit_tool", "woop", user_id, None, Jsonb(answers_for("woop")))
    assert call(conn, "progress_summary_for", user_id)["next_tool"] == "know-thyself"


def test_progress_overview_shows_one_row_per_user_and_tool_with_the_organization(conn):
    organization = create_organization(conn, "Overview Ltd")
    user_id = create_user(conn, organization_id=organization)
    walk_first_tools(conn, user_id)

    rows = conn.execute(
        "select * from shared.progress_overview where user_id = %s order by sprint_number",
        (user_id,),
    ).fetchall()

    assert len(rows) == 31
    assert {r["organization"] for r in rows} == {"Overview Ltd"}
    assert [(r["tool_slug"], r["status"]) for r in rows[:3]] == [
        ("woop", "completed"),
        ("know-thyself", "completed"),
        ("dream", "in_progress"),
    ]
    assert rows[0]["completed_at"] is not None and rows[2]["started_at"] is not None


def test_field_values_lists_every_field_output_with_user_tool_and_submission(conn):
    user_id = create_user(conn)
    walk_first_tools(conn, user_id)

    rows = conn.execute(
        "select tool_slug, field_id, label, field_value, submission_id, email, is_active"
        " from shared.field_values where user_id = %s order by sprint_number, field_id",
        (user_id,),
    ).fetchall()

    expected = len(tool("woop")["outputs"]) + len(tool("know-thyself")["outputs"])
    assert len(rows) == expected
    assert {r["tool_slug"] for r in rows} == {"woop", "know-thyself"}
    assert all(r["label"] and r["submission_id"] and r["is_active"] for r in rows)


def test_every_project_object_carries_a_comment_for_the_sql_editor(conn):
    missing = conn.execute(
        """select kind, name from (
             select 'schema' as kind, n.nspname as name,
                    obj_description(n.oid, 'pg_namespace') as doc
               from pg_namespace as n where n.nspname in ('shared', 'api') or n.nspname ~ '^sprint_'
             union all
             select 'relation', n.nspname || '.' || c.relname, obj_description(c.oid, 'pg_class')
               from pg_class as c join pg_namespace as n on n.oid = c.relnamespace
              where c.relkind in ('r', 'v')
                and (n.nspname in ('shared', 'api') or n.nspname ~ '^sprint_')
             union all
             select 'function', n.nspname || '.' || p.proname, obj_description(p.oid, 'pg_proc')
               from pg_proc as p join pg_namespace as n on n.oid = p.pronamespace
              where n.nspname in ('shared', 'api')
           ) as objects
           where doc is null or doc = ''
           order by 1, 2"""
    ).fetchall()

    assert missing == []


def test_field_values_shows_active_work_once_after_a_start_over_and_all_field_values_both(conn):
    user_id = create_user(conn)
    walk_first_tools(conn, user_id)
    call(conn, "start_over", "know-thyself", user_id)
    call(conn, "submit_tool", "know-thyself", user_id, None, Jsonb(answers_for("know-thyself")))

    def count(view):
        return conn.execute(
            f"select count(*) as n, count(distinct field_id) as fields from shared.{view}"
            " where user_id = %s and tool_slug = 'know-thyself'",
            (user_id,),
        ).fetchone()

    active, every = count("field_values"), count("all_field_values")
    assert active["n"] == active["fields"] == len(tool("know-thyself")["outputs"])
    assert every["n"] == 2 * active["n"]


def test_progress_changes_name_the_acting_user_and_role_and_a_dba_login_otherwise(conn):
    user_id = create_user(conn)
    admin_id = create_user(conn, role="admin")

    def act_as(actor_id, role):
        conn.execute(
            "select set_config('request.jwt.claims', %s, false)",
            (f'{{"sub": "{actor_id}", "role": "{role}"}}',),
        )

    act_as(user_id, "user")
    call(conn, "save_draft", "woop", user_id, Jsonb({"wish": "mine"}), 0)
    act_as(admin_id, "admin")
    call(conn, "update_progress", user_id, "dream", "unlocked")
    conn.execute("select set_config('request.jwt.claims', '', false)")
    conn.execute(
        "update shared.user_progress set status = 'locked' where user_id = %s"
        " and tool_slug = 'dream'",
        (user_id,),
    )

    rows = conn.execute(
        "select tool_slug, new_status, changed_by, changed_by_role from shared.progress_changes"
        " where user_id = %s order by id",
        (user_id,),
    ).fetchall()
    login = conn.execute("select session_user::text as login").fetchone()["login"]
    assert [tuple(r.values()) for r in rows] == [
        ("woop", "in_progress", user_id, "user"),
        ("dream", "unlocked", admin_id, "admin"),
        ("dream", "locked", None, login),
    ]


def test_unmet_requirements_overview_names_the_user_tools_and_fields(conn):
    user_id = create_user(conn)
    email = conn.execute("select email from shared.users where id = %s", (user_id,)).fetchone()
    found = conn.execute(
        "select id from shared.users where email = %s", (email["email"],)
    ).fetchone()  # the README's way to find a user's id by email
    assert found["id"] == user_id

    rows = conn.execute(
        "select tool_name, source_tool_name, source_field_id, source_field_label"
        " from shared.unmet_requirements_overview where email = %s and tool_slug = 'dream'",
        (email["email"],),
    ).fetchall()

    assert {
        "tool_name": tool("dream")["name"],
        "source_tool_name": tool("know-thyself")["name"],
        "source_field_id": "identity.personal_dream",
        "source_field_label": "Personal dream",
    } in rows
    unmet = conn.execute(
        "select count(*) as n from shared.unmet_requirements where user_id = %s", (user_id,)
    ).fetchone()
    every = conn.execute(
        "select count(*) as n from shared.unmet_requirements_overview where user_id = %s",
        (user_id,),
    ).fetchone()
    assert every["n"] == unmet["n"]


def test_the_batch_field_query_reads_current_work_only_with_the_readmes_archived_filter(conn):
    user_id = create_user(conn)
    walk_first_tools(conn, user_id)
    call(conn, "start_over", "know-thyself", user_id)
    call(conn, "submit_tool", "know-thyself", user_id, None, Jsonb(answers_for("know-thyself")))
    query = """select fo.field_id, fo.field_value
                 from sprint_01_know_thyself.field_outputs fo
                 join sprint_01_know_thyself.submissions s on fo.submission_id = s.id
                where s.user_id = %s {filter}
                  and fo.field_id in ('identity.personal_dream', 'identity.purpose')"""

    every = conn.execute(query.format(filter=""), (user_id,)).fetchall()
    current = conn.execute(query.format(filter="and s.archived_at is null"), (user_id,)).fetchall()

    assert len(every) == 4
    assert sorted(r["field_id"] for r in current) == ["identity.personal_dream", "identity.purpose"]
