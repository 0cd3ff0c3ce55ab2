"""`flask --app app create-user`: creates or updates a user as the owner, prints a usable token."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jwt
import psycopg
import pytest
from flask import Flask

from fasttrack import create_app
from fasttrack.settings import Settings
from fasttrack.web import DB_EXTENSION
from support import Server
from support.databases import clone_database, drop_database

KEY = "c" * 32
ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def app(database_url: str) -> Iterator[Flask]:
    app = create_app(Settings(env="test", jwt_secret_key=KEY), database_url=database_url)
    yield app
    app.extensions[DB_EXTENSION].close()


def create_user(app: Flask, *args: str) -> Any:
    return app.test_cli_runner().invoke(args=["create-user", *args])


def test_the_printed_token_signs_in_the_new_user(app: Flask, conn: psycopg.Connection[Any]) -> None:
    result = create_user(
        app, "--email", "Boss@Example.com", "--name", "The Boss", "--role", "admin"
    )

    assert result.exit_code == 0, result.output
    token = result.stdout.strip()
    claims = jwt.decode(token, KEY, algorithms=["HS256"])
    row = conn.execute(
        "select id, email, full_name, role from shared.users where id = %s", (claims["sub"],)
    ).fetchone()
    assert row is not None
    assert (row["email"], row["full_name"], row["role"]) == (
        "boss@example.com",
        "The Boss",
        "admin",
    )
    assert claims["role"] == "admin"
    assert "boss@example.com" in result.stderr

    me = app.test_client().get("/api/auth/me", headers={"Authorization": f"Bearer {token}"})
    assert me.status_code == 200, me.get_json()
    assert me.get_json()["data"]["email"] == "boss@example.com"


def test_running_it_again_updates_the_same_user(app: Flask) -> None:
    first = jwt.decode(create_user(app, "--email", "g@example.com").stdout.strip(), KEY, ["HS256"])
    second = jwt.decode(
        create_user(app, "--email", "g@example.com", "--role", "guru").stdout.strip(),
        KEY,
        ["HS256"],
    )

    assert second["sub"] == first["sub"]
    assert (first["role"], second["role"]) == ("user", "guru")


def test_an_unknown_organization_fails_with_a_message(app: Flask) -> None:
    result = create_user(app, "--email", "x@example.com", "--organization", "no-such-org")

    assert result.exit_code != 0
    assert "no-such-org" in result.output
    assert result.stdout.strip() == "" or "create-user failed" in result.output


def test_an_unknown_role_is_refused_before_the_database(app: Flask) -> None:
    result = create_user(app, "--email", "x@example.com", "--role", "superuser")

    assert result.exit_code == 2
    assert "superuser" in result.output


def test_an_unmigrated_database_is_named_with_the_fix(server: Server) -> None:
    name = clone_database(server, "template0")  # an empty database: the wrong one
    app = create_app(Settings(env="test", jwt_secret_key=KEY), database_url=server.owner_url(name))
    try:
        result = create_user(app, "--email", "x@example.com")
    finally:
        app.extensions[DB_EXTENSION].close()
        drop_database(server, name)

    assert result.exit_code == 1
    assert result.stdout == ""
    assert f"database {name}" in result.stderr
    assert "is not migrated" in result.stderr
    assert "set DATABASE_URL" in result.stderr
    assert "flask --app app migrate" in result.stderr
    assert 'schema "api"' not in result.stderr


def test_a_second_terminal_without_the_data_directory_hears_why_and_no_server_chatter() -> None:
    """The real command, as a new user runs it: a fresh embedded server (the default data
    directory's stand-in), so an empty database, and nothing but messages on the terminal."""
    pgdata = Path(tempfile.mkdtemp(dir="/tmp")) / "pgdata"
    env = {key: value for key, value in os.environ.items() if key != "DATABASE_URL"}
    env.update(FASTTRACK_PGDATA=str(pgdata), JWT_SECRET_KEY=KEY, FT_ENV="development")
    try:
        result = subprocess.run(
            [sys.executable, "-m", "flask", "--app", "app", "create-user", "--email", "x@y.z"],
            cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=False,
        )  # fmt: skip
    finally:
        shutil.rmtree(pgdata.parent, ignore_errors=True)

    assert result.returncode == 1, result.stderr
    assert result.stdout == ""
    assert '"logger": "pgserver"' not in result.stderr
    assert f"FASTTRACK_PGDATA={pgdata}" in result.stderr
    assert "is not migrated" in result.stderr
    assert "flask --app app migrate" in result.stderr
    assert "create-user failed" in result.stderr
