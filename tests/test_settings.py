"""Settings are read from the environment and rejected early with the variable's name."""

from __future__ import annotations

from pathlib import Path

import pytest

from fasttrack.settings import Settings, SettingsError


def test_development_defaults_use_the_embedded_server() -> None:
    settings = Settings.from_env({})

    assert settings == Settings(
        env="development",
        database_url=None,
        pgdata=Path("/var/tmp/fasttrack/pgdata"),
        host="127.0.0.1",
        port=8000,
        web_concurrency=2,
        db_pool_max=10,
    )
    assert settings.uses_embedded_server


def test_values_are_read_from_the_environment() -> None:
    settings = Settings.from_env(
        {
            "FT_ENV": "production",
            "DATABASE_URL": "postgresql://app:secret@db.example:5432/fasttrack",
            "FASTTRACK_PGDATA": "/tmp/elsewhere",
            "HOST": "0.0.0.0",
            "PORT": "9000",
            "WEB_CONCURRENCY": "4",
            "DB_POOL_MAX": "20",
        }
    )

    assert settings.env == "production"
    assert settings.database_url == "postgresql://app:secret@db.example:5432/fasttrack"
    assert settings.pgdata == Path("/tmp/elsewhere")
    assert (settings.host, settings.port) == ("0.0.0.0", 9000)
    assert (settings.web_concurrency, settings.db_pool_max) == (4, 20)
    assert not settings.uses_embedded_server


def test_production_without_database_url_is_rejected() -> None:
    with pytest.raises(SettingsError, match="DATABASE_URL"):
        Settings.from_env({"FT_ENV": "production"})


def test_blank_database_url_counts_as_unset() -> None:
    with pytest.raises(SettingsError, match="DATABASE_URL"):
        Settings.from_env({"FT_ENV": "production", "DATABASE_URL": "  "})


@pytest.mark.parametrize("port", ["0", "65536", "-1", "http", "80.5"])
def test_invalid_port_is_rejected(port: str) -> None:
    with pytest.raises(SettingsError, match="PORT"):
        Settings.from_env({"PORT": port})


@pytest.mark.parametrize("name", ["WEB_CONCURRENCY", "DB_POOL_MAX"])
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
