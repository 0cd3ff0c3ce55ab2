"""A PostgreSQL 15 primary of a test's own with a real streaming standby (`pg_basebackup -R`),
both on 127.0.0.1, for the read-replica tests. Debian's postgresql-15 binaries (.ci/run installs
them); as root, the servers run as the `postgres` system user, which Debian's package creates.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

import psycopg
from psycopg import sql

from support.servers import Server, prepare_owner

BIN = Path("/usr/lib/postgresql/15/bin")
DBNAME = "fasttrack"
SYSTEM_USER = "postgres"
WAIT_SECONDS = 30.0


def _as_server_user() -> list[str]:
    return ["runuser", "-u", SYSTEM_USER, "--"] if os.geteuid() == 0 else []


def _run(*command: str | Path) -> None:
    done = subprocess.run(
        [*_as_server_user(), *map(str, command)], capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise RuntimeError(f"{command[0]} failed: {done.stdout}{done.stderr}")


def _free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class Instance:
    """One server: its data directory and port. Superuser `postgres`, trust on 127.0.0.1."""

    data: Path
    port: int
    log: Path

    def url(self, dbname: str = "postgres", user: str = "postgres") -> str:
        return f"host=127.0.0.1 port={self.port} dbname={dbname} user={user}"

    def start(self) -> None:
        _run(
            BIN / "pg_ctl",
            "-D",
            self.data,
            "-l",
            self.log,
            "-w",
            "-o",
            f"-p {self.port} -k {self.data} -c listen_addresses=127.0.0.1",
            "start",
        )

    def stop(self, mode: str = "fast") -> None:
        _run(BIN / "pg_ctl", "-D", self.data, "-m", mode, "-w", "stop")

    def running(self) -> bool:
        return (self.data / "postmaster.pid").exists()


@dataclass
class PrimaryAndStandby:
    primary: Instance
    standby: Instance
    owner: Server

    @property
    def primary_url(self) -> str:
        """The migrated database on the primary, as the non-superuser owner."""
        return self.owner.owner_url(DBNAME)

    @property
    def standby_url(self) -> str:
        """The same database on the standby, as the same owner (a standby has its roles)."""
        return self.standby.url(DBNAME, self.owner.owner)

    def wait_replayed(self) -> None:
        """Until the standby has replayed everything the primary has written so far."""
        with psycopg.connect(self.primary.url(), autocommit=True) as primary:
            row = primary.execute("select pg_current_wal_lsn()::text").fetchone()
        assert row is not None
        deadline = time.monotonic() + WAIT_SECONDS
        with psycopg.connect(self.standby.url(), autocommit=True) as standby:
            while not standby.execute(
                "select pg_last_wal_replay_lsn() >= %s::pg_lsn", (row[0],)
            ).fetchone()[0]:  # type: ignore[index]
                if time.monotonic() > deadline:
                    raise AssertionError("the standby did not catch up")
                time.sleep(0.05)

    def standby_admin(self) -> psycopg.Connection:
        return psycopg.connect(self.standby.url(), autocommit=True)


@contextmanager
def primary_and_standby() -> Iterator[PrimaryAndStandby]:
    """A migrated primary and its streaming standby; both removed on exit."""
    from fasttrack.migrate import migrate

    if not (BIN / "pg_basebackup").exists():
        raise RuntimeError(f"{BIN} is missing: apt-get install postgresql-15 (.ci/run does)")
    workdir = Path(tempfile.mkdtemp(prefix="fasttrack-replica-", dir="/tmp"))
    workdir.chmod(0o755)
    if os.geteuid() == 0:
        shutil.chown(workdir, SYSTEM_USER)
    primary = Instance(workdir / "primary", _free_port(), workdir / "primary.log")
    standby = Instance(workdir / "standby", _free_port(), workdir / "standby.log")
    try:
        _run(BIN / "initdb", "-D", primary.data, "-U", "postgres", "--auth=trust", "-E", "UTF8")
        primary.start()
        owner = prepare_owner(primary.url())
        with psycopg.connect(owner.owner_url("postgres"), autocommit=True) as conn:
            conn.execute(sql.SQL("create database {}").format(sql.Identifier(DBNAME)))
        migrate(owner.owner_url(DBNAME))
        _run(
            BIN / "pg_basebackup",
            "-h",
            "127.0.0.1",
            "-p",
            str(primary.port),
            "-U",
            "postgres",
            "-D",
            standby.data,
            "-R",  # standby.signal and primary_conninfo: a streaming standby
            "-X",
            "stream",
            "--checkpoint=fast",  # not a spread checkpoint: minutes on an idle server
        )
        standby.start()
        pair = PrimaryAndStandby(primary=primary, standby=standby, owner=owner)
        pair.wait_replayed()
        yield pair
    finally:
        for instance in (standby, primary):
            if instance.running():
                with suppress(RuntimeError):
                    instance.stop("immediate")
        shutil.rmtree(workdir, ignore_errors=True)
