"""GET /metrics: Prometheus text, summed over every worker of the HTTP server, guarded by
METRICS_TOKEN, never in the public API; the figures read from the database move with the
database."""

from __future__ import annotations

import os
import signal
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests
from live_http import data_of, error_of
from prometheus_client import multiprocess
from service_process import ServiceProcess

from support.prometheus import parse, scrape, value

METRICS_TOKEN = "metrics-token-" + "m" * 40
OPENAPI = {"method": "GET", "route": "/api/openapi.json", "status": "200"}


def _per_worker(directory: Path, pids: list[int]) -> dict[int, float]:
    """How many openapi.json answers each worker's own files hold."""
    counts = {}
    for pid in pids:
        files = [str(path) for path in directory.glob(f"*_{pid}.db")]
        merged = multiprocess.MultiProcessCollector.merge(files, accumulate=True)
        samples = {
            (s.name, frozenset(s.labels.items())): s.value for m in merged for s in m.samples
        }
        counts[pid] = value(samples, "fasttrack_http_requests_total", OPENAPI)
    return counts


def test_a_scrape_sums_the_counts_of_every_worker(database_url, tmp_path):
    directory = tmp_path / "metrics"
    service = ServiceProcess(
        database_url,
        tmp_path,
        workers=2,
        overrides={"METRICS_TOKEN": METRICS_TOKEN, "PROMETHEUS_MULTIPROC_DIR": str(directory)},
    )
    service.start()
    try:
        workers = service.pids()["workers"]
        before = value(
            scrape(service.base_url, METRICS_TOKEN), "fasttrack_http_requests_total", OPENAPI
        )

        def fetch(_: int) -> int:  # a fresh connection each: any worker may take it
            return requests.get(service.base_url + "/api/openapi.json", timeout=30).status_code

        sent = 0
        with ThreadPoolExecutor(max_workers=8) as pool:
            # Until both workers have answered some (the kernel picks which accepts each).
            while sent < 800 and min(_per_worker(directory, workers).values()) == 0:
                assert set(pool.map(fetch, range(40))) == {200}
                sent += 40

        per_worker = _per_worker(directory, workers)
        assert min(per_worker.values()) > 0, per_worker
        for _ in range(4):  # each scrape is served by whichever worker: the same sum from all
            samples = scrape(service.base_url, METRICS_TOKEN)
            total = value(samples, "fasttrack_http_requests_total", OPENAPI)
            assert total - before == sent
            assert value(samples, "fasttrack_http_request_duration_seconds_count", OPENAPI) == total
        assert sum(per_worker.values()) == total

        # A worker killed -9 is replaced: what it counted still counts, its live gauges do not.
        victim = workers[0]
        assert list(directory.glob(f"gauge_livesum_{victim}.db"))  # its pool gauges
        os.kill(victim, signal.SIGKILL)
        service.wait_until(
            lambda: victim not in service.pids()["workers"] and len(service.pids()["workers"]) == 2,
            what="to replace the killed worker",
        )
        service.wait_until(
            lambda: not list(directory.glob(f"gauge_livesum_{victim}.db")),
            what="to drop the dead worker's live gauges",
        )
        after = scrape(service.base_url, METRICS_TOKEN)
        assert value(after, "fasttrack_http_requests_total", OPENAPI) == total
    finally:
        service.stop()


def test_the_token_is_required_and_checked(live_server_factory):
    server = live_server_factory(METRICS_TOKEN=METRICS_TOKEN)

    for headers in ({}, {"Authorization": "Bearer " + "x" * 54}, {"Authorization": METRICS_TOKEN}):
        refused = requests.get(server.url("/metrics"), headers=headers, timeout=30)
        assert refused.status_code == 401
        assert error_of(refused)["code"] == "UNAUTHORIZED"
        assert refused.headers["WWW-Authenticate"] == "Bearer"
        assert "fasttrack_" not in refused.text

    samples = scrape(server.base_url, METRICS_TOKEN)
    assert value(samples, "fasttrack_database_figures_up") == 1
    assert "/metrics" not in server.request("GET", "/api/openapi.json").json()["paths"]


def test_without_a_token_the_endpoint_is_off_outside_development(live_server):
    response = live_server.request("GET", "/metrics")

    assert response.status_code == 404
    assert error_of(response)["code"] == "NOT_FOUND"


