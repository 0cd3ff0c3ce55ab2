"""Retention, applied by the worker: history older than its limit is deleted in small batches.

Each batch is one call of `api.worker_apply_retention` (one rule, at most RETENTION_BATCH_SIZE
rows, its own short transaction: no long lock, and deliveries go on between passes). A pass runs
every rule until it has nothing left to delete or has run MAX_BATCHES_PER_RULE batches, and logs
what it deleted per rule. The rules themselves are SQL (sql/functions/215_retention.sql).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from fasttrack.settings import Settings

log = logging.getLogger("fasttrack.retention")

# Per rule and pass: a backlog (the first pass on an old database) is worked off over several
# passes, with deliveries in between, rather than in one long run.
MAX_BATCHES_PER_RULE = 100


@dataclass(frozen=True)
class Rule:
    name: str  # shared.apply_retention's rule
    days: int
    keep: int | None = None  # versions: the newest this many of a submission stay


def rules(settings: Settings) -> list[Rule]:
    return [
        Rule("delivered_events", settings.retention_events_days),
        Rule("ai_requests", settings.retention_ai_requests_days),
        Rule("versions", settings.retention_versions_days, settings.retention_versions_keep),
        Rule("expired_sessions", settings.retention_sessions_days),
    ]


def apply_retention(
    call: Callable[..., Any],
    settings: Settings,
    *,
    worker_id: str | None = None,
    stopping: Callable[[], bool] = lambda: False,
) -> dict[str, Any]:
    """One pass over every rule; returns (and logs) the rows deleted per rule and whether the
    pass finished (False: a rule still had rows when its batches ran out, or `stopping()` said
    to stop between two batches)."""
    batch = settings.retention_batch_size
    deleted: dict[str, int] = {}
    batches = 0
    finished = True
    for rule in rules(settings):
        deleted[rule.name] = 0
        for _ in range(MAX_BATCHES_PER_RULE):
            if stopping():
                finished = False
                break
            keep = {"p_keep": rule.keep} if rule.keep is not None else {}
            result = call(
                "worker_apply_retention",
                p_rule=rule.name,
                p_older_than_days=rule.days,
                p_batch=batch,
                **keep,
            )
            batches += 1
            deleted[rule.name] += result["deleted"]
            if result["deleted"] < batch:
                break
        else:
            finished = False
    report = {"deleted": deleted, "batches": batches, "finished": finished}
    log.info("retention applied", extra={"worker_id": worker_id, **report})
    return report
