"""bench.sizes (the sizing figures of docs/SCALING.md) still runs: a tiny run on this test's
database. Sizes are not asserted, only that every table was measured and the writes were made
and seen."""

from __future__ import annotations

import json
from pathlib import Path

from bench.sizes import main


def test_a_tiny_sizes_run_measures_every_table_and_both_writes(database_url: str, tmp_path: Path):
    out = tmp_path / "sizes.json"

    status = main(
        ["--database-url", database_url, "--users", "60", "--writes", "5", "--out", str(out),
         "--quiet"]
    )  # fmt: skip

    assert status == 0
    result = json.loads(out.read_text())
    assert result["seed"]["verified"]["ok"]
    groups = {group["table"]: group for group in result["groups"]}
    assert groups["sprint_*.submissions"]["schemas"] == 31
    assert groups["shared.users"]["rows"] == 60
    assert groups["shared.user_progress"]["rows"] == 60 * 31
    assert all(group["total_bytes"] > 0 for group in groups.values() if group["rows"])
    save, submit = result["writes"]
    assert (save["op"], save["calls"], submit["op"], submit["calls"]) == (
        "save_draft", 5, "submit", 5,
    )  # fmt: skip
    assert save["wal_bytes_per_call"] > 0 and submit["wal_bytes_per_call"] > 0
    assert submit["rows_per_call"]["shared.current_field_values"]["inserted"] > 0
    assert save["row_changes_per_call"] > 0
