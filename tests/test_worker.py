"""The delivery worker against real receivers: HTTP servers on 127.0.0.1 started here, a real
database, the worker in threads or as `flask --app app worker` in a child process."""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import psycopg
import pytest
from psycopg.rows import dict_row
from psycopg.types.json import Jsonb

from fasttrack.db import Database
from fasttrack.outbound_webhooks import canonical_body, receiver_name
from fasttrack.settings import Settings, SettingsError
from fasttrack.worker import Worker
from support.program import answers_for, call, create_user

REPO = Path(__file__).resolve().parents[1]
SECRET = "test-outbox-secret-" + "x" * 40
URL_TOKEN = "tok-" + "q" * 20  # in a receiver's query string: must never be logged or stored
WAIT = 15.0  # seconds before a test gives up waiting for something


# -- receivers ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Received:
    path: str
    headers: dict[str, str]
    body: bytes

    @property
    def key(self) -> str:
        return self.headers["Idempotency-Key"]

    @property
    def signed_correctly(self) -> bool:
        expected = "sha256=" + hmac.new(SECRET.encode(), self.body, hashlib.sha256).hexdigest()
        return hmac.compare_digest(self.headers.get("X-FastTrack-Signature", ""), expected)


class Receiver:
    """A webhook receiver on a free port: records every request, answers with `status(key, n)`
    (n = how many times it has seen that idempotency key), and holds requests while `hold` is
    set (until `release` is)."""

    def __init__(self, status: Callable[[str, int], int] = lambda key, n: 204) -> None:
        self.status = status
        self.received: list[Received] = []
        self.hold = False
        self.release = threading.Event()
        self._changed = threading.Condition()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                request = Received(self.path, dict(self.headers.items()), body)
                with receiver._changed:
                    receiver.received.append(request)
                    seen = sum(1 for r in receiver.received if r.key == request.key)
                    receiver._changed.notify_all()
                if receiver.hold:
                    receiver.release.wait(WAIT)
                try:
                    self.send_response(receiver.status(request.key, seen))
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                except OSError:
                    pass  # the worker gave up on this request (and maybe exited)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._server.block_on_close = False
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_port}/hook?token={URL_TOKEN}"

    @property
    def name(self) -> str:
        return receiver_name(self.url)

    def keys(self) -> Counter[str]:
        with self._changed:
            return Counter(r.key for r in self.received)

    def wait_for_requests(self, count: int) -> None:
        with self._changed:
            assert self._changed.wait_for(lambda: len(self.received) >= count, WAIT), (
                f"{len(self.received)} requests, expected {count}"
            )

    def close(self) -> None:
        self.release.set()
        self._server.shutdown()
        self._server.server_close()


@pytest.fixture
def receivers() -> Iterator[Callable[..., Receiver]]:
    started: list[Receiver] = []

    def start(status: Callable[[str, int], int] = lambda key, n: 204) -> Receiver:
        started.append(Receiver(status))
        return started[-1]

    yield start
    for receiver in started:
        receiver.close()


# -- workers -----------------------------------------------------------------------------------


def worker_env(database_url: str, urls: list[str], **overrides: str) -> dict[str, str]:
    return {
        "FT_ENV": "development",
        "DATABASE_URL": database_url,
        "WEBHOOK_URLS": ",".join(urls),
        "WEBHOOK_SECRET": SECRET,
        "WORKER_BASE_DELAY_SECONDS": "0.05",
        "WORKER_MAX_DELAY_SECONDS": "0.2",
        "WORKER_HTTP_TIMEOUT_SECONDS": "5",
        **overrides,
    }


@pytest.fixture
def start_worker(database_url: str, direct_database_url: str) -> Iterator[Callable[..., Worker]]:
    """Start a worker in a thread: start_worker([urls], WORKER_MAX_ATTEMPTS="3", batch_size=2).
    It listens on the direct URL unless told DATABASE_DIRECT_URL="" (then it polls)."""
    running: list[tuple[Worker, threading.Thread]] = []

    def start(
        urls: list[str],
        *,
        batch_size: int = 10,
        idle_check_seconds: float = 60.0,
        **env: str,
    ) -> Worker:
        env = {"DATABASE_DIRECT_URL": direct_database_url, **env}
        settings = Settings.from_env(worker_env(database_url, urls, **env))
        worker = Worker(
            database_url,
            settings,
            batch_size=batch_size,
            idle_check_seconds=idle_check_seconds,
        )
        thread = threading.Thread(target=worker.run, daemon=True)
        thread.start()
        running.append((worker, thread))
        return worker

    yield start
    for worker, _ in running:
        worker.stop()
    for _, thread in running:
        thread.join(WAIT)
        assert not thread.is_alive(), "a worker did not stop"


