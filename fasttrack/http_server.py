"""`python -m fasttrack.http_server --bind HOST:PORT`: the app served by granian, the way bin/run,
the container, the benchmark and the HTTP tests all serve it.

granian parses HTTP in compiled code (Rust, hyper) and hands each request to the WSGI app on one
of its blocking threads: the same app, 27 to 31% less CPU per request than gunicorn's
pure-Python parsing (docs/PERFORMANCE.md, "Serving"). What gunicorn gave, and how it is kept:

- workers and threads: WEB_CONCURRENCY processes of WEB_THREADS threads (or --workers,
  --threads); a request waiting on PostgreSQL or n8n releases the GIL for the others;
- worker respawn: a worker that dies (kill -9, a crash) is replaced at once; one that dies
  again within seconds of its replacement stops the service (granian's crash-loop guard), for
  the orchestrator to restart;
- no request is cut by the server: granian has no worker timeout, so the n8n wait of POST
  .../assist ends with the app's own 504 (N8N_TIMEOUT_SECONDS), never a dropped connection;
- JSON logs: granian's own lines go through fasttrack.logs; its access log stays off (the app
  writes one line per request, without the query string);
- graceful shutdown: SIGTERM or SIGINT stops accepting, lets requests in flight finish for
  --graceful-timeout seconds, then kills what is left;
- metrics: PROMETHEUS_MULTIPROC_DIR is prepared before the first worker starts
  (fasttrack/metrics_dir.py) and removed when the service stops;
- limits on the request line and headers: fasttrack/web/request_limits.py answers 414 and 431
  in the service's JSON envelope; what hyper itself refuses (over 100 header fields, a request
  that is not HTTP) is its own empty 431 or 400, and the connection closes.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from fasttrack import metrics_dir
from fasttrack.logs import configure_logging, server_logconfig
from fasttrack.settings import Settings, SettingsError

if TYPE_CHECKING:
    from flask import Flask

REPO_ROOT = Path(__file__).resolve().parent.parent  # where app.py lives
TARGET = "fasttrack.http_server:served_app"  # a factory: each worker builds its own app and pool
GRACEFUL_SECONDS = 30  # as gunicorn's graceful_timeout: requests in flight get this long
# hyper's header read timeout (30 s by default): a request's headers, on a kept-alive connection
# the next request's, must arrive within this, as gunicorn's keepalive of 5 s asked.
KEEP_ALIVE_MS = 5_000
BACKLOG = 2048  # connections the kernel queues before the workers accept them (gunicorn's)


def served_app() -> Flask:
    """The app as the server serves it: with the request line and header limits."""
    from fasttrack import create_app
    from fasttrack.web import request_limits

    app = create_app()
    request_limits.init_app(app)
    return app


def parse_args(argv: list[str], settings: Settings) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m fasttrack.http_server", description=__doc__)
    parser.add_argument("--bind", required=True, help="HOST:PORT, or [IPv6]:PORT")
    parser.add_argument("--workers", type=int, default=settings.web_concurrency)
    parser.add_argument("--threads", type=int, default=settings.web_threads)
    parser.add_argument("--graceful-timeout", type=int, default=GRACEFUL_SECONDS)
    return parser.parse_args(argv)


def split_bind(bind: str) -> tuple[str, int]:
    host, _, port = bind.rpartition(":")
    return host.strip("[]") or "0.0.0.0", int(port)


def main(argv: list[str] | None = None) -> int:
    from granian.constants import HTTPModes, Interfaces
    from granian.http import HTTP1Settings
    from granian.server import Server

    configure_logging()
    try:
        settings = Settings.from_env()
    except SettingsError:
        settings = Settings()  # each worker's app refuses to start, naming the variable
    args = parse_args(sys.argv[1:] if argv is None else argv, settings)
    host, port = split_bind(args.bind)
    metrics_dir.prepare()  # before the first worker: they inherit the variable
    server = Server(
        TARGET,
        address=host,
        port=port,
        interface=Interfaces.WSGI,
        factory=True,
        working_dir=REPO_ROOT,
        workers=args.workers,
        blocking_threads=args.threads,
        http=HTTPModes.http1,
        websockets=False,
        backlog=BACKLOG,
        http1_settings=HTTP1Settings(header_read_timeout=KEEP_ALIVE_MS),
        log_dictconfig=server_logconfig(),
        log_access=False,
        respawn_failed_workers=True,
        respawn_interval=0.1,  # only between a replacement's start and the old one's stop
        workers_kill_timeout=args.graceful_timeout,
    )
    server.on_shutdown(metrics_dir.cleanup)
    server.serve()
    return 0


if __name__ == "__main__":
    sys.exit(main())
