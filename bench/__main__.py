"""`python -m bench --users 10000`: seed, measure every level, print the table, write the JSON.

By default everything runs on a throw-away embedded PostgreSQL under /tmp (deleted at the end).
See docs/PERFORMANCE.md for what is measured and how to read it.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from pathlib import Path
from typing import Any

import psycopg

from bench import app_side, cpu, db_level, explain, http_level, pgbench, report, seed
from bench.server import Cluster, cluster_for_database, throwaway_cluster
from bench.workload import Population


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--users", type=int, default=10000, help="users to seed (10000)")
    parser.add_argument(
        "--baseline-users",
        type=int,
        default=1000,
        help="a second database of this size for the growth ratio (0: none)",
    )
    parser.add_argument(
        "--seconds", type=float, default=8.0, help="duration of each measurement (8)"
    )
    parser.add_argument(
        "--clients", default="1,8", help="client counts for the database level (1,8)"
    )
    parser.add_argument("--warmup", type=int, default=20, help="untimed calls per client (20)")
    parser.add_argument("--autosave-seconds", type=float, default=60.0)
    parser.add_argument("--autosave-rate", type=int, default=1000, help="saves/s to offer (1000)")
    parser.add_argument(
        "--server-arg",
        action="append",
        default=[],
        help="extra option of fasttrack.http_server, to measure a variant of how the service is "
        "served (repeatable; e.g. --server-arg=--workers=4)",
    )
    parser.add_argument(
        "--generator",
        choices=("auto", "wrk", "python"),
        default="auto",
        help="HTTP load generator (auto: wrk when installed)",
    )
    parser.add_argument("--skip-http", action="store_true")
    parser.add_argument(
        "--database-url",
        help="benchmark this freshly migrated database instead of a throw-away "
        "server (no baseline database then)",
    )
    parser.add_argument(
        "--apply-sql",
        type=Path,
        action="append",
        default=[],
        help="SQL file applied to the benchmark databases after migrating "
        "(to measure a proposed change; repeatable)",
    )
    parser.add_argument("--out", type=Path, help="result file (bench/results/<date>-<N>.json)")
    parser.add_argument("--quiet", action="store_true", help="no progress output")
    parser.add_argument(
        "--keep",
        action="store_true",
        help="keep the throw-away server's data directory (and say where)",
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    say = (lambda _m: None) if args.quiet else (lambda m: print(m, file=sys.stderr, flush=True))
    if args.database_url:
        results = run(
            cluster_for_database(args.database_url), args, say, main_url=args.database_url
        )
    else:
        with throwaway_cluster(keep=args.keep) as cluster:
            results = run(cluster, args, say)
    print(report.table(results))
    path = report.write(results, args.out)
    print(f"\nwritten: {path}")
    return 0


def prepare(
    cluster: Cluster,
    name: str,
    users: int,
    args: argparse.Namespace,
    say: Any,
    url: str | None = None,
) -> tuple[str, dict[str, Any]]:
    url = url or cluster.create_database(name)
    for path in args.apply_sql:
        with psycopg.connect(url) as conn:
            conn.execute(path.read_text(encoding="utf-8").encode())
    say(f"seeding {users:,} users into {name}")
    seeded = seed.seed(url, users, progress=not args.quiet)
    seeded["verified"] = seed.verify(url)
    if not seeded["verified"]["ok"]:
        raise SystemExit(f"the bulk seed differs from the real functions: {seeded['verified']}")
    if cluster.admin_url:
        # Write the bulk load's dirty pages out now, not during the first measurements.
        with psycopg.connect(cluster.admin_url, autocommit=True) as conn:
            conn.execute("checkpoint")
    return url, seeded


def run(
    cluster: Cluster, args: argparse.Namespace, say: Any, main_url: str | None = None
) -> dict[str, Any]:
    clients = tuple(int(c) for c in args.clients.split(","))
    results: dict[str, Any] = {
        "users": args.users,
        "started_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "settings": {
            "seconds": args.seconds,
            "warmup": args.warmup,
            "clients": clients,
            "autosave_seconds": args.autosave_seconds,
            "autosave_rate": args.autosave_rate,
            "server": server_settings(args.server_arg),
            "applied_sql": [str(p) for p in args.apply_sql],
        },
        "machine": machine(),
    }
    url, results["seed"] = prepare(
        cluster, f"bench_{args.users}", args.users, args, say, url=main_url
    )
    with psycopg.connect(url) as conn:
        results["machine"]["postgres"] = conn.execute("show server_version").fetchone()[0]
        results["machine"]["shared_buffers"] = conn.execute("show shared_buffers").fetchone()[0]
        population = Population.load(conn)

    say("database level")
    # One untimed pass of the reads first: right after a bulk load the cache is cold.
    results["warmup"] = warm(url, population, args)
    results["db_level"] = db_level.run(
        url, population, clients=clients, seconds=args.seconds, warmup=args.warmup, progress=say
    )
    results["db_variants"] = [
        db_level.measure(url, population, op, 1, args.seconds, warmup=args.warmup)
        for op in db_level.VARIANTS
    ]
    high = max(clients)
    expected = {r["op"]: r["throughput"] for r in results["db_level"] if r["clients"] == high}

    say("app-side alternative")
    results["app_side"] = []
    results["app_side_same_answers"] = app_side.same_answers(url, population)
    for count in clients:
        results["app_side"].append(
            db_level.measure(
                url,
                population,
                "app_resolve_program_overview",
                count,
                args.seconds,
                warmup=args.warmup,
            )
        )
    before = {u.seq: u.stage for u in population.users}
    with app_side.triggers_off(url):
        for count in clients:
            results["app_side"].append(
                db_level.measure(
                    url, population, "app_submit", count, args.seconds, warmup=args.warmup
                )
            )
    moved = [u.user_id for u in population.users if u.stage != before[u.seq]]
    app_side.repair_current_values(url, moved)
    for row in results["app_side"]:
        say(
            f"  app {row['op']:<28} {row['clients']} client(s): p50 {row['p50_ms']:.3f} ms, "
            f"{row['throughput']:.0f}/s"
        )

    if cluster.pginstall:
        say("pgbench ceiling")
        results["pgbench"] = pgbench.run(
            cluster.pginstall / "pgbench",
            url,
            population,
            clients=max(clients),
            seconds=args.seconds,
            expected=expected,
            progress=say,
        )
    else:
        say("pgbench not found (pgserver's binaries): no ceiling")

    if not args.skip_http:
        generator = args.generator
        if generator == "auto":
            generator = "wrk" if http_level.wrk_path() else "python"
        say(f"http level (granian, {generator})")
        log = Path(os.environ.get("TMPDIR", "/tmp")) / f"fasttrack-bench-server-{os.getpid()}.log"
        results["http"] = http_level.run(
            url,
            population,
            seconds=args.seconds,
            autosave_seconds=args.autosave_seconds,
            autosave_rate=args.autosave_rate,
            server_args=tuple(args.server_arg),
            generator=generator,
            connections_list=(1, max(clients)),
            postmaster_pid=cpu.postmaster_pid(cluster.pgdata),
            expected=expected,
            log_path=log,
            progress=say,
        )
        log.unlink(missing_ok=True)  # kept only when a run fails

    with psycopg.connect(url) as conn:
        population.store(conn)
        middle = conn.execute(
            "select b.user_id::text, t.schema_name from bench.users as b"
            "  join bench.templates as t on t.ord = b.stage"
            " where b.version > 0 order by abs(b.stage - 15), b.seq limit 1"
        ).fetchone()
    if middle:
        say("explain")
        results["explain"] = explain.explain_all(
            url, {"user_id": middle[0], "schema_name": middle[1]}
        )

    if args.baseline_users and cluster.admin_url and args.baseline_users != args.users:
        say(f"baseline: {args.baseline_users:,} users")
        base_url, base_seed = prepare(
            cluster, f"bench_{args.baseline_users}", args.baseline_users, args, say
        )
        with psycopg.connect(base_url) as conn:
            base_population = Population.load(conn)
        warm(base_url, base_population, args)
        results["baseline"] = {
            "users": args.baseline_users,
            "seed": base_seed,
            "db_level": db_level.run(
                base_url,
                base_population,
                clients=(1,),
                seconds=args.seconds,
                warmup=args.warmup,
                progress=say,
            ),
        }
    results["machine"]["load_average_end"] = os.getloadavg()
    results["ratios"] = report.ratios(results)
    results["targets"] = report.targets(results)
    return results


def warm(url: str, population: Population, args: argparse.Namespace) -> list[dict[str, Any]]:
    """Untimed calls of every read for a while (results kept, not reported)."""
    return [
        db_level.measure(url, population, op, 1, max(0.2, args.seconds / 2), warmup=args.warmup)
        for op in db_level.READS
    ]


def server_settings(extra_args: list[str]) -> dict[str, Any]:
    """How the service was served: fasttrack.http_server's defaults, and any variant."""
    from fasttrack.settings import Settings

    settings = Settings.from_env()
    return {
        "server": "granian",
        "workers": settings.web_concurrency,
        "threads": settings.web_threads,
        "extra_args": extra_args,
    }


def machine() -> dict[str, Any]:
    return {
        "cores": os.cpu_count(),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "load_average_start": os.getloadavg(),
    }


if __name__ == "__main__":
    sys.exit(main())