def spawn_worker(database_url: str, urls: list[str], **env: str) -> subprocess.Popen[str]:
    """`python -m flask --app app worker` in a child process, configured by environment."""
    return subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "app", "worker"],
        cwd=REPO,
        env={**os.environ, **worker_env(database_url, urls, **env)},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


# -- the database side -------------------------------------------------------------------------


def submit(conn: psycopg.Connection[Any], slug: str, user_id: Any) -> None:
    call(conn, "submit_tool", slug, user_id, None, Jsonb(answers_for(slug)))


def outbox(conn: psycopg.Connection[Any]) -> dict[str, dict[str, Any]]:
    rows = conn.execute(
        "select id::text, event_type, tool_slug, status, attempts, delivered_to, last_error,"
        " locked_by, payload from shared.outbox_events"
    ).fetchall()
    return {row["id"]: row for row in rows}


def wait_until(condition: Callable[[], bool], timeout: float = WAIT) -> float:
    """Poll (in the test only) until condition() holds; return the seconds it took."""
    started = time.monotonic()
    while not condition():
        assert time.monotonic() - started < timeout, "gave up waiting"
        time.sleep(0.02)
    return time.monotonic() - started


def all_settled(conn: psycopg.Connection[Any], status: str = "delivered") -> Callable[[], bool]:
    return lambda: all(e["status"] == status for e in outbox(conn).values())


# -- tests -------------------------------------------------------------------------------------


def test_events_are_delivered_once_to_every_receiver_signed_with_their_idempotency_key(
    conn, receivers, start_worker
):
    first, second = receivers(), receivers()
    user_id = create_user(conn)
    submit(conn, "woop", user_id)
    submit(conn, "know-thyself", user_id)
    events = outbox(conn)
    assert len(events) >= 3

    start_worker([first.url, second.url])
    wait_until(all_settled(conn))
    time.sleep(0.3)  # room for any extra request to arrive

    for receiver in (first, second):
        assert receiver.keys() == Counter(dict.fromkeys(events, 1))
        for request in receiver.received:
            event = events[request.key]
            assert request.signed_correctly
            assert request.path == f"/hook?token={URL_TOKEN}"
            assert request.headers["Content-Type"] == "application/json"
            assert request.headers["X-FastTrack-Event"] == event["event_type"]
            assert request.body == canonical_body(event["payload"])
            assert json.loads(request.body)["event_id"] == request.key
    for event in outbox(conn).values():
        assert event["attempts"] == 1
        assert sorted(event["delivered_to"]) == sorted([first.name, second.name])
        assert URL_TOKEN not in str(event["delivered_to"])


def test_a_receiver_failing_three_times_gets_the_event_on_the_fourth_attempt(
    conn, receivers, start_worker
):
    steady = receivers()
    flaky = receivers(lambda key, n: 500 if n <= 3 else 200)
    submit(conn, "cash", create_user(conn))
    events = outbox(conn)

    start_worker([steady.url, flaky.url])
    wait_until(all_settled(conn))

    assert flaky.keys() == Counter(dict.fromkeys(events, 4))
    assert steady.keys() == Counter(dict.fromkeys(events, 1))  # retries skip who acknowledged
    assert all(r.signed_correctly for r in flaky.received)
    assert {e["attempts"] for e in outbox(conn).values()} == {4}


def test_two_workers_at_once_deliver_every_event_exactly_once(conn, receivers, start_worker):
    receiver = receivers()
    for _ in range(4):
        user_id = create_user(conn)
        for slug in ("woop", "cash", "energy", "know-thyself"):
            submit(conn, slug, user_id)
    events = outbox(conn)
    assert len(events) >= 20

    start_worker([receiver.url], batch_size=3)
    start_worker([receiver.url], batch_size=3)
    wait_until(all_settled(conn))
    time.sleep(0.3)

    assert receiver.keys() == Counter(dict.fromkeys(events, 1))
    holders = {e["locked_by"] for e in outbox(conn).values()}
    assert holders == {None}


def test_a_rolled_back_submit_sends_nothing(database_url, conn, receivers, start_worker):
    receiver = receivers()
    user_id = create_user(conn)
    start_worker([receiver.url])

    with psycopg.connect(database_url, row_factory=dict_row) as other:
        submit(other, "woop", user_id)
        assert outbox(other)  # the trigger did write events, in this transaction
        other.rollback()
    submit(conn, "cash", user_id)  # committed: its events show the worker was listening
    wait_until(lambda: len(receiver.received) == len(outbox(conn)))
    time.sleep(0.3)

    assert set(receiver.keys()) == set(outbox(conn))
    assert all(json.loads(r.body)["tool"]["slug"] != "woop" for r in receiver.received)


