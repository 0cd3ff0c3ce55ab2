"""Session-wide real PostgreSQL, a migrated template, and a fresh clone of it per test.

With --through-pgbouncer the services reach each test's database through a real PgBouncer in
transaction pooling mode (tests/support/pgbouncer.py): `database_url` is then the pooler's,
while `direct_database_url` and `conn` stay on the server itself (set-up, checks, LISTEN).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import psycopg
import pytest

from support import Server, connect
from support.databases import clone_database, create_template, drop_database
from support.pgbouncer import PgBouncer, running_pgbouncer
from support.servers import discover_server, prepare_owner

THROUGH_PGBOUNCER = "--through-pgbouncer"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        THROUGH_PGBOUNCER,
        action="store_true",
        help="hand the services a PgBouncer (transaction pooling) in front of the test server",
    )


@pytest.fixture(scope="session")
def server() -> Iterator[Server]:
    """The server the suite runs on; `admin_url` is superuser, `owner_url()` is not."""
    with discover_server() as admin_url:
        yield prepare_owner(admin_url)


@pytest.fixture(scope="session")
def pooler(request: pytest.FixtureRequest, server: Server) -> Iterator[PgBouncer | None]:
    """PgBouncer in transaction mode in front of `server` with --through-pgbouncer, else None."""
    if not request.config.getoption(THROUGH_PGBOUNCER):
        yield None
        return
    with running_pgbouncer(server) as pgbouncer:
        yield pgbouncer


@pytest.fixture(scope="session")
def template_database(server: Server) -> Iterator[str]:
    """Migrated once per session; tests get clones, so migrate's cost is paid once."""
    name = create_template(server)
    yield name
    # A TEST_DATABASE_URL server outlives the session; leave nothing another role can't drop.
    drop_database(server, name)


@pytest.fixture(scope="session")
def migrated_url_factory(
    server: Server, template_database: str, pooler: PgBouncer | None
) -> Iterator[Callable[[], str]]:
    """For tests that need more than one migrated database; all are dropped at session end.
    The URLs are the pooler's with --through-pgbouncer."""
    created: list[str] = []

    def make() -> str:
        created.append(clone_database(server, template_database))
        direct = server.owner_url(created[-1])
        return direct if pooler is None else pooler.url(direct)

    yield make
    for name in created:
        _drop(server, pooler, name)


@pytest.fixture
def test_database(
    server: Server, template_database: str, pooler: PgBouncer | None
) -> Iterator[str]:
    """Name of a migrated database private to this test."""
    name = clone_database(server, template_database)
    yield name
    _drop(server, pooler, name)


@pytest.fixture
def direct_database_url(server: Server, test_database: str) -> str:
    """URL (as the owner) of this test's database on the server itself, never through a
    pooler: for LISTEN, and for the test's own look at the data."""
    return server.owner_url(test_database)


@pytest.fixture
def database_url(direct_database_url: str, pooler: PgBouncer | None) -> str:
    """URL (as the owner) of this test's database as the services get it: the server's, or
    with --through-pgbouncer the pooler's (transaction pooling)."""
    return direct_database_url if pooler is None else pooler.url(direct_database_url)


@pytest.fixture
def conn(direct_database_url: str) -> Iterator[psycopg.Connection[Any]]:
    """Autocommit, dict-row connection to this test's database (direct)."""
    with connect(direct_database_url) as connection:
        yield connection


def _drop(server: Server, pooler: PgBouncer | None, name: str) -> None:
    if pooler is not None:
        pooler.forget(name)
    drop_database(server, name)
