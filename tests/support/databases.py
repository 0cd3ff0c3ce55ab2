"""Test databases: one migrated template per session, cloned per test (CREATE DATABASE TEMPLATE)."""

from __future__ import annotations

import uuid
from typing import Any

import psycopg
from psycopg import sql
from psycopg.rows import dict_row

from support.servers import Server

TEMPLATE_DBNAME = "fasttrack_template"


def connect(url: str, **kwargs: Any) -> psycopg.Connection[Any]:
    """A connection as tests like it: autocommit, rows as dicts (both overridable)."""
    options: dict[str, Any] = {"autocommit": True, "row_factory": dict_row, **kwargs}
    return psycopg.connect(url, **options)


def create_template(server: Server) -> str:
    """(Re)create the template database as the owner and migrate it; return its name."""
    from fasttrack.migrate import migrate

    drop_database(server, TEMPLATE_DBNAME)
    _maintenance(server, sql.SQL("create database {}").format(sql.Identifier(TEMPLATE_DBNAME)))
    migrate(server.owner_url(TEMPLATE_DBNAME))
    return TEMPLATE_DBNAME


def clone_database(server: Server, template: str) -> str:
    """A fresh copy of the template; return its name."""
    name = f"test_{uuid.uuid4().hex[:12]}"
    _maintenance(
        server,
        sql.SQL("create database {} template {}").format(
            sql.Identifier(name), sql.Identifier(template)
        ),
    )
    return name


def drop_database(server: Server, name: str) -> None:
    # FORCE: a test that leaked a connection must not leak its database too.
    _maintenance(
        server, sql.SQL("drop database if exists {} with (force)").format(sql.Identifier(name))
    )


def _maintenance(server: Server, statement: sql.Composable) -> None:
    # CREATE/DROP DATABASE cannot run in a transaction, hence autocommit.
    with psycopg.connect(server.owner_url(server.maintenance_dbname), autocommit=True) as conn:
        conn.execute(statement)
