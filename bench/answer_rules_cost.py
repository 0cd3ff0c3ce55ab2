"""What the answer rules cost the largest tool's save and submit, at the database level.

    .venv/bin/python -m bench.answer_rules_cost --database-url URL [--calls 400] [--rounds 3]

On a migrated database (the benchmark's, kept with `python -m bench --keep`, or any other): one
user saves and submits the tool with the most answer rules, its registry example with a changing
page state (so every call writes), in rounds that alternate the compiled checks with the write
path without rules (bench/sql/answer_rules_off.sql), in one transaction per round that is rolled
back: nothing stays. Prints p50 per round and mode, and the differences.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path
from typing import Any

import psycopg

from bench.stats import summarize

RULES_OFF = Path(__file__).resolve().parent / "sql" / "answer_rules_off.sql"

LARGEST_TOOL = """
with recursive node (slug, rule) as (
    select f.tool_slug, f.rules from shared.tool_fields as f
    union all
    select n.slug, m.value
      from node as n,
           jsonb_array_elements(coalesce(n.rule -> 'columns', n.rule -> 'keys', '[]')
                                || case when n.rule ? 'items' then jsonb_build_array(n.rule -> 'items')
                                        else '[]' end) as m
)
select slug from node group by slug order by count(*) desc, slug limit 1
"""


def measure(conn: psycopg.Connection, slug: str, example: dict[str, Any], calls: int) -> dict:
    user = conn.execute(
        "insert into shared.users (lms_user_id, email, full_name)"
        " values ('rules-cost', 'rules-cost@example.com', 'Rules cost') returning id"
    ).fetchone()[0]
    conn.execute(
        "update shared.user_progress set status = 'unlocked' where user_id = %s and tool_slug = %s",
        (user, slug),
    )
    timings: dict[str, list[float]] = {"save": [], "submit": []}
    version = 0
    for n in range(calls):
        for op, function in (("save", "save_draft"), ("submit", "submit_tool")):
            data = {**example, "page_state": {"step": n, "op": op}}
            args = (slug, user, json.dumps(data), version)
            sql = (
                "select (shared.save_draft(%s, %s, %s::jsonb, %s) ->> 'version')::integer"
                if function == "save_draft"
                else "select (shared.submit_tool(%s, %s, %s, %s::jsonb) ->> 'version')::integer"
            )
            if function == "submit_tool":
                args = (slug, user, version, json.dumps(data))
            started = time.perf_counter()
            version = conn.execute(sql, args).fetchone()[0]
            timings[op].append((time.perf_counter() - started) * 1000)
    return {op: summarize(values, sum(values) / 1000) for op, values in timings.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--calls", type=int, default=400, help="saves and submits per round")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    results: list[dict[str, Any]] = []
    with psycopg.connect(args.database_url) as conn:
        slug = conn.execute(LARGEST_TOOL).fetchone()[0]
        example = conn.execute("select example from shared.tools where slug = %s", (slug,))
        example = example.fetchone()[0]
        for round_ in range(1, args.rounds + 1):
            for mode in ("rules", "without rules"):
                if mode == "without rules":
                    conn.execute(RULES_OFF.read_text(encoding="utf-8").encode())
                figures = measure(conn, slug, example, args.calls)
                conn.rollback()  # the users, the writes and the replaced functions go
                results.append({"round": round_, "mode": mode, **figures})
                print(
                    f"round {round_} {mode:>13}: save p50 {figures['save']['p50_ms']:.3f} ms,"
                    f" submit p50 {figures['submit']['p50_ms']:.3f} ms"
                )
    for op in ("save", "submit"):
        deltas = [
            on[op]["p50_ms"] - off[op]["p50_ms"]
            for on, off in zip(results[0::2], results[1::2], strict=True)
        ]
        print(f"{slug} {op}: the rules add {', '.join(f'{d:+.3f}' for d in deltas)} ms at p50")


if __name__ == "__main__":
    main()
