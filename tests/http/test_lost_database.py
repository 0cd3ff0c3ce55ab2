"""PostgreSQL goes away under load (pg_ctl stop -m immediate) and comes back: meanwhile every
request is a 503 with Retry-After, never a 500 and never a hang; afterwards the same service
processes (no restart) serve again within seconds, and no write they acknowledged is lost.
"""

from __future__ import annotations

import os
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
import requests
from service_process import ServiceProcess
from write_stream import Ack, invariant_violations, lost_writes

from fasttrack.web.health import READY_CACHE_SECONDS
from support import connect
from support.figures import report
from support.own_postgres import OwnPostgres, start_own_postgres

UNLIMITED = {"RATE_LIMIT_DEFAULT": "1000000"}
WORKERS = 4  # server workers, one per prober: no request queues behind another
HEALTHY_SECONDS = 2.0
# How long PostgreSQL stays away; FASTTRACK_OUTAGE_SECONDS=60 tries a longer outage.
OUTAGE_SECONDS = float(os.environ.get("FASTTRACK_OUTAGE_SECONDS", "12"))
# From PostgreSQL's return to the last 503: a request may have started waiting (5 s) for a
# connection just before, and the pool tries afresh at once (fasttrack/db.py).
RECOVERY_LIMIT_SECONDS = 15.0
SETTLED_SECONDS = 2.0  # of nothing but 200s, to call it recovered
KINDS = ("ready", "tools", "save", "sso")


@dataclass(frozen=True)
class Observation:
    kind: str
    sent: float  # time.monotonic()
    answered: float
    status: int | None  # None: no answer at all
    retry_after: str | None
    code: str | None


@pytest.fixture
def own_postgres() -> Iterator[OwnPostgres]:
    server = start_own_postgres()
    yield server
    server.cleanup()


class Prober(threading.Thread):
    """Sends one kind of request again and again and notes every answer with its time. A
    "save" prober saves one user's tool, reading the version first ("read") when unsure."""

    def __init__(self, service: ServiceProcess, kind: str, stop: threading.Event, *,
                 token: str, user_id: str, slug: str = "woop") -> None:  # fmt: skip
        super().__init__(name=f"prober-{kind}-{slug}", daemon=True)
        self.service, self.kind, self.stop = service, kind, stop
        self.user_id, self.slug = user_id, slug
        self.headers = {"Authorization": f"Bearer {token}"}
        self.observations: list[Observation] = []
        self.acks: list[Ack] = []
        self.version: int | None = None
        self.crash: BaseException | None = None

    def run(self) -> None:
        try:
            while not self.stop.is_set():
                self._probe(self.kind)
        except BaseException as error:
            self.crash = error

    def _probe(self, kind: str) -> None:
        if kind == "ready":
            self._send(kind, "GET", "/ready")
        elif kind == "tools":
            self._send(kind, "GET", "/api/tools", headers=self.headers)
        elif kind == "sso":
            tag = uuid.uuid4().hex[:10]  # a new user each time: a signature is single-use
            fields = self.service.live().sso_fields(f"lw-{tag}", f"{tag}@example.com", tag)
            self._send(kind, "POST", "/api/auth/sso", json=fields)
        elif self.version is None:
            read = self._send("read", "GET", f"/api/tools/{self.slug}/data", headers=self.headers)
            if read is not None and read.status_code == 200:
                self.version = read.json()["data"]["version"]
        else:
            data = {"write": uuid.uuid4().hex}
            saved = self._send(
                kind, "POST", f"/api/tools/{self.slug}/data", headers=self.headers,
                json={"data": data, "version": self.version},
            )  # fmt: skip
            if saved is not None and saved.status_code == 200:
                answer = saved.json()["data"]
                self.acks.append(Ack("save", self.user_id, self.slug, answer["submission_id"],
                                     answer["version"], data))  # fmt: skip
                self.version = answer["version"]
            else:
                self.version = None  # the outcome is unknown: read the version again

    def _send(self, kind: str, method: str, path: str, **kwargs) -> requests.Response | None:
        sent = time.monotonic()
        try:
            response = requests.request(method, self.service.base_url + path, timeout=30,
                                        **kwargs)  # fmt: skip
        except requests.RequestException:
            self.observations.append(Observation(kind, sent, time.monotonic(), None, None, None))
            time.sleep(0.05)
            return None
        code = None
        if response.status_code >= 400 and response.headers.get("Content-Type", "").startswith(
            "application/json"
        ):
            code = response.json().get("error", {}).get("code")
        self.observations.append(Observation(
            kind, sent, time.monotonic(), response.status_code,
            response.headers.get("Retry-After"), code,
        ))  # fmt: skip
        return response


