"""The service's Prometheus metrics and how a scrape collects them.

Under the server's workers (PROMETHEUS_MULTIPROC_DIR set by fasttrack/http_server.py before any
worker starts) every worker writes to its own files and a scrape sums them all; without it (the app
served in one process, as the tests' in-process server does) the default registry is used.
What lives in the database (the outbox, the AI breaker) is read at scrape time, from one api
function (api.metrics_snapshot), so every worker reports the same figures.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from fasttrack.metrics_dir import VARIABLE

if TYPE_CHECKING:
    from prometheus_client import Counter, Gauge, Histogram

log = logging.getLogger(__name__)

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"  # prometheus_client's text format
# Request latency: a save takes milliseconds, a PDF seconds, an AI question up to N8N_TIMEOUT.
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60)
RENDER_BUCKETS = (0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 3, 5, 10, 20, 30, 60)


@dataclass(frozen=True)
class _Metrics:
    http_requests: Counter
    http_latency: Histogram
    api_calls: Counter
    export_render: Histogram
    pool_in_use: Gauge
    pool_size: Gauge
    pool_waiting: Gauge


_made: _Metrics | None = None
_making = threading.Lock()


def _metrics() -> _Metrics:
    """The metrics, made on first use. prometheus_client picks its storage (this process's
    memory, or the shared directory) when it is imported, and fasttrack's package is imported
    by the server's main process before fasttrack/http_server.py sets the directory: importing it
    only here, in the worker, on its first request, is what keeps every worker on the files."""
    global _made
    if _made is not None:
        return _made
    with _making:
        if _made is None:
            from prometheus_client import Counter, Gauge, Histogram

            # Per worker, summed over the live ones: a dead worker's connections are not in use.
            live = {"multiprocess_mode": "livesum"}
            route = ("method", "route", "status")
            _made = _Metrics(
                http_requests=Counter(
                    "fasttrack_http_requests",
                    "HTTP requests answered, by method, route template (the URL rule, not the "
                    "path) and status.",
                    route,
                ),
                http_latency=Histogram(
                    "fasttrack_http_request_duration_seconds",
                    "Time from the request reaching the app to its response, by method, route "
                    "template and status.",
                    route,
                    buckets=LATENCY_BUCKETS,
                ),
                api_calls=Counter(
                    "fasttrack_api_calls",
                    "Calls of api.* functions by the web layer, by function and outcome (ok, "
                    "error).",
                    ("function", "outcome"),
                ),
                export_render=Histogram(
                    "fasttrack_export_render_seconds",
                    "Time to render an export (the PDF, or the JSON document), by format and "
                    "outcome (ok, timeout, busy).",
                    ("format", "outcome"),
                    buckets=RENDER_BUCKETS,
                ),
                pool_in_use=Gauge(
                    "fasttrack_db_pool_connections_in_use",
                    "Database connections lent to requests, summed over the live workers.",
                    **live,
                ),
                pool_size=Gauge(
                    "fasttrack_db_pool_connections",
                    "Database connections open in the pools, summed over the live workers.",
                    **live,
                ),
                pool_waiting=Gauge(
                    "fasttrack_db_pool_requests_waiting",
                    "Requests waiting for a database connection, summed over the live workers.",
                    **live,
                ),
            )
    return _made


def count_request(method: str, route: str, status: int, seconds: float | None) -> None:
    made = _metrics()
    made.http_requests.labels(method, route, str(status)).inc()
    if seconds is not None:
        made.http_latency.labels(method, route, str(status)).observe(seconds)


def count_api_call(function: str, outcome: str) -> None:
    _metrics().api_calls.labels(function, outcome).inc()


def observe_render(export_format: str, outcome: str, seconds: float) -> None:
    _metrics().export_render.labels(export_format, outcome).observe(seconds)


# api.metrics_snapshot's keys -> (metric name, help).
SNAPSHOT: dict[str, tuple[str, str]] = {
    "outbox_pending": (
        "fasttrack_outbox_pending_events",
        "Completion events not yet delivered to every receiver.",
    ),
    "outbox_oldest_pending_age_seconds": (
        "fasttrack_outbox_oldest_pending_age_seconds",
        "Age of the oldest pending completion event (0 when none is pending).",
    ),
    "outbox_dead": (
        "fasttrack_outbox_dead_events",
        "Completion events parked as dead after their last attempt failed.",
    ),
    "ai_breaker_open": (
        "fasttrack_ai_breaker_open",
        "1 while the AI assistant's circuit breaker is open (questions answered 503 at once).",
    ),
    "ai_breaker_consecutive_failures": (
        "fasttrack_ai_breaker_consecutive_failures",
        "AI assistant failures in a row (the breaker opens at AI_FAILURE_THRESHOLD).",
    ),
}


def record_pool(stats: dict[str, int]) -> None:
    """This worker's pool, as psycopg_pool's get_stats() reports it."""
    made = _metrics()
    size = stats.get("pool_size", 0)
    made.pool_size.set(size)
    made.pool_in_use.set(max(0, size - stats.get("pool_available", 0)))
    made.pool_waiting.set(stats.get("requests_waiting", 0))


class DatabaseFigures:
    """What api.metrics_snapshot answers, read when a scrape collects; when the database cannot
    answer, fasttrack_database_figures_up is 0 and the figures are left out (not made up)."""

    def __init__(self, snapshot: Callable[[], dict[str, Any]]) -> None:
        self._snapshot = snapshot

    def collect(self) -> Iterator[Any]:
        from prometheus_client.core import GaugeMetricFamily

        up = GaugeMetricFamily(
            "fasttrack_database_figures_up",
            "1 when this scrape read the outbox and breaker figures from the database.",
        )
        try:
            figures = self._snapshot()
        except Exception as error:  # a lost database must not fail the whole scrape
            log.warning("metrics: no database figures (%s)", type(error).__name__)
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        yield up
        for key, (name, documentation) in SNAPSHOT.items():
            yield GaugeMetricFamily(name, documentation, value=float(figures.get(key) or 0))


class _Default:
    """The process's default registry, inside a scrape's own registry."""

    def collect(self) -> Iterator[Any]:
        from prometheus_client import REGISTRY

        yield from REGISTRY.collect()


def scrape(snapshot: Callable[[], dict[str, Any]]) -> bytes:
    """The Prometheus text exposition of every worker's metrics and the database's figures."""
    from prometheus_client import CollectorRegistry, generate_latest, multiprocess

    from fasttrack.metrics_dir import forget_dead_workers

    forget_dead_workers()  # a worker that died unreplaced no longer counts as connections
    _metrics()  # this worker's series exist (at zero) even before its first request
    registry = CollectorRegistry(auto_describe=False)
    if os.environ.get(VARIABLE):
        multiprocess.MultiProcessCollector(registry)
    else:
        registry.register(_Default())  # type: ignore[arg-type]
    registry.register(DatabaseFigures(snapshot))  # type: ignore[arg-type]
    return generate_latest(registry)
