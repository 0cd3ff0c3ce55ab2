"""Driving the outbox the way the delivery worker does (as the fasttrack_worker role), for tests
that need events in a given state."""

from __future__ import annotations

from typing import Any

import psycopg


def as_worker(conn: psycopg.Connection, function: str, **args: Any) -> Any:
    """Call an api.worker_* function as the worker does: in its own transaction, as its role."""
    names = ", ".join(f"{name} => %({name})s" for name in args)
    with conn.transaction():
        conn.execute("set local role fasttrack_worker")
        row = conn.execute(f"select api.{function}({names}) as result", args).fetchone()
    return row["result"] if isinstance(row, dict) else row[0]


def fail_due_events(conn: psycopg.Connection, *, error: str = "receiver said 500") -> list[str]:
    """Claim every due event and report its delivery failed on the last allowed attempt, so each
    is parked as dead; returns their ids."""
    claimed = as_worker(conn, "worker_claim_events", p_worker="test-worker", p_limit=1000)
    for event in claimed:
        settled = as_worker(
            conn,
            "worker_event_failed",
            p_event_id=event["id"],
            p_worker="test-worker",
            p_delivered_to=[],
            p_error=error,
            p_max_attempts=1,
            p_base_delay_seconds=1,
            p_max_delay_seconds=1,
        )
        assert settled["status"] == "dead", settled
    return [event["id"] for event in claimed]