def test_requests_are_counted_by_route_template_and_status(live_server_factory):
    server = live_server_factory(METRICS_TOKEN=METRICS_TOKEN)
    api = server.client(server.sso_login().access_token)
    before = scrape(server.base_url, METRICS_TOKEN)

    for slug in ("woop", "cash", "energy"):
        data_of(api.get(f"/api/tools/{slug}"))
    assert api.get("/api/tools/no-such-tool").status_code == 404
    data_of(api.post("/api/tools/woop/data", json={"data": {"wish": "Grow"}, "version": 0}))
    data_of(api.get("/api/tools/woop/export"))
    after = scrape(server.base_url, METRICS_TOKEN)

    def grew(name: str, **labels: str) -> float:
        return value(after, name, labels) - value(before, name, labels)

    tool = {"method": "GET", "route": "/api/tools/<slug:slug>"}
    assert grew("fasttrack_http_requests_total", **tool, status="200") == 3
    assert grew("fasttrack_http_requests_total", **tool, status="404") == 1
    assert grew("fasttrack_http_request_duration_seconds_count", **tool, status="200") == 3
    # labelled by template, never by the path asked for (a demo page's own route, such as
    # /tools/woop.html, may be there from another test in this process)
    assert not any(
        "/api/tools/" in route and "<" not in route
        for route in (dict(labels).get("route", "") for _, labels in after)
    )
    assert grew("fasttrack_api_calls_total", function="get_tool", outcome="ok") == 3
    assert grew("fasttrack_api_calls_total", function="get_tool", outcome="error") == 1
    assert grew("fasttrack_api_calls_total", function="save_draft", outcome="ok") == 1
    assert grew("fasttrack_export_render_seconds_count", format="json", outcome="ok") == 1
    assert value(after, "fasttrack_db_pool_connections") >= 1
    assert value(after, "fasttrack_db_pool_connections_in_use") >= 0
    assert value(after, "fasttrack_db_pool_requests_waiting") == 0


def test_the_outbox_and_breaker_figures_follow_the_database(live_server_factory, conn):
    server = live_server_factory(METRICS_TOKEN=METRICS_TOKEN)
    user = server.sso_login().user

    def figures() -> dict[str, float]:
        samples = scrape(server.base_url, METRICS_TOKEN)
        return {
            name: value(samples, f"fasttrack_{name}")
            for name in (
                "outbox_pending_events",
                "outbox_dead_events",
                "outbox_oldest_pending_age_seconds",
                "ai_breaker_open",
                "ai_breaker_consecutive_failures",
            )
        }

    start = figures()
    assert start == {name: 0 for name in start}

    for _ in range(3):
        conn.execute(
            "select shared.record_event('tool_completed', %s, 'woop', null)", (user["id"],)
        )
    conn.execute(
        "update shared.outbox_events set created_at = now() - interval '1 hour'"
        " where id = (select id from shared.outbox_events order by id limit 1)"
    )
    assert figures()["outbox_pending_events"] == 3
    assert figures()["outbox_oldest_pending_age_seconds"] >= 3600

    conn.execute(
        "update shared.outbox_events set status = 'dead'"
        " where id = (select id from shared.outbox_events order by created_at limit 1)"
    )
    conn.execute(
        "update shared.ai_circuit set consecutive_failures = 5,"
        " open_until = now() + interval '1 minute'"
    )
    now = figures()
    assert (now["outbox_pending_events"], now["outbox_dead_events"]) == (2, 1)
    assert now["outbox_oldest_pending_age_seconds"] < 3600
    assert (now["ai_breaker_open"], now["ai_breaker_consecutive_failures"]) == (1, 5)


def test_a_scrape_without_the_database_says_so_and_still_answers(live_server_factory, database_url):
    server = live_server_factory(
        database_url="postgresql://nobody@127.0.0.1:9/none?connect_timeout=1",
        METRICS_TOKEN=METRICS_TOKEN,
    )

    samples = parse(
        requests.get(
            server.url("/metrics"), headers={"Authorization": f"Bearer {METRICS_TOKEN}"}, timeout=60
        ).text
    )

    assert value(samples, "fasttrack_database_figures_up") == 0
    assert ("fasttrack_outbox_pending_events", frozenset()) not in samples