def test_a_lost_database_is_503_with_retry_after_and_the_service_recovers_by_itself(
    own_postgres, tmp_path
):
    service = ServiceProcess(
        own_postgres.database_url, tmp_path, workers=WORKERS, overrides=UNLIMITED
    )
    service.start()
    stop = threading.Event()
    probers: list[Prober] = []
    try:
        live = service.live()
        logins = [live.sso_login() for _ in range(2)]
        processes_before = service.pids()
        probers += [
            Prober(service, kind, stop, token=login.access_token, user_id=login.user["id"],
                   slug=slug)
            for kind, login, slug in [
                ("ready", logins[0], ""),
                ("tools", logins[0], ""),
                ("save", logins[1], "woop"),
                ("sso", logins[0], ""),
            ]
        ]  # fmt: skip
        for prober in probers:
            prober.start()
        time.sleep(HEALTHY_SECONDS)

        own_postgres.stop("immediate")
        # Only once pg_ctl has waited for the stop: on a busy machine the stop itself takes
        # long enough for requests sent during it to be answered normally.
        stopped_at = time.monotonic()
        time.sleep(OUTAGE_SECONDS)
        back_at = time.monotonic()  # from here on it may answer again (start waits for that)
        own_postgres.start()

        last_failure = _wait_for_recovery(probers, back_at)
        stop.set()
        for prober in probers:
            prober.join(40)
            assert not prober.is_alive()
            if prober.crash is not None:
                raise prober.crash
        processes_after = service.pids()
    finally:
        stop.set()
        service.stop()

    observations = sorted((o for p in probers for o in p.observations), key=lambda o: o.sent)
    # Sent and answered while PostgreSQL was down.
    # /ready may answer from a result up to READY_CACHE_SECONDS old: its window starts later.
    down = [
        o for o in observations
        if stopped_at + 0.2 + (READY_CACHE_SECONDS if o.kind == "ready" else 0) < o.sent
        and o.answered < back_at
    ]  # fmt: skip
    unavailable = [o for o in observations if o.status == 503]
    acks = [a for p in probers for a in p.acks]
    with connect(own_postgres.database_url) as conn:
        lost = lost_writes(conn, acks)
        violations = invariant_violations(conn)
    recovery = None if last_failure is None else round(max(0.0, last_failure - back_at), 2)
    report(
        "lost_database",
        requests=len(observations),
        answered_while_down=len(down),
        answered_503=len(unavailable),
        statuses={str(s): sum(o.status == s for o in observations)
                  for s in sorted({o.status for o in observations}, key=str)},
        outage_seconds=OUTAGE_SECONDS,
        slowest_503_seconds=round(max((o.answered - o.sent for o in unavailable), default=0), 2),
        recovery_seconds=recovery,
        service_restarted=processes_after != processes_before,
        acknowledged_saves=len(acks),
        lost=len(lost),
        invariant_violations=len(violations),
    )  # fmt: skip

    # Every answer is a 200 or a 503: no 500, no dropped connection, no other refusal.
    assert {o.status for o in observations} <= {200, 503}, [
        o for o in observations if o.status not in (200, 503)
    ]
    # While it was down: only 503s, for every kind of request, each with Retry-After and the
    # error envelope, none of them hanging.
    assert down and all(o.status == 503 for o in down), down
    assert {o.kind for o in unavailable} >= set(KINDS), unavailable
    for observation in unavailable:
        assert observation.retry_after is not None and int(observation.retry_after) > 0
        assert observation.code == "UNAVAILABLE", observation
        assert observation.answered - observation.sent < 12, "a 503 must not hang"
    # Afterwards: the same processes serve every kind of request again, within seconds.
    assert recovery is not None and recovery <= RECOVERY_LIMIT_SECONDS, recovery
    assert processes_after == processes_before, (processes_before, processes_after)
    assert last_failure is not None
    final = [o for o in observations if o.sent > last_failure]
    assert {o.kind for o in final} >= set(KINDS)
    assert all(o.status == 200 for o in final)
    assert lost == []
    assert violations == []


def _wait_for_recovery(probers: list[Prober], back_at: float) -> float | None:
    """When the last failure was answered, once nothing but 200s (of every kind) have followed
    for SETTLED_SECONDS; None if that did not happen within the limit."""
    deadline = back_at + RECOVERY_LIMIT_SECONDS + SETTLED_SECONDS + 12
    while time.monotonic() < deadline:
        time.sleep(0.2)
        seen = [o for p in probers for o in list(p.observations)]
        last_failure = max((o.answered for o in seen if o.status != 200), default=back_at)
        since = {o.kind for o in seen if o.sent > last_failure}
        if time.monotonic() - last_failure >= SETTLED_SECONDS and since >= set(KINDS):
            return last_failure
    return None
