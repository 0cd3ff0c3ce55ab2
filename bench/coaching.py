"""Coaching reads at the database level, on the benchmark's seeded program.

    .venv/bin/python -m bench.coaching --users 100000 [--rounds 3]
    .venv/bin/python -m bench.coaching --database-url URL [--before-url URL]

Seeds `--users` users (bench.seed: organizations of 20, users at every stage of the program),
then makes one organization of 50 of them (taken across the stages, each with 30 saved
versions, a meeting scheduled, a guru assigned through a group three levels above it, 40 other
organizations in that group), and times, from one client, the api functions exactly as the web
layer calls them (claims, `set local role`, one transaction):

- `organization_dashboard`: 50 members x 31 tools;
- `list_organizations`: the guru's page (41 organizations with their figures) and an admin's
  first page (50 organizations of 20);
- `team_view` of know-thyself (two texts, two tables with number columns) for the 50;
- `save_draft` and `submit` (bench.db_level): the write path;

each `--rounds` times, every round timing the reads with the current functions and then with
the definitions before they were set-based (bench/sql/coaching_reads_before.sql, applied for
that part and replaced by the current files after it). First it checks, in one transaction it
rolls back, that both give the same answers: the team view of every tool and the dashboard for
the team and for two seeded organizations, and pages of the guru's and the admin's lists.

`--database-url` runs on a migrated database instead of a throw-away server, seeding it and
building the team only when it has none yet (so a second run reuses them); `--before-url` names
a database seeded the same way but migrated at the commit before the coaching migrations: save
and submit are then timed on both, interleaved, each round. Also the plan of the descendant
query of the groups (EXPLAIN ANALYZE). Written to bench/results/<date>-coaching-<users>.json.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

import psycopg

from bench import db_level, seed
from bench.server import throwaway_cluster
from bench.stats import summarize
from bench.workload import Population, api_call

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results"
BEFORE_SQL = HERE / "sql" / "coaching_reads_before.sql"
OLD_SIGNATURES = (
    "shared.team_field(shared.tool_fields, jsonb, boolean, integer)",
    "shared.organization_summary(shared.organizations)",
)
CURRENT_SQL = tuple(
    HERE.parent / "sql" / "functions" / name
    for name in ("252_coaching_reads.sql", "262_team_view.sql")
)
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


def existing_team(url: str) -> dict[str, Any] | None:
    """The team an earlier run built in this database, or None."""
    with psycopg.connect(url) as conn:
        row = conn.execute(
            "select o.id::text, u.id::text, gg.group_id::text,"
            " (select count(*) from shared.users as m where m.organization_id = o.id)"
            " from shared.organizations as o, shared.users as u"
            " join shared.group_gurus as gg on gg.user_id = u.id"
            " where o.slug = 'bench-team' and u.lms_user_id = 'bench-guru'"
        ).fetchone()
    if row is None:
        return None
    return {"organization": row[0], "guru": row[1], "root_group": row[2], "members": row[3]}


def admin_claims(url: str) -> str:
    with psycopg.connect(url, autocommit=True) as conn:
        admin = conn.execute(
            "insert into shared.users (lms_user_id, email, full_name, role)"
            " values ('bench-admin', 'bench-admin@example.com', 'Admin', 'admin')"
            " on conflict (lms_user_id) do update set role = 'admin' returning id::text"
        ).fetchone()[0]
    return json.dumps({"sub": admin, "role": "admin"})


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


def timed_reads(url: str, team: dict[str, Any], admin: str, seconds: float, variant: str):
    guru = json.dumps({"sub": team["guru"], "role": "guru"})
    org = team["organization"]
    reads = (
        ("organization_dashboard", guru, {"p_organization_id": org}, "dashboard 50 x 31"),
        ("list_organizations", guru, {}, "guru's list (41)"),
        ("list_organizations", admin, {}, "admin's first page (50)"),
        ("team_view", guru, {"p_organization_id": org, "p_slug": TEAM_TOOL}, "team view (50)"),
    )
    return [
        timed(url, function, claims, seconds, **args) | {"read": label, "variant": variant}
        for function, claims, args, label in reads
    ]


def apply_sql(conn: psycopg.Connection, *paths: Path) -> None:
    for path in paths:
        conn.execute(path.read_text(encoding="utf-8").encode())


def restore_current(conn: psycopg.Connection) -> None:
    """The current definitions again, and none of the old ones left beside them."""
    for old in OLD_SIGNATURES:
        conn.execute(f"drop function if exists {old}")
    apply_sql(conn, *CURRENT_SQL)


ANSWERS = """
select jsonb_build_object(
    'team_views', (select jsonb_agg(shared.team_view(o, t, 3) order by o.slug, t.slug)
                     from shared.organizations as o cross join shared.tools as t
                    where o.id = any (%(orgs)s::uuid[])),
    'dashboards', (select jsonb_agg(shared.organization_dashboard(o) order by o.slug)
                     from shared.organizations as o where o.id = any (%(orgs)s::uuid[])),
    'lists', (select jsonb_agg(shared.list_organizations(u, c.cursor, 50) order by u.role, c.cursor)
                from shared.users as u
               cross join (select null::text as cursor union all
                           select o.slug from shared.organizations as o
                            where o.slug in ('bench-org-3', 'bench-team')) as c
               where u.lms_user_id in ('bench-guru', 'bench-admin')))
