"""Settings are read from the environment and rejected early with the variable's name."""

from __future__ import annotations

import dataclasses
import logging
from pathlib import Path

import pytest

from fasttrack import create_app
from fasttrack.settings import Settings, SettingsError

JWT_KEY = "k" * 32
# What production needs besides DATABASE_URL.
PRODUCTION = {
    "FT_ENV": "production",
    "DATABASE_URL": "postgresql://app@db/fasttrack",
    "JWT_SECRET_KEY": JWT_KEY,
    "LEARNWORLDS_SSO_SECRET": "sso-s3cret",
    "LEARNWORLDS_WEBHOOK_SECRET": "hook-s3cret",
    "FRONTEND_URL": "https://tools.example/app/",
}


def test_development_defaults_use_the_embedded_server() -> None:
    settings = Settings.from_env({})

    # The JWT key is made up per process in development: compare everything else.
    assert dataclasses.replace(settings, jwt_secret_key=None) == Settings(
        env="development",
        database_url=None,
        pgdata=Path("/var/tmp/fasttrack/pgdata"),
        host="127.0.0.1",
        port=8000,
        web_concurrency=2,
        web_threads=4,
        db_pool_max=10,
        jwt_secret_generated=True,
        learnworlds_sso_secret=None,
        learnworlds_webhook_secret=None,
        frontend_url="http://127.0.0.1:8000/dev/signed-in",
        cors_origins=(),
        rate_limit_default=100,
        rate_limit_sso_failures=10,
        trust_proxy=False,
    )
    assert settings.uses_embedded_server


def test_values_are_read_from_the_environment() -> None:
    settings = Settings.from_env(
        {
            **PRODUCTION,
            "DATABASE_URL": "postgresql://app:secret@db.example:5432/fasttrack",
            "FASTTRACK_PGDATA": "/tmp/elsewhere",
            "HOST": "0.0.0.0",
            "PORT": "9000",
            "WEB_CONCURRENCY": "4",
            "WEB_THREADS": "8",
            "DB_POOL_MAX": "20",
        }
    )

    assert settings.env == "production"
    assert settings.database_url == "postgresql://app:secret@db.example:5432/fasttrack"
    assert settings.pgdata == Path("/tmp/elsewhere")
    assert (settings.host, settings.port) == ("0.0.0.0", 9000)
    assert (settings.web_concurrency, settings.web_threads, settings.db_pool_max) == (4, 8, 20)
    assert not settings.uses_embedded_server


def test_production_without_database_url_is_rejected() -> None:
    with pytest.raises(SettingsError, match="DATABASE_URL"):
        Settings.from_env({**PRODUCTION, "DATABASE_URL": ""})


def test_blank_database_url_counts_as_unset() -> None:
    with pytest.raises(SettingsError, match="DATABASE_URL"):
        Settings.from_env({**PRODUCTION, "DATABASE_URL": "  "})


@pytest.mark.parametrize("port", ["0", "65536", "-1", "http", "80.5"])
def test_invalid_port_is_rejected(port: str) -> None:
    with pytest.raises(SettingsError, match="PORT"):
        Settings.from_env({"PORT": port})


@pytest.mark.parametrize("name", ["WEB_CONCURRENCY", "WEB_THREADS", "DB_POOL_MAX"])
def test_counts_must_be_positive(name: str) -> None:
    with pytest.raises(SettingsError, match=name):
        Settings.from_env({name: "0"})


def test_unknown_environment_is_rejected() -> None:
    with pytest.raises(SettingsError, match="FT_ENV"):
        Settings.from_env({"FT_ENV": "staging"})


def test_malformed_database_url_is_rejected_without_echoing_it() -> None:
    with pytest.raises(SettingsError, match="DATABASE_URL") as caught:
        Settings.from_env({"DATABASE_URL": "not a url with s3cret"})

    assert "s3cret" not in str(caught.value)


def test_the_password_never_appears_in_repr() -> None:
    settings = Settings.from_env({"DATABASE_URL": "postgresql://app:s3cret@db/fasttrack"})

    assert "s3cret" not in repr(settings)


