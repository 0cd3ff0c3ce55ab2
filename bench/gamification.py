"""What gamification costs the submit, and its reads, at the database level, in one run.

    .venv/bin/python -m bench.gamification --users 10000

Seeds `--users` users (bench.seed: organizations of 20, users at every stage of the program),
gives them a history of facts (a submit per completed tool, spread over the last 20 weeks, and
ten saves per started tool) and every organization a meeting per tool, grants what that history
earned (so a measured submit pays the steady-state cost, not a first award), then times
`api.submit_tool` from one client, interleaved: awards off (the trigger disabled), on, off, on...
(--pairs rounds; each pair's ratio is reported, and their median).
Then `api.gamification_me` for random users and `api.organization_leaderboard` for random
organizations (20 members). Written to bench/results/<date>-gamification-<users>.json.
"""

from __future__ import annotations

import argparse
import json
import random
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

HISTORY = """
insert into shared.activity_facts (kind, user_id, organization_id, tool_slug, occurred_at)
select 'submit', p.user_id, u.organization_id, p.tool_slug,
       now() - (hashtext(p.user_id::text || p.tool_slug) & 127) * interval '1 day'
  from shared.user_progress as p join shared.users as u on u.id = p.user_id
 where p.status = 'completed'
union all
select 'save', p.user_id, u.organization_id, p.tool_slug,
       now() - (hashtext(p.user_id::text || p.tool_slug || n) & 127) * interval '1 day'
  from shared.user_progress as p join shared.users as u on u.id = p.user_id,
       generate_series(1, 5) as n
 where p.status in ('completed', 'in_progress');
insert into shared.meeting_schedules (organization_id, tool_slug, meeting_at)
select o.id, t.slug, now() + (t.sprint_number - 10) * interval '7 days'
  from shared.organizations as o cross join shared.tools as t;
"""
EARNED = """
select count(*) from (select shared.award_achievements(u.id, 'woop', now())
                        from shared.users as u) as granted
"""
TRIGGER = "alter table shared.activity_facts {} trigger activity_facts_awards"


def prepare(url: str) -> dict[str, Any]:
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(TRIGGER.format("disable"))  # the history's submits are not awarded one by one
        conn.execute(HISTORY)
        conn.execute(TRIGGER.format("enable"))
        conn.execute(EARNED)
        conn.execute("analyze")
        return {
            "facts": conn.execute("select count(*) from shared.activity_facts").fetchone()[0],
            "awards": conn.execute("select count(*) from shared.awards").fetchone()[0],
        }


def timed_reads(url: str, population: Population, seconds: float) -> list[dict[str, Any]]:
    """One client, each call as the web layer makes it, random users and organizations."""
    rng = random.Random(5)
    rows = []
    with psycopg.connect(url, autocommit=True) as conn:
        for op in ("gamification_me", "organization_leaderboard"):
            latencies: list[float] = []
            started = time.perf_counter()
            while time.perf_counter() - started < seconds:
                user = rng.choice(population.users)
                args = {"p_organization_id": None} if op == "organization_leaderboard" else {}
                begin = time.perf_counter()
                api_call(conn, op, user.claims, **args)
                latencies.append((time.perf_counter() - begin) * 1000)
            rows.append(summarize(latencies[20:], time.perf_counter() - started) | {"op": op})
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.gamification", description=__doc__)
    parser.add_argument("--users", type=int, default=10000)
    parser.add_argument("--seconds", type=float, default=4.0)
    parser.add_argument("--pairs", type=int, default=5, help="off/on rounds of the submit")
    parser.add_argument("--out", type=Path)
    args = parser.parse_args(argv)
    say = lambda m: print(m, file=sys.stderr, flush=True)  # noqa: E731
    results: dict[str, Any] = {
        "users": args.users,
        "started_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
    }
    with throwaway_cluster() as cluster:
        url = cluster.create_database(f"bench_gamification_{args.users}")
        say(f"seeding {args.users:,} users")
        results["seed"] = seed.seed(url, args.users, progress=True)
        results["history"] = prepare(url)
        with psycopg.connect(url) as conn:
            population = Population.load(conn)
        runs = []
        for awards in ("off", "on") * args.pairs:
            with psycopg.connect(url, autocommit=True) as conn:
                conn.execute(TRIGGER.format("enable" if awards == "on" else "disable"))
            say(f"timing submit, awards {awards}")
            row = db_level.measure(url, population, "submit", 1, args.seconds, warmup=20)
            runs.append(row | {"variant": f"awards {awards}"})
        results["submit"] = runs
        pairs = zip(runs[::2], runs[1::2], strict=True)
        ratios = sorted(round(on["p50_ms"] / off["p50_ms"], 3) for off, on in pairs)
        results["p50_ratio_on_off"] = {"pairs": ratios, "median": ratios[len(ratios) // 2]}
        results["reads"] = timed_reads(url, population, args.seconds)
    for row in results["submit"] + results["reads"]:
        say(
            f"  {row.get('variant', row['op']):<26} p50 {row['p50_ms']:.3f} ms"
            f"  p95 {row['p95_ms']:.3f} ms  {row['count']} calls"
        )
    say(f"  p50 on/off per pair {results['p50_ratio_on_off']}")
    out = args.out or RESULTS / f"{time.strftime('%Y-%m-%d')}-gamification-{args.users}.json"
    out.write_text(json.dumps(results, indent=2, default=str) + "\n", encoding="utf-8")
    print(f"written: {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
