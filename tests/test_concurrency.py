"""Many connections working for one user at once: nothing acknowledged is lost, nothing breaks."""

from __future__ import annotations

import random
import threading

import psycopg
from psycopg.rows import dict_row
from psycopg.types.json import Jsonb

from support.program import (
    answers_for,
    call,
    create_user,
    progress,
    required_sources,
    tools_in_sprint_order,
)

THREADS = 8
ROUNDS = 12
TARGET = "route-to-market"


def prepare(conn, user_id):
    """Submit everything route-to-market's sources need, leaving its own sources open."""
    needed, frontier = set(), set(required_sources(TARGET))
    while frontier:
        slug = frontier.pop()
        if slug not in needed:
            needed.add(slug)
            frontier |= required_sources(slug)
    sources = required_sources(TARGET)
    for tool in tools_in_sprint_order():
        if tool["slug"] in needed - sources:
            call(conn, "submit_tool", tool["slug"], user_id, None, Jsonb(answers_for(tool["slug"])))
    return sorted(sources)


def test_concurrent_saves_and_submits_keep_every_acknowledged_write(database_url, conn):
    user_id = create_user(conn)
    tools = prepare(conn, user_id)
    acknowledged: list[tuple[str, str, int, dict]] = []
    failures: list[BaseException] = []
    lock = threading.Lock()

    def worker(seed: int) -> None:
        rng = random.Random(seed)
        with psycopg.connect(
            database_url, autocommit=True, row_factory=dict_row, prepare_threshold=None
        ) as mine:
            for round_number in range(ROUNDS):
                slug = rng.choice(tools)
                data = answers_for(slug, marker=f" #{seed}.{round_number}")
                current = call(mine, "get_submission", slug, user_id)
                operation = "submit_tool" if rng.random() < 0.3 else "save_draft"
                try:
                    if operation == "submit_tool":
                        result = call(
                            mine, operation, slug, user_id, current["version"], Jsonb(data)
                        )
                    else:
                        result = call(
                            mine, operation, slug, user_id, Jsonb(data), current["version"]
                        )
                except psycopg.Error as error:
                    if (
                        error.sqlstate == "PT409"
                    ):  # another thread saved first: a refusal, not a loss
                        continue
                    failures.append(error)
                    return
                with lock:
                    acknowledged.append((slug, result["submission_id"], result["version"], data))

    threads = [threading.Thread(target=worker, args=(seed,)) for seed in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)

    assert not failures, failures
    assert len(acknowledged) >= THREADS  # the race let a fair share through
    for slug, submission_id, version, data in acknowledged:
        kept = call(conn, "submission_version", slug, user_id, submission_id, version)
        assert kept["data"] == data, (slug, version)
    assert conn.execute("select count(*) as n from shared.check_invariants()").fetchone()["n"] == 0
    submitted = {
        slug for slug in tools if call(conn, "get_submission", slug, user_id)["submitted_at"]
    }
    expected = "unlocked" if submitted == set(tools) else "locked"
    assert progress(conn, user_id)[TARGET] == expected
