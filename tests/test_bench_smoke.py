"""The benchmark (python -m bench) still runs end to end: a tiny run on this test's database.

Timings are not asserted (they depend on the machine); only that every measurement was made,
with positive numbers, that the bulk seed matches the real functions, and that the stored work
still passes the invariants afterwards.
"""

from __future__ import annotations

import json
from pathlib import Path

import psycopg

from bench.__main__ import main
from bench.report import LABELS

DB_OPERATIONS = {
    "save_draft",
    "submit",
    "resolve_program_overview",
    "resolve_one_source",
    "check_unlock_status",
    "progress_summary",
}
HTTP_OPERATIONS = {"resolve_program_overview", "save_draft", "submit", "autosave_sustained"}


def test_a_tiny_benchmark_run_reports_every_measurement(database_url: str, tmp_path: Path) -> None:
    out = tmp_path / "result.json"
    status = main([
        "--database-url", database_url, "--users", "200", "--clients", "1,2",
        "--seconds", "0.4", "--warmup", "2", "--autosave-seconds", "0.5",
        "--autosave-rate", "40", "--generator", "python", "--out", str(out), "--quiet",
    ])  # fmt: skip

    assert status == 0
    results = json.loads(out.read_text())
    assert results["seed"]["verified"]["ok"], results["seed"]["verified"]
    assert results["app_side_same_answers"]

    measured = {
        "db": {(r["op"], r["clients"]) for r in results["db_level"]},
        "app": {(r["op"], r["clients"]) for r in results["app_side"]},
        "pgbench": {r["op"] for r in results["pgbench"]},
        "http": {r["op"] for r in results["http"]},
    }
    assert measured["db"] == {(op, c) for op in DB_OPERATIONS for c in (1, 2)}
    assert measured["app"] == {
        (op, c) for op in ("app_resolve_program_overview", "app_submit") for c in (1, 2)
    }
    assert measured["pgbench"] == DB_OPERATIONS
    assert measured["http"] == HTTP_OPERATIONS
    assert {r["op"] for r in results["db_variants"]} == {"resolve_direct", "resolve_rate_limited"}
    rows = [
        row
        for part in ("db_level", "db_variants", "app_side", "pgbench", "http")
        for row in results[part]
    ]
    for row in rows:
        assert row["op"] in LABELS
        assert row["count"] > 0, row
        assert row["throughput"] > 0, row
        assert 0 < row["p50_ms"] <= row["p95_ms"] <= row["p99_ms"], row
    assert {p["query"] for p in results["explain"]} and all(
        p["execution_ms"] > 0 for p in results["explain"]
    )
    assert all(
        value is not None for group in results["ratios"].values() for value in group.values()
    ), results["ratios"]
    assert {t["target"] for t in results["targets"]}

    with psycopg.connect(database_url) as conn:
        assert conn.execute("select * from shared.check_invariants()").fetchall() == []
