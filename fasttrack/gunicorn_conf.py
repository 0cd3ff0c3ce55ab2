"""gunicorn settings for every way the service is served (`-c python:fasttrack.gunicorn_conf`:
bin/run, the container, the benchmark and the HTTP tests): workers, threads, JSON logs, and
the directory the workers share their metrics in (fasttrack/metrics_dir.py)."""

import math

from gunicorn.glogging import Logger

from fasttrack import metrics_dir
from fasttrack.logs import gunicorn_logconfig
from fasttrack.settings import Settings, SettingsError

try:
    _settings = Settings.from_env()
except SettingsError:
    _settings = Settings()  # the app itself refuses to start, naming the variable


class _NoAccessLog(Logger):
    """gunicorn's logger without its access log: the app writes one line per request itself
    (fasttrack.web.request_log, without the query string, which can hold an SSO signature).
    With `logconfig_dict` set, gunicorn would otherwise build an access entry for every request
    (every header, the environ, a formatted date) only for its logger to drop it."""

    def access(self, resp, req, environ, request_time) -> None:  # type: ignore[no-untyped-def]
        return


logconfig_dict = gunicorn_logconfig()
logger_class = _NoAccessLog
accesslog = None

# Threaded workers keep connections open between requests (sync workers close each one, so
# every request paid a TCP handshake) and let a slow request (an n8n question, a PDF) wait
# beside the others instead of holding a whole process. The request path releases the GIL
# while PostgreSQL works, so threads overlap their database time; measured on 2 cores in
# docs/PERFORMANCE.md (P4).
worker_class = "fasttrack.gunicorn_worker.JsonErrorsThreadWorker"  # gthread, with JSON refusals
workers = _settings.web_concurrency
threads = _settings.web_threads
keepalive = 5  # seconds an idle client connection stays open (a page's next autosave reuses it)

# What gunicorn reads before the app sees a request, bounded (these are gunicorn's defaults,
# stated because the README promises them): beyond them the worker answers 414 or 431 with the
# service's JSON error envelope (fasttrack/gunicorn_worker.py).
limit_request_line = 4094  # bytes of method, URL and version
limit_request_fields = 100  # header fields
limit_request_field_size = 8190  # bytes of one header field


def _worker_timeout() -> int:
    """gunicorn kills a worker busy for `timeout` seconds (default 30). POST .../assist waits for
    n8n up to N8N_TIMEOUT_SECONDS (twice that for a reply that trickles in); the caller must get
    our 504, not a connection cut by gunicorn."""
    return max(30, math.ceil(2 * _settings.n8n_timeout_seconds) + 30)


timeout = _worker_timeout()

# gunicorn's control socket (for `gunicornc`) defaults to one path per user, so every instance
# on a host (two services, a test run beside bin/run) would take over the same socket and remove
# it for the others when it stops. The service is managed with signals and its orchestrator,
# never through gunicornc: no socket at all.
control_socket_disable = True


def on_starting(server) -> None:  # type: ignore[no-untyped-def]
    """GET /metrics sums what every worker counted (prometheus_client's multiprocess mode): the
    directory is ready, and exported, before the master forks its first worker."""
    metrics_dir.prepare()


def child_exit(server, worker) -> None:  # type: ignore[no-untyped-def]
    """A worker exited (crashed, killed, replaced): its live gauges stop counting."""
    metrics_dir.worker_exited(worker.pid)


def on_exit(server) -> None:  # type: ignore[no-untyped-def]
    metrics_dir.cleanup()
