"""The autosave as a tool page makes it: each user has its own WOOP draft and one connection,
sends the version it last saw with the registry's example answers (one field edited each time,
as a page saves only what changed) and reads the new version from the answer.

wrk runs one thread per user (`-t N -c N`), so a thread's Lua state is that user's page: its
token, its version, its count of edits. Each page saves again `pause_ms` after its answer
arrived (0: at once, the most one user can send); `users` and the pause set the offered load.
"""

from __future__ import annotations

import json
import subprocess
import tempfile
from pathlib import Path
from typing import Any

from bench.cpu import CpuMeter
from bench.http_level import Service, wrk_path
from bench.workload import Population, User

TOOL = "woop"
REGISTRY = Path(__file__).resolve().parent.parent / "config" / "tool-registry.json"
EDITED_FIELD = "plan"  # the field each autosave changes (its text grows by one edit mark)
EDIT_MARK = "@EDIT@"
PAGES = 64  # pages autosaving at once in `python -m bench` (fewer when fewer users are on WOOP)

LUA = r"""
local threads = {}
local counter = 0
function setup(thread)
  counter = counter + 1
  thread:set("id", counter)
  table.insert(threads, thread)
end

function init(args)
  local line = io.open(args[1] .. "/user_" .. id .. ".txt"):read("*l")
  local token, start, before, after = line:match("^(%S+)\t(%d+)\t(.-)\t(.*)$")
  headers = {["Authorization"] = "Bearer " .. token, ["Content-Type"] = "application/json"}
  version = tonumber(start)
  first = version
  prefix, suffix = before, after
  edits = 0
  refused = 0
  pause = tonumber(args[2] or "0")
end

function delay()
  return pause
end

function request()
  edits = edits + 1
  local body = '{"version": ' .. version .. ', "data": ' .. prefix .. edits .. suffix .. '}'
  return wrk.format("POST", "/api/tools/woop/data", headers, body)
end

function response(status, headers, body)
  if status == 200 then
    local seen = body:match('"version":%s*(%d+)')
    if seen then version = tonumber(seen) end
  else
    refused = refused + 1
  end
end

function done(summary, latency, requests)
  local users = {}
  for i, thread in ipairs(threads) do
    users[i] = string.format('{"first": %d, "last": %d, "refused": %d}',
      thread:get("first"), thread:get("version"), thread:get("refused"))
  end
  io.write(string.format(
    '{"requests": %d, "duration_us": %d, "connect": %d, "read": %d, "write": %d, ' ..
    '"status": %d, "timeout": %d, "p50": %d, "p95": %d, "p99": %d, "mean": %f, "max": %d, ' ..
    '"users": [%s]}\n',
    summary.requests, summary.duration, summary.errors.connect, summary.errors.read,
    summary.errors.write, summary.errors.status, summary.errors.timeout,
    latency:percentile(50), latency:percentile(95), latency:percentile(99), latency.mean,
    latency.max, table.concat(users, ",")))
end
"""


def example_answers() -> dict[str, Any]:
    """What the registry shows as a filled-in WOOP (about 500 bytes of answers)."""
    tools = json.loads(REGISTRY.read_text(encoding="utf-8"))["tools"]
    return next(tool["example"] for tool in tools if tool["slug"] == TOOL)


def woop_users(population: Population) -> list[User]:
    """Users whose current tool is WOOP (stage 0), not yet used by another phase."""
    return [u for u in population.users if u.stage == 0 and u.seq not in population.retired]


def page_users(population: Population, count: int) -> list[User]:
    found = woop_users(population)
    if len(found) < count:
        raise RuntimeError(f"only {len(found)} users are on {TOOL}: seed more users")
    return found[:count]


def _user_line(user: User, token: str, seq: int) -> str:
    data = example_answers()
    data[EDITED_FIELD] = f"{data[EDITED_FIELD]} (user {seq}, edit {EDIT_MARK})"
    before, after = json.dumps(data).split(EDIT_MARK)
    return f"{token}\t{user.version}\t{before}\t{after}"


def measure(
    service: Service,
    population: Population,
    tokens: dict[int, str],
    *,
    users: int,
    seconds: float,
    pause_ms: int = 0,
) -> dict[str, Any]:
    """`users` pages autosaving for `seconds`, each `pause_ms` after its last answer; the users
    are retired afterwards (a save in flight when wrk stopped may have moved a version the page
    never read)."""
    chosen = page_users(population, users)
    meter = CpuMeter(service.pid, service.postmaster_pid)
    body_bytes = 0
    with tempfile.TemporaryDirectory(prefix="fasttrack-autosave-") as workdir:
        for i, user in enumerate(chosen, start=1):
            line = _user_line(user, tokens[user.seq], user.seq)
            body_bytes += len(line.split("\t", 2)[2]) + len('{"version": 1, "data": 1}') - 1
            Path(workdir, f"user_{i}.txt").write_text(line + "\n", encoding="utf-8")
        script = Path(workdir, "autosave.lua")
        script.write_text(LUA, encoding="utf-8")
        command = [
            wrk_path() or "wrk", "-t", str(users), "-c", str(users),
            "-d", f"{max(1, round(seconds))}s", "--timeout", "10s",
            "-s", str(script), service.base_url, "--", workdir, str(pause_ms),
        ]  # fmt: skip
        meter.begin()
        done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"wrk failed: {done.stderr.strip()}")
    report = json.loads(done.stdout.strip().splitlines()[-1])
    population.retired.update(u.seq for u in chosen)
    seconds_run = report["duration_us"] / 1e6
    kinds = {k: report[k] for k in ("connect", "read", "write", "status", "timeout")}
    return {
        "op": "autosave_pages",
        "endpoint": f"POST /api/tools/{TOOL}/data",
        "clients": users,
        "pause_ms": pause_ms,
        "count": report["requests"],
        "errors": sum(kinds.values()),
        "error_kinds": kinds,
        "seconds": round(seconds_run, 3),
        "throughput": round(report["requests"] / seconds_run, 1) if seconds_run else 0.0,
        "p50_ms": report["p50"] / 1000,
        "p95_ms": report["p95"] / 1000,
        "p99_ms": report["p99"] / 1000,
        "mean_ms": round(report["mean"] / 1000, 3),
        "max_ms": report["max"] / 1000,
        # every answered save moved its page's version by one: the pages read them all
        "versions_moved": sum(u["last"] - u["first"] for u in report["users"]),
        "refused": sum(u["refused"] for u in report["users"]),
        "cpu_ms_per_request": meter.end(report["requests"]),
        "body_bytes": round(body_bytes / len(chosen)),
        "tools": 1,
        "generator": "wrk",
    }
