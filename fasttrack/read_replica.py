"""Heavy read-only api calls on a read replica (DATABASE_READ_URL), never a stale answer.

Which calls: REPLICA_READS, the one list. Everything else runs on the primary.

How a replica read goes (fasttrack/db.py, Database.call):
1. On the primary, `api.admit_replica_read(function)` counts the caller's rate limits (a standby
   cannot write them) and returns the primary's WAL position at that moment.
2. On the replica, once it has replayed up to that position (waiting at most CATCH_UP_SECONDS),
   the call itself, with no limits in its context (already counted). Everything committed before
   the request is then visible there, the caller's own last write included, whichever service
   instance took that write: the position comes from the primary, nothing is kept in process
   memory that other instances would need.
3. Otherwise on the primary, with the same limit-free context (counted once).

A replica is skipped while it is down or lags more than READ_REPLICA_MAX_LAG seconds (measured
on the replica; an idle primary sends nothing to replay, so a replica that has replayed all it
received is not behind however old its last transaction is). That health is looked at most once
per HEALTH_SECONDS, by one thread; a replica read that fails for a connection reason is answered
from the primary and marks the replica down until the next look. No request fails because of it.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any

import psycopg
from psycopg import Connection

log = logging.getLogger("fasttrack.read_replica")

# The api functions read from the replica: heavy, read-only apart from the rate limits that
# api.admit_replica_read counts on the primary (its CASE lists the same names).
REPLICA_READS: frozenset[str] = frozenset(
    {
        "export_tool",
        "export_user_tool",
        "get_organization_progress",
        # the coach's pages: every member's progress and answers read at once
        "list_organizations",
        "organization_dashboard",
        "team_view",
    }
)
HEALTH_SECONDS = 1.0  # how long a look at the replica's health is trusted
PROBE_TIMEOUT_SECONDS = 1.0  # a replica that does not lend a connection by then is down
CATCH_UP_SECONDS = 0.2  # how long a read waits for the replica to replay the primary's position
CATCH_UP_STEP_SECONDS = 0.01

# Seconds behind the primary, measured on the replica. Replayed all it received: 0. Otherwise
# the age of the last replayed transaction (never replayed one: unknown, so infinitely behind).
# Not in recovery at all (a URL pointing at a primary): 0.
LAG_SQL = """select case
    when not pg_catalog.pg_is_in_recovery() then 0
    when pg_catalog.pg_last_wal_receive_lsn() is not null
         and pg_catalog.pg_last_wal_receive_lsn() <= pg_catalog.pg_last_wal_replay_lsn() then 0
    else coalesce(extract(epoch from pg_catalog.now() - pg_catalog.pg_last_xact_replay_timestamp()),
                  'Infinity')
    end::float8"""
CAUGHT_UP_SQL = (
    "select not pg_catalog.pg_is_in_recovery() or pg_catalog.pg_last_wal_replay_lsn() >= %s::pg_lsn"
)
# What failing to reach or use the replica looks like (a read's own errors, PTnnn, are not).
UNAVAILABLE = (psycopg.OperationalError, psycopg.InterfaceError)


class ReplicaHealth:
    """Whether the replica may be read from now: down or lagging is no. Cached HEALTH_SECONDS."""

    def __init__(self, probe: Callable[[], float], max_lag: float) -> None:
        self._probe = probe  # the replica's lag in seconds; raises when it cannot be reached
        self._max_lag = max_lag
        self._lock = threading.Lock()
        self._usable = False
        self._checked_at: float | None = None

    def usable(self) -> bool:
        if self._checked_at is not None and time.monotonic() - self._checked_at < HEALTH_SECONDS:
            return self._usable
        if not self._lock.acquire(blocking=False):
            return self._usable  # another thread is looking; until then, the last answer
        try:
            self._usable = self._look()
            self._checked_at = time.monotonic()
        finally:
            self._lock.release()
        return self._usable

    def mark_down(self) -> None:
        self._usable = False
        self._checked_at = time.monotonic()

    def _look(self) -> bool:
        try:
            lag = self._probe()
        except UNAVAILABLE as error:
            log.warning("read replica unavailable", extra={"error": type(error).__name__})
            return False
        if lag > self._max_lag:
            log.warning(
                "read replica lagging; reading from the primary",
                extra={"lag_seconds": lag, "max_lag_seconds": self._max_lag},
            )
            return False
        return True


def lag_seconds(conn: Connection[Any]) -> float:
    row = conn.execute(LAG_SQL).fetchone()
    assert row is not None
    return float(row[0])


def caught_up(conn: Connection[Any], lsn: str) -> bool:
    """Wait (briefly) until the replica has replayed the primary's position `lsn`."""
    deadline = time.monotonic() + CATCH_UP_SECONDS
    while True:
        row = conn.execute(CAUGHT_UP_SQL, (lsn,)).fetchone()
        if row is not None and row[0]:
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(CATCH_UP_STEP_SECONDS)


def without_limits(context: dict[str, Any] | None) -> dict[str, Any]:
    """The request context for a call whose limits api.admit_replica_read already counted."""
    return {key: value for key, value in (context or {}).items() if key != "limits"}
