"""The ceiling: pgbench (C, no Python) making the same calls, the best this database can do here.

Each script is one transaction exactly like the web layer's (fasttrack.db.call_api: claims,
context and role in one statement, then the api call, sent together in pipeline mode) plus one
primary-key read of its parameters from a prepared table: reads draw `\\set seq random(1, n)`
from bench.users, writes replay the per-client plans in bench.queue (client `:client_id` runs
its rows i = 1, 2, ... in order), so every save names the right version and every submit the
user's next tool. `-M prepared`, one pgbench thread per core.
"""

from __future__ import annotations

import glob
import os
import re
import subprocess
import tempfile
from pathlib import Path
from typing import Any

import psycopg

from bench.server import libpq_env
from bench.stats import summarize
from bench.workload import NARROW_TOOL, WIDE_TOOL, PlannedCall, Population, apply, plan_writes

API_PREAMBLE = """\
\\startpipeline
SELECT set_config('request.jwt.claims', :claims, true), set_config('request.context', '{}', true),
 set_config('role', 'fasttrack_api', true);
"""
API_END = "\n\\endpipeline\n"  # the Sync: ends the implicit transaction and the settings

READ_SCRIPTS = {
    "resolve_program_overview": f"SELECT api.resolve_dependencies('{WIDE_TOOL}');",
    "resolve_one_source": f"SELECT api.resolve_dependencies('{NARROW_TOOL}');",
    "check_unlock_status": f"SELECT shared.check_unlock_status('{WIDE_TOOL}', :user_id::uuid);",
    "progress_summary": "SELECT shared.progress_summary_for(:user_id::uuid);",
}
WRITE_CALLS = {
    "save_draft": "SELECT api.save_draft(:slug, :data::jsonb, :version::integer);",
    "submit": "SELECT api.submit_tool(:slug, :version::integer, :data::jsonb);",
}


def read_script(op: str, n_users: int) -> str:
    pick = (
        f"\\set seq random(1, {n_users})\n"
        "SELECT claims, user_id FROM bench.users WHERE seq = :seq \\gset\n"
    )
    if op.startswith("resolve"):
        return pick + API_PREAMBLE + READ_SCRIPTS[op] + API_END
    return pick + READ_SCRIPTS[op] + "\n"  # shared.* reads: one statement, as db_level calls them


def write_script(op: str) -> str:
    return (
        "\\set i :i + 1\n"
        f"SELECT claims, slug, version, data FROM bench.queue"
        f" WHERE workload = '{op}' AND client = :client_id AND i = :i \\gset\n"
        + API_PREAMBLE
        + WRITE_CALLS[op]
        + API_END
    )


def queue_writes(
    conn: psycopg.Connection, population: Population, op: str, clients: int, per_client: int
) -> list[list[PlannedCall]]:
    """Put each client's planned calls in bench.queue (client c runs rows i = 1, 2, ...)."""
    plans = plan_writes(population, op, clients, per_client)
    with conn.cursor() as cur:
        cur.execute("delete from bench.queue where workload = %s", (op,))
        with cur.copy("copy bench.queue from stdin") as copy:
            for client, calls in enumerate(plans):
                for i, call in enumerate(calls, start=1):
                    copy.write_row(
                        (op, client, i, call.claims, call.slug, call.version, _json(call.data))
                    )
    conn.commit()
    return plans


def _json(data: Any) -> str:
    import json

    return json.dumps(data)


def run_pgbench(
    pgbench: Path,
    url: str,
    script: str,
    *,
    clients: int,
    seconds: float | None = None,
    transactions: int | None = None,
    variables: dict[str, str] | None = None,
) -> dict[str, Any]:
    """Run one pgbench script; return percentiles (from the per-transaction log) and tps."""
    with tempfile.TemporaryDirectory(prefix="fasttrack-pgbench-") as workdir:
        script_path = Path(workdir) / "script.sql"
        script_path.write_text(script, encoding="utf-8")
        command = [
            str(pgbench),
            "-n",
            "-M",
            "prepared",
            "-f",
            str(script_path),
            "-c",
            str(clients),
            "-j",
            str(min(clients, os.cpu_count() or 1)),
            "-l",
            "--log-prefix",
            str(Path(workdir) / "log"),
        ]
        command += (
            ["-T", str(max(1, round(seconds or 1)))]
            if transactions is None
            else ["-t", str(transactions)]
        )
        for name, value in (variables or {}).items():
            command += ["-D", f"{name}={value}"]
        done = subprocess.run(
            command,
            capture_output=True,
            text=True,
            env={**os.environ, **libpq_env(url)},
            check=False,
        )
        if done.returncode != 0:
            raise RuntimeError(f"pgbench failed ({done.returncode}): {done.stderr.strip()[-2000:]}")
        latencies: list[float] = []
        for path in glob.glob(str(Path(workdir) / "log*")):
            with open(path, encoding="utf-8") as log:
                for line in log:
                    fields = line.split()
                    if len(fields) >= 3:
                        latencies.append(int(fields[2]) / 1000)  # microseconds -> ms
    tps = _number(r"tps = ([\d.]+) \(without initial connection time\)", done.stdout)
    failed = _number(r"number of failed transactions: (\d+)", done.stdout) or 0
    seconds_run = len(latencies) / tps if tps else 0.0
    summary = summarize(latencies, seconds_run, errors=int(failed))
    summary["throughput"] = round(tps, 1)
    return summary


def _number(pattern: str, text: str) -> float:
    match = re.search(pattern, text)
    return float(match.group(1)) if match else 0.0


def measure(
    pgbench: Path,
    url: str,
    conn: psycopg.Connection,
    population: Population,
    op: str,
    *,
    clients: int,
    seconds: float,
    expected_rate: float,
) -> dict[str, Any]:
    if op in READ_SCRIPTS:
        result = run_pgbench(
            pgbench, url, read_script(op, len(population.users)), clients=clients, seconds=seconds
        )
    else:
        per_client = max(5, int(expected_rate * seconds / clients))
        plans = queue_writes(conn, population, op, clients, per_client)
        result = run_pgbench(
            pgbench,
            url,
            write_script(op),
            clients=len(plans),
            transactions=min(len(p) for p in plans),
            variables={"i": "0"},
        )
        apply(population, [c for p in plans for c in p])
        population.store(conn)
    result.update(op=op, clients=clients, tool="pgbench")
    return result


def run(
    pgbench: Path,
    url: str,
    population: Population,
    *,
    clients: int,
    seconds: float,
    expected: dict[str, float],
    progress: Any = print,
) -> list[dict[str, Any]]:
    results = []
    with psycopg.connect(url) as conn:
        for op in (*READ_SCRIPTS, *WRITE_CALLS):
            result = measure(
                pgbench,
                url,
                conn,
                population,
                op,
                clients=clients,
                seconds=seconds,
                expected_rate=expected.get(op, 200.0),
            )
            progress(
                f"  pgbench {op:<26} {clients} clients: p50 {result['p50_ms']:.3f} ms, "
                f"{result['throughput']:.0f}/s"
            )
            results.append(result)
    return results
