"""The analytics' daily refresh, run by the worker (fasttrack/worker.py): once a minute it asks
the database whether the day's refresh is due (ANALYTICS_REFRESH_AT, UTC); the database decides,
so one worker does it however many run (sql/functions/271_analytics_refresh.sql)."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

import psycopg

log = logging.getLogger("fasttrack.analytics")

CHECK_EVERY_SECONDS = 60.0


class DailyAnalyticsRefresh:
    """Asks at most once per CHECK_EVERY_SECONDS; `due_in()` is how long until the next ask."""

    def __init__(self, refresh_at: str) -> None:
        self._refresh_at = refresh_at
        self._next = time.monotonic()  # the first ask: at start

    def due_in(self) -> float:
        return max(self._next - time.monotonic(), 0.0)

    def run_if_due(self, call: Callable[..., Any]) -> dict[str, Any] | None:
        """Ask the database (api.worker_refresh_analytics); log and return what it did."""
        if time.monotonic() < self._next:
            return None
        self._next = time.monotonic() + CHECK_EVERY_SECONDS
        try:
            answer = call("worker_refresh_analytics", p_refresh_at=self._refresh_at)
        except psycopg.Error as error:
            if error.sqlstate != "PT409":
                raise
            # a manual refresh is running: the day is not taken, the next ask tries again
            return {"status": "running"}
        if answer.get("status") == "refreshed":
            log.info(
                "analytics refreshed",
                extra={"day": answer.get("day"), "duration_ms": answer.get("duration_ms")},
            )
        return answer
