"""What a deployment with a pooled, a direct and a read URL relies on: migrate takes the direct
URL, and only the declared heavy reads are admitted for a replica, their limits counted."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest

from fasttrack.read_replica import REPLICA_READS
from support.program import create_user
from support.sqlerrors import detail_of, sqlstate_of

REPO = Path(__file__).resolve().parent.parent
UNREACHABLE = "host=127.0.0.1 port=1 dbname=nothing connect_timeout=2"


def admit(conn, user_id, function, limits):
    with conn.transaction():
        conn.execute(
            "select set_config('request.jwt.claims', %s, true)",
            (json.dumps({"sub": str(user_id)}),),
        )
        context = json.dumps({"limits": limits})
        conn.execute("select set_config('request.context', %s, true)", (context,))
        conn.execute("set local role fasttrack_api")
        return conn.execute("select api.admit_replica_read(%s) as result", (function,)).fetchone()[
            "result"
        ]


def test_migrate_goes_over_the_direct_url(direct_database_url):
    # DATABASE_URL leads nowhere: only DATABASE_DIRECT_URL can have been used.
    env = {
        **os.environ,
        "FT_ENV": "development",
        "DATABASE_URL": UNREACHABLE,
        "DATABASE_DIRECT_URL": direct_database_url,
    }
    done = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "app", "migrate"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    assert "Migrating database" in done.stdout and "port=1" not in done.stdout


def test_each_declared_replica_read_is_admitted_with_the_primarys_wal_position(conn):
    user_id = create_user(conn)
    for function in sorted(REPLICA_READS):
        admitted = admit(conn, user_id, function, {"default": 100, "exports": 100})
        position = conn.execute(
            "select %s::pg_lsn <= pg_current_wal_lsn() as ok", (admitted["lsn"],)
        )
        assert position.fetchone()["ok"]


def test_admission_counts_the_export_limit_as_the_export_would(conn):
    user_id = create_user(conn)
    admit(conn, user_id, "export_tool", {"default": 100, "exports": 1})
    with pytest.raises(psycopg.Error) as refused:
        admit(conn, user_id, "export_user_tool", {"default": 100, "exports": 1})
    assert sqlstate_of(refused) == "PT429"
    # Organization progress counts the per-user limit only.
    admit(conn, user_id, "get_organization_progress", {"default": 100, "exports": 1})


@pytest.mark.parametrize("function", ["save_draft", "get_submission", "readiness", "nothing"])
def test_any_other_function_is_refused(conn, function):
    user_id = create_user(conn)
    with pytest.raises(psycopg.Error) as refused:
        admit(conn, user_id, function, {"default": 100})
    assert sqlstate_of(refused) == "PT400"
    assert detail_of(refused) == {"code": "NOT_A_REPLICA_READ", "function": function}
