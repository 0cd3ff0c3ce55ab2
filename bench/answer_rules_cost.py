"""What the answer rules cost the largest tool's save and submit, at the database level.

    .venv/bin/python -m bench.answer_rules_cost --database-url URL [--calls 400] [--rounds 3]

On a migrated database: one user saves, then submits, the tool with the most answer rules, its
registry example with a changing page state (so every call writes), in rounds that alternate the
compiled checks with the write path without rules (bench/sql/answer_rules_off.sql, committed
for its round, then the generated definitions put back), the writes of each round in one
transaction, rolled back: no commit waits for the disk. For a benchmark database, not a live
one. Prints p50 and the database backend's CPU per call (from /proc: the database must run on
this machine) per round and mode, and the differences.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path
from typing import Any

import psycopg

from bench.stats import summarize

RULES_OFF = Path(__file__).resolve().parent / "sql" / "answer_rules_off.sql"
WARMUP = 20  # calls before the measured ones: the session compiles the functions, plans them
SWAPPED = (
    "shared.answer_problems(text, jsonb)",
    "shared.require_valid_answers(shared.tools, jsonb)",
)

LARGEST_TOOL = """
with recursive node (slug, rule) as (
    select f.tool_slug, f.rules from shared.tool_fields as f
    union all
    select n.slug, m.value
      from node as n,
           jsonb_array_elements(
               coalesce(n.rule -> 'columns', n.rule -> 'keys', '[]')
               || case when n.rule ? 'items' then jsonb_build_array(n.rule -> 'items') else '[]' end
           ) as m
)
select slug from node group by slug order by count(*) desc, slug limit 1
"""


def backend_cpu_ms(pid: int) -> float:
    """CPU time (user + system) the database backend `pid` has used, from /proc: on a busy
    machine wall-clock latencies wait for the CPU; the CPU a call costs does not."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) * 1000 / os.sysconf("SC_CLK_TCK")


def measure(conn: psycopg.Connection, slug: str, example: dict[str, Any], calls: int) -> dict:
    """`calls` saves, then `calls` submits, each writing (the page state changes)."""
    pid = conn.execute("select pg_backend_pid()").fetchone()[0]
    user = conn.execute(
        "insert into shared.users (lms_user_id, email, full_name)"
        " values ('rules-cost', 'rules-cost@example.com', 'Rules cost') returning id"
    ).fetchone()[0]
    conn.execute(
        "update shared.user_progress set status = 'unlocked' where user_id = %s and tool_slug = %s",
        (user, slug),
    )
    statements = {
        "save": "select (shared.save_draft(%(slug)s, %(user)s, %(data)s::jsonb, %(version)s)"
        " ->> 'version')::integer",
        "submit": "select (shared.submit_tool(%(slug)s, %(user)s, %(version)s, %(data)s::jsonb)"
        " ->> 'version')::integer",
    }
    figures: dict[str, Any] = {}
    version = 0
    for op, sql in statements.items():
        timings = []
        for n in range(-WARMUP, calls):
            if n == 0:
                timings, cpu = [], backend_cpu_ms(pid)
            data = json.dumps({**example, "page_state": {"step": n, "op": op}})
            started = time.perf_counter()
            args = {"slug": slug, "user": user, "data": data, "version": version}
            version = conn.execute(sql, args).fetchone()[0]
            timings.append((time.perf_counter() - started) * 1000)
        figures[op] = summarize(timings, sum(timings) / 1000)
        figures[op]["backend_cpu_ms_per_call"] = round((backend_cpu_ms(pid) - cpu) / calls, 3)
    return figures


CHECK_ALONE = """
do $$
declare
    v_data jsonb := (select t.example from shared.tools as t
                      where t.slug = current_setting('bench.tool'));
    v_problems jsonb;
    v_started timestamptz;
    v_best interval := '1 hour';
begin
    for round in 1..%(rounds)s loop
        v_started := clock_timestamp();
        for i in 1..500 loop
            v_problems := shared.answer_problems(current_setting('bench.tool'), v_data);
        end loop;
        v_best := least(v_best, (clock_timestamp() - v_started) / 500);
    end loop;
    perform set_config('bench.best_us', (extract(epoch from v_best) * 1e6)::text, false);
end;
$$
"""


def check_alone(conn: psycopg.Connection, slug: str, rounds: int) -> float:
    """Microseconds one shared.answer_problems call takes on the example, at the best of
    `rounds` rounds of 500 (the least disturbed by the rest of the machine)."""
    conn.execute("select set_config('bench.tool', %s, false)", (slug,))
    conn.execute(CHECK_ALONE.replace("%(rounds)s", str(rounds)).encode())
    best = float(conn.execute("select current_setting('bench.best_us')").fetchone()[0])
    conn.commit()
    return round(best, 1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--calls", type=int, default=400, help="saves and submits per round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--out", help="write the figures to this JSON file")
    args = parser.parse_args()
    results: list[dict[str, Any]] = []
    with psycopg.connect(args.database_url) as conn:
        slug = conn.execute(LARGEST_TOOL).fetchone()[0]
        example = conn.execute("select example from shared.tools where slug = %s", (slug,))
        example = example.fetchone()[0]
        definitions = [
            conn.execute("select pg_get_functiondef(%s::regprocedure)", (name,)).fetchone()[0]
            for name in SWAPPED
        ]
        conn.commit()
        for round_ in range(1, args.rounds + 1):
            for mode in ("rules", "without rules"):
                if mode == "without rules":  # committed, so plans are cached as usual
                    conn.execute(RULES_OFF.read_text(encoding="utf-8").encode())
                    conn.commit()
                try:
                    figures = measure(conn, slug, example, args.calls)
                finally:
                    conn.rollback()  # the user and the writes go
                    for definition in definitions:
                        conn.execute(definition.encode())
                    conn.commit()
                results.append({"round": round_, "mode": mode, **figures})
                print(
                    f"round {round_} {mode:>13}:"
                    + "".join(
                        f" {op} p50 {figures[op]['p50_ms']:.3f} ms"
                        f" (backend CPU {figures[op]['backend_cpu_ms_per_call']:.3f} ms/call)"
                        for op in ("save", "submit")
                    )
                )
        alone = check_alone(conn, slug, 10)
    for op in ("save", "submit"):
        for figure, unit in (("p50_ms", "ms at p50"), ("backend_cpu_ms_per_call", "ms of CPU")):
            deltas = [
                on[op][figure] - off[op][figure]
                for on, off in zip(results[0::2], results[1::2], strict=True)
            ]
            print(f"{slug} {op}: the rules add {', '.join(f'{d:+.3f}' for d in deltas)} {unit}")
    print(f"{slug}: shared.answer_problems on the example alone, best of 10 rounds: {alone} us")
    if args.out:
        document = {"tool": slug, "check_alone_best_us": alone, "rounds": results}
        Path(args.out).write_text(json.dumps(document, indent=1))


if __name__ == "__main__":
    main()
