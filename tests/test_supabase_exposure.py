"""Supabase's REST API serves the database to the roles anon and authenticated. The check in
the style of Supabase's database linter (shared.exposure_problems) finds nothing after migrate;
it does find each kind of problem; and those roles, created here as on Supabase and granted
what Supabase's default privileges give them, read no row and execute no function, while the
service's own roles keep working."""

from __future__ import annotations

import contextlib
from typing import Any

import psycopg
import pytest
from psycopg import sql

from fasttrack.migrate import migrate
from support.person import api, new_person

CLIENT_ROLES = ("anon", "authenticated")


def problems(conn: psycopg.Connection) -> list[dict[str, Any]]:
    return conn.execute("select * from shared.exposure_problems() order by 1, 2").fetchall()


def project_tables(conn: psycopg.Connection) -> list[str]:
    rows = conn.execute(
        "select c.oid::regclass::text as name from pg_catalog.pg_class as c"
        " join pg_catalog.pg_namespace as n on n.oid = c.relnamespace"
        " where c.relkind in ('r', 'p', 'v') and n.nspname = any (shared.project_schemas())"
        " order by 1"
    ).fetchall()
    return [row["name"] for row in rows]


def ensure_client_roles(conn: psycopg.Connection) -> None:
    """anon and authenticated as Supabase makes them (NOLOGIN). Roles are cluster-wide and other
    test sessions may create them at the same moment: tolerate that, never drop them."""
    for role in CLIENT_ROLES:
        duplicate = (psycopg.errors.DuplicateObject, psycopg.errors.UniqueViolation)
        with contextlib.suppress(*duplicate):
            conn.execute(
                sql.SQL(
                    "do $$ begin if not exists (select from pg_roles where rolname = {}) then"
                    " create role {} nologin; end if; end $$"
                ).format(sql.Literal(role), sql.Identifier(role))
            )
        # PostgreSQL 16: the owner needs the SET option to act as the role in this test
        conn.execute(sql.SQL("grant {} to current_user").format(sql.Identifier(role)))


def grant_as_supabase(conn: psycopg.Connection) -> None:
    """What an exposed schema gives the client roles on Supabase (its default privileges), and
    more: usage on every schema, SELECT on every table and view, EXECUTE on every function."""
    schemas = conn.execute("select unnest(shared.project_schemas()) as name").fetchall()
    for row in schemas:
        for role in CLIENT_ROLES:
            names = {"schema": sql.Identifier(row["name"]), "role": sql.Identifier(role)}
            conn.execute(sql.SQL("grant usage on schema {schema} to {role}").format(**names))
            conn.execute(
                sql.SQL("grant select on all tables in schema {schema} to {role}").format(**names)
            )
            conn.execute(
                sql.SQL("grant execute on all functions in schema {schema} to {role}").format(
                    **names
                )
            )


def test_a_migrated_database_has_no_exposure_problem(conn):
    assert problems(conn) == []
    secured = conn.execute(
        "select count(*) filter (where c.relrowsecurity) as secured, count(*) as tables"
        " from pg_catalog.pg_class as c join pg_catalog.pg_namespace as n on n.oid = c.relnamespace"
        " where c.relkind = 'r' and n.nspname = any (shared.project_schemas())"
    ).fetchone()
    assert secured["secured"] == secured["tables"] > 62  # 31 tools x 2, shared, yoyo's


def test_the_check_finds_each_kind_of_problem(conn):
    conn.execute("create table shared.open_table (id integer)")
    conn.execute("create view shared.owner_view as select 1 as one")
    conn.execute("grant select on shared.owner_view to public")
    conn.execute(
        "create function shared.loose() returns integer language sql security definer as 'select 1'"
    )
    found = {(row["lint"], row["object"]) for row in problems(conn)}
    assert ("rls_disabled", "shared.open_table") in found
    assert ("security_definer_view", "shared.owner_view") in found
    assert ("function_search_path_mutable", "shared.loose()") in found
    assert ("function_executable_by_public", "shared.loose()") in found

    conn.execute("alter table shared.open_table enable row level security")
    conn.execute("create policy everyone on shared.open_table using (true)")
    assert ("policy_exists", "shared.open_table: everyone") in {
        (row["lint"], row["object"]) for row in problems(conn)
    }


