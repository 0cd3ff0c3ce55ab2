"""`python -m bench.prepared_cost`: PostgreSQL CPU per api call (api.readiness) with the web
layer's two statements prepared on the server or not, in interleaved blocks of 3,000 calls on
a throw-away server; the backend's CPU is read from /proc."""

import json
import time

import psycopg

from bench.cpu import TICK, _stat
from bench.server import throwaway_cluster
from fasttrack.db import CONNECTION_OPTIONS, DIRECT_CONNECTION_OPTIONS, call_api, exact_numbers


def cpu(pid):
    f = _stat(pid)
    return sum(int(x) for x in f[11:13]) / TICK


with throwaway_cluster() as cluster:
    url = cluster.create_database("prep")
    conns = {}
    for name, opts in (("unprepared", CONNECTION_OPTIONS), ("prepared", DIRECT_CONNECTION_OPTIONS)):
        c = psycopg.connect(url, **opts)
        exact_numbers(c)
        conns[name] = (c, c.execute("select pg_backend_pid()").fetchone()[0])
    claims = json.dumps({})
    context = json.dumps({"ip": "127.0.0.1", "request_id": "x", "limits": {"default": 1000000}})
    out = {k: [] for k in conns}
    for rnd in range(6):
        for name in list(conns) if rnd % 2 == 0 else list(reversed(list(conns))):
            c, pid = conns[name]
            for _ in range(50):
                call_api(c, "readiness", claims, context)
            n = 3000
            before = cpu(pid)
            t0 = time.process_time()
            w0 = time.perf_counter()
            for _ in range(n):
                call_api(c, "readiness", claims, context)
            out[name].append(
                {
                    "backend_us": (cpu(pid) - before) / n * 1e6,
                    "client_us": (time.process_time() - t0) / n * 1e6,
                    "wall_us": (time.perf_counter() - w0) / n * 1e6,
                }
            )
    print(json.dumps(out, indent=1))
    import statistics

    for name, rows in out.items():
        b = sorted(r["backend_us"] for r in rows)
        cl = sorted(r["client_us"] for r in rows)
        w = sorted(r["wall_us"] for r in rows)
        print(
            name,
            f"backend us/call median {statistics.median(b):.1f} ({b[0]:.1f}-{b[-1]:.1f})",
            f"client {statistics.median(cl):.1f} ({cl[0]:.1f}-{cl[-1]:.1f})",
            f"wall {statistics.median(w):.1f}",
        )
