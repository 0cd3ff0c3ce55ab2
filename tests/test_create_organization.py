"""`flask --app app create-organization`: the organization `create-user --organization` needs."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import psycopg
import pytest
from flask import Flask

from fasttrack import create_app
from fasttrack.settings import Settings
from fasttrack.web import DB_EXTENSION


@pytest.fixture
def app(database_url: str) -> Iterator[Flask]:
    app = create_app(Settings(env="test", jwt_secret_key="o" * 32), database_url=database_url)
    yield app
    app.extensions[DB_EXTENSION].close()


def run(app: Flask, *args: str) -> Any:
    return app.test_cli_runner().invoke(args=list(args))


def test_a_new_organization_takes_members_at_once(
    app: Flask, conn: psycopg.Connection[Any]
) -> None:
    created = run(
        app, "create-organization", "--name", "Acme", "--slug", "acme",
        "--time-zone", "europe/amsterdam",
    )  # fmt: skip

    assert created.exit_code == 0, created.output
    organization_id = created.stdout.strip()  # the id alone, for ORG_ID=$(...)
    row = conn.execute(
        "select name, slug, settings from shared.organizations where id = %s", (organization_id,)
    ).fetchone()
    assert row == {"name": "Acme", "slug": "acme", "settings": {"time_zone": "Europe/Amsterdam"}}
    assert "Acme (acme, time zone Europe/Amsterdam)" in created.stderr

    user = run(app, "create-user", "--email", "ceo@example.com", "--organization", "acme")
    assert user.exit_code == 0, user.output
    member = conn.execute(
        "select organization_id::text as id from shared.users where email = 'ceo@example.com'"
    ).fetchone()
    assert member == {"id": organization_id}


def test_the_time_zone_defaults_to_utc(app: Flask, conn: psycopg.Connection[Any]) -> None:
    assert run(app, "create-organization", "--name", "Beta", "--slug", "beta").exit_code == 0
    row = conn.execute("select settings from shared.organizations where slug = 'beta'").fetchone()
    assert row == {"settings": {"time_zone": "UTC"}}


def test_a_slug_in_use_is_a_clear_error(app: Flask) -> None:
    assert run(app, "create-organization", "--name", "Acme", "--slug", "acme").exit_code == 0

    again = run(app, "create-organization", "--name", "Acme 2", "--slug", "acme")

    assert again.exit_code == 1
    assert again.stdout == ""
    assert 'create-organization failed: An organization with slug "acme" already exists' in (
        again.stderr
    )


@pytest.mark.parametrize(
    ("option", "value", "message"),
    [
        ("--time-zone", "Mars/Olympus_Mons", 'Unknown time zone "Mars/Olympus_Mons"'),
        ("--slug", "Not A Slug", "slug must be lowercase words"),
        ("--name", " ", "name must be 1 to 255 characters"),
    ],
)
def test_bad_fields_are_refused_by_name(
    app: Flask, conn: psycopg.Connection[Any], option: str, value: str, message: str
) -> None:
    fields = {"--name": "Gamma", "--slug": "gamma", "--time-zone": "UTC", option: value}

    result = run(app, "create-organization", *[part for item in fields.items() for part in item])

    assert result.exit_code == 1
    assert message in result.stderr
    assert conn.execute("select count(*) as n from shared.organizations").fetchone() == {"n": 0}


def test_the_web_role_cannot_run_it(conn: psycopg.Connection[Any]) -> None:
    with pytest.raises(psycopg.errors.InsufficientPrivilege):
        conn.execute("set role fasttrack_api")
        conn.execute("select api.operator_create_organization('X', 'x')")
