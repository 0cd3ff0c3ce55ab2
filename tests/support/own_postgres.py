"""A PostgreSQL server of a test's own, so the test may stop it and start it again.

An embedded pgserver (PostgreSQL 16) in a throw-away directory under /tmp, with the same
non-superuser owner role as the suite's server and one migrated database. Whatever server the
suite itself runs on (TEST_DATABASE_URL, Docker) is never touched.
"""

from __future__ import annotations

import tempfile
import warnings
from dataclasses import dataclass
from typing import Any

import psycopg
from psycopg import sql

from support.servers import Server, prepare_owner

DBNAME = "fasttrack"


@dataclass
class OwnPostgres:
    handle: Any  # pgserver.PostgresServer
    admin_url: str
    owner: Server

    @property
    def database_url(self) -> str:
        return self.owner.owner_url(DBNAME)

    def stop(self, mode: str = "immediate") -> None:
        """pg_ctl stop: `immediate` is a crash as far as clients can tell (no goodbye, sessions
        cut, recovery from the WAL at the next start)."""
        from pgserver import _commands

        _commands.pg_ctl(
            ["-w", "-m", mode, "stop"], pgdata=self.handle.pgdata, user=self.handle.system_user
        )

    def start(self) -> None:
        """Start it again, on the same socket: the service's URL stays valid."""
        with self.handle._lock:
            self.handle.ensure_postgres_running()
        assert self.handle.get_uri("postgres") == self.admin_url, "the server moved"

    def cleanup(self) -> None:
        self.handle.cleanup()


def start_own_postgres() -> OwnPostgres:
    """Start a fresh server, create the owner role and a migrated database."""
    from fasttrack.migrate import migrate

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import pgserver

    # As root, pgserver runs postgres as its own system user and opens the data directory's
    # parents to it: stay under /tmp.
    handle = pgserver.get_server(
        tempfile.mkdtemp(dir="/tmp", prefix="fasttrack-own-pg-"), cleanup_mode="delete"
    )
    try:
        admin_url = handle.get_uri("postgres")
        owner = prepare_owner(admin_url)
        with psycopg.connect(owner.owner_url("postgres"), autocommit=True) as conn:
            conn.execute(sql.SQL("create database {}").format(sql.Identifier(DBNAME)))
        migrate(owner.owner_url(DBNAME))
    except BaseException:
        handle.cleanup()
        raise
    return OwnPostgres(handle=handle, admin_url=admin_url, owner=owner)
