"""The service over real HTTP: the app factory served by werkzeug on a free port, on this test's
migrated database (see live_http.py for the helpers the fixtures hand out).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from live_http import TEST_ENV, LiveServer, Running, start_server, stop_server

from fasttrack import create_app
from fasttrack.settings import Settings


@pytest.fixture
def live_server_factory(database_url: str) -> Iterator[Callable[..., LiveServer]]:
    """Start a server with the test settings, changed by keyword (RATE_LIMIT_DEFAULT="3"), or
    pointed at another database (database_url=...). All are stopped after the test."""
    started: list[Running] = []

    def start(*, database_url: str = database_url, **overrides: str) -> LiveServer:
        env = {**TEST_ENV, **overrides}
        settings = Settings.from_env(env)
        app = create_app(settings=settings, database_url=database_url)
        started.append(start_server(app, settings, env))
        return started[-1].live

    yield start
    for running in reversed(started):
        stop_server(running)


@pytest.fixture
def live_server(live_server_factory: Callable[..., LiveServer]) -> LiveServer:
    """The service on a free port of 127.0.0.1, on this test's database, test settings."""
    return live_server_factory()
