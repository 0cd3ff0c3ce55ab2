"""Find a real PostgreSQL server for the suite and the non-superuser owner role it runs as.

Order: TEST_DATABASE_URL; a testcontainers postgres:16 when a Docker engine answers; an embedded
pgserver in a throw-away directory. Everything after set-up runs as the owner, because
production (Supabase's `postgres` role) is not a superuser either.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import psycopg
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict, make_conninfo

OWNER_ROLE = "fasttrack_owner"
OWNER_PASSWORD = "fasttrack_owner"  # test-only; pgserver uses trust auth and ignores it


@dataclass(frozen=True)
class Server:
    admin_url: str  # superuser, unless TEST_DATABASE_URL gave a non-superuser
    owner: str
    owner_password: str | None = None

    @property
    def maintenance_dbname(self) -> str:
        """The database to connect to for CREATE/DROP DATABASE."""
        return conninfo_to_dict(self.admin_url).get("dbname") or "postgres"

    def owner_url(self, dbname: str) -> str:
        return make_conninfo(
            self.admin_url, user=self.owner, password=self.owner_password, dbname=dbname
        )


@contextmanager
def discover_server() -> Iterator[str]:
    """Yield an admin URL for a running server; stop whatever was started on exit."""
    url = os.environ.get("TEST_DATABASE_URL", "").strip()
    if url:
        yield url
    elif _docker_answers():
        yield from _container()
    else:
        yield from _embedded()


def prepare_owner(admin_url: str) -> Server:
    """Create (or refresh) the owner role when we are superuser; else run as the given role."""
    with psycopg.connect(admin_url, autocommit=True) as conn:
        row = conn.execute(
            "select current_user, rolsuper from pg_catalog.pg_roles where rolname = current_user"
        ).fetchone()
        assert row is not None
        user, is_superuser = row
        if not is_superuser:
            return Server(admin_url=admin_url, owner=user)
        exists = conn.execute(
            "select 1 from pg_catalog.pg_roles where rolname = %s", (OWNER_ROLE,)
        ).fetchone()
        conn.execute(
            sql.SQL("{} role {} login nosuperuser createdb createrole password {}").format(
                sql.SQL("alter" if exists else "create"),
                sql.Identifier(OWNER_ROLE),
                sql.Literal(OWNER_PASSWORD),
            )
        )
    return Server(admin_url=admin_url, owner=OWNER_ROLE, owner_password=OWNER_PASSWORD)


def _docker_answers() -> bool:
    # The `docker` command existing proves nothing; only a ping to the engine does.
    try:
        import docker

        client = docker.from_env(timeout=2)
        try:
            return bool(client.ping())
        finally:
            client.close()
    except Exception:
        return False


def _container() -> Iterator[str]:
    from testcontainers.community.postgres import PostgresContainer

    with PostgresContainer("postgres:16", driver=None) as container:
        yield container.get_connection_url()


def _embedded() -> Iterator[str]:
    import pgserver

    # As root, pgserver opens the data dir's parents to its system user: stay under /tmp.
    server = pgserver.get_server(tempfile.mkdtemp(dir="/tmp"), cleanup_mode="delete")
    try:
        yield server.get_uri("postgres")
    finally:
        server.cleanup()
