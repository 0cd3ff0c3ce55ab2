"""Latency percentiles and throughput from a list of per-call timings."""

from __future__ import annotations

import math
from typing import Any


def percentile(ordered: list[float], share: float) -> float:
    """Nearest-rank percentile of an ascending list (share in 0..1)."""
    if not ordered:
        return 0.0
    rank = max(1, math.ceil(share * len(ordered)))
    return ordered[min(rank, len(ordered)) - 1]


def summarize(latencies_ms: list[float], seconds: float, errors: int = 0) -> dict[str, Any]:
    ordered = sorted(latencies_ms)
    count = len(ordered)
    return {
        "count": count,
        "errors": errors,
        "seconds": round(seconds, 3),
        "throughput": round(count / seconds, 1) if seconds > 0 else 0.0,
        "p50_ms": round(percentile(ordered, 0.50), 3),
        "p95_ms": round(percentile(ordered, 0.95), 3),
        "p99_ms": round(percentile(ordered, 0.99), 3),
        "mean_ms": round(sum(ordered) / count, 3) if count else 0.0,
        "max_ms": round(ordered[-1], 3) if count else 0.0,
    }
