"""Service settings, read once from the environment and validated at start-up (fail fast)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal, cast

import psycopg.conninfo

Environment = Literal["development", "test", "production"]
ENVIRONMENTS: tuple[Environment, ...] = ("development", "test", "production")
DEFAULT_PGDATA = Path("/var/tmp/fasttrack/pgdata")  # pgserver as root cannot live under /root


class SettingsError(ValueError):
    """A setting is missing or invalid; the message names the variable."""


@dataclass(frozen=True)
class Settings:
    env: Environment = "development"
    # repr=False: the URL may carry a password and settings end up in logs and tracebacks.
    database_url: str | None = field(default=None, repr=False)
    pgdata: Path = DEFAULT_PGDATA
    host: str = "127.0.0.1"
    port: int = 8000
    web_concurrency: int = 2
    db_pool_max: int = 10

    @property
    def uses_embedded_server(self) -> bool:
        """No DATABASE_URL outside production means: start the embedded PostgreSQL."""
        return self.database_url is None

    @classmethod
    def from_env(cls, env: Mapping[str, str] = os.environ) -> Settings:
        environment = _choice(env, "FT_ENV", ENVIRONMENTS, "development")
        database_url = _database_url(env, required=environment == "production")
        return cls(
            env=environment,
            database_url=database_url,
            pgdata=Path(_text(env, "FASTTRACK_PGDATA", str(DEFAULT_PGDATA))),
            host=_text(env, "HOST", "127.0.0.1"),
            port=_integer(env, "PORT", 8000, low=1, high=65535),
            web_concurrency=_integer(env, "WEB_CONCURRENCY", 2, low=1, high=256),
            db_pool_max=_integer(env, "DB_POOL_MAX", 10, low=1, high=1000),
        )


def _raw(env: Mapping[str, str], name: str) -> str | None:
    """The variable's value, or None when unset or blank (an empty export means unset)."""
    value = env.get(name, "").strip()
    return value or None


def _text(env: Mapping[str, str], name: str, default: str) -> str:
    return _raw(env, name) or default


def _choice(
    env: Mapping[str, str], name: str, allowed: tuple[Environment, ...], default: Environment
) -> Environment:
    value = _raw(env, name) or default
    if value not in allowed:
        raise SettingsError(f"{name}={value!r} is not one of: {', '.join(allowed)}")
    return cast(Environment, value)


def _integer(env: Mapping[str, str], name: str, default: int, *, low: int, high: int) -> int:
    raw = _raw(env, name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise SettingsError(f"{name}={raw!r} is not an integer") from None
    if not low <= value <= high:
        raise SettingsError(f"{name}={value} is out of range ({low}..{high})")
    return value


def _database_url(env: Mapping[str, str], *, required: bool) -> str | None:
    url = _raw(env, "DATABASE_URL")
    if url is None:
        if required:
            raise SettingsError("DATABASE_URL is required when FT_ENV=production")
        return None
    try:
        psycopg.conninfo.conninfo_to_dict(url)
    except psycopg.ProgrammingError:
        # Never echo the value or libpq's message: both may contain the password.
        raise SettingsError("DATABASE_URL is not a valid PostgreSQL connection string") from None
    return url