def test_supabase_client_roles_read_nothing_and_execute_nothing(conn, database_url):
    new_person(conn)  # rows to hide
    ensure_client_roles(conn)
    grant_as_supabase(conn)
    lints = {row["lint"] for row in problems(conn)}
    assert {"table_granted_to_client_role", "function_executable_by_client_role"} <= lints

    tables = project_tables(conn)
    assert "shared.users" in tables and "sprint_00_woop.submissions" in tables
    assert conn.execute("select count(*) as n from shared.users").fetchone()["n"] > 0
    for role in CLIENT_ROLES:
        with conn.transaction():
            conn.execute(sql.SQL("set local role {}").format(sql.Identifier(role)))
            for table in tables:
                # granted SELECT, row-level security without a policy still shows no row
                count = conn.execute(f"select count(*) as n from {table}").fetchone()["n"]
                assert count == 0, f"{role} reads {count} rows of {table}"

    migrate(database_url)  # every migrate closes what was opened since

    assert problems(conn) == []
    executable = conn.execute(
        "select count(*) filter (where has_function_privilege(%s, p.oid, 'EXECUTE')) as anon,"
        " count(*) filter (where has_function_privilege(%s, p.oid, 'EXECUTE')) as authenticated,"
        " count(*) as functions"
        " from pg_catalog.pg_proc as p join pg_catalog.pg_namespace as n on n.oid = p.pronamespace"
        " where n.nspname = any (shared.project_schemas())",
        CLIENT_ROLES,
    ).fetchone()
    assert executable["functions"] > 100
    assert (executable["anon"], executable["authenticated"]) == (0, 0)
    for role in CLIENT_ROLES:
        for statement in (
            "select api.me()",
            "select * from shared.users",
            "select api.readiness()",
        ):
            with pytest.raises(psycopg.errors.InsufficientPrivilege), conn.transaction():
                conn.execute(sql.SQL("set local role {}").format(sql.Identifier(role)))
                conn.execute(statement)


def test_the_service_roles_and_the_dba_views_keep_working(conn):
    person = new_person(conn)
    assert api(conn, person.id, "me")["email"] == person.email
    with conn.transaction():
        conn.execute("set local role fasttrack_worker")
        assert "seconds" in conn.execute("select api.worker_next_due() as r").fetchone()["r"]
    # DBA views, as the owner: they check the reader's rights (security_invoker) and the owner
    # is not bound by row-level security
    rows = conn.execute(
        "select count(*) as n from shared.progress_overview where user_id = %s", (person.id,)
    ).fetchone()
    assert rows["n"] == 31
    options = conn.execute(
        "select c.oid::regclass::text as name, c.reloptions from pg_catalog.pg_class as c"
        " where c.relkind = 'v' and c.relnamespace = 'shared'::regnamespace"
    ).fetchall()
    assert options and all("security_invoker=true" in (row["reloptions"] or []) for row in options)


def test_a_new_tool_schema_gets_row_level_security(conn):
    conn.execute(
        "insert into shared.tools (slug, sprint_number, name, module_id)"
        " select 'extra-tool', 99, 'Extra', min(id) from shared.modules"
    )
    assert conn.execute("select shared.create_tool_schema('extra-tool') as r").fetchone()["r"]
    secured = conn.execute(
        "select c.relname, c.relrowsecurity from pg_catalog.pg_class as c"
        " where c.relnamespace = 'sprint_99_extra_tool'::regnamespace and c.relkind = 'r'"
        " order by 1"
    ).fetchall()
    assert secured == [
        {"relname": "field_outputs", "relrowsecurity": True},
        {"relname": "submissions", "relrowsecurity": True},
    ]
