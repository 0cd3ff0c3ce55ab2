"""Service settings, read once from the environment and validated at start-up (fail fast).

Every setting read from the environment is declared once, below (with the helpers of
fasttrack/setting_declarations.py): its variable, its default, how its text is read
(fasttrack/setting_parsers.py) and what it means. from_env reads the
declarations, and the README's configuration tables are the same declarations rendered
(`python -m devtools.settings_table` prints them; tests/test_readme_settings.py compares).
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any, Literal, cast

from fasttrack import setting_parsers as parse
from fasttrack.assistant_settings import AssistantSettings
from fasttrack.setting_declarations import SECTIONS, Section, Variable, service
from fasttrack.setting_parsers import SettingsError
from fasttrack.worker_settings import WorkerSettings

__all__ = [
    "ENVIRONMENTS",
    "Environment",
    "Section",
    "Settings",
    "SettingsError",
    "Variable",
    "variables",
]

Environment = Literal["development", "test", "production"]
ENVIRONMENTS: tuple[Environment, ...] = ("development", "test", "production")
DEFAULT_PGDATA = Path("/var/tmp/fasttrack/pgdata")  # pgserver as root cannot live under /root
SIGNED_IN_PATH = "/dev/signed-in"  # fasttrack/web/dev_pages.py
MIN_JWT_SECRET_BYTES = 32  # RFC 7518: an HS256 key must be at least as long as the hash
MIN_METRICS_TOKEN_BYTES = 32  # the scrape's bearer token: as hard to guess as the other keys
_LIMIT = parse.integer(1, 1_000_000)  # a rate limit: requests per period


@dataclass(frozen=True)
class Settings(WorkerSettings, AssistantSettings):
    """The service's own settings below; the worker's and the assistant's are inherited."""

    env: Environment = service(
        "FT_ENV",
        "development",
        parse.choice(ENVIRONMENTS),
        "`development`, `test` or `production`. Outside development the secrets and "
        "`FRONTEND_URL` below are required; in production `DATABASE_URL` too.",
    )
    database_url: str | None = service(
        "DATABASE_URL",
        None,
        parse.conninfo,
        "libpq URL of the database. Unset outside production: the embedded server.",
        required="in production",
        secret=True,
    )
    database_direct_url: str | None = service(
        "DATABASE_DIRECT_URL",
        None,
        parse.conninfo,
        "libpq URL of the same database without a transaction pooler in between (Supabase's "
        "port 5432, where `DATABASE_URL` is the pooled 6543): the worker's LISTEN, and the URL "
        "to migrate with. Unset: the worker polls every `WORKER_POLL_SECONDS`.",
        secret=True,
    )
    database_prepared_statements: str = service(
        "DATABASE_PREPARED_STATEMENTS",
        "auto",
        parse.choice(("auto", "on", "off")),
        "Prepare each api call's statements on the server (`on`), never (`off`: required "
        "behind a transaction pooler), or `auto`: only when `DATABASE_URL` is a Unix socket or "
        "port 5432 on a host not named `*pooler*` (Supabase's direct URL, not its pooled 6543).",
    )
    database_read_url: str | None = service(
        "DATABASE_READ_URL",
        None,
        parse.conninfo,
        "libpq URL of a read replica: the heavy read-only calls (exports, organization "
        "progress, the coach's organization list, dashboard and team view) go there while it "
        "is up and close enough. Unset: everything on the primary.",
        secret=True,
    )
    read_replica_max_lag: float = service(
        "READ_REPLICA_MAX_LAG",
        5.0,
        parse.number(0.0, 3600.0),
        "Seconds a replica may be behind the primary and still be read from.",
    )
    pgdata: Path = service(
        "FASTTRACK_PGDATA",
        DEFAULT_PGDATA,
        parse.path,
        "Data directory of the embedded server (keep it under /tmp or /var/tmp: as root, "
        "pgserver runs the server as its own system user).",
    )
    host: str = service("HOST", "127.0.0.1", parse.text, "The address `bin/run` listens on.")
    port: int = service("PORT", 8000, parse.integer(1, 65535), "The port `bin/run` listens on.")
    web_concurrency: int = service(
        "WEB_CONCURRENCY",
        2,
        parse.integer(1, 256),
        "HTTP server worker processes (granian, `fasttrack/http_server.py`).",
    )
    web_threads: int = service(
        "WEB_THREADS",
        4,
        parse.integer(1, 256),
        "Request threads per worker (granian's blocking threads): requests a worker serves at "
        "once (an n8n question or a PDF render holds one).",
    )
    db_pool_max: int = service("DB_POOL_MAX", 10, parse.integer(1, 1000), "Connections per worker.")
    jwt_secret_key: str | None = service(
        "JWT_SECRET_KEY",
        None,
        parse.secret(MIN_JWT_SECRET_BYTES),
        "HS256 key of the access tokens, at least 32 bytes. Unset in development: a random "
        "key for this run (logged as such, never printed), so tokens die with the process.",
        required="outside development",
        secret=True,
        shown_default="made up per run in development",
    )
    # Not a variable: from_env made the key up, so say so, and share it with workers.
    jwt_secret_generated: bool = False
    learnworlds_sso_secret: str | None = service(
        "LEARNWORLDS_SSO_SECRET",
        None,
        parse.secret(),
        "Key of the SSO signature (HMAC-SHA256). Without it no SSO login succeeds.",
        required="outside development",
        secret=True,
    )
    learnworlds_webhook_secret: str | None = service(
        "LEARNWORLDS_WEBHOOK_SECRET",
        None,
        parse.secret(),
        "Key of `Learnworlds-Webhook-Signature`. Without it every webhook is refused.",
        required="outside development",
        secret=True,
    )
    frontend_url: str = service(
        "FRONTEND_URL",
        f"http://127.0.0.1:8000{SIGNED_IN_PATH}",  # what from_env derives from HOST and PORT
        parse.http_url,
        "Where `GET /api/auth/sso` sends the browser (http or https URL). Unset in "
        f"development: the service's own `{SIGNED_IN_PATH}` page on `HOST` and `PORT`, which "
        "shows whom the token signs in.",
        required="outside development",
        shown_default=f"`http://HOST:PORT{SIGNED_IN_PATH}` in development",
    )
    cors_origins: tuple[str, ...] = service(
        "CORS_ORIGINS",
        (),
        parse.origins,
        "Comma-separated origins (`https://tools.example.com`) whose pages may call the API "
        "with credentials.",
    )
    refresh_cookie_samesite: str = service(
        "REFRESH_COOKIE_SAMESITE",
        "Strict",
        parse.choice(("Strict", "Lax", "None")),
        "SameSite of the refresh cookie (always `Secure`, `HttpOnly`). `Strict` serves pages on "
        "the API's own site, other origins of it included (`tools.example.com` with "
        "`api.example.com`); `None` only for pages on another site, and browsers that block "
        "third-party cookies then drop it: keep the pages on the API's site.",
    )
    rate_limit_default: int = service(
        "RATE_LIMIT_DEFAULT",
        100,
        _LIMIT,
        "Requests per minute per user (every authenticated call, refresh included).",
    )
    rate_limit_sso_failures: int = service(
        "RATE_LIMIT_SSO_FAILURES",
        10,
        _LIMIT,
        "Failed SSO attempts per minute per client address.",
    )
    rate_limit_exports: int = service(
        "RATE_LIMIT_EXPORTS",
        10,
        _LIMIT,
        "JSON and PDF exports per minute per user (on top of `RATE_LIMIT_DEFAULT`).",
    )
    export_render_seconds: float = service(
        "EXPORT_RENDER_SECONDS",
        20.0,
        parse.number(0.001, 600.0),
        "How long one PDF render may take before it is stopped and answered `503 "
        "EXPORT_TIMEOUT` (the program report takes about 3 s).",
    )
    export_background_tools: tuple[str, ...] = service(
        "EXPORT_BACKGROUND_TOOLS",
        ("program-overview",),
        parse.slugs,
        "Tools whose PDF export the worker renders (`202 Accepted`, then poll "
        "`/api/exports/{id}`); `none`: every PDF is rendered while the request waits (no worker "
        "needed).",
        shown_default="`program-overview`",
    )
    export_background_reports: bool = service(
        "EXPORT_BACKGROUND_REPORTS",
        True,
        parse.boolean,
        "Whether the worker renders the team report's PDF and builds the organization's "
        "archive (`202 Accepted`, then poll); `false`: while the request waits.",
    )
    team_min_respondents: int = service(
        "TEAM_MIN_RESPONDENTS",
        3,
        parse.integer(1, 1000),
        "The team view of a tool or output the registry marks `anonymous` shows its answers "
        "and summaries only once at least this many members answered.",
    )
    # Analytics ----------------------------------------------------------------------------
    analytics_min_group: int = service(
        "ANALYTICS_MIN_GROUP",
        5,
        parse.integer(1, 1000),
        "No analytics figure is an aggregate over fewer users than this: such a cell says "
        '"too few to show" instead.',
    )
    analytics_refresh_per_hour: int = service(
        "ANALYTICS_REFRESH_PER_HOUR",
        3,
        parse.integer(1, 1000),
        "Manual analytics refreshes (`POST /api/analytics/refresh`) per guru or admin per hour.",
    )
    # ----------------------------------------------------------------------------------------
    trust_proxy: bool = service(
        "TRUST_PROXY",
        False,
        parse.boolean,
        "Behind one reverse proxy: take the client address from its `X-Forwarded-For` (rate "
        "limits per address use it). Leave off when clients reach the service directly, or "
        "they can pick their own address.",
    )
    metrics_token: str | None = service(
        "METRICS_TOKEN",
        None,
        parse.secret(MIN_METRICS_TOKEN_BYTES),
        "Bearer token Prometheus sends to scrape `GET /metrics` (`Authorization: Bearer "
        "<token>`), at least 32 bytes. Unset: `/metrics` is open in development and off "
        "(`404`) otherwise, so the public port never shows it unguarded.",
        secret=True,
    )

    @property
    def uses_embedded_server(self) -> bool:
        """No DATABASE_URL outside production means: start the embedded PostgreSQL."""
        return self.database_url is None

    @classmethod
    def from_env(cls, env: Mapping[str, str] = os.environ) -> Settings:
        values: dict[str, Any] = {}
        for name, variable, _default in variables():
            raw = env.get(variable.name, "").strip()  # blank is unset: an empty export
            if raw:
                values[name] = variable.parse(variable.name, raw)
                continue
            environment = cast(Environment, values.get("env", "development"))
            if variable.required == "outside development" and environment != "development":
                raise SettingsError(f"{variable.name} is required unless FT_ENV=development")
            if variable.required == "in production" and environment == "production":
                raise SettingsError(f"{variable.name} is required when FT_ENV=production")
        if "frontend_url" not in values:  # development: this service's own landing page
            values["frontend_url"] = development_frontend_url(
                values.get("host", "127.0.0.1"), values.get("port", 8000)
            )
        settings = cls(**values)
        if settings.webhook_urls and settings.webhook_secret is None:
            raise SettingsError("WEBHOOK_SECRET is required when WEBHOOK_URLS is set")
        base, ceiling = settings.worker_base_delay_seconds, settings.worker_max_delay_seconds
        if ceiling < base:
            raise SettingsError(
                f"WORKER_MAX_DELAY_SECONDS={ceiling} is below WORKER_BASE_DELAY_SECONDS={base}"
            )
        if settings.jwt_secret_key is None:  # development: a key for this process only
            key = secrets.token_urlsafe(48)
            settings = replace(settings, jwt_secret_key=key, jwt_secret_generated=True)
        return settings


def variables() -> list[tuple[str, Variable, Any]]:
    """(field name, variable, default) of every setting read from the environment: the
    service's first (FT_ENV decides what is required), each section in declaration order."""
    declared = [
        (item.name, item.metadata["variable"], item.default)
        for item in fields(Settings)
        if "variable" in item.metadata
    ]
    return sorted(declared, key=lambda entry: SECTIONS.index(entry[1].section))


def development_frontend_url(host: str, port: int) -> str:
    """The signed-in page of a service listening on host:port, as a browser on this machine
    reaches it (a wildcard address is not one it can open)."""
    reachable = {"0.0.0.0": "127.0.0.1", "::": "::1"}.get(host, host)
    if ":" in reachable:
        reachable = f"[{reachable}]"  # an IPv6 literal in a URL
    return f"http://{reachable}:{port}{SIGNED_IN_PATH}"
