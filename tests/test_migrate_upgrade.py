"""`migrate` brings a database of the previous release up to date.

That release had the api functions under their old names, shared.progress_report,
shared.raise_stale_version, shared.unlock_ready_tools answering slugs (text[]) and one file
130_api_people.sql. The test puts those back into a migrated database, forgets migration 0006
and every function file's hash, and migrates again: the old names are gone, the new ones work.
"""

from __future__ import annotations

import psycopg
from psycopg.rows import dict_row
from psycopg.types.json import Jsonb

from fasttrack.migrate import FUNCTIONS_DIR, migrate
from support.program import answers_for, call, create_user

OLD_API = {
    "get_tool_data(text)": "p_slug text",
    "get_user_tool_data(uuid, text)": "p_user_id uuid, p_slug text",
    "save_tool_data(text, jsonb, integer)": "p_slug text, p_data jsonb, p_version integer",
    "list_tool_versions(text)": "p_slug text",
    "restore_tool_version(text, uuid, integer)": "p_slug text, p_id uuid, p_version integer",
    "start_over_tool(text)": "p_slug text",
    "my_progress()": "",
    "get_tool_dependencies(text)": "p_slug text",
}


def _previous_release(conn: psycopg.Connection) -> None:
    for signature, arguments in OLD_API.items():
        name = signature.split("(")[0]
        conn.execute(
            f"create function api.{name}({arguments}) returns jsonb language sql"
            " set search_path = '' as $$ select '{}'::jsonb $$"
        )
        conn.execute(f"grant execute on function api.{signature} to fasttrack_api")
    conn.execute(
        "create function shared.progress_report(p_user_id uuid) returns jsonb language sql"
        " set search_path = '' as $$ select '{}'::jsonb $$"
    )
    conn.execute(
        "create function shared.raise_stale_version(p text, p_e integer, p_c integer)"
        " returns void language sql set search_path = '' as $$ select $$"
    )
    conn.execute("drop function shared.unlock_ready_tools(uuid, text)")
    conn.execute(
        "create function shared.unlock_ready_tools(p_user_id uuid, p_tool text) returns text[]"
        " language sql set search_path = '' as $$ select '{}'::text[] $$"
    )
    conn.execute("update shared.function_files set sha256 = 'previous release'")
    conn.execute(
        "insert into shared.function_files (file_name, sha256)"
        " values ('130_api_people.sql', 'previous release')"
    )
    conn.execute(
        "delete from fasttrack_migrations._yoyo_migration"
        " where migration_id = '0006_one_name_per_function'"
    )


def _exists(conn: psycopg.Connection, signature: str) -> bool:
    return conn.execute("select to_regprocedure(%s) is not null as e", (signature,)).fetchone()["e"]


def test_a_database_of_the_previous_release_migrates_to_the_new_names(database_url):
    with psycopg.connect(database_url, row_factory=dict_row) as conn:
        _previous_release(conn)

    report = migrate(database_url)

    assert report["migrations"] == ["0006_one_name_per_function"]
    assert report["function_files"] == sorted(p.name for p in FUNCTIONS_DIR.glob("*.sql"))
    with psycopg.connect(database_url, row_factory=dict_row, autocommit=True) as conn:
        for signature in OLD_API:
            assert not _exists(conn, f"api.{signature}"), signature
        assert not _exists(conn, "shared.progress_report(uuid)")
        assert not _exists(conn, "shared.raise_stale_version(text, integer, integer)")
        for signature in (
            "api.get_submission(text)",
            "api.save_draft(text, jsonb, integer)",
            "api.resolve_dependencies(text)",
            "api.get_progress()",
            "shared.get_progress(uuid)",
        ):
            assert _exists(conn, signature), signature
        files = {
            r["file_name"] for r in conn.execute("select file_name from shared.function_files")
        }
        assert files == {p.name for p in FUNCTIONS_DIR.glob("*.sql")}

        user_id = create_user(conn)
        result = call(
            conn, "submit_tool", "know-thyself", user_id, None, Jsonb(answers_for("know-thyself"))
        )
        assert "dream" in {tool["slug"] for tool in result["unlocked_tools"]}

    assert migrate(database_url)["function_files"] == []
