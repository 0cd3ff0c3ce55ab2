"""The web layer's only way into PostgreSQL: one api.* function call per transaction."""

from __future__ import annotations

import json
import re
import threading
from contextlib import AbstractContextManager
from typing import Any

from psycopg import Connection, sql
from psycopg.types.json import Jsonb
from psycopg_pool import ConnectionPool

API_ROLE = "fasttrack_api"
_NAME = re.compile(r"^[a-z_][a-z0-9_]*$")


class Database:
    """A lazily opened connection pool that can only call `api` functions."""

    def __init__(self, conninfo: str, *, max_size: int = 10, timeout: float = 5.0) -> None:
        # open=False: the app factory runs before gunicorn forks, and pool threads do not
        # survive a fork; each worker opens its own pool on its first request.
        self._pool = ConnectionPool(
            conninfo,
            min_size=1,
            max_size=max_size,
            open=False,
            check=ConnectionPool.check_connection,  # replace connections the server dropped
            timeout=timeout,  # a request waits this long for a connection, then 503
            # While the database is unreachable, each reconnection attempt gives up after
            # `timeout` too, instead of retrying on its own with a delay that doubles for up to
            # 5 minutes (a 70 s outage would then be noticed to be over about a minute late):
            # the next request starts a fresh attempt at once, so service resumes within
            # seconds of the database's return, however long it was away.
            reconnect_timeout=timeout,
            name="fasttrack",
        )
        self._open_lock = threading.Lock()
        self._opened = False

    def call(
        self,
        function: str,
        claims: dict[str, Any] | None = None,
        *,
        context: dict[str, Any] | None = None,
        as_owner: bool = False,
        role: str = API_ROLE,
        **args: Any,
    ) -> Any:
        """Run `api.<function>(name => value, ...)` as the API role; return its jsonb result.

        Claims, context, role and call share one transaction, so `set_config(..., true)` and
        `set local role` end with it and never leak to the next user of the connection.
        `context` is what SQL needs to know about the request (client ip, request id, limits).
        `as_owner` keeps the login's own role: only for operator commands calling functions that
        are deliberately not granted to the API role. `role` is the role to run as otherwise
        (the delivery worker runs as fasttrack_worker).
        """
        for name in (function, *args):
            if not _NAME.fullmatch(name):
                raise ValueError(f"not a valid SQL function or argument name: {name!r}")
        query = sql.SQL("select api.{}({})").format(
            sql.Identifier(function),
            sql.SQL(", ").join(
                sql.SQL("{} => {}").format(sql.Identifier(name), sql.Placeholder(name))
                for name in args
            ),
        )
        params = {name: _adapt(value) for name, value in args.items()}
        with self._connection() as conn, conn.cursor() as cur:
            cur.execute(
                "select set_config('request.jwt.claims', %s, true)", (json.dumps(claims or {}),)
            )
            cur.execute(
                "select set_config('request.context', %s, true)", (json.dumps(context or {}),)
            )
            if not as_owner:
                cur.execute(sql.SQL("set local role {}").format(sql.Identifier(role)))
            cur.execute(query, params)
            row = cur.fetchone()
        return None if row is None else row[0]

    def close(self) -> None:
        """Close the pool (app shutdown, tests)."""
        self._pool.close()

    def _connection(self) -> AbstractContextManager[Connection[Any]]:
        if not self._opened:
            with self._open_lock:
                if not self._opened:
                    # wait=False: a database that is down must give a 503 after `timeout`,
                    # not an exception at open time.
                    self._pool.open(wait=False)
                    self._opened = True
        # Commits when the block succeeds, rolls back when it raises.
        return self._pool.connection()


def _adapt(value: Any) -> Any:
    """Pass dicts and lists as jsonb, the type api functions take for documents; tuples as SQL
    arrays (`text[]`)."""
    if isinstance(value, tuple):
        return list(value)
    return Jsonb(value) if isinstance(value, dict | list) else value
