"""Organization and program analytics at the database level, on the benchmark's seeded program.

    .venv/bin/python -m bench.organization_analytics --users 100000

Seeds `--users` users (bench.seed), spreads their joining over two years (the seed makes
everyone join today, which would leave the program's pace one day long), builds the coaching
benchmark's organization of 50 (bench.coaching.build_team) and times:

- the refresh of each materialized view of organization and program analytics (REFRESH ...
  CONCURRENTLY, as shared.refresh_analytics runs it), three times each, interleaved;
- `organization_analytics` for the organization of 50, as its guru (live figures);
- `program_analytics` as an admin (snapshots);
- `save_draft` and `submit` (bench.db_level), which analytics does not touch.

Written to bench/results/<date>-organization-analytics-<users>.json.
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
from bench.coaching import build_team, timed
from bench.server import throwaway_cluster
from bench.workload import Population

RESULTS = Path(__file__).resolve().parent / "results"
VIEWS = (
    "shared.analytics_tool_funnels",
    "shared.analytics_program_pace",
    "shared.analytics_group_summaries",
)
SPREAD_JOINING = (
    "update shared.users as u set created_at = now() - make_interval(days => b.seq % 730)"
    " from bench.users as b where b.user_id = u.id"
)


def refresh_times(url: str, rounds: int = 3) -> dict[str, list[float]]:
    """Seconds per concurrent refresh of each view, the views interleaved round by round."""
    times: dict[str, list[float]] = {view: [] for view in VIEWS}
    with psycopg.connect(url, autocommit=True) as conn:
        for _ in range(rounds):
            for view in VIEWS:
                started = time.perf_counter()
                conn.execute(f"refresh materialized view concurrently {view}")
                times[view].append(round(time.perf_counter() - started, 3))
    return times


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.organization_analytics")
    parser.add_argument("--users", type=int, default=10000)
    parser.add_argument("--seconds", type=float, default=8.0)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args(argv)
    say = lambda m: print(m, file=sys.stderr, flush=True)  # noqa: E731
    results: dict[str, Any] = {
        "users": args.users,
        "started_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "load_at_start": Path("/proc/loadavg").read_text().split()[:3],
    }
    with throwaway_cluster() as cluster:
        url = cluster.create_database(f"bench_org_analytics_{args.users}")
        say(f"seeding {args.users:,} users")
        results["seed"] = seed.seed(url, args.users, progress=True)
        results["team"] = team = build_team(url, args.users)
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute(SPREAD_JOINING)
            conn.execute("analyze shared.users")
            admin = conn.execute(
                "insert into shared.users (lms_user_id, email, full_name, role)"
                " values ('bench-admin', 'bench-admin@example.com', 'Admin', 'admin')"
                " returning id::text"
            ).fetchone()[0]
        say("refreshing")
        results["refresh_seconds"] = refresh_times(url)
        say("timing")
        guru = json.dumps({"sub": team["guru"], "role": "guru"})
        results["reads"] = [
            timed(
                url,
                "organization_analytics",
                guru,
                args.seconds,
                p_organization_id=team["organization"],
            ),
            timed(url, "program_analytics", json.dumps({"sub": admin}), args.seconds),
        ]
        with psycopg.connect(url) as conn:
            population = Population.load(conn)
        results["writes"] = [
            db_level.measure(url, population, op, 1, args.seconds, warmup=20)
            for op in ("save_draft", "submit")
        ]
    results["load_at_end"] = Path("/proc/loadavg").read_text().split()[:3]
    for view, seconds in results["refresh_seconds"].items():
        say(f"  refresh {view:<36} {seconds} s")
    for row in results["reads"] + results["writes"]:
        say(
            f"  {row['op']:<24} p50 {row['p50_ms']:.3f} ms  p95 {row['p95_ms']:.3f} ms"
            f"  {row['throughput']:.0f}/s"
        )
    name = f"{time.strftime('%Y-%m-%d')}-organization-analytics-{args.users}.json"
    out = args.out or RESULTS / name
    out.write_text(json.dumps(results, indent=2, default=str) + "\n", encoding="utf-8")
    print(f"written: {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
