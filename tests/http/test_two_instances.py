"""Two service instances behind nginx (round robin, tests/support/nginx.py) behave as one: a
session signed in on one works on the other and ends on both, a refresh token rotated on one and
presented again on the other is caught, rate limits count both, the AI circuit breaker opens for
both, and an export reads what the other instance saved. Everything they share is in PostgreSQL;
each answer's X-Upstream shows which instance gave it.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
import requests
from agent_stub import AgentStub
from live_http import (
    LiveServer,
    data_of,
    error_of,
    refresh_cookie_of,
    wait_for_fresh_rate_window,
)
from service_process import ServiceProcess, free_port

from fasttrack.settings import Settings
from support.nginx import UPSTREAM_HEADER, Nginx, start_nginx

RATE_LIMIT = 8
EXPORT_LIMIT = 2
FAILURE_THRESHOLD = 2


@dataclass
class Balanced:
    """The balancer as a client sees it, and the instances behind it."""

    live: LiveServer
    instances: list[ServiceProcess]
    nginx: Nginx
    agent: AgentStub

    def upstream(self, response: requests.Response) -> str:
        answered = response.headers[UPSTREAM_HEADER]
        assert answered in {f"127.0.0.1:{s.port}" for s in self.instances}, answered
        return answered


@pytest.fixture(scope="module")
def balanced(migrated_url_factory, tmp_path_factory) -> Iterator[Balanced]:
    database_url = migrated_url_factory()
    agent = AgentStub(mode="error")
    overrides = {
        "RATE_LIMIT_DEFAULT": str(RATE_LIMIT),
        "RATE_LIMIT_EXPORTS": str(EXPORT_LIMIT),
        "N8N_WEBHOOK_URL": agent.url,
        "N8N_TIMEOUT_SECONDS": "5",
        "AI_LIMIT_USER": "100",
        "AI_FAILURE_THRESHOLD": str(FAILURE_THRESHOLD),
        "AI_COOLDOWN_SECONDS": "300",
        "TRUST_PROXY": "true",  # one proxy in front: nginx
    }
    instances = [
        ServiceProcess(database_url, tmp_path_factory.mktemp(name), workers=1, overrides=overrides)
        for name in ("instance-a", "instance-b")
    ]
    nginx = None
    try:
        for instance in instances:
            instance.start()
        nginx = start_nginx(
            tmp_path_factory.mktemp("nginx"),
            free_port(),
            [f"127.0.0.1:{instance.port}" for instance in instances],
        )
        env = instances[0].env  # the same secrets on both: a token one signs, the other reads
        live = LiveServer(nginx.base_url, Settings.from_env(env), env, app=None)  # type: ignore[arg-type]
        yield Balanced(live, instances, nginx, agent)
        live.close()
    finally:
        if nginx is not None:
            nginx.stop()
        for instance in instances:
            instance.stop()
        agent.close()


def test_round_robin_reaches_both_instances(balanced):
    answered = [balanced.upstream(balanced.live.request("GET", "/health")) for _ in range(4)]

    assert len(set(answered)) == 2
    assert answered[0] != answered[1] and answered[0] == answered[2]


def test_a_session_started_on_one_instance_works_and_ends_on_both(balanced):
    live = balanced.live
    login = live.sso_login()
    seen = []
    for _ in range(2):  # each instance verifies the token once and remembers it
        response = live.request("GET", "/api/auth/me", token=login.access_token)
        assert data_of(response)["id"] == login.user["id"]
        seen.append(balanced.upstream(response))
    assert len(set(seen)) == 2

    logout = live.request("POST", "/api/auth/logout", cookie=login.refresh_token)
    assert logout.status_code == 200

    refused = []
    for _ in range(2):  # both, the one that did not sign the user out included
        response = live.request("GET", "/api/auth/me", token=login.access_token)
        assert response.status_code == 401, response.text
        assert error_of(response)["code"] == "UNAUTHORIZED"
        refused.append(balanced.upstream(response))
    assert len(set(refused)) == 2


def test_a_refresh_token_rotated_on_one_instance_and_reused_on_the_other_ends_the_session(
    balanced,
):
    live = balanced.live
    login = live.sso_login()

    rotated = live.request("POST", "/api/auth/refresh", cookie=login.refresh_token)
    newest = refresh_cookie_of(rotated)
    assert rotated.status_code == 200 and newest
    reused = live.request("POST", "/api/auth/refresh", cookie=login.refresh_token)

    assert balanced.upstream(reused) != balanced.upstream(rotated)
    assert reused.status_code == 401
    assert error_of(reused)["code"] == "REFRESH_INVALID"
    assert error_of(reused)["details"]["reason"] == "reused"
    # The whole family is gone: the newest cookie and the access tokens, on either instance.
    after = live.request("POST", "/api/auth/refresh", cookie=newest)
    assert after.status_code == 401
    for _ in range(2):
        me = live.request("GET", "/api/auth/me", token=login.access_token)
        assert me.status_code == 401


def test_the_rate_limit_counts_the_calls_on_both_instances(balanced):
    live = balanced.live
    token = live.sso_login().access_token
    wait_for_fresh_rate_window()

    answered = []
    for _ in range(RATE_LIMIT):
        response = live.request("GET", "/api/tools", token=token)
        assert response.status_code == 200, response.text
        answered.append(balanced.upstream(response))
    over = live.request("GET", "/api/tools", token=token)

    assert answered.count(answered[0]) == RATE_LIMIT // 2  # half on each: 4 + 4, not 8 + 8
    assert over.status_code == 429
    assert error_of(over)["code"] == "RATE_LIMITED"
    assert int(over.headers["Retry-After"]) > 0


def test_exports_read_what_the_other_instance_saved_and_share_their_limit(balanced):
    live = balanced.live
    token = live.sso_login().access_token
    wait_for_fresh_rate_window()
    saved = live.request(
        "POST",
        "/api/tools/woop/data",
        token=token,
        json={"data": {"wish": "Open a second shop"}, "version": 0},
    )
    assert data_of(saved)["version"] == 1

    as_json = live.request("GET", "/api/tools/woop/export", token=token)
    as_pdf = live.request("GET", "/api/tools/woop/export?format=pdf", token=token)
    third = live.request("GET", "/api/tools/woop/export", token=token)

    assert balanced.upstream(as_json) != balanced.upstream(saved)
    assert data_of(as_json)["answers"] == {"wish": "Open a second shop"}
    assert as_pdf.status_code == 200
    assert as_pdf.headers["Content-Type"] == "application/pdf"
    assert as_pdf.content.startswith(b"%PDF-")
    assert balanced.upstream(as_pdf) != balanced.upstream(as_json)
    assert third.status_code == 429  # RATE_LIMIT_EXPORTS over both instances
    assert error_of(third)["code"] == "RATE_LIMITED"


def test_the_ai_breaker_opened_by_failures_on_both_instances_holds_on_both(balanced):
    live = balanced.live
    token = live.sso_login().access_token
    question = {"question": "How do I make the wish measurable?"}

    failed = [
        live.request("POST", "/api/tools/woop/assist", token=token, json=question)
        for _ in range(FAILURE_THRESHOLD)
    ]
    assert [r.status_code for r in failed] == [502] * FAILURE_THRESHOLD
    assert len({balanced.upstream(r) for r in failed}) == 2  # one failure on each instance
    assert error_of(failed[-1])["details"]["circuit_open"] is True
    asked = balanced.agent.count()

    for _ in range(2):  # open on both: neither calls the agent
        refused = live.request("POST", "/api/tools/woop/assist", token=token, json=question)
        assert refused.status_code == 503, refused.text
        assert error_of(refused)["code"] == "AI_UNAVAILABLE"
        assert int(refused.headers["Retry-After"]) > 0
    assert balanced.agent.count() == asked == FAILURE_THRESHOLD
