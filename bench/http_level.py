"""HTTP level: the service as bin/run serves it, on 127.0.0.1, load from a separate process.

The load generator is wrk (Debian's package) with a Lua script that replays a plan file per
thread; without wrk, a Python generator in separate processes replays the same plans. Reads pick
random users; writes follow `workload.plan_writes` (each user's calls in order, the right
version every time). Tokens are real access tokens signed with the server's JWT secret.
"""

from __future__ import annotations

import http.client
import json
import multiprocessing as mp
import os
import secrets
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.cpu import CpuMeter
from bench.stats import summarize
from bench.workload import WIDE_TOOL, PlannedCall, Population, User, apply, plan_writes
from fasttrack.launcher import server_command

REPO_ROOT = Path(__file__).resolve().parent.parent
ENDPOINTS = {
    "resolve_program_overview": f"GET /api/tools/{WIDE_TOOL}/dependencies",
    "save_draft": "POST /api/tools/{slug}/data",
    "submit": "POST /api/tools/{slug}/submit",
}

LUA = r"""
local threads = {}
local counter = 0
function setup(thread)
  counter = counter + 1
  thread:set("id", counter)
  table.insert(threads, thread)
end

function init(args)
  plan = {}
  for line in io.lines(args[1] .. "/plan_" .. id .. ".txt") do
    local method, path, token, body = line:match("^(%S+)\t(%S+)\t(%S+)\t(.*)$")
    local headers = {["Authorization"] = "Bearer " .. token}
    if body ~= "" then headers["Content-Type"] = "application/json" else body = nil end
    plan[#plan + 1] = wrk.format(method, path, headers, body)
  end
  wrap = args[2] == "wrap"
  pause = tonumber(args[3] or "0")
  sent = 0
end

function request()
  sent = sent + 1
  if sent > #plan then
    if not wrap then sent = #plan + 1; return wrk.format("GET", "/health") end
    return plan[(sent - 1) % #plan + 1]
  end
  return plan[sent]
end

function delay()
  return pause
end

function done(summary, latency, requests)
  local sent = {}
  for i, thread in ipairs(threads) do sent[i] = thread:get("sent") end
  io.write(string.format(
    '{"requests": %d, "duration_us": %d, "connect": %d, "read": %d, "write": %d, ' ..
    '"status": %d, "timeout": %d, "p50": %d, "p95": %d, "p99": %d, "mean": %f, "max": %d, ' ..
    '"sent": [%s]}\n',
    summary.requests, summary.duration, summary.errors.connect, summary.errors.read,
    summary.errors.write, summary.errors.status, summary.errors.timeout,
    latency:percentile(50), latency:percentile(95), latency:percentile(99), latency.mean,
    latency.max, table.concat(sent, ",")))
end
"""


@dataclass
class Service:
    base_url: str
    port: int
    secret: str
    pid: int
    postmaster_pid: int | None = None


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def serving(
    url: str,
    *,
    log_path: Path,
    postmaster_pid: int | None = None,
    extra_args: tuple[str, ...] = (),
    command: Callable[..., list[str]] = server_command,
    code_dir: Path = REPO_ROOT,
) -> Iterator[Service]:
    """The service as bin/run serves it (fasttrack.launcher.server_command: its workers,
    threads and settings), on a free local port; `extra_args` measure a variant, `command`
    another server, `code_dir` another checkout of the code (a before/after pair)."""
    port = free_port()
    secret = secrets.token_urlsafe(48)
    env = {
        **os.environ,
        "FT_ENV": "test",
        "DATABASE_URL": url,
        "JWT_SECRET_KEY": secret,
        "LEARNWORLDS_SSO_SECRET": secrets.token_urlsafe(48),
        "LEARNWORLDS_WEBHOOK_SECRET": secrets.token_urlsafe(48),
        "FRONTEND_URL": "http://127.0.0.1:9/app",
        # The per-user limit (100/min by default) would refuse a load test; set it out of reach.
        # Each request still counts itself (one upsert), as in production.
        "RATE_LIMIT_DEFAULT": "1000000",
        "PYTHONPATH": str(code_dir),
    }
    with open(log_path, "wb") as log:
        process = subprocess.Popen(
            command(f"127.0.0.1:{port}", *extra_args), cwd=code_dir, env=env, stdout=log,
            stderr=log,
        )  # fmt: skip
        try:
            _wait_ready(port, process)
            yield Service(f"http://127.0.0.1:{port}", port, secret, process.pid, postmaster_pid)
        finally:
            process.terminate()
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _wait_ready(port: int, process: subprocess.Popen, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the service exited with status {process.returncode}")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/ready")
            if conn.getresponse().status == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise RuntimeError("the service did not become ready")