def test_after_the_last_attempt_an_event_is_dead_until_an_admin_retries_it(
    database_url, conn, receivers, start_worker, caplog
):
    failing = True
    receiver = receivers(lambda key, n: 503 if failing else 200)
    admin_id = create_user(conn, role="admin")
    submit(conn, "cash", create_user(conn))
    events = outbox(conn)

    start_worker([receiver.url], WORKER_MAX_ATTEMPTS="3")
    wait_until(all_settled(conn, "dead"))
    time.sleep(0.3)

    assert receiver.keys() == Counter(dict.fromkeys(events, 3))
    for event in outbox(conn).values():
        assert event["attempts"] == 3
        assert event["last_error"] == f"{receiver.name}: HTTP 503"

    failing = False
    database = Database(database_url, max_size=1)
    try:
        dead = database.call("admin_list_events", {"sub": str(admin_id)}, p_status="dead")
        assert {e["id"] for e in dead} == set(events)
        for event_id in events:
            database.call("admin_retry_event", {"sub": str(admin_id)}, p_event_id=event_id)
    finally:
        database.close()
    wait_until(all_settled(conn))  # the retry's NOTIFY woke the worker

    assert receiver.keys() == Counter(dict.fromkeys(events, 4))
    logged = caplog.text
    assert "event dead after its last attempt" in logged
    assert URL_TOKEN not in logged and SECRET not in logged


def worker_idle_since(conn: psycopg.Connection[Any]) -> Any:
    """When the worker's database session last ran a statement, if it is idle now (None
    otherwise); its LISTEN session does not count. pg_stat_activity is live."""
    row = conn.execute(
        "select max(query_start) as since, bool_and(state = 'idle') as idle"
        " from pg_stat_activity where datname = current_database()"
        " and application_name = 'fasttrack-worker' and query not ilike 'listen%%'"
    ).fetchone()
    return row["since"] if row["idle"] else None


def test_an_idle_worker_sleeps_and_wakes_on_notify(conn, receivers, start_worker):
    receiver = receivers()
    user_id = create_user(conn)
    start_worker([receiver.url], idle_check_seconds=60.0)
    wait_until(lambda: worker_idle_since(conn) is not None)
    time.sleep(0.3)  # past the gaps between the statements of its first round
    asleep_since = worker_idle_since(conn)
    time.sleep(1.0)
    assert worker_idle_since(conn) == asleep_since  # no query at all while nothing is due

    submit(conn, "cash", user_id)
    took = wait_until(lambda: receiver.keys().keys() == outbox(conn).keys(), timeout=10)

    assert took < 3  # far below the 60 s it would otherwise sleep
    wait_until(all_settled(conn))


def listening_sessions(conn: psycopg.Connection[Any]) -> int:
    """The worker's sessions whose last statement was LISTEN, on the server itself."""
    row = conn.execute(
        "select count(*) as n from pg_stat_activity where datname = current_database()"
        " and application_name = 'fasttrack-worker' and query ilike 'listen%%'"
    ).fetchone()
    return row["n"]


def test_without_a_direct_url_the_worker_polls_and_never_listens(conn, receivers, start_worker):
    # Only the (maybe pooled) DATABASE_URL: LISTEN would be lost behind a transaction pooler.
    receiver = receivers()
    user_id = create_user(conn)
    start_worker(
        [receiver.url], idle_check_seconds=60.0, DATABASE_DIRECT_URL="", WORKER_POLL_SECONDS="0.5"
    )
    wait_until(lambda: worker_idle_since(conn) is not None)
    first_look = worker_idle_since(conn)
    wait_until(lambda: worker_idle_since(conn) not in (None, first_look), timeout=5)  # it polls

    submit(conn, "cash", user_id)
    wait_until(lambda: receiver.keys().keys() == outbox(conn).keys(), timeout=10)
    wait_until(all_settled(conn))
    assert listening_sessions(conn) == 0


def test_next_due_is_null_with_nothing_pending_and_counts_down_to_a_retry(conn):
    def next_due() -> Any:
        with conn.transaction():
            conn.execute("set local role fasttrack_worker")
            return conn.execute("select api.worker_next_due() as r").fetchone()["r"]["seconds"]

    assert next_due() is None
    submit(conn, "cash", create_user(conn))
    assert next_due() == 0
    conn.execute("update shared.outbox_events set next_attempt_at = now() + interval '30 s'")
    assert 29 < next_due() <= 30
    conn.execute("update shared.outbox_events set status = 'dead'")
    assert next_due() is None