"""


def same_answers(url: str, team: dict[str, Any]) -> dict[str, Any]:
    """The current and the old definitions' answers, in one transaction (one now()), rolled back."""
    with psycopg.connect(url) as conn:
        orgs = [team["organization"]] + [
            r[0]
            for r in conn.execute(
                "select id::text from shared.organizations where slug like 'bench-org-%'"
                " order by slug limit 2"
            )
        ]
        current = conn.execute(ANSWERS, {"orgs": orgs}).fetchone()[0]
        apply_sql(conn, BEFORE_SQL)
        before = conn.execute(ANSWERS, {"orgs": orgs}).fetchone()[0]
        conn.rollback()
    pairs = zip(current["team_views"], before["team_views"], strict=True)
    differing = [i for i, (now, then) in enumerate(pairs) if now != then]
    return {
        "team_views": len(current["team_views"]),
        "answered_fields": sum(
            1 for view in current["team_views"] for f in view["fields"] if f["respondents"]
        ),
        "team_views_differing": differing,
        "list_pages": len(current["lists"]),
        "lists_same": current["lists"] == before["lists"],
        "same": not differing and current == before,
    }


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
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--database-url", help="a migrated database (seeded when it has no team)")
    parser.add_argument("--before-url", help="the same seed, migrated before the coaching work")
    parser.add_argument("--out", type=Path)
    args = parser.parse_args(argv)
    if args.database_url:
        results = run(args.database_url, args)
    else:
        with throwaway_cluster() as cluster:
            results = run(cluster.create_database(f"bench_coaching_{args.users}"), args)
    out = args.out or RESULTS / f"{time.strftime('%Y-%m-%d')}-coaching-{args.users}.json"
    out.write_text(json.dumps(results, indent=2, default=str) + "\n", encoding="utf-8")
    print(f"written: {out}")
    return 0


def run(url: str, args: argparse.Namespace) -> dict[str, Any]:
    results: dict[str, Any] = {
        "users": args.users,
        "started_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "load_average_at_start": os.getloadavg(),
    }
    team = existing_team(url)
    if team is None:
        say(f"seeding {args.users:,} users")
        results["seed"] = seed.seed(url, args.users, progress=True)
        team = build_team(url, args.users)
    results["team"] = team
    admin = admin_claims(url)
    results["same_answers"] = same_answers(url, team)
    say(f"same answers as before: {results['same_answers']}")
    populations = {"current": url, "before coaching": args.before_url}
    loaded = {}
    for label, each in populations.items():
        if each:
            with psycopg.connect(each) as conn:
                loaded[label] = Population.load(conn)
    results["reads"], results["writes"], results["load_average"] = [], [], []
    for number in range(1, args.rounds + 1):
        say(f"round {number}")
        results["load_average"].append(os.getloadavg())
        results["reads"] += timed_reads(url, team, admin, args.seconds, "current")
        with psycopg.connect(url, autocommit=True) as conn:
            apply_sql(conn, BEFORE_SQL)
        try:
            results["reads"] += timed_reads(url, team, admin, args.seconds, "before set-based")
        finally:
            with psycopg.connect(url, autocommit=True) as conn:
                restore_current(conn)
        for op in ("save_draft", "submit"):
            for label, population in loaded.items():
                row = db_level.measure(
                    populations[label], population, op, 1, args.seconds, warmup=20
                )
                results["writes"].append(row | {"variant": label, "round": number})
    results["explain_descendants"] = explain_descendants(url, team["root_group"])
    for row in results["reads"] + results["writes"]:
        say(
            f"  {row.get('read', row['op']):<26} {row['variant']:<17} p50 {row['p50_ms']:.3f} ms"
            f"  p95 {row['p95_ms']:.3f} ms  {row['throughput']:.0f}/s"
        )
    say(results["explain_descendants"])
    return results


def say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


if __name__ == "__main__":
    raise SystemExit(main())
