"""What analytics cost at the database level: the facts on the save and submit paths, and the
per-user read.

    .venv/bin/python -m bench.analytics_cost [--users 10000] [--calls 600] [--rounds 5]
                                             [--pgdata DIR] [--out FILE]

Seeds a throw-away embedded PostgreSQL (bench/seed.py), then fills shared.activity_facts with
migration 0016's own backfill (the bulk seed writes with the triggers off). `--pgdata` reuses a
server kept by an earlier run (its database `analytics` seeded already; the facts are filled
again), and keeps it.

Facts on the write path: one user saves, then submits, a tool (bench.answer_rules_cost's
`measure`: a changing page state, so every call writes; each round's writes in one transaction,
rolled back), in rounds that alternate the real definitions with shared.record_activity made a
no-op (bench/sql/activity_facts_off.sql, committed for its round, then the real definition put
back): p50 and the backend's CPU per call, and the differences per round. Then the fact's
insert alone: shared.record_activity 2000 times in a loop inside the database, best of 10 rounds.

The per-user read: api.my_analytics as the web layer calls it (claims, context, the role), for
users picked across the population, p50 and p95. The refresh: shared.refresh_analytics three
times, each view's duration as it records it.
"""

from __future__ import annotations

import argparse
import json
import random
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import psycopg

from bench.answer_rules_cost import measure
from bench.stats import summarize

ROOT = Path(__file__).resolve().parent
FACTS_OFF = ROOT / "sql" / "activity_facts_off.sql"
MIGRATION = ROOT.parent / "sql" / "migrations" / "0016_activity_facts.sql"
BACKFILL = ("/** Section: backfill", "/** Section: refreshing")
SWAPPED = ("shared.record_activity(text, uuid, uuid, text)",)
DATABASE = "analytics"


def backfill(url: str) -> int:
    """Run migration 0016's backfill on the seeded database; return the facts' count."""
    text = MIGRATION.read_text(encoding="utf-8")
    with psycopg.connect(url) as conn:
        conn.execute("truncate shared.activity_facts")
        conn.execute(text[text.index(BACKFILL[0]) : text.index(BACKFILL[1])].encode())
        conn.commit()
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("vacuum analyze shared.activity_facts")
        return conn.execute("select count(*) from shared.activity_facts").fetchone()[0]


@contextmanager
def seeded_database(users: int, pgdata: str | None) -> Iterator[tuple[str, dict[str, Any]]]:
    """A seeded database with its facts: on a new throw-away server, or a kept one's."""
    from bench import seed
    from bench.server import prepare_owner, throwaway_cluster

    if pgdata:
        import pgserver

        server = pgserver.get_server(Path(pgdata), cleanup_mode="stop")
        try:
            url = psycopg.conninfo.make_conninfo(
                prepare_owner(server.get_uri("postgres")), dbname=DATABASE
            )
            yield url, {"reused": pgdata, "facts": backfill(url)}
        finally:
            server.cleanup()
        return
    with throwaway_cluster(keep=True) as cluster:
        url = cluster.create_database(DATABASE)
        seeded = seed.seed(url, users, progress=False)
        seeded["facts"] = backfill(url)
        seeded["pgdata"] = str(cluster.pgdata)
        yield url, seeded


def write_path(url: str, calls: int, rounds: int, slug: str) -> list[dict[str, Any]]:
    results: list[dict[str, Any]] = []
    with psycopg.connect(url) as conn:
        example = conn.execute("select example from shared.tools where slug = %s", (slug,))
        example = example.fetchone()[0]
        definitions = [
            conn.execute("select pg_get_functiondef(%s::regprocedure)", (name,)).fetchone()[0]
            for name in SWAPPED
        ]
        conn.commit()
        for round_ in range(1, rounds + 1):
            for mode in ("facts", "without facts"):
                if mode == "without facts":
                    conn.execute(FACTS_OFF.read_text(encoding="utf-8").encode())
                    conn.commit()
                try:
                    figures = measure(conn, slug, example, calls)
                finally:
                    conn.rollback()
                    for definition in definitions:
                        conn.execute(definition.encode())
                    conn.commit()
                results.append({"round": round_, "mode": mode, **figures})
                print(
                    f"round {round_} {mode:>13}:"
                    + "".join(
                        f" {op} p50 {figures[op]['p50_ms']:.3f} ms"
                        f" (CPU {figures[op]['backend_cpu_ms_per_call']:.3f} ms/call)"
                        for op in ("save", "submit")
                    ),
                    flush=True,
                )
    for op in ("save", "submit"):
        for figure, unit in (("p50_ms", "ms at p50"), ("backend_cpu_ms_per_call", "ms of CPU")):
            deltas = [
                on[op][figure] - off[op][figure]
                for on, off in zip(results[0::2], results[1::2], strict=True)
            ]
            print(f"{op}: the facts add {', '.join(f'{d:+.3f}' for d in deltas)} {unit}")
    return results


