"""Liveness never touches the database; readiness reports it, and a dead database is a 503."""

from __future__ import annotations

import json
import socket
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from fasttrack import create_app
from fasttrack.db import Database
from fasttrack.settings import Settings
from fasttrack.web import DB_EXTENSION
from fasttrack.web.health import READY_CACHE_SECONDS

REGISTRY = Path(__file__).resolve().parent.parent / "config" / "tool-registry.json"


@contextmanager
def _app(database_url: str) -> Iterator[Flask]:
    app = create_app(Settings(env="test"), database_url=database_url)
    app.config["TESTING"] = True
    yield app
    app.extensions[DB_EXTENSION].close()


@pytest.fixture
def client(database_url: str) -> Iterator[FlaskClient]:
    with _app(database_url) as app:
        yield app.test_client()


@pytest.fixture
def unreachable_client() -> Iterator[FlaskClient]:
    # A port that was free a moment ago: connecting is refused at once.
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    url = make_conninfo(host="127.0.0.1", port=port, user="nobody", dbname="nothing")
    with _app(url) as app:
        # The same pool, waiting 0.5 s instead of the production 5 s before giving up.
        app.extensions[DB_EXTENSION].close()
        app.extensions[DB_EXTENSION] = Database(url, timeout=0.5)
        yield app.test_client()


def _tool_count() -> int:
    registry = json.loads(REGISTRY.read_text())
    tools = registry["tools"] if isinstance(registry, dict) else registry
    return len(tools)


def test_health_answers_without_the_database(unreachable_client: FlaskClient) -> None:
    response = unreachable_client.get("/health")

    assert response.status_code == 200
    assert response.get_json() == {"data": {"status": "ok"}, "meta": {}}
    assert response.headers["X-Request-Id"]


def test_ready_reports_the_migrated_registry(client: FlaskClient) -> None:
    response = client.get("/ready")

    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["meta"] == {}
    assert body["data"]["tools"] == _tool_count()


class _CountingDatabase(Database):
    """The real pool, counting the calls it sends to PostgreSQL."""

    calls = 0

    def call(self, function, claims=None, **kwargs):  # type: ignore[no-untyped-def]
        self.calls += 1
        return super().call(function, claims, **kwargs)


def test_ready_answers_a_burst_from_one_database_call_and_names_no_database(
    database_url: str,
) -> None:
    with _app(database_url) as app:
        app.extensions[DB_EXTENSION].close()
        counting = app.extensions[DB_EXTENSION] = _CountingDatabase(database_url)
        client = app.test_client()

        burst = [client.get("/ready") for _ in range(50)]
        assert {response.status_code for response in burst} == {200}
        assert counting.calls == 1
        time.sleep(READY_CACHE_SECONDS + 0.1)
        assert client.get("/ready").status_code == 200
        assert counting.calls == 2

    body = burst[0].get_json()
    assert set(body["data"]) == {"tools", "tool_schemas"}
    database_name = conninfo_to_dict(database_url)["dbname"]
    assert database_name not in burst[0].get_data(as_text=True)


def test_ready_is_503_with_retry_after_when_the_database_is_unreachable(
    unreachable_client: FlaskClient,
) -> None:
    response = unreachable_client.get("/ready")

    assert response.status_code == 503
    assert response.headers["Retry-After"] == "5"
    error = response.get_json()["error"]
    assert error["code"] == "UNAVAILABLE"
    assert error["message"]
    assert error["details"] == {}


def test_unknown_route_is_a_json_404(unreachable_client: FlaskClient) -> None:
    response = unreachable_client.get("/no/such/route")

    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "NOT_FOUND"
    assert response.headers["X-Request-Id"]


def test_wrong_method_is_a_json_405_that_names_the_allowed_ones(
    unreachable_client: FlaskClient,
) -> None:
    response = unreachable_client.post("/health")

    assert response.status_code == 405
    assert response.get_json()["error"]["code"] == "METHOD_NOT_ALLOWED"
    assert "GET" in response.headers["Allow"]
