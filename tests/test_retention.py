"""Retention: each rule deletes what is older than its limit and keeps the rest, a batch never
deletes more than its size, the last submitted version of a submission always stays, and the
worker applies every rule (as its own role) and logs what it deleted."""

from __future__ import annotations

import json
import logging
import uuid
from typing import Any

import psycopg
import pytest

from fasttrack.settings import Settings
from fasttrack.worker import Worker
from support.person import OPEN_TOOLS, api, new_person


def retention(conn: psycopg.Connection, rule: str, days: int, batch: int = 1000, keep: int = 50):
    with conn.transaction():
        conn.execute("set local role fasttrack_worker")
        row = conn.execute(
            "select api.worker_apply_retention(%s, %s, %s, %s) as r", (rule, days, batch, keep)
        ).fetchone()
    return row["r"]["deleted"]


def until_done(conn: psycopg.Connection, rule: str, days: int, batch: int, **kwargs: Any):
    counts = []
    while True:
        counts.append(retention(conn, rule, days, batch, **kwargs))
        if counts[-1] < batch:
            return counts


@pytest.fixture
def user(conn: psycopg.Connection) -> Any:
    return new_person(conn).id


def add_events(conn, user_id, count: int, *, status: str, age_days: int) -> None:
    conn.execute(
        "insert into shared.outbox_events (event_type, user_id, tool_slug, payload, status,"
        " created_at, delivered_at)"
        " select 'tool_unlocked', %(user)s, 'woop', '{}', %(status)s,"
        "        now() - make_interval(days => %(age)s + 1),"
        "        case when %(status)s = 'delivered' then now() - make_interval(days => %(age)s) end"
        "   from generate_series(1, %(count)s)",
        {"user": user_id, "status": status, "age": age_days, "count": count},
    )


def test_delivered_events_go_after_their_limit_in_bounded_batches(conn, user):
    add_events(conn, user, 25, status="delivered", age_days=91)
    add_events(conn, user, 4, status="delivered", age_days=89)
    add_events(conn, user, 3, status="pending", age_days=300)
    add_events(conn, user, 2, status="dead", age_days=300)

    assert until_done(conn, "delivered_events", 90, batch=10) == [10, 10, 5]
    left = conn.execute(
        "select status, count(*) as n from shared.outbox_events group by status order by status"
    ).fetchall()
    assert left == [
        {"status": "dead", "n": 2},
        {"status": "delivered", "n": 4},
        {"status": "pending", "n": 3},
    ]


def test_ai_requests_go_after_their_limit(conn, user):
    for age in (181, 200, 179, 1):
        conn.execute(
            "insert into shared.ai_requests (user_id, tool_slug, question_chars, outcome,"
            " requested_at) values (%s, 'woop', 10, 'ok', now() - make_interval(days => %s))",
            (user, age),
        )
    assert retention(conn, "ai_requests", 180) == 2
    ages = conn.execute(
        "select extract(day from now() - requested_at)::integer as age"
        " from shared.ai_requests order by 1"
    ).fetchall()
    assert [row["age"] for row in ages] == [1, 179]


def add_versions(conn, user_id, submission_id, statuses: list[str], age_days: int) -> None:
    for number, status in enumerate(statuses, start=1):
        conn.execute(
            "insert into shared.submission_versions (tool_slug, submission_id, user_id, version,"
            " status, data, saved_at, replaced_at)"
            " values ('woop', %s, %s, %s, %s, %s, now() - make_interval(days => %s),"
            "         now() - make_interval(days => %s))",
            (submission_id, user_id, number, status, json.dumps({"v": number}), age_days, age_days),
        )


def test_old_versions_beyond_the_newest_50_go_but_never_the_last_submitted(conn, user):
    old, recent = uuid.uuid4(), uuid.uuid4()
    statuses = ["draft"] * 60
    statuses[2] = "submitted"  # version 3: submitted, but not the last time
    statuses[4] = "submitted"  # version 5: the last submit of this submission
    add_versions(conn, user, old, statuses, age_days=400)
    add_versions(conn, user, recent, ["draft"] * 60, age_days=10)  # too young to go

    assert until_done(conn, "versions", 365, batch=4) == [4, 4, 1]

    kept = conn.execute(
        "select submission_id, array_agg(version order by version) as versions"
        " from shared.submission_versions group by submission_id"
    ).fetchall()
    by_submission = {row["submission_id"]: row["versions"] for row in kept}
    assert by_submission[old] == [5, *range(11, 61)]
    assert by_submission[recent] == list(range(1, 61))


