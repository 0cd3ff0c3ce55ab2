"""Coaching reads at the database level, on the benchmark's seeded program.

    .venv/bin/python -m bench.coaching --users 100000

Seeds `--users` users (bench.seed: organizations of 20, users at every stage of the program),
then makes one organization of 50 of them (taken across the stages, each with 30 saved
versions, a meeting scheduled, a guru assigned through a group three levels above it, 40 other
organizations in that group), and times, from one client, the api functions exactly as the web
layer calls them (claims, `set local role`, one transaction):

- `organization_dashboard`: 50 members x 31 tools;
- `list_organizations`: the guru's page (41 organizations with their figures);
- `team_view` of know-thyself (two texts, two tables with number columns) for the 50;
- `save_draft` and `submit` (bench.db_level): the write path, which coaching does not touch;

and the plan of the descendant query of the groups (EXPLAIN ANALYZE). Written to
bench/results/<date>-coaching-<users>.json.
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
from bench.stats import summarize
from bench.workload import Population, api_call

RESULTS = Path(__file__).resolve().parent / "results"
TEAM_SIZE = 50
GROUP_ORGANIZATIONS = 40
OTHER_GROUPS = 2000
TEAM_TOOL = "know-thyself"  # texts and two tables with number columns

TEAM = "(select id from shared.organizations where slug = 'bench-team')"
BUILD_TEAM = (
    "insert into shared.organizations (name, slug, settings)"
    " values ('Bench team', 'bench-team', '{\"time_zone\": \"Europe/Amsterdam\"}')",
    # members spread over the whole population, so over every stage of the program
    f"update shared.users as u set organization_id = {TEAM}"
    " where u.id in (select user_id from bench.users where seq %% %(stride)s = 0"
    " order by seq limit %(size)s)",
    "insert into shared.submission_versions"
    " (tool_slug, submission_id, user_id, version, status, data, saved_at, replaced_at)"
    " select 'woop', gen_random_uuid(), u.id, v, 'draft', '{}'::jsonb,"
    " now() - make_interval(days => v), now() - make_interval(days => v)"
    " from shared.users as u cross join generate_series(1, 30) as v"
    f" where u.organization_id = {TEAM}",
    "insert into shared.meeting_schedules (organization_id, tool_slug, meeting_at)"
    f" select {TEAM}, 'know-thyself', now() + interval '5 days'",
    "insert into shared.users (lms_user_id, email, full_name, role)"
    " values ('bench-guru', 'bench-guru@example.com', 'Guru', 'guru')",
)


def build_team(url: str, users: int) -> dict[str, Any]:
    with psycopg.connect(url, autocommit=True) as conn:
        spread = {"stride": max(users // TEAM_SIZE, 1), "size": TEAM_SIZE}
        for statement in BUILD_TEAM:
            conn.execute(statement, spread if "%(" in statement else None)
        root = conn.execute("select shared.create_group('Program', null) ->> 'id'").fetchone()[0]
        region = conn.execute(
            "select shared.create_group('Region', %s) ->> 'id'", (root,)
        ).fetchone()[0]
        cohort = conn.execute(
            "select shared.create_group('Cohort', %s) ->> 'id'", (region,)
        ).fetchone()[0]
        conn.execute(
            "update shared.organizations set group_id = %s where slug = 'bench-team'"
            " or slug in (select slug from shared.organizations where slug like 'bench-org-%%'"
            " order by slug limit %s)",
            (cohort, GROUP_ORGANIZATIONS),
        )
        # groups of other programs, so the planner meets a realistic table
        conn.execute(
            "insert into shared.organization_groups (id, name, path)"
            " select g.id, 'Other ' || g.n, '/' || g.id || '/' from"
            " (select gen_random_uuid() as id, n from generate_series(1, %s) as n) as g",
            (OTHER_GROUPS,),
        )
        guru = conn.execute(
            "select id::text from shared.users where lms_user_id = 'bench-guru'"
        ).fetchone()[0]
        conn.execute(
            "insert into shared.group_gurus (group_id, user_id) values (%s, %s)", (root, guru)
        )
        team = conn.execute(
            "select id::text from shared.organizations where slug = 'bench-team'"
        ).fetchone()[0]
        members = conn.execute(
            "select count(*) from shared.users where organization_id = %s", (team,)
        ).fetchone()[0]
        conn.execute("analyze")
    return {"guru": guru, "organization": team, "root_group": root, "members": members}


def timed(url: str, function: str, claims: str, seconds: float, **args: Any) -> dict[str, Any]:
    latencies: list[float] = []
    with psycopg.connect(url, autocommit=True) as conn:
        for _ in range(20):  # untimed: caches, plans
            api_call(conn, function, claims, **args)
        started = time.perf_counter()
        while time.perf_counter() - started < seconds:
            t0 = time.perf_counter()
            api_call(conn, function, claims, **args)
            latencies.append((time.perf_counter() - t0) * 1000)
        wall = time.perf_counter() - started
    return summarize(latencies, wall) | {"op": function, "clients": 1}


def explain_descendants(url: str, root: str) -> str:
    with psycopg.connect(url) as conn:
        path = conn.execute(
            "select path from shared.organization_groups where id = %s", (root,)
        ).fetchone()[0]
        rows = conn.execute(
            "explain (analyze, costs off, timing off, summary off)"
            " select g.id from shared.organization_groups as g"
            ' where g.path >= %s collate "C" and g.path < (%s || \'~\') collate "C"',
            (path, path),
        ).fetchall()
    return "\n".join(r[0] for r in rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.coaching", description=__doc__)
    parser.add_argument("--users", type=int, default=10000)
    parser.add_argument("--seconds", type=float, default=8.0)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args(argv)
    say = lambda m: print(m, file=sys.stderr, flush=True)  # noqa: E731
    results: dict[str, Any] = {
        "users": args.users,
        "started_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
    }
    with throwaway_cluster() as cluster:
        url = cluster.create_database(f"bench_coaching_{args.users}")
        say(f"seeding {args.users:,} users")
        results["seed"] = seed.seed(url, args.users, progress=True)
        results["team"] = team = build_team(url, args.users)
        claims = json.dumps({"sub": team["guru"], "role": "guru"})
        say("timing")
        results["reads"] = [
            timed(
                url,
                "organization_dashboard",
                claims,
                args.seconds,
                p_organization_id=team["organization"],
            ),
            timed(url, "list_organizations", claims, args.seconds),
            timed(
                url,
                "team_view",
                claims,
                args.seconds,
                p_organization_id=team["organization"],
                p_slug=TEAM_TOOL,
            ),
        ]
        with psycopg.connect(url) as conn:
            population = Population.load(conn)
        results["writes"] = [
            db_level.measure(url, population, op, 1, args.seconds, warmup=20)
            for op in ("save_draft", "submit")
        ]
        results["explain_descendants"] = explain_descendants(url, team["root_group"])
    for row in results["reads"] + results["writes"]:
        say(
            f"  {row['op']:<24} p50 {row['p50_ms']:.3f} ms  p95 {row['p95_ms']:.3f} ms"
            f"  {row['throughput']:.0f}/s"
        )
    say(results["explain_descendants"])
    out = args.out or RESULTS / f"{time.strftime('%Y-%m-%d')}-coaching-{args.users}.json"
    out.write_text(json.dumps(results, indent=2, default=str) + "\n", encoding="utf-8")
    print(f"written: {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
