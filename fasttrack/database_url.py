"""Where the database is: DATABASE_URL, or the embedded server. Shared by the CLI and launcher."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from psycopg.conninfo import conninfo_to_dict

from fasttrack.embedded import start_embedded
from fasttrack.settings import Settings


@contextmanager
def resolved_database_url(settings: Settings) -> Iterator[str]:
    """Yield the URL to use; when it is the embedded server's, release it on exit.

    Production always has DATABASE_URL (Settings enforces it), so only development and test
    fall back to the embedded server.
    """
    if settings.database_url is not None:
        yield settings.database_url
        return
    server, url = start_embedded(settings.pgdata)
    try:
        yield url
    finally:
        server.cleanup()


def describe(url: str) -> str:
    """A password-free "database D as U on HOST:PORT" for messages and logs."""
    parts = conninfo_to_dict(url)
    where = parts.get("host") or "localhost"
    if parts.get("port"):
        where += f":{parts['port']}"
    user = f" as {parts['user']}" if parts.get("user") else ""
    return f"database {parts.get('dbname', '(default)')}{user} on {where}"