def test_versions_of_real_saves_are_kept_while_fewer_than_the_limit(conn, user):
    for slug in OPEN_TOOLS[:2]:
        saved = api(conn, user, "save_draft", p_slug=slug, p_data='{"a": 1}', p_version=0)
        api(conn, user, "save_draft", p_slug=slug, p_data='{"a": 2}', p_version=saved["version"])
    conn.execute("update shared.submission_versions set saved_at = now() - interval '10 years'")
    assert retention(conn, "versions", 365, keep=1) == 0  # one version each: all kept
    assert conn.execute("select count(*) as n from shared.submission_versions").fetchone()["n"] == 2


def test_expired_sessions_go_30_days_after_they_expired(conn, user):
    for expired_days_ago in (31, 45, 29, -5):
        conn.execute(
            "insert into shared.refresh_tokens (family_id, user_id, token_hash, issued_at,"
            " expires_at) values (gen_random_uuid(), %s, sha256(gen_random_uuid()::text::bytea),"
            " now() - make_interval(days => %s + 7), now() - make_interval(days => %s))",
            (user, expired_days_ago, expired_days_ago),
        )
    assert retention(conn, "expired_sessions", 30) == 2
    assert conn.execute("select count(*) as n from shared.refresh_tokens").fetchone()["n"] == 2


def test_a_bad_rule_or_batch_is_refused(conn):
    for arguments in (("forever", 1, 10, 50), ("ai_requests", 1, 0, 50), ("versions", 1, 10, 0)):
        with pytest.raises(psycopg.Error) as excinfo:
            conn.execute(
                "select shared.apply_retention(%s, make_interval(days => %s), %s, %s)", arguments
            )
        assert excinfo.value.sqlstate == "PT422"


def test_the_worker_applies_every_rule_and_logs_what_it_deleted(conn, user, database_url, caplog):
    add_events(conn, user, 5, status="delivered", age_days=100)
    add_events(conn, user, 1, status="delivered", age_days=10)
    settings = Settings.from_env(
        {
            "WEBHOOK_URLS": "http://127.0.0.1:9/never-called",
            "WEBHOOK_SECRET": "s" * 40,
            "RETENTION_BATCH_SIZE": "2",
        }
    )
    worker = Worker(database_url, settings)
    try:
        with caplog.at_level(logging.INFO, logger="fasttrack.retention"):
            report = worker.apply_retention()
    finally:
        worker._database.close()

    assert report["deleted"] == {
        "delivered_events": 5,
        "ai_requests": 0,
        "versions": 0,
        "expired_sessions": 0,
    }
    assert report["batches"] == 3 + 1 + 1 + 1 and report["finished"]
    record = next(r for r in caplog.records if r.getMessage() == "retention applied")
    assert record.deleted == report["deleted"] and record.worker_id == worker.worker_id
    assert conn.execute("select count(*) as n from shared.outbox_events").fetchone()["n"] == 1


def test_a_stopping_worker_ends_the_pass_between_two_batches(conn, user, database_url):
    add_events(conn, user, 6, status="delivered", age_days=100)
    settings = Settings.from_env(
        {
            "WEBHOOK_URLS": "http://127.0.0.1:9/never-called",
            "WEBHOOK_SECRET": "s" * 40,
            "RETENTION_BATCH_SIZE": "2",
        }
    )
    worker = Worker(database_url, settings)
    try:
        worker.stop()
        report = worker.apply_retention()
    finally:
        worker._database.close()
    assert report == {
        "deleted": dict.fromkeys(
            ("delivered_events", "ai_requests", "versions", "expired_sessions"), 0
        ),
        "batches": 0,
        "finished": False,
    }
    assert conn.execute("select count(*) as n from shared.outbox_events").fetchone()["n"] == 6
