"""Benchmark-only variant of the service, to measure a proposed change to fasttrack/db.py.

The same app, except that `Database.call` sends its whole transaction (claims and context in
one statement, `set local role`, the api call, COMMIT) in one network round trip with psycopg's
pipeline mode, and the pool does not ping a connection before lending it. Served by
`python -m bench` next to the real service (http_variants); never used by the service.
"""

from __future__ import annotations

import json
from typing import Any

from flask import Flask
from psycopg import sql

from fasttrack import create_app as service_app
from fasttrack.db import API_ROLE, Database, _adapt
from fasttrack.web import DB_EXTENSION


def pipelined_call(
    self: Database,
    function: str,
    claims: dict[str, Any] | None = None,
    *,
    context: dict[str, Any] | None = None,
    as_owner: bool = False,
    **args: Any,
) -> Any:
    query = sql.SQL("select api.{}({})").format(
        sql.Identifier(function),
        sql.SQL(", ").join(
            sql.SQL("{} => {}").format(sql.Identifier(name), sql.Placeholder(name)) for name in args
        ),
    )
    params = {name: _adapt(value) for name, value in args.items()}
    with self._connection() as conn:
        cur = conn.cursor()
        with conn.pipeline():
            cur.execute(
                "select set_config('request.jwt.claims', %s, true),"
                " set_config('request.context', %s, true)",
                (json.dumps(claims or {}), json.dumps(context or {})),
            )
            if not as_owner:
                cur.execute(sql.SQL("set local role {}").format(sql.Identifier(API_ROLE)))
            cur.execute(query, params)
            conn.commit()
        row = cur.fetchone()
    return None if row is None else row[0]


def create_app() -> Flask:
    Database.call = pipelined_call  # type: ignore[method-assign]
    app = service_app()
    database = app.extensions.get(DB_EXTENSION)
    if database is not None:
        database._pool._check = None  # no ping round trip before each request
    return app