def tokens_for(users: list[User], secret: str) -> dict[int, str]:
    """Access tokens as the service issues them (fasttrack.tokens), signed with its secret."""
    from flask import Flask

    from fasttrack.tokens import access_token, init_app

    app = Flask("bench-tokens")
    init_app(app, secret)
    with app.app_context():
        return {
            u.seq: access_token(
                {
                    "id": u.user_id,
                    "role": "user",
                    "organization_id": json.loads(u.claims).get("org_id"),
                },
                json.loads(u.claims).get("sid"),
            )
            for u in users
        }


# --- plans: lines "METHOD<TAB>PATH<TAB>TOKEN<TAB>BODY" -----------------------------------------


def read_plan(population: Population, tokens: dict[int, str], count: int, seed: int) -> list[str]:
    return [
        f"GET\t/api/tools/{WIDE_TOOL}/dependencies\t{tokens[u.seq]}\t"
        for u in population.sample(count, seed=seed)
    ]


def write_line(op: str, call: PlannedCall, token: str) -> str:
    if op == "save_draft":
        return f"POST\t/api/tools/{call.slug}/data\t{token}\t" + json.dumps(
            {"data": call.data, "version": call.version}
        )
    return f"POST\t/api/tools/{call.slug}/submit\t{token}\t" + json.dumps(
        {"version": call.version, "data": call.data}
    )


# --- running ------------------------------------------------------------------------------------


def wrk_path() -> str | None:
    return shutil.which("wrk")


def run_load(
    service: Service,
    plans: list[list[str]],
    *,
    connections: int,
    seconds: float,
    wrap: bool,
    pause_ms: int = 0,
    generator: str = "wrk",
) -> dict[str, Any]:
    """Replay the plans (one per wrk thread / Python process) against the service."""
    if generator == "wrk":
        return _run_wrk(service, plans, connections, seconds, wrap, pause_ms)
    return _run_python(service, plans, seconds, wrap, pause_ms)


def _run_wrk(
    service: Service,
    plans: list[list[str]],
    connections: int,
    seconds: float,
    wrap: bool,
    pause_ms: int,
) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="fasttrack-wrk-") as workdir:
        for i, plan in enumerate(plans, start=1):
            Path(workdir, f"plan_{i}.txt").write_text("\n".join(plan) + "\n", encoding="utf-8")
        script = Path(workdir, "plan.lua")
        script.write_text(LUA, encoding="utf-8")
        command = [
            wrk_path() or "wrk",
            "-t",
            str(len(plans)),
            "-c",
            str(connections),
            "-d",
            f"{max(1, round(seconds))}s",
            "--timeout",
            "10s",
            "-s",
            str(script),
            service.base_url,
            "--",
            workdir,
            "wrap" if wrap else "once",
            str(pause_ms),
        ]
        done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"wrk failed: {done.stderr.strip()}")
    report = json.loads(done.stdout.strip().splitlines()[-1])
    seconds_run = report["duration_us"] / 1e6
    errors = sum(report[k] for k in ("connect", "read", "write", "status", "timeout"))
    return {
        "count": report["requests"],
        "errors": errors,
        "seconds": round(seconds_run, 3),
        "throughput": round(report["requests"] / seconds_run, 1) if seconds_run else 0.0,
        "p50_ms": report["p50"] / 1000,
        "p95_ms": report["p95"] / 1000,
        "p99_ms": report["p99"] / 1000,
        "mean_ms": round(report["mean"] / 1000, 3),
        "max_ms": report["max"] / 1000,
        "error_kinds": {k: report[k] for k in ("connect", "read", "write", "status", "timeout")},
        "sent": [s - 1 if s > len(p) else s for s, p in zip(report["sent"], plans, strict=True)],
        "generator": "wrk",
    }


