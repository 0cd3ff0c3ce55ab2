"""The service's only way into PostgreSQL: one api.* function call per transaction."""

from __future__ import annotations

import json
import logging
import re
import select
import threading
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from time import monotonic
from typing import Any

import psycopg
from psycopg import Connection
from psycopg.conninfo import conninfo_to_dict
from psycopg.types.json import Jsonb, set_json_dumps, set_json_loads
from psycopg_pool import ConnectionPool

from fasttrack import exact_json
from fasttrack.read_replica import (
    PROBE_TIMEOUT_SECONDS,
    REPLICA_READS,
    UNAVAILABLE,
    ReplicaHealth,
    caught_up,
    lag_seconds,
    without_limits,
)

log = logging.getLogger("fasttrack.read_replica")

API_ROLE = "fasttrack_api"
_NAME = re.compile(r"^[a-z_][a-z0-9_]*$")
# Claims, context and role in one statement; is_local = true, so they end with the transaction.
_SETTINGS = (
    "select set_config('request.jwt.claims', %s, true), set_config('request.context', %s, true),"
    " set_config('role', %s, true)"
)
_SETTINGS_AS_OWNER = (
    "select set_config('request.jwt.claims', %s, true), set_config('request.context', %s, true)"
)
# autocommit: call_api's transaction is the pipeline's own. prepare_threshold=None: never
# prepare statements on the server. A prepared statement belongs to one server session, and
# behind a transaction pooler (PgBouncer, Supavisor: Supabase's port 6543) the next transaction
# may run on another one ("prepared statement _pg3_0 already exists" / "does not exist").
CONNECTION_OPTIONS: dict[str, Any] = {"autocommit": True, "prepare_threshold": None}
# On a direct connection the two statements of a call are prepared from their second use on
# (each function's call has one text): the server no longer parses and plans them each time.
DIRECT_CONNECTION_OPTIONS: dict[str, Any] = {"autocommit": True, "prepare_threshold": 1}

# A pooled connection idle for longer than this is pinged before it is lent (see _check).
IDLE_CHECK_SECONDS = 5.0


def surely_direct(conninfo: str) -> bool:
    """Whether a URL surely reaches PostgreSQL itself, no transaction pooler in between: a Unix
    socket, or port 5432 on a host not named for a pooler (Supabase's direct URL, not its
    `*.pooler.supabase.com`). When in doubt, not: unprepared statements work everywhere,
    prepared ones only on a server session of one's own."""
    params = conninfo_to_dict(conninfo)
    hosts = str(params.get("host") or "/").split(",")
    ports = str(params.get("port") or "5432").split(",")
    if any("pooler" in host for host in hosts):
        return False
    return all(host.startswith("/") for host in hosts) or all(p == "5432" for p in ports)


def prepares_statements(mode: str, conninfo: str) -> bool:
    """DATABASE_PREPARED_STATEMENTS (`on`, `off`, `auto`) for this URL."""
    return mode == "on" or (mode == "auto" and surely_direct(conninfo))


def call_api(
    conn: Connection[Any],
    function: str,
    claims: str = "{}",
    context: str = "{}",
    *,
    role: str | None = API_ROLE,
    as_text: bool = False,
    **args: Any,
) -> Any:
    """Run `api.<function>(name => value, ...)` on an autocommit connection; return its result.

    `claims` and `context` are JSON texts. Both statements (the settings, then the call) go in
    one network round trip (pipeline mode) and run in the implicit transaction that ends at
    the pipeline's Sync: committed when both succeed, rolled back otherwise, and the local
    settings and role end with it, so nothing leaks to the connection's next user. On a
    connection with an open transaction they would last until its end, hence the autocommit
    requirement. `role=None` keeps the login's own role. `as_text`: the result as the JSON
    text PostgreSQL wrote, for an answer that is passed on unread (no parsing in Python).
    """
    query = _call_sql(function, tuple(args), as_text)
    if not conn.autocommit:
        raise psycopg.ProgrammingError("call_api needs an autocommit connection")
    params = {name: _adapt(value) for name, value in args.items()}
    cur = conn.cursor()
    with conn.pipeline():
        if role is None:
            cur.execute(_SETTINGS_AS_OWNER, (claims, context))
        else:
            cur.execute(_SETTINGS, (claims, context, role))
        cur.execute(query, params)
    row = cur.fetchone()
    return None if row is None else row[0]