def test_authentication_settings_are_read_from_the_environment() -> None:
    settings = Settings.from_env(
        {
            **PRODUCTION,
            "CORS_ORIGINS": "https://tools.example, http://localhost:5173/",
            "RATE_LIMIT_DEFAULT": "250",
            "RATE_LIMIT_SSO_FAILURES": "3",
            "TRUST_PROXY": "true",
        }
    )

    assert settings.jwt_secret_key == JWT_KEY
    assert not settings.jwt_secret_generated
    assert settings.learnworlds_sso_secret == "sso-s3cret"
    assert settings.learnworlds_webhook_secret == "hook-s3cret"
    assert settings.frontend_url == "https://tools.example/app/"
    assert settings.cors_origins == ("https://tools.example", "http://localhost:5173")
    assert (settings.rate_limit_default, settings.rate_limit_sso_failures) == (250, 3)
    assert settings.trust_proxy


@pytest.mark.parametrize("environment", ["production", "test"])
@pytest.mark.parametrize(
    "name",
    ["JWT_SECRET_KEY", "LEARNWORLDS_SSO_SECRET", "LEARNWORLDS_WEBHOOK_SECRET", "FRONTEND_URL"],
)
def test_secrets_and_frontend_url_are_required_outside_development(
    environment: str, name: str
) -> None:
    with pytest.raises(SettingsError, match=name):
        Settings.from_env({**PRODUCTION, "FT_ENV": environment, name: ""})


def test_a_short_jwt_key_is_rejected_without_echoing_it() -> None:
    with pytest.raises(SettingsError, match=r"JWT_SECRET_KEY.*32 bytes") as caught:
        Settings.from_env({"JWT_SECRET_KEY": "short-s3cret"})

    assert "short-s3cret" not in str(caught.value)


def test_development_makes_up_a_jwt_key_per_process() -> None:
    first, second = Settings.from_env({}), Settings.from_env({})

    assert first.jwt_secret_generated
    assert first.jwt_secret_key and len(first.jwt_secret_key.encode()) >= 32
    assert first.jwt_secret_key != second.jwt_secret_key


def test_a_made_up_jwt_key_is_announced_but_never_logged(
    caplog: pytest.LogCaptureFixture,
) -> None:
    settings = Settings.from_env({})

    with caplog.at_level(logging.WARNING):
        create_app(settings)

    assert any("JWT_SECRET_KEY" in record.getMessage() for record in caplog.records)
    assert settings.jwt_secret_key not in caplog.text


@pytest.mark.parametrize(
    "url", ["ftp://tools.example", "tools.example", "https://", "javascript:x"]
)
def test_frontend_url_must_be_http(url: str) -> None:
    with pytest.raises(SettingsError, match="FRONTEND_URL"):
        Settings.from_env({"FRONTEND_URL": url})


@pytest.mark.parametrize("origins", ["*", "https://tools.example/app", "tools.example"])
def test_cors_origins_must_be_origins(origins: str) -> None:
    with pytest.raises(SettingsError, match="CORS_ORIGINS"):
        Settings.from_env({"CORS_ORIGINS": origins})


@pytest.mark.parametrize(
    "name", ["RATE_LIMIT_DEFAULT", "RATE_LIMIT_SSO_FAILURES", "RATE_LIMIT_EXPORTS"]
)
@pytest.mark.parametrize("value", ["0", "-5", "ten", "1.5"])
def test_rate_limits_are_positive_integers(name: str, value: str) -> None:
    with pytest.raises(SettingsError, match=name):
        Settings.from_env({name: value})


def test_trust_proxy_must_be_a_boolean() -> None:
    with pytest.raises(SettingsError, match="TRUST_PROXY"):
        Settings.from_env({"TRUST_PROXY": "maybe"})


def test_no_secret_appears_in_repr() -> None:
    settings = Settings.from_env(
        {**PRODUCTION, "DATABASE_URL": "postgresql://app:db-s3cret@db/fasttrack"}
    )

    text = repr(settings)
    for secret in ("db-s3cret", JWT_KEY, "sso-s3cret", "hook-s3cret"):
        assert secret not in text


def test_exports_are_limited_to_ten_a_minute_unless_configured() -> None:
    assert Settings.from_env({}).rate_limit_exports == 10
    assert Settings.from_env({"RATE_LIMIT_EXPORTS": "3"}).rate_limit_exports == 3
