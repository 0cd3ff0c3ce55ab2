"""Flask CLI commands: `migrate`, and the operator commands `create-organization`, `create-user`."""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Iterator, Mapping
from typing import Any

import click
import psycopg
from flask import Flask
from flask.cli import with_appcontext

from fasttrack import tokens
from fasttrack.database_url import describe, resolved_database_url
from fasttrack.db import call_api, exact_numbers
from fasttrack.web import settings
from fasttrack.worker_command import worker_command

_MAX_LISTED = 8  # longer lists are summarised as "n items: first, ..., +k more"
# What a database that was never migrated (or by an older version) answers an api call with.
_NOT_MIGRATED = (psycopg.errors.InvalidSchemaName, psycopg.errors.UndefinedFunction)


def init_app(app: Flask) -> None:
    app.cli.add_command(migrate_command)
    app.cli.add_command(create_organization_command)
    app.cli.add_command(create_user_command)
    app.cli.add_command(worker_command)  # fasttrack/worker_command.py


@click.command("migrate")
def migrate_command() -> None:
    """Apply migrations, SQL functions and the tool registry to DATABASE_URL (idempotent).

    Over DATABASE_DIRECT_URL when it is set: yoyo sets its search_path for the session, which a
    transaction pooler (DATABASE_URL on Supabase's port 6543) would not keep. In development
    without DATABASE_URL, migrates the embedded server's database.
    """
    # Imported here so the web app never loads the migration machinery.
    from fasttrack.migrate import migrate

    quiet_embedded_server()
    current = settings()
    if current.database_direct_url is not None:
        current = dataclasses.replace(current, database_url=current.database_direct_url)
    try:
        with resolved_database_url(current) as url:
            click.echo(f"Migrating {describe(url)}")
            report = migrate(url)
    except Exception as error:
        # An operator needs the message; a traceback would bury it.
        raise click.ClickException(f"migrate failed: {error}") from None
    click.echo(format_report(report))


@click.command("create-user")
@click.option(
    "--email", required=True, help="The user's email (the key: an existing user is updated)."
)
@click.option("--name", "full_name", help="Full name.")
@click.option(
    "--role",
    type=click.Choice(["user", "guru", "admin"]),
    help="Role (new users: user; existing users keep theirs).",
)
@click.option("--organization", "organization_slug", help="Slug of the user's organization.")
@with_appcontext  # the token needs the app's JWT settings, also when invoked outside `flask`
def create_user_command(
    email: str, full_name: str | None, role: str | None, organization_slug: str | None
) -> None:
    """Create or update a user and print an access token for them (24 h).

    An operator command, not an endpoint: it runs api.operator_upsert_user as the database
    owner and signs the token with this server's JWT_SECRET_KEY. The token goes to stdout alone,
    so `TOKEN=$(flask --app app create-user ...)` works; everything else goes to stderr.
    """
    # Only the options given: the others keep the function's defaults (or the existing values).
    args = {
        name: value
        for name, value in {
            "p_email": email,
            "p_full_name": full_name,
            "p_role": role,
            "p_organization_slug": organization_slug,
        }.items()
        if value is not None
    }
    user = operator_call("create-user", "operator_upsert_user", **args)
    if settings().jwt_secret_generated:
        click.echo(
            "warning: JWT_SECRET_KEY is not set, so this token is signed with a throwaway key "
            "that no running server knows; export the same JWT_SECRET_KEY for the server and "
            "for this command",
            err=True,
        )
    click.echo(f"{user['email']} ({user['role']}, id {user['id']})", err=True)
    click.echo(tokens.access_token(user))


@click.command("create-organization")
@click.option("--name", required=True, help="The organization's name, as people read it.")
@click.option("--slug", required=True, help='Its URL-safe key, e.g. "acme" (unique).')
@click.option(
    "--time-zone",
    default="UTC",
    show_default=True,
    help="IANA time zone of the organization, e.g. Europe/Amsterdam.",
)
@with_appcontext
def create_organization_command(name: str, slug: str, time_zone: str) -> None:
    """Create an organization, for `create-user --organization SLUG`.

    An operator command, not an endpoint: it runs api.operator_create_organization as the
    database owner (admins use POST /api/admin/organizations). Prints the new organization's id
    alone on stdout, so `ORG_ID=$(flask --app app create-organization ...)` works.
    """
    organization = operator_call(
        "create-organization",
        "operator_create_organization",
        p_name=name,
        p_slug=slug,
        p_time_zone=time_zone,
    )
    click.echo(
        f"{organization['name']} ({organization['slug']}, "
        f"time zone {organization['settings']['time_zone']})",
        err=True,
    )
    click.echo(organization["id"])


def operator_call(command: str, function: str, **args: Any) -> Any:
    """Run api.<function> as the database owner; any failure is one readable line.

    One connection of its own, closed on the way out whatever happens: a pooled one would stay
    open for as long as the failure's traceback (which a caller such as a test may keep)
    refers to it, and the database could not be dropped meanwhile."""
    quiet_embedded_server()
    try:
        with (
            resolved_database_url(settings()) as url,
            psycopg.connect(url, autocommit=True) as conn,
        ):
            exact_numbers(conn)
            try:
                return call_api(conn, function, role=None, **args)
            except _NOT_MIGRATED:
                raise click.ClickException(f"{command} failed: {not_migrated(url)}") from None
    except click.ClickException:
        raise
    except Exception as error:
        # An operator needs the message; a traceback would bury it.
        raise click.ClickException(f"{command} failed: {error}") from None


def not_migrated(url: str) -> str:
    """Which database was reached, that it is not migrated, and the two ways out."""
    current = settings()
    if current.uses_embedded_server:
        where = f"the embedded server's database (FASTTRACK_PGDATA={current.pgdata})"
        other = (
            "If bin/run uses another data directory, export the same FASTTRACK_PGDATA (and "
            "JWT_SECRET_KEY) here"
        )
    else:
        where = describe(url)
        other = "If the service uses another database, set DATABASE_URL to it"
    return (
        f"{where} is not migrated (no api functions). {other}; to use this one, run "
        "`.venv/bin/flask --app app migrate` first."
    )


def quiet_embedded_server() -> None:
    """Keep pgserver's start and stop chatter (info lines) out of an operator's terminal."""
    for name in ("pgserver", "fasttrack.embedded"):
        logging.getLogger(name).setLevel(logging.WARNING)


def format_report(report: Mapping[str, Any]) -> str:
    """A few readable lines from migrate()'s JSON-able report, whatever keys it has."""
    return "\n".join(_lines(report, indent=""))


def _lines(value: Mapping[str, Any], indent: str) -> Iterator[str]:
    for key, item in value.items():
        if isinstance(item, Mapping):
            yield f"{indent}{key}:" if item else f"{indent}{key}: none"
            yield from _lines(item, indent + "  ")
        elif isinstance(item, list | tuple):
            yield f"{indent}{key}: {_summarise(item)}"
        else:
            yield f"{indent}{key}: {item}"


def _summarise(items: list[Any] | tuple[Any, ...]) -> str:
    if not items:
        return "none"
    shown = ", ".join(str(item) for item in items[:_MAX_LISTED])
    more = f", +{len(items) - _MAX_LISTED} more" if len(items) > _MAX_LISTED else ""
    return f"{len(items)} ({shown}{more})"
