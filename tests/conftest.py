"""Session-wide real PostgreSQL, a migrated template, and a fresh clone of it per test."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import psycopg
import pytest

from support import Server, connect
from support.databases import clone_database, create_template, drop_database
from support.servers import discover_server, prepare_owner


@pytest.fixture(scope="session")
def server() -> Iterator[Server]:
    """The server the suite runs on; `admin_url` is superuser, `owner_url()` is not."""
    with discover_server() as admin_url:
        yield prepare_owner(admin_url)


@pytest.fixture(scope="session")
def template_database(server: Server) -> Iterator[str]:
    """Migrated once per session; tests get clones, so migrate's cost is paid once."""
    name = create_template(server)
    yield name
    # A TEST_DATABASE_URL server outlives the session; leave nothing another role can't drop.
    drop_database(server, name)


@pytest.fixture(scope="session")
def migrated_url_factory(server: Server, template_database: str) -> Iterator[Callable[[], str]]:
    """For tests that need more than one migrated database; all are dropped at session end."""
    created: list[str] = []

    def make() -> str:
        created.append(clone_database(server, template_database))
        return server.owner_url(created[-1])

    yield make
    for name in created:
        drop_database(server, name)


@pytest.fixture
def database_url(server: Server, template_database: str) -> Iterator[str]:
    """URL (as the owner) of a migrated database private to this test."""
    name = clone_database(server, template_database)
    yield server.owner_url(name)
    drop_database(server, name)


@pytest.fixture
def conn(database_url: str) -> Iterator[psycopg.Connection[Any]]:
    """Autocommit, dict-row connection to this test's database."""
    with connect(database_url) as connection:
        yield connection