def _python_client(
    port: int,
    plan: list[str],
    seconds: float,
    wrap: bool,
    pause_ms: int,
    barrier: Any,
    results: Any,
    index: int,
) -> None:
    requests = []
    for line in plan:
        method, path, token, body = line.split("\t", 3)
        headers = {"Authorization": f"Bearer {token}"}
        if body:
            headers["Content-Type"] = "application/json"
        requests.append((method, path, headers, body.encode() or None))
    latencies: list[float] = []
    errors = 0
    sent = 0
    barrier.wait()
    started = time.perf_counter()
    deadline = started + seconds
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    while time.perf_counter() < deadline and (wrap or sent < len(requests)):
        method, path, headers, body = requests[sent % len(requests)]
        sent += 1
        began = time.perf_counter()
        try:
            conn.request(method, path, body=body, headers=headers)
            response = conn.getresponse()
            response.read()
            if response.status >= 400:
                errors += 1
            if response.getheader("Connection", "").lower() == "close":
                conn.close()
        except (OSError, http.client.HTTPException):
            errors += 1
            conn.close()
        latencies.append((time.perf_counter() - began) * 1000)
        if pause_ms:
            time.sleep(pause_ms / 1000)
    wall = time.perf_counter() - started
    results.put((index, latencies, errors, wall, sent))


def _run_python(
    service: Service, plans: list[list[str]], seconds: float, wrap: bool, pause_ms: int
) -> dict[str, Any]:
    context = mp.get_context("fork")
    barrier = context.Barrier(len(plans))
    results = context.Queue()
    processes = [
        context.Process(
            target=_python_client,
            args=(service.port, plan, seconds, wrap, pause_ms, barrier, results, i),
        )
        for i, plan in enumerate(plans)
    ]
    for process in processes:
        process.start()
    collected = sorted(results.get() for _ in processes)
    for process in processes:
        process.join()
    latencies = [x for c in collected for x in c[1]]
    summary = summarize(
        latencies, max(c[3] for c in collected), errors=sum(c[2] for c in collected)
    )
    summary["sent"] = [min(c[4], len(plans[c[0]])) for c in collected]
    summary["generator"] = "python"
    return summary


