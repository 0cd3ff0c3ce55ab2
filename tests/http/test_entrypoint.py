"""The image's commands, run outside a container: bin/docker-entrypoint as the Dockerfile,
docker-compose.yml and Railway run it (`web`, `worker`, `migrate`, or an operator command),
with the production settings a container has, against the suite's real database."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import psutil
import psycopg
import pytest
import requests
from live_http import TEST_ENV
from psycopg import sql
from service_process import free_port

from support import connect
from support.databases import drop_database
from support.program import create_user
from support.recorder import recording_server

REPO = Path(__file__).resolve().parents[2]
ENTRYPOINT = str(REPO / "bin/docker-entrypoint")
WAIT = 60.0
METRICS_TOKEN = "entrypoint-metrics-" + "t" * 40


def container_env(database_url: str, **extra: str) -> dict[str, str]:
    """What a container of the image has: production settings, the service's packages on PATH."""
    return {
        **os.environ,
        **TEST_ENV,
        "FT_ENV": "production",
        "DATABASE_URL": database_url,
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
        **extra,
    }


def run(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [ENTRYPOINT, *args], cwd="/", env=env, capture_output=True, text=True, timeout=300
    )


def wait_until(condition, what: str, process: subprocess.Popen | None = None) -> None:
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise AssertionError(f"exited ({process.returncode}) before {what}")
        if condition():
            return
        time.sleep(0.1)
    raise AssertionError(f"gave up waiting for {what}")


def stop(process: subprocess.Popen) -> int:
    process.send_signal(signal.SIGTERM)
    try:
        return process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        for child in psutil.Process(process.pid).children(recursive=True):
            child.kill()
        process.kill()
        process.wait(timeout=10)
        raise


@pytest.fixture
def empty_database_url(server) -> Iterator[str]:
    """A database nobody has migrated: what `migrate` meets on a first deploy."""
    name = f"test_empty_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(server.owner_url(server.maintenance_dbname), autocommit=True) as conn:
        conn.execute(sql.SQL("create database {}").format(sql.Identifier(name)))
    yield server.owner_url(name)
    drop_database(server, name)


def test_migrate_brings_a_new_database_up_to_date_and_again_changes_nothing(empty_database_url):
    env = container_env(empty_database_url)

    first = run("migrate", env=env)
    # Railway's start command names the script itself: the same command.
    again = run("bin/docker-entrypoint", "migrate", env=env)

    assert first.returncode == 0, first.stderr
    assert again.returncode == 0, again.stderr
    with connect(empty_database_url) as conn:
        ready = conn.execute("select api.readiness() as r").fetchone()["r"]
    assert ready["tools"] == ready["tool_schemas"] == 31


def test_any_other_command_runs_as_given(database_url):
    slug = f"acme-{uuid.uuid4().hex[:6]}"
    result = run(
        "flask", "--app", "app", "create-organization", "--name", "Acme", "--slug", slug,
        env=container_env(database_url),
    )  # fmt: skip

    assert result.returncode == 0, result.stderr
    assert uuid.UUID(result.stdout.strip())


def test_web_serves_with_the_http_server_taking_only_its_own_arguments(database_url):
    port = free_port()
    env = container_env(database_url, HOST="127.0.0.1", PORT=str(port), METRICS_TOKEN=METRICS_TOKEN)
    base = f"http://127.0.0.1:{port}"

    def ready() -> bool:
        try:
            return requests.get(base + "/ready", timeout=2).status_code == 200
        except requests.RequestException:
            return False

    web = subprocess.Popen(
        [ENTRYPOINT, "web", "--workers=3"], cwd="/", env=env, stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        wait_until(ready, "web to be ready", web)
        master = psutil.Process(web.pid)  # exec: the script became the server's main process
        assert "fasttrack.http_server" in " ".join(master.cmdline())
        wait_until(lambda: len(master.children()) == 3, "three workers", web)
        healthcheck = subprocess.run(
            [str(REPO / "bin/healthcheck")], env=env, capture_output=True, timeout=30
        )
        assert healthcheck.returncode == 0, healthcheck.stderr
        metrics = requests.get(
            base + "/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"}, timeout=10
        )
        assert metrics.status_code == 200
        assert "fasttrack_http_requests_total" in metrics.text
    finally:
        assert stop(web) == 0

    after = subprocess.run(
        [str(REPO / "bin/healthcheck")], env=env, capture_output=True, timeout=30
    )
    assert after.returncode == 1
    assert b"not ready" in after.stderr


def test_worker_delivers_events_and_stops_cleanly_on_sigterm(database_url):
    with connect(database_url) as conn, recording_server() as (url, hits):
        user_id = create_user(conn)
        conn.execute("select shared.record_event('tool_completed', %s, 'woop', null)", (user_id,))
        env = container_env(
            database_url, WEBHOOK_URLS=url + "/hooks/fasttrack", WEBHOOK_SECRET="w" * 40
        )
        worker = subprocess.Popen(
            [ENTRYPOINT, "worker"], cwd="/", env=env, stdout=subprocess.PIPE,
            stderr=subprocess.PIPE, text=True,
        )  # fmt: skip
        try:
            wait_until(lambda: ("POST", "/hooks/fasttrack") in hits, "the delivery", worker)
            wait_until(
                lambda: (
                    conn.execute("select status from shared.outbox_events").fetchone()["status"]
                    == "delivered"
                ),
                "the event to be delivered",
                worker,
            )
        finally:
            status = stop(worker)
        _, errors = worker.communicate(timeout=10)

    assert status == 0, errors
    assert "http_server" not in errors.lower()