def per_user_read(url: str, calls: int) -> dict[str, Any]:
    """api.my_analytics for `calls` users across the population, as the web layer calls it."""
    from bench.workload import api_call

    with psycopg.connect(url, autocommit=True) as conn:
        users = [row[0] for row in conn.execute("select claims from bench.users order by seq")]
        picked = random.Random(15).sample(users, min(calls, len(users)))
        timings = []
        for n, claims in enumerate(picked[:20] + picked):  # the first 20 untimed
            started = time.perf_counter()
            api_call(conn, "my_analytics", claims)
            if n >= 20:
                timings.append((time.perf_counter() - started) * 1000)
    return summarize(timings, sum(timings) / 1000)


FACT_ALONE = """
do $$
declare
    v_user uuid := (select u.id from shared.users as u order by u.id limit 1);
    v_org uuid := (select u.organization_id from shared.users as u where u.id = v_user);
    v_started timestamptz;
    v_best interval := '1 hour';
begin
    for round in 1..10 loop
        v_started := clock_timestamp();
        for i in 1..2000 loop
            perform shared.record_activity('save', v_user, v_org, 'woop');
        end loop;
        v_best := least(v_best, (clock_timestamp() - v_started) / 2000);
    end loop;
    perform set_config('bench.best_us', (extract(epoch from v_best) * 1e6)::text, false);
end;
$$
"""


def fact_alone(url: str) -> float:
    """Microseconds one shared.record_activity takes (the insert, its indexes and foreign
    keys), best of 10 rounds of 2000 in a loop inside the database, rolled back."""
    with psycopg.connect(url) as conn:
        conn.execute(FACT_ALONE.encode())
        best = float(conn.execute("select current_setting('bench.best_us')").fetchone()[0])
        conn.rollback()
    print(f"shared.record_activity alone, best of 10 rounds: {best:.1f} us", flush=True)
    return round(best, 1)


def refresh_time(url: str, rounds: int = 3) -> list[dict[str, Any]]:
    """shared.refresh_analytics, `rounds` times: its own per-view durations (database time)."""
    answers = []
    with psycopg.connect(url, autocommit=True) as conn:
        for _ in range(rounds):
            answer = conn.execute("select shared.refresh_analytics('manual')").fetchone()[0]
            answers.append(answer)
            print(f"refresh: {json.dumps(answer)}", flush=True)
    return answers


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=10000)
    parser.add_argument("--calls", type=int, default=600, help="saves and submits per round")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--tool", default="woop")
    parser.add_argument("--pgdata", help="reuse the server an earlier run kept")
    parser.add_argument("--skip-writes", action="store_true")
    parser.add_argument("--skip-reads", action="store_true")
    parser.add_argument("--out", help="write the figures to this JSON file")
    args = parser.parse_args()
    document: dict[str, Any] = {"load_average_at_start": Path("/proc/loadavg").read_text()}
    with seeded_database(args.users, args.pgdata) as (url, seeded):
        document["seeded"] = seeded
        print(json.dumps(seeded), flush=True)
        if not args.skip_writes:
            document["write_path"] = write_path(url, args.calls, args.rounds, args.tool)
            document["fact_alone_best_us"] = fact_alone(url)
        if not args.skip_reads:
            document["my_analytics"] = per_user_read(url, args.calls)
            print(f"api.my_analytics: {json.dumps(document['my_analytics'])}", flush=True)
            document["refresh"] = refresh_time(url)
    document["load_average_at_end"] = Path("/proc/loadavg").read_text()
    print(
        f"load average: {document['load_average_at_start'].split()[:3]} -> "
        f"{document['load_average_at_end'].split()[:3]}"
    )
    if args.out:
        Path(args.out).write_text(json.dumps(document, indent=1))


if __name__ == "__main__":
    main()
