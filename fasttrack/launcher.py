"""`python -m fasttrack.launcher` (bin/run): resolve the database, migrate, serve the app
(fasttrack/http_server.py: granian).

With DATABASE_URL unset (development) the embedded PostgreSQL is started on FASTTRACK_PGDATA and
stopped again when the server exits. Extra arguments are passed on to fasttrack.http_server
(--workers, --threads, --graceful-timeout).
"""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
from pathlib import Path
from types import FrameType

from fasttrack.cli import format_report
from fasttrack.database_url import describe, resolved_database_url
from fasttrack.logs import configure_logging
from fasttrack.settings import Settings, SettingsError

REPO_ROOT = Path(__file__).resolve().parent.parent  # where app.py lives, for the server's import
FORWARDED_SIGNALS = (signal.SIGINT, signal.SIGTERM)

log = logging.getLogger("fasttrack.launcher")


def main(argv: list[str] | None = None) -> int:
    configure_logging()
    for chatty in ("pgserver", "yoyo"):  # step-by-step logs; the migrate report says enough
        logging.getLogger(chatty).setLevel(logging.WARNING)
    server_args = sys.argv[1:] if argv is None else argv
    try:
        settings = Settings.from_env()
    except SettingsError as error:
        print(f"fasttrack: {error}", file=sys.stderr)
        return 2

    # SIGTERM before the server runs (e.g. during migrate) must still stop the embedded server.
    signal.signal(signal.SIGTERM, _exit_on_signal)
    with resolved_database_url(settings) as url:
        if settings.uses_embedded_server:
            print(f"Embedded PostgreSQL data directory: {settings.pgdata.expanduser().resolve()}")
            print(f"Embedded PostgreSQL URL: {url}")  # trust auth: no password in it
        else:
            print(f"Database: {describe(url)}")
        if not _migrate(url):
            return 1
        return serve(settings, url, server_args)


def _migrate(url: str) -> bool:
    from fasttrack.migrate import migrate  # loaded only when the database needs migrating

    try:
        report = migrate(url)
    except Exception as error:
        print(f"fasttrack: migrate failed: {error}", file=sys.stderr)
        return False
    print(format_report(report))
    return True


def server_command(bind: str, *extra_args: str) -> list[str]:
    """How the service is served, by bin/run, the benchmark and the HTTP tests alike: workers,
    threads and logs come from fasttrack.http_server (WEB_CONCURRENCY, WEB_THREADS)."""
    return [sys.executable, "-m", "fasttrack.http_server", "--bind", bind, *extra_args]


def serve(settings: Settings, url: str, extra_args: list[str]) -> int:
    """Run the server until it exits; return its exit status (128 + signal when killed)."""
    command = server_command(_bind_address(settings.host, settings.port), *extra_args)
    env = {**os.environ, "DATABASE_URL": url}
    if settings.jwt_secret_generated and settings.jwt_secret_key:
        # Every worker builds its own Settings: hand them one key, or a token made by one
        # worker would be refused by the next.
        log.warning("JWT_SECRET_KEY is not set: using a random key until the service stops")
        env["JWT_SECRET_KEY"] = settings.jwt_secret_key
    child = subprocess.Popen(command, cwd=REPO_ROOT, env=env)

    def forward(signum: int, _frame: FrameType | None) -> None:
        # The server decides how to shut down; we only wait for it so the database stops last.
        child.send_signal(signum)

    previous = {signum: signal.signal(signum, forward) for signum in FORWARDED_SIGNALS}
    try:
        status = child.wait()
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
    log.info("the HTTP server exited with status %s", status)
    return status if status >= 0 else 128 - status


def _exit_on_signal(signum: int, _frame: FrameType | None) -> None:
    sys.exit(128 + signum)  # SystemExit unwinds the `with`, unlike the default handler


def _bind_address(host: str, port: int) -> str:
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


if __name__ == "__main__":
    sys.exit(main())
