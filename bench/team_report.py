"""The team report and the organization's archive at the database level, beside the team view
they are built on, on the benchmark's seeded program.

    .venv/bin/python -m bench.team_report --users 10000

Seeds `--users` users and the coaching benchmark's team (bench.coaching.build_team: 50 members
across every stage of the program, a guru through a group three levels up), records a team
decision and three action items on know-thyself, then times from one client, as the web layer
calls them, interleaved so the pair shares the machine's state:

- `team_view` of know-thyself, `team_report` of know-thyself, `team_view` again: what the
  report adds to the view it is built on (the decision by output, action items, meeting);
- `organization_export`: every team report and every member's bundle of the 50 (the archive's
  one call; its PDFs are rendered by the web layer, not timed here).

Written to bench/results/<date>-team-report-<users>.json.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

import psycopg

from bench import seed
from bench.coaching import TEAM_TOOL, build_team, timed
from bench.server import throwaway_cluster

RESULTS = Path(__file__).resolve().parent / "results"


def add_meeting_work(url: str, team: dict[str, Any]) -> dict[str, Any]:
    """A decision on the team tool (one member's submitted answers) and three action items."""
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(
            "insert into shared.team_decisions (organization_id, tool_slug, data, decided_by)"
            " select %(org)s, t.slug, t.example, %(guru)s from shared.tools as t"
            " where t.slug = %(tool)s",
            {"org": team["organization"], "guru": team["guru"], "tool": TEAM_TOOL},
        )
        conn.execute(
            "insert into shared.action_items (organization_id, tool_slug, task, owner_id, due_on,"
            " created_by) select %(org)s, %(tool)s, 'Task ' || n, u.id, current_date + n, %(guru)s"
            " from generate_series(1, 3) as n, lateral (select id from shared.users"
            " where organization_id = %(org)s order by id limit 1) as u",
            {"org": team["organization"], "guru": team["guru"], "tool": TEAM_TOOL},
        )
        saved = conn.execute(
            "select count(*) from shared.user_progress as p join shared.users as u"
            " on u.id = p.user_id where u.organization_id = %s"
            " and p.status in ('in_progress', 'completed')",
            (team["organization"],),
        ).fetchone()[0]
    return {"member_tools_saved": saved}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.team_report", description=__doc__)
    parser.add_argument("--users", type=int, default=10000)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args(argv)
    say = lambda m: print(m, file=sys.stderr, flush=True)  # noqa: E731
    results: dict[str, Any] = {
        "users": args.users,
        "started_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
    }
    with throwaway_cluster() as cluster:
        url = cluster.create_database(f"bench_team_report_{args.users}")
        say(f"seeding {args.users:,} users")
        results["seed"] = seed.seed(url, args.users, progress=True)
        results["team"] = team = build_team(url, args.users)
        results["team"] |= add_meeting_work(url, team)
        claims = json.dumps({"sub": team["guru"], "role": "guru"})
        on_team = {"p_organization_id": team["organization"], "p_slug": TEAM_TOOL}
        say("timing")
        results["reads"] = [
            timed(url, "team_view", claims, args.seconds, **on_team),
            timed(url, "team_report", claims, args.seconds, **on_team),
            timed(url, "team_view", claims, args.seconds, **on_team),
            timed(url, "team_report", claims, args.seconds, **on_team),
            timed(
                url,
                "organization_export",
                claims,
                args.seconds * 3,
                p_organization_id=team["organization"],
            ),
        ]
        with psycopg.connect(url, autocommit=True) as conn:
            size = conn.execute(
                "select octet_length(shared.organization_export(o, 3, 50000000, 5000)::text),"
                " jsonb_array_length(shared.organization_export(o, 3, 50000000, 5000)"
                " -> 'member_exports') from shared.organizations as o where o.id = %s",
                (team["organization"],),
            ).fetchone()
        results["archive_json_bytes"], results["archive_member_exports"] = size
    for row in results["reads"]:
        say(
            f"  {row['op']:<24} p50 {row['p50_ms']:.3f} ms  p95 {row['p95_ms']:.3f} ms"
            f"  n {row['count']}"
        )
    say(
        f"  archive: {results['archive_json_bytes']:,} bytes of JSON,"
        f" {results['archive_member_exports']} member exports"
    )
    out = args.out or RESULTS / f"{time.strftime('%Y-%m-%d')}-team-report-{args.users}.json"
    out.write_text(json.dumps(results, indent=2, default=str) + "\n", encoding="utf-8")
    print(f"written: {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
