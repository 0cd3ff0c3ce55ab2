"""Test databases: one migrated template per session, cloned per test (CREATE DATABASE TEMPLATE)."""

from __future__ import annotations

import time
import uuid
from typing import Any

import psycopg
from psycopg import sql
from psycopg.rows import dict_row

from support.servers import Server

TEMPLATE_DBNAME = "fasttrack_template"


def connect(url: str, **kwargs: Any) -> psycopg.Connection[Any]:
    """A connection as tests like it: autocommit, rows as dicts (both overridable), and, as the
    service's, no server-side prepared statements (it may go through a transaction pooler)."""
    options: dict[str, Any] = {
        "autocommit": True,
        "row_factory": dict_row,
        "prepare_threshold": None,
        **kwargs,
    }
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
    """Drop a test database, waiting briefly for connections that are still closing.

    A plain DROP cancels autovacuum workers itself, while FORCE would try to terminate them and
    fail for a non-superuser owner (they run as the bootstrap superuser). FORCE is the last
    resort, for a test that leaked a connection of its own.
    """
    statement = sql.SQL("drop database if exists {}").format(sql.Identifier(name))
    for _ in range(20):
        try:
            _maintenance(server, statement)
            return
        except psycopg.errors.ObjectInUse:
            time.sleep(0.1)
    _maintenance(server, sql.SQL("{} with (force)").format(statement))


def _maintenance(server: Server, statement: sql.Composable) -> None:
    # CREATE/DROP DATABASE cannot run in a transaction, hence autocommit.
    with psycopg.connect(server.owner_url(server.maintenance_dbname), autocommit=True) as conn:
        conn.execute(statement)
