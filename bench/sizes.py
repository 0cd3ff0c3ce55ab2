"""`python -m bench.sizes --users 100000`: what N users' work weighs, table by table, and what
one autosave and one submit write: the sizing figures of docs/SCALING.md.

It seeds a throw-away server exactly as the benchmark does (bench.seed: the state the real
functions produce, checked by seed.verify), then reads every table's rows and bytes
(pg_total_relation_size: heap, TOAST and indexes; the 31 tool schemas' tables summed by name),
then makes `--writes` autosaves and as many submits through api.save_draft and api.submit_tool
as the web layer calls them, and measures per call the WAL written and the rows inserted,
updated and deleted, by table. Writes `bench/results/<date>-<N>-sizes.json` and prints Markdown.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

import psycopg
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from bench import seed
from bench.server import throwaway_cluster
from bench.workload import Population, api_call

RESULTS = Path(__file__).resolve().parent / "results"
TOOL_SCHEMA_PREFIX = "sprint_"

_TABLES = """
select n.nspname as schema, c.relname as name, c.oid::regclass::text as qualified,
       pg_table_size(c.oid) as table_bytes, pg_indexes_size(c.oid) as index_bytes,
       pg_total_relation_size(c.oid) as total_bytes
  from pg_class as c join pg_namespace as n on n.oid = c.relnamespace
 where c.relkind in ('r', 'p') and (n.nspname = 'shared' or n.nspname like 'sprint\\_%%')
 order by 1, 2
"""
_ROW_CHANGES = """
select schemaname as schema, relname as name, n_tup_ins as ins, n_tup_upd as upd,
       n_tup_del as del
  from pg_stat_user_tables
 where schemaname = 'shared' or schemaname like 'sprint\\_%%'
"""


def table_sizes(conn: psycopg.Connection) -> list[dict[str, Any]]:
    """Every table of shared and of the tool schemas: exact rows and bytes."""
    rows = []
    for schema, name, qualified, table_bytes, index_bytes, total_bytes in conn.execute(_TABLES):
        count = conn.execute(f"select count(*) from {qualified}").fetchone()[0]
        rows.append(
            {
                "schema": schema,
                "table": name,
                "rows": count,
                "table_bytes": table_bytes,
                "index_bytes": index_bytes,
                "total_bytes": total_bytes,
            }
        )
    return rows


def grouped(tables: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """shared.* one by one; the tool schemas' tables summed by name (`sprint_*.submissions`)."""
    groups: dict[str, dict[str, Any]] = {}
    for row in tables:
        tool = row["schema"].startswith(TOOL_SCHEMA_PREFIX)
        key = f"sprint_*.{row['table']}" if tool else f"shared.{row['table']}"
        group = groups.setdefault(
            key,
            {"table": key, "schemas": 0, "rows": 0, "table_bytes": 0, "index_bytes": 0,
             "total_bytes": 0},
        )  # fmt: skip
        group["schemas"] += 1
        for field in ("rows", "table_bytes", "index_bytes", "total_bytes"):
            group[field] += row[field]
    return sorted(groups.values(), key=lambda g: -g["total_bytes"])


def _changes(conn: psycopg.Connection) -> dict[str, tuple[int, int, int]]:
    conn.execute("select pg_stat_clear_snapshot()")
    by_table: dict[str, tuple[int, int, int]] = {}
    for schema, name, ins, upd, delete in conn.execute(_ROW_CHANGES):
        tool = schema.startswith(TOOL_SCHEMA_PREFIX)
        key = f"sprint_*.{name}" if tool else f"shared.{name}"
        old = by_table.get(key, (0, 0, 0))
        by_table[key] = (old[0] + ins, old[1] + upd, old[2] + delete)
    return by_table


