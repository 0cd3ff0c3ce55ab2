"""The loop the event worker and its render threads share: run one cycle after another until
stopped; after a failed database call (the server restarting, a lost connection) log it, drop
the listening connection, wait 1, 2, 4 ... at most RECONNECT_MAX_SECONDS, and go on."""

from __future__ import annotations

import logging
from collections.abc import Callable

import psycopg

RECONNECT_MAX_SECONDS = 30.0


def run_until_stopped(
    cycle: Callable[[], None],
    *,
    stopping: Callable[[], bool],
    after_failure: Callable[[], None],
    wait: Callable[[float], None],
    log: logging.Logger,
    worker_id: str,
) -> None:
    failures = 0
    while not stopping():
        try:
            cycle()
            failures = 0
        except psycopg.Error as error:
            failures += 1
            delay = min(RECONNECT_MAX_SECONDS, 2.0 ** (failures - 1))
            log.warning(
                "database call failed; trying again",
                extra={
                    "worker_id": worker_id,
                    "error": type(error).__name__,
                    "sqlstate": error.sqlstate,
                    "retry_in_seconds": delay,
                },
            )
            after_failure()
            if not stopping():
                wait(delay)
