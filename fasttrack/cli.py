"""Flask CLI commands: `flask --app app migrate`."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

import click
from flask import Flask

from fasttrack.database_url import describe, resolved_database_url
from fasttrack.web import settings

_MAX_LISTED = 8  # longer lists are summarised as "n items: first, ..., +k more"


def init_app(app: Flask) -> None:
    app.cli.add_command(migrate_command)


@click.command("migrate")
def migrate_command() -> None:
    """Apply migrations, SQL functions and the tool registry to DATABASE_URL (idempotent).

    In development without DATABASE_URL, migrates the embedded server's database.
    """
    # Imported here so the web app never loads the migration machinery.
    from fasttrack.migrate import migrate

    try:
        with resolved_database_url(settings()) as url:
            click.echo(f"Migrating {describe(url)}")
            report = migrate(url)
    except Exception as error:
        # An operator needs the message; a traceback would bury it.
        raise click.ClickException(f"migrate failed: {error}") from None
    click.echo(format_report(report))


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
