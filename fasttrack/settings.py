"""Service settings, read once from the environment and validated at start-up (fail fast)."""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, cast
from urllib.parse import urlsplit

import psycopg.conninfo

Environment = Literal["development", "test", "production"]
ENVIRONMENTS: tuple[Environment, ...] = ("development", "test", "production")
DEFAULT_PGDATA = Path("/var/tmp/fasttrack/pgdata")  # pgserver as root cannot live under /root
DEVELOPMENT_FRONTEND_URL = "http://127.0.0.1:8000/"
MIN_JWT_SECRET_BYTES = 32  # RFC 7518: an HS256 key must be at least as long as the hash
MIN_WEBHOOK_SECRET_BYTES = 32  # HMAC-SHA256 key for X-FastTrack-Signature
_MAX_PER_MINUTE = 1_000_000


class SettingsError(ValueError):
    """A setting is missing or invalid; the message names the variable."""


@dataclass(frozen=True)
class Settings:
    env: Environment = "development"
    # repr=False on every secret: settings end up in logs and tracebacks.
    database_url: str | None = field(default=None, repr=False)
    pgdata: Path = DEFAULT_PGDATA
    host: str = "127.0.0.1"
    port: int = 8000
    web_concurrency: int = 2  # gunicorn worker processes
    web_threads: int = 4  # request threads per worker (gunicorn's gthread workers)
    db_pool_max: int = 10
    # None: the app makes up a key for this process (development and tests only).
    jwt_secret_key: str | None = field(default=None, repr=False)
    jwt_secret_generated: bool = False  # from_env made it up: say so, and share it with workers
    learnworlds_sso_secret: str | None = field(default=None, repr=False)
    learnworlds_webhook_secret: str | None = field(default=None, repr=False)
    frontend_url: str = DEVELOPMENT_FRONTEND_URL
    cors_origins: tuple[str, ...] = ()
    rate_limit_default: int = 100  # requests per minute per user
    rate_limit_sso_failures: int = 10  # failed SSO attempts per minute per client ip
    rate_limit_exports: int = 10  # JSON and PDF exports per minute per user
    trust_proxy: bool = False  # take the client ip from X-Forwarded-For (behind one proxy)
    # The event delivery worker (flask --app app worker); see fasttrack/worker.py.
    webhook_urls: tuple[str, ...] = ()
    webhook_secret: str | None = field(default=None, repr=False)
    worker_max_attempts: int = 8  # then the event is dead (admins can retry it)
    worker_base_delay_seconds: float = 5.0  # retry n waits base * 2^(n-1), capped by the max
    worker_max_delay_seconds: float = 3600.0
    worker_http_timeout_seconds: float = 10.0  # connect and read, per receiver
    worker_shutdown_grace_seconds: float = 5.0  # on SIGTERM, then undelivered events are released
    # The AI assistant (POST /api/tools/<slug>/assist); see fasttrack/n8n.py.
    n8n_webhook_url: str | None = field(default=None, repr=False)  # None: not configured (503)
    n8n_timeout_seconds: float = 30.0
    ai_limit_user: int = 10  # questions per hour for users
    ai_limit_staff: int = 50  # ... for gurus and admins
    ai_failure_threshold: int = 5  # failures in a row that open the circuit breaker
    ai_cooldown_seconds: int = 60  # how long it stays open
    ai_store_answers: bool = False  # keep the agent's answer text in shared.ai_requests

    @property
    def uses_embedded_server(self) -> bool:
        """No DATABASE_URL outside production means: start the embedded PostgreSQL."""
        return self.database_url is None

    @classmethod
    def from_env(cls, env: Mapping[str, str] = os.environ) -> Settings:
        environment = _choice(env, "FT_ENV", ENVIRONMENTS, "development")
        development = environment == "development"
        database_url = _database_url(env, required=environment == "production")
        jwt_secret_key = _jwt_secret(env, required=not development)
        return cls(
            env=environment,
            database_url=database_url,
            pgdata=Path(_text(env, "FASTTRACK_PGDATA", str(DEFAULT_PGDATA))),
            host=_text(env, "HOST", "127.0.0.1"),
            port=_integer(env, "PORT", 8000, low=1, high=65535),
            web_concurrency=_integer(env, "WEB_CONCURRENCY", 2, low=1, high=256),
            web_threads=_integer(env, "WEB_THREADS", 4, low=1, high=256),
            db_pool_max=_integer(env, "DB_POOL_MAX", 10, low=1, high=1000),
            jwt_secret_key=jwt_secret_key or secrets.token_urlsafe(48),
            jwt_secret_generated=jwt_secret_key is None,
            learnworlds_sso_secret=_secret(env, "LEARNWORLDS_SSO_SECRET", required=not development),
            learnworlds_webhook_secret=_secret(
                env, "LEARNWORLDS_WEBHOOK_SECRET", required=not development
            ),
            frontend_url=_frontend_url(env, required=not development),
            cors_origins=_origins(env, "CORS_ORIGINS"),
            rate_limit_default=_integer(
                env, "RATE_LIMIT_DEFAULT", 100, low=1, high=_MAX_PER_MINUTE
            ),
            rate_limit_sso_failures=_integer(
                env, "RATE_LIMIT_SSO_FAILURES", 10, low=1, high=_MAX_PER_MINUTE
            ),
            rate_limit_exports=_integer(env, "RATE_LIMIT_EXPORTS", 10, low=1, high=_MAX_PER_MINUTE),
            trust_proxy=_boolean(env, "TRUST_PROXY", default=False),
            **_worker_settings(env),
            **_assistant_settings(env),
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


def _boolean(env: Mapping[str, str], name: str, *, default: bool) -> bool:
    raw = _raw(env, name)
    if raw is None:
        return default
    value = raw.lower()
    if value in ("1", "true", "yes", "on"):
        return True
    if value in ("0", "false", "no", "off"):
        return False
    raise SettingsError(f"{name}={raw!r} is not a boolean (true/false, 1/0, yes/no, on/off)")


def _secret(env: Mapping[str, str], name: str, *, required: bool) -> str | None:
    # Never echo a secret's value in a message; name the variable only.
    value = _raw(env, name)
    if value is None and required:
        raise SettingsError(f"{name} is required unless FT_ENV=development")
    return value


def _jwt_secret(env: Mapping[str, str], *, required: bool) -> str | None:
    value = _secret(env, "JWT_SECRET_KEY", required=required)
    if value is not None and len(value.encode()) < MIN_JWT_SECRET_BYTES:
        raise SettingsError(f"JWT_SECRET_KEY must be at least {MIN_JWT_SECRET_BYTES} bytes long")
    return value


def _http_url(name: str, value: str) -> str:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise SettingsError(f"{name}={value!r} is not an http(s) URL")
    return value


def _frontend_url(env: Mapping[str, str], *, required: bool) -> str:
    value = _raw(env, "FRONTEND_URL")
    if value is None:
        if required:
            raise SettingsError("FRONTEND_URL is required unless FT_ENV=development")
        return DEVELOPMENT_FRONTEND_URL
    return _http_url("FRONTEND_URL", value)


def _origins(env: Mapping[str, str], name: str) -> tuple[str, ...]:
    """Comma-separated origins (scheme://host[:port], no path), compared verbatim to Origin."""
    origins = []
    for item in (_raw(env, name) or "").split(","):
        origin = item.strip().rstrip("/")
        if not origin:
            continue
        parts = urlsplit(_http_url(name, origin))
        if parts.path or parts.query or parts.fragment:
            raise SettingsError(f"{name}: {origin!r} is not an origin (scheme://host[:port])")
        origins.append(origin)
    return tuple(origins)


def _number(env: Mapping[str, str], name: str, default: float, *, low: float, high: float) -> float:
    raw = _raw(env, name)
    if raw is None:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise SettingsError(f"{name}={raw!r} is not a number") from None
    if not low <= value <= high:  # also refuses nan
        raise SettingsError(f"{name}={value} is out of range ({low}..{high})")
    return value


def _worker_settings(env: Mapping[str, str]) -> dict[str, Any]:
    """WEBHOOK_* and WORKER_*: where and how the worker delivers completion events."""
    urls: list[str] = []
    items = [item.strip() for item in (_raw(env, "WEBHOOK_URLS") or "").split(",")]
    for position, url in enumerate(items, start=1):
        if not url:
            continue
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            # By position, not value: a receiver's URL may carry a token.
            raise SettingsError(f"WEBHOOK_URLS: item {position} is not an http(s) URL")
        if url not in urls:
            urls.append(url)
    secret = _raw(env, "WEBHOOK_SECRET")
    if urls and secret is None:
        raise SettingsError("WEBHOOK_SECRET is required when WEBHOOK_URLS is set")
    if secret is not None and len(secret.encode()) < MIN_WEBHOOK_SECRET_BYTES:
        raise SettingsError(
            f"WEBHOOK_SECRET must be at least {MIN_WEBHOOK_SECRET_BYTES} bytes long"
        )
    base = _number(env, "WORKER_BASE_DELAY_SECONDS", 5.0, low=0.0, high=86400.0)
    ceiling = _number(env, "WORKER_MAX_DELAY_SECONDS", 3600.0, low=0.0, high=7 * 86400.0)
    if ceiling < base:
        raise SettingsError(
            f"WORKER_MAX_DELAY_SECONDS={ceiling} is below WORKER_BASE_DELAY_SECONDS={base}"
        )
    return {
        "webhook_urls": tuple(urls),
        "webhook_secret": secret,
        "worker_max_attempts": _integer(env, "WORKER_MAX_ATTEMPTS", 8, low=1, high=1000),
        "worker_base_delay_seconds": base,
        "worker_max_delay_seconds": ceiling,
        "worker_http_timeout_seconds": _number(
            env, "WORKER_HTTP_TIMEOUT_SECONDS", 10.0, low=0.1, high=600.0
        ),
        "worker_shutdown_grace_seconds": _number(
            env, "WORKER_SHUTDOWN_GRACE_SECONDS", 5.0, low=0.0, high=600.0
        ),
    }


def _assistant_settings(env: Mapping[str, str]) -> dict[str, Any]:
    """N8N_* and AI_*: where the AI agent listens, how long to wait, the limits in SQL."""
    url = _raw(env, "N8N_WEBHOOK_URL")
    if url is not None:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            # Never the value: a webhook URL may carry a token.
            raise SettingsError("N8N_WEBHOOK_URL is not an http(s) URL")
    return {
        "n8n_webhook_url": url,
        "n8n_timeout_seconds": _number(env, "N8N_TIMEOUT_SECONDS", 30.0, low=0.1, high=600.0),
        "ai_limit_user": _integer(env, "AI_LIMIT_USER", 10, low=1, high=_MAX_PER_MINUTE),
        "ai_limit_staff": _integer(env, "AI_LIMIT_STAFF", 50, low=1, high=_MAX_PER_MINUTE),
        "ai_failure_threshold": _integer(env, "AI_FAILURE_THRESHOLD", 5, low=1, high=1000),
        "ai_cooldown_seconds": _integer(env, "AI_COOLDOWN_SECONDS", 60, low=1, high=86400),
        "ai_store_answers": _boolean(env, "AI_STORE_ANSWERS", default=False),
    }


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