def test_sigterm_lets_the_delivery_in_hand_finish_within_the_grace_period(
    database_url, conn, receivers
):
    receiver = receivers()
    receiver.hold = True
    user_id = create_user(conn)
    submit(conn, "cash", user_id)
    events = outbox(conn)
    worker = spawn_worker(database_url, [receiver.url], WORKER_SHUTDOWN_GRACE_SECONDS="10")
    try:
        receiver.wait_for_requests(len(events))  # every event of the batch is in hand
        worker.send_signal(signal.SIGTERM)
        time.sleep(0.3)
        receiver.release.set()  # the receiver answers, well within the grace period
        _, logs = worker.communicate(timeout=WAIT)
    finally:
        worker.kill()

    assert worker.returncode == 0, logs
    assert {(e["status"], e["attempts"]) for e in outbox(conn).values()} == {("delivered", 1)}
    assert receiver.keys() == Counter(dict.fromkeys(events, 1))
    assert_clean_logs(logs, conn)


def test_sigterm_releases_a_delivery_that_outlasts_the_grace_period_and_exits_0(
    database_url, conn, receivers, start_worker
):
    receiver = receivers()
    receiver.hold = True  # until released: longer than the grace period
    user_id = create_user(conn)
    submit(conn, "cash", user_id)
    events = outbox(conn)
    worker = spawn_worker(database_url, [receiver.url], WORKER_SHUTDOWN_GRACE_SECONDS="0.5")
    try:
        receiver.wait_for_requests(len(events))
        worker.send_signal(signal.SIGTERM)
        _, logs = worker.communicate(timeout=WAIT)
    finally:
        worker.kill()

    assert worker.returncode == 0, logs
    for event in outbox(conn).values():
        assert (event["status"], event["attempts"], event["locked_by"]) == ("pending", 0, None)
    assert_clean_logs(logs, conn)

    receiver.hold = False
    receiver.release.set()
    start_worker([receiver.url])  # a new worker delivers them: their first counted attempt
    wait_until(all_settled(conn))
    assert {e["attempts"] for e in outbox(conn).values()} == {1}


def assert_clean_logs(logs: str, conn: psycopg.Connection[Any]) -> None:
    """JSON lines, with no secret, no receiver token and nothing from a payload."""
    lines = [json.loads(line) for line in logs.splitlines() if line.strip()]
    assert any(line["message"] == "worker started" for line in lines)
    assert any(line["message"] == "worker stopped" for line in lines)
    emails = {e["payload"]["user"]["email"] for e in outbox(conn).values()}
    for secret in (SECRET, URL_TOKEN, *emails):
        assert secret not in logs


# -- settings ----------------------------------------------------------------------------------


def test_worker_settings_have_defaults_and_need_a_long_secret_with_urls():
    defaults = Settings.from_env({})
    assert defaults.webhook_urls == ()
    assert (defaults.worker_max_attempts, defaults.worker_base_delay_seconds) == (8, 5.0)
    assert (defaults.worker_max_delay_seconds, defaults.worker_http_timeout_seconds) == (3600, 10)

    urls = "https://a.example.com/hook, http://b.example.com:8080/x?token=t"
    settings = Settings.from_env({"WEBHOOK_URLS": urls, "WEBHOOK_SECRET": SECRET})
    assert settings.webhook_urls == (
        "https://a.example.com/hook",
        "http://b.example.com:8080/x?token=t",
    )
    assert SECRET not in repr(settings)

    with pytest.raises(SettingsError, match="WEBHOOK_SECRET is required"):
        Settings.from_env({"WEBHOOK_URLS": urls})
    with pytest.raises(SettingsError, match="at least 32 bytes"):
        Settings.from_env({"WEBHOOK_URLS": urls, "WEBHOOK_SECRET": "short"})
    with pytest.raises(SettingsError, match="item 2") as bad:
        Settings.from_env({"WEBHOOK_URLS": "https://a.example.com,ftp://x/s3cr3t"})
    assert "s3cr3t" not in str(bad.value)
    with pytest.raises(SettingsError, match="WORKER_MAX_DELAY_SECONDS"):
        Settings.from_env({"WORKER_BASE_DELAY_SECONDS": "10", "WORKER_MAX_DELAY_SECONDS": "5"})


def test_the_worker_command_refuses_to_start_without_receivers_or_renders(database_url):
    result = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "app", "worker"],
        cwd=REPO,
        env={**os.environ, **worker_env(database_url, [], RENDER_JOBS="0")},
        capture_output=True,
        text=True,
        timeout=WAIT,
    )
    assert result.returncode != 0
    assert "WEBHOOK_URLS is not set" in result.stderr