def measure(
    service: Service,
    population: Population,
    tokens: dict[int, str],
    op: str,
    *,
    connections: int,
    seconds: float,
    expected_rate: float,
    generator: str,
    pause_ms: int = 0,
) -> dict[str, Any]:
    """One endpoint at one concurrency; writes move the population by the calls made."""
    groups = 1 if generator == "wrk" else connections
    meter = CpuMeter(service.pid, service.postmaster_pid)
    if op == "resolve_program_overview":
        plans = [
            read_plan(population, tokens, 5000 // groups + 1, seed=100 + i) for i in range(groups)
        ]
        meter.begin()
        result = run_load(
            service, plans, connections=connections, seconds=seconds, wrap=True, generator=generator
        )
    else:
        per_group = max(connections + 2, int(expected_rate * seconds * 1.5 / groups))
        calls = [g for g in plan_writes(population, op, groups, per_group) if g]
        if not calls:
            raise RuntimeError(f"no user has anything left to {op}: seed more users")
        plans = [[write_line(op, c, tokens[c.seq]) for c in group] for group in calls]
        bodies = [len(line.split("\t", 3)[3]) for plan in plans for line in plan]
        meter.begin()
        result = run_load(
            service,
            plans,
            connections=connections,
            seconds=seconds,
            wrap=False,
            pause_ms=pause_ms,
            generator=generator,
        )
        in_flight = connections if generator == "wrk" else 0
        made, uncertain = [], []
        for group, sent in zip(calls, result["sent"], strict=True):
            made += group[: max(0, sent - in_flight)]
            uncertain += group[max(0, sent - in_flight) : sent]
        apply(population, made, uncertain)
        if any(sent >= len(group) for group, sent in zip(calls, result["sent"], strict=True)):
            result["plan_exhausted"] = True  # the load ran out of planned calls before the end
        result["body_bytes"] = round(sum(bodies) / len(bodies))
        result["tools"] = len({c.slug for group in calls for c in group})
    result["cpu_ms_per_request"] = meter.end(result["count"])
    result.pop("sent", None)
    result.update(op=op, clients=connections, endpoint=ENDPOINTS[op])
    return result


def run(
    url: str,
    population: Population,
    *,
    seconds: float,
    autosave_seconds: float,
    autosave_rate: int,
    generator: str,
    expected: dict[str, float],
    log_path: Path,
    connections_list: tuple[int, ...] = (1, 8),
    postmaster_pid: int | None = None,
    server_args: tuple[str, ...] = (),
    progress: Callable[[str], None] = print,
) -> list[dict[str, Any]]:
    results = []
    with serving(
        url, log_path=log_path, postmaster_pid=postmaster_pid, extra_args=server_args
    ) as service:
        tokens = tokens_for(population.users, service.secret)
        for op in ENDPOINTS:
            for connections in connections_list:
                rate = expected.get(op, 200.0) * (1 if connections == 1 else 2)
                result = measure(
                    service,
                    population,
                    tokens,
                    op,
                    connections=connections,
                    seconds=seconds,
                    expected_rate=rate,
                    generator=generator,
                )
                progress(
                    f"  http {op:<26} {connections} conn: p50 {result['p50_ms']:.3f} ms, "
                    f"{result['throughput']:.0f}/s, {result['errors']} errors"
                )
                results.append(result)
        if generator == "wrk":  # tool pages: their own WOOP draft, version and connection each
            from bench import autosave

            users = min(autosave.PAGES, len(autosave.woop_users(population)))
            pause_ms = max(0, round(1000 * users / max(autosave_rate, 1)) - 2)
            result = autosave.measure(
                service, population, tokens, users=users, seconds=autosave_seconds,
                pause_ms=pause_ms,
            )  # fmt: skip
            result.update(op="autosave_sustained", target_rate=autosave_rate)
            progress(
                f"  http autosave sustained {autosave_seconds:.0f}s at ~{autosave_rate}/s "
                f"({users} pages): {result['throughput']:.0f}/s, p99 {result['p99_ms']:.1f} ms, "
                f"{result['errors']} errors"
            )
            results.append(result)
            return results
        # the Python generator: many users, each saving its own draft every few seconds
        connections = 8
        pause_ms = max(0, round(1000 * connections / max(autosave_rate, 1)) - 2)
        result = measure(
            service,
            population,
            tokens,
            "save_draft",
            connections=connections,
            seconds=autosave_seconds,
            expected_rate=autosave_rate * 1.2,
            generator=generator,
            pause_ms=pause_ms,
        )
        result.update(op="autosave_sustained", target_rate=autosave_rate, pause_ms=pause_ms)
        progress(
            f"  http autosave sustained {autosave_seconds:.0f}s at ~{autosave_rate}/s: "
            f"{result['throughput']:.0f}/s, p99 {result['p99_ms']:.1f} ms, "
            f"{result['errors']} errors"
        )
        results.append(result)
    return results
