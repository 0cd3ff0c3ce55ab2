"""A plain pg_dump restored with psql, the way the spec tells DBAs to back up: nothing lost."""

from __future__ import annotations

import subprocess
import uuid
from pathlib import Path

import psycopg
import pytest
from psycopg import sql
from psycopg.types.json import Jsonb

from devtools.snapshot import pg_dump_binary
from support import connect
from support.databases import drop_database
from support.program import (
    answers_for,
    call,
    create_organization,
    create_user,
    tools_in_sprint_order,
)

PROJECT_TABLES = """
    select format('%I.%I', n.nspname, c.relname) as name
      from pg_class as c join pg_namespace as n on n.oid = c.relnamespace
     where c.relkind = 'r' and (n.nspname = 'shared' or n.nspname ~ '^sprint_[0-9]{2}_')
     order by 1"""


def row_counts(conn) -> dict[str, int]:
    names = [row["name"] for row in conn.execute(PROJECT_TABLES).fetchall()]
    return {
        name: conn.execute(
            sql.SQL("select count(*) as n from {}").format(sql.SQL(name))
        ).fetchone()["n"]
        for name in names
    }


@pytest.fixture
def empty_database_url(server):
    name = f"restore_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(server.owner_url(server.maintenance_dbname), autocommit=True) as admin:
        admin.execute(sql.SQL("create database {}").format(sql.Identifier(name)))
    yield server.owner_url(name)
    drop_database(server, name)


def test_dump_and_restore_keep_every_row_and_the_rules(
    conn, database_url, empty_database_url, tmp_path
):
    organization = create_organization(conn, "Restore Ltd")
    users = [create_user(conn, organization_id=organization) for _ in range(3)]
    for count, user_id in zip((31, 8, 2), users, strict=True):
        for item in tools_in_sprint_order()[:count]:
            call(conn, "save_draft", item["slug"], user_id, Jsonb({"draft": True}), 0)
            call(conn, "submit_tool", item["slug"], user_id, 1, Jsonb(answers_for(item["slug"])))
    call(conn, "start_over", "woop", users[1])
    before = row_counts(conn)

    dump = tmp_path / "backup.sql"
    bin_dir = Path(pg_dump_binary()).parent
    subprocess.run(
        [str(bin_dir / "pg_dump"), "--dbname", database_url, "--file", str(dump)], check=True
    )
    subprocess.run(
        [
            str(bin_dir / "psql"),
            "--quiet",
            "--set",
            "ON_ERROR_STOP=1",
            "--dbname",
            empty_database_url,
            "--file",
            str(dump),
        ],
        check=True,
        capture_output=True,
    )

    with connect(empty_database_url) as restored:
        assert row_counts(restored) == before
        assert sum(before.values()) > 500
        assert (
            restored.execute("select count(*) as n from shared.check_invariants()").fetchone()["n"]
            == 0
        )
        # the rules came back too: a submit in the restored database still unlocks
        call(
            restored,
            "submit_tool",
            "know-thyself",
            users[2],
            None,
            Jsonb(answers_for("know-thyself")),
        )
        status = restored.execute(
            "select status from shared.user_progress where user_id = %s and tool_slug = 'dream'",
            (users[2],),
        ).fetchone()["status"]
        assert status == "unlocked"