class Database:
    """A lazily opened connection pool that can only call `api` functions; with `read_url`, a
    second pool on a read replica for REPLICA_READS (fasttrack/read_replica.py); `prepare`:
    statements prepared on the server (a direct connection only: `prepares_statements`)."""

    def __init__(
        self,
        conninfo: str,
        *,
        max_size: int = 10,
        timeout: float = 5.0,
        read_url: str | None = None,
        max_lag: float = 5.0,
        prepare: bool = False,
    ) -> None:
        self._returned_at: weakref.WeakKeyDictionary[Connection[Any], float] = (
            weakref.WeakKeyDictionary()
        )
        # open=False: the app factory may run before the server forks, and pool threads do not
        # survive a fork; each worker opens its own pool on its first request.
        self._pool = ConnectionPool(
            conninfo,
            min_size=1,
            max_size=max_size,
            open=False,
            kwargs=DIRECT_CONNECTION_OPTIONS if prepare else CONNECTION_OPTIONS,
            configure=exact_numbers,
            check=self._check,  # replace connections the server dropped
            reset=self._stamp,
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
        self._replica = (
            None
            if read_url is None
            else Database(read_url, max_size=max_size, timeout=PROBE_TIMEOUT_SECONDS)
        )
        self.replica_health = (
            None if self._replica is None else ReplicaHealth(self._replica_lag, max_lag)
        )

    def call(
        self,
        function: str,
        claims: dict[str, Any] | None = None,
        *,
        context: dict[str, Any] | None = None,
        as_owner: bool = False,
        role: str = API_ROLE,
        as_text: bool = False,
        **args: Any,
    ) -> Any:
        """Run `api.<function>(name => value, ...)` as the API role; return its jsonb result.

        One transaction in one round trip (`call_api`). `context` is what SQL needs to know
        about the request (client ip, request id, limits). `as_owner` keeps the login's own
        role: only for operator commands calling functions that are deliberately not granted
        to the API role. `role` is the role to run as otherwise (the delivery worker runs as
        fasttrack_worker). `as_text`: the result as JSON text, unparsed (see `call_api`).
        """
        _call_sql(function, tuple(args))  # refuse a bad name before waiting for a connection
        if self._replica is not None and function in REPLICA_READS and not as_owner:
            return self._replica_read(function, claims, context, role, args, as_text)
        with self.connection() as conn:
            return call_api(
                conn,
                function,
                json.dumps(claims or {}),
                json.dumps(context or {}),
                role=None if as_owner else role,
                as_text=as_text,
                **args,
            )

    @contextmanager
    def connection(self, timeout: float | None = None) -> Iterator[Connection[Any]]:
        """A pooled autocommit connection (for call_api, and the replica's health checks)."""
        self._open()
        with self._pool.connection(timeout=timeout) as conn:
            yield conn

    def close(self) -> None:
        """Close the pool(s) (app shutdown, tests)."""
        self._pool.close()
        if self._replica is not None:
            self._replica.close()

    def _replica_read(
        self,
        function: str,
        claims: dict[str, Any] | None,
        context: dict[str, Any] | None,
        role: str,
        args: dict[str, Any],
        as_text: bool = False,
    ) -> Any:
        """Admit on the primary (limits counted, its WAL position), read on the replica once it
        has replayed that far, else on the primary. See fasttrack/read_replica.py."""
        assert self._replica is not None and self.replica_health is not None
        admitted = self.call(
            "admit_replica_read", claims, context=context, role=role, p_function=function
        )
        claims_text, free_context = json.dumps(claims or {}), json.dumps(without_limits(context))
        if self.replica_health.usable():
            try:
                with self._replica.connection() as conn:
                    if caught_up(conn, admitted["lsn"]):
                        result = call_api(
                            conn, function, claims_text, free_context, role=role,
                            as_text=as_text, **args,
                        )  # fmt: skip
                        log.debug(
                            "read from the replica",
                            extra={"function": function, "server": "replica"},
                        )
                        return result
                log.info(
                    "read replica behind the request; reading from the primary",
                    extra={"function": function},
                )
            except UNAVAILABLE as error:
                self.replica_health.mark_down()
                log.warning(
                    "read replica failed; reading from the primary",
                    extra={"function": function, "error": type(error).__name__},
                )
        with self.connection() as conn:
            result = call_api(
                conn, function, claims_text, free_context, role=role, as_text=as_text, **args
            )
        log.debug("read from the primary", extra={"function": function, "server": "primary"})
        return result

    def _replica_lag(self) -> float:
        assert self._replica is not None
        with self._replica.connection(timeout=PROBE_TIMEOUT_SECONDS) as conn:
            return lag_seconds(conn)

    def pool_stats(self) -> dict[str, int]:
        """The pool's figures (psycopg_pool: pool_size, pool_available, requests_waiting...),
        for GET /metrics."""
        return self._pool.get_stats()

    def _open(self) -> None:
        if not self._opened:
            with self._open_lock:
                if not self._opened:
                    # wait=False: a database that is down must give a 503 after `timeout`,
                    # not an exception at open time.
                    self._pool.open(wait=False)
                    self._opened = True

    def _stamp(self, conn: Connection[Any]) -> None:
        self._returned_at[conn] = monotonic()

    def _check(self, conn: Connection[Any]) -> None:
        """Ping a connection before lending it only when it may be dead: idle for a while, or
        its server spoke unasked (an idle backend sends nothing until it is terminated: then
        the socket holds its FATAL message or the end of the stream). A busy service thus
        pays no extra round trip per request; a connection that dies unnoticed in between
        fails its request with a 503 and the pool replaces it (it is returned broken)."""
        idle = monotonic() - self._returned_at.get(conn, monotonic())
        if idle > IDLE_CHECK_SECONDS or _readable(conn):
            ConnectionPool.check_connection(conn)


def exact_numbers(conn: Connection[Any]) -> None:
    """json and jsonb in both directions through fasttrack.exact_json: a number keeps every
    digit (Decimal), where psycopg's default would round it through a float."""
    set_json_dumps(exact_json.dumps, conn)
    set_json_loads(exact_json.loads, conn)


def _readable(conn: Connection[Any]) -> bool:
    poller = select.poll()  # not select.select: it fails on descriptors above 1023
    poller.register(conn.fileno(), select.POLLIN)
    return bool(poller.poll(0))


@lru_cache(maxsize=256)
def _call_sql(function: str, names: tuple[str, ...], as_text: bool = False) -> str:
    """`select api."f"("a" => %(a)s, ...)` (`::text` after it when `as_text`); only plain
    lowercase names, so quoting is safe."""
    for name in (function, *names):
        if not _NAME.fullmatch(name):
            raise ValueError(f"not a valid SQL function or argument name: {name!r}")
    arguments = ", ".join(f'"{name}" => %({name})s' for name in names)
    return f'select api."{function}"({arguments}){"::text" if as_text else ""}'


def _adapt(value: Any) -> Any:
    """Pass dicts and lists as jsonb, the type api functions take for documents; tuples as SQL
    arrays (`text[]`)."""
    if isinstance(value, tuple):
        return list(value)
    return Jsonb(value) if isinstance(value, dict | list) else value
