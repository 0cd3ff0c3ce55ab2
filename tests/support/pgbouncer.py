"""A real PgBouncer in transaction pooling mode in front of the suite's server, as Supabase's
pooler (port 6543) stands in front of its database.

`bin/test --through-pgbouncer` starts Debian's `pgbouncer` (found on PATH, or in /usr/sbin)
on a free port of 127.0.0.1, forwarding every database name to the suite's server, and the
`database_url` fixture hands the services its URL instead of the server's. In transaction mode
each transaction may run on another server session: a prepared statement, a session setting
or a session-level lock that outlives its transaction breaks there, as it would in production.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import psycopg
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from support.servers import Server

START_SECONDS = 15.0
# pgbouncer refuses to run as root; as root it is started as this user instead (or, for a
# server on a Unix socket, as the socket's owner, who can surely reach it).
UNPRIVILEGED_USER = "nobody"


@dataclass(frozen=True)
class PgBouncer:
    host: str
    port: int
    server: Server

    def url(self, direct_url: str) -> str:
        """The same database and login as `direct_url`, through the pooler."""
        return make_conninfo(direct_url, host=self.host, port=str(self.port))

    def forget(self, dbname: str) -> None:
        """Close the pooler's server connections to a database that is about to be dropped
        (they would hold it open); the admin console speaks the simple query protocol only."""
        admin = make_conninfo(
            self.url(self.server.owner_url("pgbouncer")), application_name="test-admin"
        )
        with psycopg.connect(admin, autocommit=True, cursor_factory=psycopg.ClientCursor) as conn:
            for command in (f'kill "{dbname}"', f'resume "{dbname}"'):
                # An error: never connected through the pooler, nothing to close.
                with contextlib.suppress(psycopg.Error):
                    conn.execute(command)


def binary() -> str:
    found = shutil.which("pgbouncer") or shutil.which("pgbouncer", path="/usr/sbin")
    if not found:
        raise RuntimeError(
            "--through-pgbouncer needs pgbouncer: apt-get install pgbouncer (.ci/run does)"
        )
    return found


@contextmanager
def running_pgbouncer(server: Server) -> Iterator[PgBouncer]:
    """Start pgbouncer in front of `server` (transaction pooling); stop it on exit."""
    target = conninfo_to_dict(server.admin_url)
    host = str(target.get("host") or "127.0.0.1")
    server_port = str(target.get("port") or "5432")
    port = _free_port()
    with tempfile.TemporaryDirectory(prefix="fasttrack-pgbouncer-", dir="/tmp") as workdir:
        folder = Path(workdir)
        folder.chmod(0o755)  # readable by the unprivileged user pgbouncer runs as
        users = folder / "users.txt"
        # trust: no client authentication; the password is what pgbouncer logs in with.
        password = server.owner_password or target.get("password") or ""
        users.write_text(f'"{server.owner}" "{password}"\n')
        config = folder / "pgbouncer.ini"
        config.write_text(
            "\n".join(
                [
                    "[databases]",
                    f"* = host={host} port={server_port}",
                    "[pgbouncer]",
                    "listen_addr = 127.0.0.1",
                    f"listen_port = {port}",
                    "unix_socket_dir =",
                    "auth_type = trust",
                    f"auth_file = {users}",
                    f"admin_users = {server.owner}",
                    "pool_mode = transaction",
                    "max_client_conn = 1000",
                    "default_pool_size = 20",
                    "max_db_connections = 40",
                    "server_lifetime = 3600",
                    # Drop idle server connections soon, so dropped test databases are let go.
                    "server_idle_timeout = 10",
                    "ignore_startup_parameters = extra_float_digits,options",
                    "",
                ]
            )
        )
        for path in (users, config):
            path.chmod(0o644)
        command = [binary(), str(config)]
        if os.geteuid() == 0:
            command[1:1] = ["-u", _run_as(host, server_port)]
        log = (folder / "stderr.log").open("w")
        process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
        try:
            pooler = PgBouncer(host="127.0.0.1", port=port, server=server)
            _wait_until_ready(pooler, process, folder / "stderr.log")
            yield pooler
        finally:
            process.terminate()
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
            log.close()


def _run_as(host: str, port: str) -> str:
    if host.startswith("/"):
        owner = Path(host, f".s.PGSQL.{port}").stat().st_uid
        if owner != 0:
            return pwd.getpwuid(owner).pw_name
    pwd.getpwnam(UNPRIVILEGED_USER)  # fail clearly when the user is missing
    return UNPRIVILEGED_USER


def _wait_until_ready(pooler: PgBouncer, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + START_SECONDS
    probe = pooler.url(pooler.server.owner_url(pooler.server.maintenance_dbname))
    while True:
        if process.poll() is not None:
            raise RuntimeError(f"pgbouncer exited ({process.returncode}): {log.read_text()}")
        try:
            with psycopg.connect(probe, connect_timeout=2, prepare_threshold=None) as conn:
                conn.execute("select 1")
            return
        except psycopg.OperationalError:
            if time.monotonic() > deadline:
                raise RuntimeError(f"pgbouncer did not answer: {log.read_text()}") from None
            time.sleep(0.1)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]
