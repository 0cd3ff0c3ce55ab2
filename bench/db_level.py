"""Database level: psycopg clients, one connection and one process each, calling the functions.

The api functions (save, submit, resolve) are called exactly as the web layer calls them (one
transaction: claims, context, `set local role`, the call); check_unlock_status and
progress_summary_for, which no endpoint calls alone, are called directly as one statement.
Every client runs a few untimed calls first (connection, caches, prepared statements), waits at
a barrier, then calls for a fixed time. Timings are wall-clock per call, commit included.
"""

from __future__ import annotations

import multiprocessing as mp
import time
from collections.abc import Callable
from typing import Any

import psycopg

from bench.stats import summarize
from bench.workload import NARROW_TOOL, WIDE_TOOL, Population, User, api_call

READS = {
    "resolve_program_overview": f"api.resolve_dependencies('{WIDE_TOOL}'): 30 source tools",
    "resolve_one_source": f"api.resolve_dependencies('{NARROW_TOOL}'): one source tool",
    "check_unlock_status": f"shared.check_unlock_status('{WIDE_TOOL}', user): 30 requirements",
    "progress_summary": "shared.progress_summary_for(user)",
}
WRITES = {
    "save_draft": "api.save_draft(slug, data, version): autosave of the user's current tool",
    "submit": "api.submit_tool(slug, version, data): extraction, completion and unlocks",
}
OPERATIONS = {**READS, **WRITES}
# How the resolve call's cost splits: the function alone (one statement), and with the
# per-user rate limit counting the call.
VARIANTS = {
    "resolve_direct": f"select shared.resolve_dependencies('{WIDE_TOOL}', user)",
    "resolve_rate_limited": "api.resolve_dependencies with a rate limit in request.context",
}


def call_once(conn: psycopg.Connection, population: Population, op: str, user: User) -> None:
    """Make one call of `op` for `user` (and move the user on, for writes)."""
    if op == "resolve_program_overview":
        api_call(conn, "resolve_dependencies", user.claims, p_slug=WIDE_TOOL)
    elif op == "resolve_one_source":
        api_call(conn, "resolve_dependencies", user.claims, p_slug=NARROW_TOOL)
    elif op == "resolve_rate_limited":
        api_call(
            conn,
            "resolve_dependencies",
            user.claims,
            p_slug=WIDE_TOOL,
            context='{"limits": {"default": 1000000}}',
        )
    elif op == "resolve_direct":
        conn.execute("select shared.resolve_dependencies(%s, %s)", (WIDE_TOOL, user.user_id))
    elif op == "check_unlock_status":
        conn.execute("select shared.check_unlock_status(%s, %s)", (WIDE_TOOL, user.user_id))
    elif op == "progress_summary":
        conn.execute("select shared.progress_summary_for(%s)", (user.user_id,))
    elif op == "save_draft":
        slug, data, version = population.save_call(user)
        result = api_call(
            conn, "save_draft", user.claims, p_slug=slug, p_data=data, p_version=version
        )
        population.saved(user, result["version"])
    elif op == "submit":
        slug, data, version = population.submit_call(user)
        api_call(conn, "submit_tool", user.claims, p_slug=slug, p_version=version, p_data=data)
        population.submitted(user)
    elif op.startswith("app_"):
        from bench import app_side

        app_side.call_once(conn, population, op, user)
    else:
        raise ValueError(f"unknown operation {op}")


def is_write(op: str) -> bool:
    return op in WRITES or op == "app_submit"


def _client(
    url: str,
    op: str,
    population: Population,
    seconds: float,
    warmup: int,
    barrier: Any,
    results: Any,
    index: int,
) -> None:
    latencies: list[float] = []
    errors: list[str] = []
    users = population.users
    position = 0
    done_stage = len(population.tools)

    def next_user() -> User | None:
        nonlocal position
        for _ in range(len(users)):
            user = users[position % len(users)]
            position += 1
            if not is_write(op) or (user.stage < done_stage and user.seq not in population.retired):
                return user
        return None

    def one() -> float | None:
        user = next_user()
        if user is None:
            return None
        started = time.perf_counter()
        try:
            call_once(conn, population, op, user)
        except psycopg.Error as error:
            errors.append(f"{type(error).__name__}: {error}".splitlines()[0])
            population.retired.add(user.seq)  # its state is no longer known
            return 0.0
        return (time.perf_counter() - started) * 1000

    with psycopg.connect(url, autocommit=True) as conn:
        for _ in range(warmup):
            if one() is None:
                break
        barrier.wait()
        started = time.perf_counter()
        deadline = started + seconds
        while time.perf_counter() < deadline:
            elapsed = one()
            if elapsed is None:
                break
            if elapsed:
                latencies.append(elapsed)
        wall = time.perf_counter() - started
    results.put((index, latencies, errors, wall, users, population.retired))


def measure(
    url: str,
    population: Population,
    op: str,
    clients: int,
    seconds: float,
    *,
    warmup: int = 10,
    groups: list[list[User]] | None = None,
    sample_size: int = 20000,
) -> dict[str, Any]:
    """Run `op` from `clients` processes for `seconds`; return percentiles and throughput.

    Reads use random users; writes use `groups` (one disjoint group per client) or
    population.writers(clients), and the population takes back the users' new state."""
    if groups is None:
        groups = (
            population.writers(clients)
            if is_write(op)
            else [population.sample(sample_size // clients + 1, seed=i) for i in range(clients)]
        )
    context = mp.get_context("fork")
    barrier = context.Barrier(clients)
    results = context.Queue()
    processes = [
        context.Process(
            target=_client,
            args=(
                url,
                op,
                Population(groups[i], population.tools, set(population.retired)),
                seconds,
                warmup,
                barrier,
                results,
                i,
            ),
        )
        for i in range(clients)
    ]
    for process in processes:
        process.start()
    collected = [results.get() for _ in processes]
    for process in processes:
        process.join()
    latencies: list[float] = []
    errors: list[str] = []
    wall = 0.0
    for _, client_latencies, client_errors, client_wall, users, retired in collected:
        latencies += client_latencies
        errors += client_errors
        wall = max(wall, client_wall)
        if is_write(op):
            population.update(users)
            population.retired |= retired
    summary = summarize(latencies, wall, errors=len(errors))
    summary.update(op=op, clients=clients)
    if errors:
        summary["first_error"] = errors[0]
    return summary


def run(
    url: str,
    population: Population,
    *,
    clients: tuple[int, ...],
    seconds: float,
    warmup: int,
    progress: Callable[[str], None] = print,
) -> list[dict[str, Any]]:
    """Every operation at every client count; reads first, writes after (they move users on)."""
    measured = []
    for op in (*READS, *WRITES):
        for count in clients:
            result = measure(url, population, op, count, seconds, warmup=warmup)
            progress(
                f"  db  {op:<26} {count} client(s): p50 {result['p50_ms']:.3f} ms, "
                f"{result['throughput']:.0f}/s"
                + (f", {result['errors']} errors" if result["errors"] else "")
            )
            measured.append(result)
    return measured
