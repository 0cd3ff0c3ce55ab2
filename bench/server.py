"""Where the benchmark runs: a throw-away embedded PostgreSQL under /tmp, or a given database.

The throw-away server is tuned once (shared_buffers) and restarted, then gets the same
non-superuser owner role the test suite uses, and one migrated database per data size.
"""

from __future__ import annotations

import sys
import tempfile
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import psycopg
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict, make_conninfo

OWNER_ROLE = "fasttrack_owner"
SERVER_SETTINGS = {
    # 24 GiB machine: give PostgreSQL a realistic cache instead of the 128 MB default.
    "shared_buffers": "2GB",
    "max_connections": "200",
    # the bulk seed writes gigabytes: fewer forced checkpoints (and full-page writes) meanwhile
    "max_wal_size": "8GB",
}


@dataclass(frozen=True)
class Cluster:
    """A running server: `admin_url` is a superuser (None when we were only given a database)."""

    admin_url: str | None
    owner_url_template: str  # the owner's URL; dbname is replaced per database
    pginstall: Path | None  # where pgbench lives (pgserver's binaries), when we know
    pgdata: Path | None = None  # the throw-away server's data directory (for CPU accounting)

    def owner_url(self, dbname: str) -> str:
        return make_conninfo(self.owner_url_template, dbname=dbname)

    def create_database(self, dbname: str) -> str:
        """A fresh, migrated database owned by the owner role; returns its URL."""
        from fasttrack.migrate import migrate

        with psycopg.connect(self.owner_url("postgres"), autocommit=True) as conn:
            conn.execute(
                sql.SQL("drop database if exists {} with (force)").format(sql.Identifier(dbname))
            )
            conn.execute(sql.SQL("create database {}").format(sql.Identifier(dbname)))
        url = self.owner_url(dbname)
        migrate(url)
        return url


def pgserver_bin() -> Path | None:
    """pgserver ships pgbench beside postgres; None when pgserver is not installed."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            import pgserver
    except ImportError:
        return None
    path = Path(pgserver.__file__).parent / "pginstall" / "bin"
    return path if (path / "pgbench").exists() else None


@contextmanager
def throwaway_cluster(*, keep: bool = False) -> Iterator[Cluster]:
    """Start an embedded PostgreSQL under /tmp, tuned; delete it (data and all) on exit,
    or only stop it when `keep` (pgserver.get_server on the same directory restarts it)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import pgserver

    # As root, pgserver runs postgres as its own system user and opens the parents of the
    # data directory to it: stay under /tmp.
    pgdata = Path(tempfile.mkdtemp(dir="/tmp", prefix="fasttrack-bench-"))
    server = pgserver.get_server(pgdata, cleanup_mode="stop")
    with psycopg.connect(server.get_uri("postgres"), autocommit=True) as conn:
        for name, value in SERVER_SETTINGS.items():
            conn.execute(
                sql.SQL("alter system set {} = {}").format(sql.Identifier(name), sql.Literal(value))
            )
    server.cleanup()  # stops it; the next handle starts it with the new settings
    server = pgserver.get_server(pgdata, cleanup_mode="stop" if keep else "delete")
    try:
        admin_url = server.get_uri("postgres")
        yield Cluster(
            admin_url=admin_url,
            owner_url_template=prepare_owner(admin_url),
            pginstall=pgserver_bin(),
            pgdata=pgdata,
        )
    finally:
        server.cleanup()
        if keep:
            print(f"benchmark server kept (stopped): {pgdata}", file=sys.stderr)


def prepare_owner(admin_url: str) -> str:
    """Create the non-superuser owner (as on Supabase) and return its URL."""
    with psycopg.connect(admin_url, autocommit=True) as conn:
        exists = conn.execute(
            "select 1 from pg_catalog.pg_roles where rolname = %s", (OWNER_ROLE,)
        ).fetchone()
        conn.execute(
            sql.SQL("{} role {} login nosuperuser createdb createrole").format(
                sql.SQL("alter" if exists else "create"), sql.Identifier(OWNER_ROLE)
            )
        )
    return make_conninfo(admin_url, user=OWNER_ROLE, password=None)


def cluster_for_database(url: str) -> Cluster:
    """Benchmark an existing migrated database (the smoke test's): no superuser, no tuning."""
    return Cluster(admin_url=None, owner_url_template=url, pginstall=pgserver_bin())


def libpq_env(url: str) -> dict[str, str]:
    """PG* variables for command-line clients (pgbench) from a URL."""
    params = conninfo_to_dict(url)
    names = {
        "host": "PGHOST",
        "port": "PGPORT",
        "user": "PGUSER",
        "password": "PGPASSWORD",
        "dbname": "PGDATABASE",
    }
    return {
        names[key]: str(value)
        for key, value in params.items()
        if key in names and value not in (None, "")
    }
