"""What team decisions cost the resolve (the hot read path), at the database level, in one run.

    .venv/bin/python -m bench.team_decision --users 1000

Seeds `--users` users (bench.seed: organizations of 20, users at every stage of the program),
records a team decision for every organization on every tool with team_level outputs (dream,
values, goals, value-proposition: their registry example), then times
`api.resolve_dependencies('program-overview')` from one client, as the web layer calls it:
with the current resolve (team_level outputs read the decision), then with the resolve as it
was before team decisions (bench/sql/resolve_before_team_decisions.sql), then the current one
again, on the same database. Written to bench/results/<date>-team-decision-<users>.json.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

import psycopg

from bench import db_level, seed
from bench.server import throwaway_cluster
from bench.workload import Population

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results"
BEFORE_SQL = HERE / "sql" / "resolve_before_team_decisions.sql"
CURRENT_SQL = HERE.parent / "sql" / "functions" / "090_dependencies.sql"
OPERATION = "resolve_program_overview"

RECORD_DECISIONS = """
insert into shared.team_decisions (organization_id, tool_slug, data)
select o.id, t.slug, t.example
  from shared.organizations as o
 cross join shared.tools as t
 where exists (select from shared.tool_fields as f
                where f.tool_slug = t.slug and f.rules ->> 'team_level' = 'true')
"""


def record_decisions(url: str) -> dict[str, Any]:
    with psycopg.connect(url, autocommit=True) as conn:
        decisions = conn.execute(RECORD_DECISIONS).rowcount
        members = conn.execute(
            "select count(*) from shared.users where organization_id is not null"
        ).fetchone()[0]
        conn.execute("analyze")
    return {"decisions": decisions, "members_of_organizations": members}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.team_decision", description=__doc__)
    parser.add_argument("--users", type=int, default=1000)
    parser.add_argument("--seconds", type=float, default=8.0)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args(argv)
    say = lambda m: print(m, file=sys.stderr, flush=True)  # noqa: E731
    results: dict[str, Any] = {
        "users": args.users,
        "started_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "op": db_level.OPERATIONS[OPERATION],
    }
    with throwaway_cluster() as cluster:
        url = cluster.create_database(f"bench_team_decision_{args.users}")
        say(f"seeding {args.users:,} users")
        results["seed"] = seed.seed(url, args.users, progress=True)
        results["team"] = record_decisions(url)
        with psycopg.connect(url) as conn:
            population = Population.load(conn)

        def timed(label: str) -> dict[str, Any]:
            say(f"timing: {label}")
            row = db_level.measure(url, population, OPERATION, 1, args.seconds, warmup=50)
            return row | {"variant": label}

        runs = [timed("with team decisions")]
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute(BEFORE_SQL.read_text(encoding="utf-8"))
        runs.append(timed("before team decisions"))
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute(CURRENT_SQL.read_text(encoding="utf-8"))
        runs.append(timed("with team decisions"))
        results["runs"] = runs
    for row in runs:
        say(
            f"  {row['variant']:<24} p50 {row['p50_ms']:.3f} ms  p95 {row['p95_ms']:.3f} ms"
            f"  {row['throughput']:.0f}/s"
        )
    out = args.out or RESULTS / f"{time.strftime('%Y-%m-%d')}-team-decision-{args.users}.json"
    out.write_text(json.dumps(results, indent=2, default=str) + "\n", encoding="utf-8")
    print(f"written: {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
