"""`migrate` on a database full of users' work completes and loses nothing.

The database is filled by the benchmark's set-based seeder (bench/seed.py: users at every stage
of the program, submitted tools with their outputs, drafts with their history), then migrate
runs three times, as releases do:

1. with nothing to do;
2. with every function file changed (all of sql/functions applied again: triggers, views, the
   api), as after a release that touched them all;
3. with a new tool in the registry: its schema, its registry rows, a progress row per user.

Each time every row of every table is still there, unchanged (a digest of each table's rows
before and after), and the invariants hold. The default suite seeds 2,000 users; the 100,000
users of the issue are a separate, slow run:

    bin/test -m slow tests/test_migrate_big_database.py

(FASTTRACK_BIG_USERS sets another size for it.)
"""

from __future__ import annotations

import copy
import json
import os
import time
from pathlib import Path
from typing import Any

import psycopg
import pytest

from bench.seed import seed
from fasttrack.migrate import FUNCTIONS_DIR, migrate
from support.figures import report
from support.program import dependencies, registry

BIG = int(os.environ.get("FASTTRACK_BIG_USERS", "100000"))
NEW_TOOL = "check-in"


def _with_new_tool(directory: Path) -> Path:
    """The config of the repository plus one tool (sprint 31) that every user may open."""
    tools = copy.deepcopy(registry())
    tools["tools"].append(
        {
            "slug": NEW_TOOL,
            "sprint_number": 31,
            "name": "Check-in",
            "description": "Any time, after the program",
            "module": tools["tools"][-1]["module"],
            "outputs": [{"field_id": "mood", "label": "Mood", "type": "text", "required": True}],
            "example": {"mood": "Calm, and clear about the next quarter"},
        }
    )
    directory.mkdir()
    (directory / "tool-registry.json").write_text(json.dumps(tools))
    (directory / "dependencies.json").write_text(json.dumps({"dependencies": dependencies()}))
    courses = Path(__file__).resolve().parents[1] / "config" / "learnworlds.json"
    (directory / "learnworlds.json").write_text(courses.read_text())
    return directory


def _tables(conn: psycopg.Connection) -> list[dict[str, Any]]:
    """Every table of the project's schemas, with the column that names a tool, if any."""
    return conn.execute(
        """select format('%I.%I', c.table_schema, c.table_name) as name,
                  max(case when c.column_name in ('tool_slug', 'slug') and c.table_name <> 'modules'
                                and c.table_name <> 'organizations'
                           then c.column_name end) as tool_column
             from information_schema.columns as c
             join information_schema.tables as t
               on t.table_schema = c.table_schema and t.table_name = c.table_name
            where t.table_type = 'BASE TABLE'
              and (c.table_schema = 'shared' or c.table_schema ~ '^sprint_[0-9]{2}_')
            group by 1 order by 1"""
    ).fetchall()


def _snapshot(conn: psycopg.Connection, tables: list[dict[str, Any]]) -> dict[str, Any]:
    """Per table: its row count and an order-independent digest of its rows, leaving out the
    new tool's rows (which migrate adds) and when each function file was applied."""
    parts = []
    for table in tables:
        if table["name"] == "shared.function_files":
            digest = "sum(hashtextextended(r.file_name || ':' || r.sha256, 0))"
        else:
            digest = "sum(hashtextextended(r::text, 0))"
        where = "true"
        if table["tool_column"]:
            where = f"r.{table['tool_column']} is distinct from '{NEW_TOOL}'"
        parts.append(
            f"select '{table['name']}' as name, count(*) as n, coalesce({digest}, 0) as digest"
            f" from {table['name']} as r where {where}"
        )
    rows = conn.execute(" union all ".join(parts)).fetchall()
    return {row["name"]: (row["n"], row["digest"]) for row in rows}


def _violations(conn: psycopg.Connection) -> list[dict[str, Any]]:
    return conn.execute("select rule, tool_slug from shared.check_invariants()").fetchall()


@pytest.mark.parametrize(
    "users",
    [pytest.param(2_000, id="2k-users"), pytest.param(BIG, id="big", marks=pytest.mark.slow)],
)
def test_migrate_on_a_database_full_of_work_loses_nothing(database_url, conn, tmp_path, users):
    timings: dict[str, float] = {}

    def timed(name: str, action):
        started = time.perf_counter()
        result = action()
        timings[name] = round(time.perf_counter() - started, 1)
        return result

    seeded = timed("seed", lambda: seed(database_url, users, progress=False))
    tables = _tables(conn)
    before = timed("snapshot", lambda: _snapshot(conn, tables))
    assert before["shared.users"][0] == users
    assert timed("invariants", lambda: _violations(conn)) == []
    all_files = sorted(path.name for path in FUNCTIONS_DIR.glob("*.sql"))

    # 1. Nothing to do: nothing applied, nothing changed.
    idle = timed("migrate_idle", lambda: migrate(database_url))
    assert (idle["migrations"], idle["function_files"]) == ([], [])
    assert idle["registry"]["changed"] is False
    assert _snapshot(conn, tables) == before

    # 2. Every function file applied again over the full tables.
    conn.execute("update shared.function_files set sha256 = 'from an older release'")
    again = timed("migrate_all_functions", lambda: migrate(database_url))
    assert again["function_files"] == all_files
    assert _snapshot(conn, tables) == before
    assert _violations(conn) == []

    # 3. A new tool: its schema, and a progress row for each of the users.
    grown = timed(
        "migrate_new_tool", lambda: migrate(database_url, config_dir=_with_new_tool(tmp_path / "c"))
    )
    assert grown["registry"]["schemas_created"] == [NEW_TOOL]
    assert _snapshot(conn, tables) == before
    new_rows = conn.execute(
        "select count(*) as n, count(*) filter (where status = 'unlocked') as unlocked"
        "  from shared.user_progress where tool_slug = %s",
        (NEW_TOOL,),
    ).fetchone()
    assert (new_rows["n"], new_rows["unlocked"]) == (users, users)
    violations = timed("invariants_after", lambda: _violations(conn))
    report(
        "migrate_big_database",
        users=users,
        rows={name: count for name, (count, _) in before.items() if count},
        total_rows=sum(count for count, _ in before.values()),
        database_bytes=seeded["database_bytes"],
        seconds=timings,
        rows_lost=0,
        invariant_violations=len(violations),
    )
    assert violations == []
