"""`python -m bench.serving`: two or more ways of serving the app, measured interleaved.

Each round starts every variant in turn on the same seeded database and measures GET
dependencies (1 and 8 connections), POST data (8 connections, planned saves) and the tool
pages' autosave (bench/autosave.py); the rounds alternate the order of the variants, so drift
on a shared machine falls on all of them alike. A variant is NAME=KIND[@DIR]: KIND `current`
serves as bin/run does (fasttrack.launcher.server_command), `gunicorn` as bin/run did before
granian (`gunicorn -c python:fasttrack.gunicorn_conf`); DIR is a checkout of the code to run
(`git archive <commit> | tar -x -C DIR`), by default this one.

    python -m bench.serving --users 2000 --rounds 3 \\
        --variant before=gunicorn@/tmp/fasttrack-before --variant granian=current
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import psycopg

from bench import autosave, cpu, http_level
from bench.__main__ import prepare
from bench.server import throwaway_cluster
from bench.workload import Population
from fasttrack.launcher import server_command

RESULTS = Path(__file__).resolve().parent / "results"


def gunicorn_command(bind: str, *extra: str) -> list[str]:
    """How fasttrack.launcher served the app before granian (a checkout that still has
    fasttrack/gunicorn_conf.py)."""
    return [
        sys.executable, "-m", "gunicorn", "app:create_app()", "--bind", bind,
        "--config", "python:fasttrack.gunicorn_conf", *extra,
    ]  # fmt: skip


COMMANDS = {"current": server_command, "gunicorn": gunicorn_command}


def parse_variant(text: str) -> tuple[str, str, Path]:
    name, _, spec = text.partition("=")
    kind, _, directory = spec.partition("@")
    if kind not in COMMANDS or not name:
        raise argparse.ArgumentTypeError(f"NAME=current|gunicorn[@DIR], not {text!r}")
    return name, kind, Path(directory).resolve() if directory else http_level.REPO_ROOT


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.serving", description=__doc__)
    parser.add_argument("--users", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=8.0, help="each measurement (8)")
    parser.add_argument("--pages", type=int, default=8, help="autosaving users (8)")
    parser.add_argument("--variant", type=parse_variant, action="append", required=True)
    parser.add_argument(
        "--env",
        action="append",
        default=[],
        help="NAME:VAR=VALUE, a setting for one variant's service (repeatable)",
    )
    parser.add_argument(
        "--profile",
        type=Path,
        help="directory for py-spy's samples of each variant's autosave in the first round "
        "(collapsed stacks; py-spy on PATH)",
    )
    parser.add_argument(
        "--shapes",
        action="store_true",
        help="instead: the autosave as the benchmark measured it before (64 connections over "
        "all users' current tools, planned versions, paced for 1,000/s; and 8 of them unpaced) "
        "next to tool pages (8 unpaced, 64 paced for 1,000/s)",
    )
    parser.add_argument("--out", type=Path)
    return parser.parse_args(argv)


def variant_env(name: str, args: argparse.Namespace) -> dict[str, str]:
    pairs = [spec.partition(":")[2] for spec in args.env if spec.partition(":")[0] == name]
    return dict(pair.split("=", 1) for pair in pairs)


def measure_variant(
    url: str, population: Population, name: str, kind: str, code_dir: Path,
    args: argparse.Namespace, postmaster: int | None, profile: Path | None,
) -> list[dict[str, Any]]:  # fmt: skip
    log = Path("/tmp") / f"fasttrack-serving-{os.getpid()}.log"
    rows = []
    os.environ.update(variant_env(name, args))
    try:
        with http_level.serving(
            url, log_path=log, postmaster_pid=postmaster, command=COMMANDS[kind],
            code_dir=code_dir,
        ) as service:  # fmt: skip
            rows = _measure(service, population, args, profile)
    finally:
        for variable in variant_env(name, args):
            os.environ.pop(variable, None)
    log.unlink(missing_ok=True)
    return rows


def _measure(
    service: http_level.Service, population: Population, args: argparse.Namespace,
    profile: Path | None,
) -> list[dict[str, Any]]:  # fmt: skip
    rows = []
    tokens = http_level.tokens_for(population.users, service.secret)
    if args.shapes:
        return _shapes(service, population, tokens, args)
    for op, connections in (
        ("resolve_program_overview", 1),
        ("resolve_program_overview", 8),
        ("save_draft", 8),
    ):
        load = os.getloadavg()[0]
        row = http_level.measure(
            service, population, tokens, op, connections=connections,
            seconds=args.seconds, expected_rate=1500, generator="wrk",
        )  # fmt: skip
        rows.append({**row, "load_before": load})
    load = os.getloadavg()[0]
    sampler = None
    if profile is not None:
        sampler = subprocess.Popen(
            [shutil.which("py-spy") or "py-spy", "record", "--pid", str(service.pid),
             "--subprocesses", "--nonblocking", "--format", "raw", "--rate", "200",
             "--duration", str(max(1, round(args.seconds))), "--output", str(profile)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
    row = autosave.measure(service, population, tokens, users=args.pages, seconds=args.seconds)
    if sampler is not None:
        sampler.wait(timeout=60)
    rows.append({**row, "load_before": load})
    return rows


def _shapes(
    service: http_level.Service, population: Population, tokens: dict[int, str],
    args: argparse.Namespace,
) -> list[dict[str, Any]]:  # fmt: skip
    rows = []
    for connections, pause_ms in ((64, 62), (8, 0)):
        load = os.getloadavg()[0]
        row = http_level.measure(
            service, population, tokens, "save_draft", connections=connections,
            seconds=args.seconds, expected_rate=1200, generator="wrk", pause_ms=pause_ms,
        )  # fmt: skip
        rows.append({**row, "op": f"planned_saves_pause_{pause_ms}", "load_before": load})
    for users, pause_ms in ((64, 62), (8, 0)):
        load = os.getloadavg()[0]
        row = autosave.measure(
            service, population, tokens, users=users, seconds=args.seconds, pause_ms=pause_ms
        )
        rows.append({**row, "op": f"autosave_pages_pause_{pause_ms}", "load_before": load})
    return rows


def summary(runs: list[dict[str, Any]]) -> str:
    """Median and range over the rounds, per variant and measurement."""
    lines = [
        "| measurement | variant | req/s | p50 ms | p99 ms | service CPU ms/req | "
        "PostgreSQL CPU ms/req | load |",
        "|---|---|---|---|---|---|---|---|",
    ]
    keys: dict[tuple[str, int], None] = {}
    for run in runs:
        keys.setdefault((run["op"], run["clients"]), None)
    for op, clients in keys:
        for variant in dict.fromkeys(r["variant"] for r in runs):
            rows = [
                r for r in runs if (r["op"], r["clients"], r["variant"]) == (op, clients, variant)
            ]

            def spread(values: list[float], digits: int) -> str:
                return (
                    f"{statistics.median(values):.{digits}f} "
                    f"({min(values):.{digits}f} to {max(values):.{digits}f})"
                )

            cpu_service = [r["cpu_ms_per_request"]["service"] or 0 for r in rows]
            cpu_pg = [r["cpu_ms_per_request"]["postgres"] or 0 for r in rows]
            rates, p50s, p99s = ([r[k] for r in rows] for k in ("throughput", "p50_ms", "p99_ms"))
            lines.append(
                f"| {op} {clients} conn | {variant} | {spread(rates, 0)}"
                f" | {spread(p50s, 2)} | {spread(p99s, 1)}"
                f" | {spread(cpu_service, 3)} | {spread(cpu_pg, 3)}"
                f" | {spread([r['load_before'] for r in rows], 1)} |"
            )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    started = time.strftime("%Y-%m-%dT%H:%M:%S%z")
    runs: list[dict[str, Any]] = []
    seed_args = argparse.Namespace(apply_sql=[], quiet=True)
    with throwaway_cluster() as cluster:
        url, _ = prepare(cluster, "bench_serving", args.users, seed_args, lambda m: None)
        with psycopg.connect(url) as conn:
            population = Population.load(conn)
        postmaster = cpu.postmaster_pid(cluster.pgdata)
        for round_number in range(args.rounds):
            order = args.variant if round_number % 2 == 0 else list(reversed(args.variant))
            for name, kind, code_dir in order:
                print(f"round {round_number + 1}: {name}", file=sys.stderr, flush=True)
                profile = (
                    args.profile / f"{name}.txt" if args.profile and round_number == 0 else None
                )
                measured = measure_variant(
                    url, population, name, kind, code_dir, args, postmaster, profile
                )
                for row in measured:
                    runs.append({**row, "variant": name, "round": round_number + 1})
    table = summary(runs)
    print(table)
    out = args.out or RESULTS / f"{time.strftime('%Y-%m-%d')}-serving-{args.users}.json"
    result = {
        "started_at": started,
        "users": args.users,
        "variants": [[n, k, str(d)] for n, k, d in args.variant],
        "load_average_end": os.getloadavg(),
        "runs": runs,
    }
    out.write_text(json.dumps(result, indent=1, default=str) + "\n", encoding="utf-8")
    print(f"\nwritten: {out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
