"""A read replica (DATABASE_READ_URL): a real PostgreSQL 15 primary of this module's own and its
streaming standby (pg_basebackup -R), the service over HTTP in front of both.

Which server answered is read from the service's own log records (`fasttrack.read_replica`,
field `server`), the data from the answers: a replica read sees the caller's own write made
just before, a lagging or stopped replica is skipped, and no request fails because of it.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import psycopg
import pytest
from live_http import LiveServer, data_of, error_of, wait_for_fresh_rate_window

from fasttrack.read_replica import HEALTH_SECONDS, REPLICA_READS
from support.standby import PrimaryAndStandby, primary_and_standby

WAIT = 20.0  # seconds before a test gives up waiting for the replica to be used again


@pytest.fixture(scope="module")
def pair() -> Iterator[PrimaryAndStandby]:
    with primary_and_standby() as servers:
        yield servers


@pytest.fixture
def start(
    pair: PrimaryAndStandby, live_server_factory: Callable[..., LiveServer]
) -> Callable[..., LiveServer]:
    def start_service(**overrides: str) -> LiveServer:
        return live_server_factory(
            database_url=pair.primary_url, DATABASE_READ_URL=pair.standby_url, **overrides
        )

    return start_service


@pytest.fixture
def routes(caplog: pytest.LogCaptureFixture) -> Callable[[], list[tuple[str, str]]]:
    """(function, server) of every replica-eligible read so far, in order; then forgotten."""
    caplog.set_level(logging.DEBUG, logger="fasttrack.read_replica")

    def taken() -> list[tuple[str, str]]:
        found = [
            (record.function, record.server)
            for record in caplog.records
            if record.name == "fasttrack.read_replica" and hasattr(record, "server")
        ]
        caplog.clear()
        return found

    return taken


def save(api: Any, text: str, version: int) -> int:
    body = {"data": {"wish": text}, "version": version}
    return data_of(api.post("/api/tools/woop/data", json=body))["version"]


def exported_wish(api: Any) -> str:
    return data_of(api.get("/api/tools/woop/export"))["answers"]["wish"]


def test_heavy_reads_go_to_the_replica_and_see_the_callers_write_just_before(
    pair: PrimaryAndStandby, start: Callable[..., LiveServer], routes: Callable[[], list]
):
    service = start()
    login = service.sso_login()
    api = service.client(login.access_token)
    version = 0
    for round_number in range(3):  # each export right after the write it must show
        version = save(api, f"wish {round_number}", version)
        assert exported_wish(api) == f"wish {round_number}"
    assert data_of(api.get("/api/tools/woop/data"))["version"] == version  # a primary call
    assert routes() == [("export_tool", "replica")] * 3

    with psycopg.connect(pair.primary_url, autocommit=True) as primary:
        organization = primary.execute(
            "insert into shared.organizations (name, slug) values ('Replica Co', %s) returning id",
            (f"replica-{uuid.uuid4().hex[:8]}",),
        ).fetchone()[0]  # type: ignore[index]
        primary.execute(
            "update shared.users set role = 'admin', organization_id = %s where id = %s",
            (organization, login.user["id"]),
        )
    progress = data_of(api.get(f"/api/organizations/{organization}/progress"))
    assert [member["user"]["id"] for member in progress["members"]] == [login.user["id"]]
    assert routes() == [("get_organization_progress", "replica")]
    assert {
        "export_tool",
        "export_user_tool",
        "get_organization_progress",
        "list_organizations",
        "organization_dashboard",
        "team_view",
    } == REPLICA_READS


def test_rate_limits_of_replica_reads_are_counted_on_the_primary(
    start: Callable[..., LiveServer], routes: Callable[[], list]
):
    service = start(RATE_LIMIT_EXPORTS="2")
    api = service.client(service.sso_login().access_token)
    save(api, "limited", 0)
    wait_for_fresh_rate_window()
    for _ in range(2):
        assert exported_wish(api) == "limited"
    refused = api.get("/api/tools/woop/export")
    assert refused.status_code == 429 and error_of(refused)["code"] == "RATE_LIMITED"
    assert routes() == [("export_tool", "replica")] * 2  # the third never reached a server


def test_a_lagging_replica_is_skipped_and_used_again_once_it_catches_up(
    pair: PrimaryAndStandby,
    start: Callable[..., LiveServer],
    routes: Callable[[], list],
    caplog: pytest.LogCaptureFixture,
):
    service = start(READ_REPLICA_MAX_LAG="0.5")
    api = service.client(service.sso_login().access_token)
    version = save(api, "before the pause", 0)
    assert exported_wish(api) == "before the pause"
    with pair.standby_admin() as standby:
        standby.execute("select pg_wal_replay_pause()")
        try:
            version = save(api, "while paused", version)
            # Behind the request's own write: answered by the primary, with that write.
            assert exported_wish(api) == "while paused"
            assert routes() == [("export_tool", "replica"), ("export_tool", "primary")]
            time.sleep(HEALTH_SECONDS + 0.6)  # past the cached health and the allowed lag
            assert exported_wish(api) == "while paused"
            assert any(r.getMessage().startswith("read replica lagging") for r in caplog.records)
            assert routes()[-1] == ("export_tool", "primary")
        finally:
            standby.execute("select pg_wal_replay_resume()")
    pair.wait_replayed()
    wait_for_replica(api, routes, "while paused")


def test_a_replica_that_is_down_is_skipped_without_failing_a_request(
    pair: PrimaryAndStandby, start: Callable[..., LiveServer], routes: Callable[[], list]
):
    service = start()
    api = service.client(service.sso_login().access_token)
    version = save(api, "up", 0)
    assert exported_wish(api) == "up"
    assert routes() == [("export_tool", "replica")]
    pair.standby.stop("immediate")
    try:
        for round_number in range(3):
            version = save(api, f"down {round_number}", version)
            assert exported_wish(api) == f"down {round_number}"  # 200, from the primary
        assert [server for _, server in routes()] == ["primary"] * 3
    finally:
        pair.standby.start()
    pair.wait_replayed()
    wait_for_replica(api, routes, "down 2")


def wait_for_replica(api: Any, routes: Callable[[], list], wish: str) -> None:
    """Export until the replica answers again (its health is looked at once a second)."""
    deadline = time.monotonic() + WAIT
    while True:
        assert exported_wish(api) == wish
        if routes()[-1] == ("export_tool", "replica"):
            return
        assert time.monotonic() < deadline, "the replica was not used again"
        time.sleep(0.2)