def measure_writes(
    url: str, admin_url: str | None, op: str, count: int, offset: int = 0
) -> dict[str, Any]:
    """`count` calls of `op` (save_draft or submit) for distinct users (those from `offset` on
    among the users with a tool left, so two measurements touch different users), as the
    web layer makes them; WAL bytes (full-page images included: the first change of a page
    after a checkpoint writes all of it) and rows changed per call, by table."""
    # A superuser (CHECKPOINT) on the same database (the table statistics are per database).
    # Without a superuser (a given database), no CHECKPOINT: the WAL figure is then a lower one.
    watcher_url = url
    if admin_url is not None:
        watcher_url = make_conninfo(admin_url, dbname=conninfo_to_dict(url)["dbname"])
    with (
        psycopg.connect(url, autocommit=True) as conn,
        psycopg.connect(watcher_url, autocommit=True) as watcher,
    ):
        watcher.execute("set stats_fetch_consistency = none")
        population = Population.load(conn)
        users = population.writers(1)[0][offset : offset + count]
        if admin_url is not None:
            watcher.execute("checkpoint")
        before_rows = _changes(watcher)
        before_wal = watcher.execute("select pg_current_wal_lsn()").fetchone()[0]
        started = time.perf_counter()
        for user in users:
            if op == "save_draft":
                slug, data, version = population.save_call(user)
                api_call(
                    conn, "save_draft", user.claims, p_slug=slug, p_data=data, p_version=version
                )
            else:
                slug, data, version = population.submit_call(user)
                api_call(
                    conn, "submit_tool", user.claims, p_slug=slug, p_version=version, p_data=data
                )
        seconds = time.perf_counter() - started
        wal = watcher.execute(
            "select pg_wal_lsn_diff(pg_current_wal_lsn(), %s)::bigint", (before_wal,)
        ).fetchone()[0]
        # A backend sends its table statistics when it goes idle, at most once a second.
        time.sleep(1.1)
        conn.execute("select 1")
        time.sleep(0.5)
        after_rows = _changes(watcher)
    per_table = {}
    for key, (ins, upd, delete) in after_rows.items():
        old = before_rows.get(key, (0, 0, 0))
        changed = (ins - old[0], upd - old[1], delete - old[2])
        if any(changed):
            per_table[key] = {
                "inserted": round(changed[0] / len(users), 2),
                "updated": round(changed[1] / len(users), 2),
                "deleted": round(changed[2] / len(users), 2),
            }
    return {
        "op": op,
        "calls": len(users),
        "seconds": round(seconds, 2),
        "wal_bytes_per_call": round(wal / len(users)),
        "rows_per_call": per_table,
        "row_changes_per_call": round(sum(sum(v.values()) for v in per_table.values()), 2),
    }


def markdown(result: dict[str, Any]) -> str:
    users = result["users"]
    lines = [
        f"{users:,} users; {result['machine']}; measured {result['started_at']}.",
        "",
        "| table | schemas | rows | rows per user | table MB | index MB | total MB |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    mb = 1024 * 1024
    for g in result["groups"]:
        lines.append(
            f"| `{g['table']}` | {g['schemas']} | {g['rows']:,} | {g['rows'] / users:.1f} | "
            f"{g['table_bytes'] / mb:,.1f} | {g['index_bytes'] / mb:,.1f} | "
            f"{g['total_bytes'] / mb:,.1f} |"
        )
    total = sum(g["total_bytes"] for g in result["groups"])
    lines += [
        f"| **all tables** | | {sum(g['rows'] for g in result['groups']):,} | | | | "
        f"**{total / mb:,.0f}** |",
        "",
        f"Database size: {result['database_bytes'] / mb:,.0f} MB.",
        "",
        "| write | calls | WAL per call | row changes per call | by table (ins/upd/del) |",
        "|---|---:|---:|---:|---|",
    ]
    for w in result["writes"]:
        tables = "; ".join(
            f"`{t}` {v['inserted']:g}/{v['updated']:g}/{v['deleted']:g}"
            for t, v in sorted(w["rows_per_call"].items())
        )
        lines.append(
            f"| {w['op']} | {w['calls']} | {w['wal_bytes_per_call'] / 1024:.1f} KiB | "
            f"{w['row_changes_per_call']:g} | {tables} |"
        )
    return "\n".join(lines)


def measure(url: str, admin_url: str | None, args: argparse.Namespace, result: dict) -> None:
    print(f"seeding {args.users:,} users", file=sys.stderr, flush=True)
    result["seed"] = seed.seed(url, args.users, progress=not args.quiet)
    result["seed"]["verified"] = seed.verify(url)
    with psycopg.connect(url, autocommit=True) as conn:
        result["machine"] = "PostgreSQL " + conn.execute("show server_version").fetchone()[0]
        result["database_bytes"] = conn.execute(
            "select pg_database_size(current_database())"
        ).fetchone()[0]
        result["tables"] = table_sizes(conn)
    result["groups"] = grouped(result["tables"])
    result["writes"] = [
        measure_writes(url, admin_url, op, args.writes, offset=n * args.writes)
        for n, op in enumerate(("save_draft", "submit"))
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.sizes", description=__doc__)
    parser.add_argument("--users", type=int, default=10000)
    parser.add_argument("--writes", type=int, default=500, help="autosaves and submits (500)")
    parser.add_argument("--out", type=Path)
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    parser.add_argument(
        "--database-url",
        help="measure this freshly migrated database instead of a throw-away server (no "
        "CHECKPOINT before the writes then, unless the login may run one)",
    )
    args = parser.parse_args(argv)
    result: dict[str, Any] = {
        "users": args.users,
        "started_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
    }
    if args.database_url:
        measure(args.database_url, None, args, result)
    else:
        with throwaway_cluster() as cluster:
            url = cluster.create_database(f"sizes_{args.users}")
            measure(url, cluster.admin_url, args, result)
    out = args.out or RESULTS / f"{time.strftime('%Y-%m-%d')}-{args.users}-sizes.json"
    out.write_text(json.dumps(result, indent=1, default=str) + "\n")
    print(markdown(result))
    print(f"\nwritten: {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
