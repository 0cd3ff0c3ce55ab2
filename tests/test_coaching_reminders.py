"""Coaching events delivered by the real worker: two workers at once, a real receiver on
127.0.0.1. A meeting's member reminder reaches each member who has not submitted exactly once;
moving the meeting re-arms it; the weekly guru digest goes once per guru and week."""

from __future__ import annotations

import json
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

import psycopg
import test_worker
from psycopg.types.json import Jsonb

from support.outbox import as_worker
from support.program import answers_for, call, create_organization, create_user

receivers = test_worker.receivers  # the worker tests' fixtures: real receivers, threaded workers
start_worker = test_worker.start_worker
SETTLE = 0.5  # seconds left for any extra request to arrive after the expected ones


def schedule(
    conn: psycopg.Connection[Any], organization_id: Any, slug: str, at: datetime
) -> dict[str, Any]:
    row = conn.execute(
        "select shared.set_schedule(o, t, %s, null) as result from shared.organizations as o,"
        " shared.tools as t where o.id = %s and t.slug = %s",
        (at.isoformat(), organization_id, slug),
    ).fetchone()
    return row["result"]


def bodies(receiver: Any, event_type: str) -> list[dict[str, Any]]:
    return [
        json.loads(r.body)
        for r in receiver.received
        if r.headers["X-FastTrack-Event"] == event_type
    ]


def test_two_workers_remind_each_member_once_and_a_moved_meeting_again(
    conn,
    receivers,
    start_worker,
):
    organization = create_organization(conn, "Remind")
    ready, late, later = (create_user(conn, organization_id=organization) for _ in range(3))
    call(conn, "submit_tool", "woop", ready, None, Jsonb(answers_for("woop")))
    conn.execute("update shared.outbox_events set status = 'delivered'")  # only coaching below
    receiver = receivers()
    start_worker([receiver.url], batch_size=1)
    start_worker([receiver.url], batch_size=1)

    first = schedule(conn, organization, "woop", datetime.now(UTC) + timedelta(hours=47))
    receiver.wait_for_requests(2)
    time.sleep(SETTLE)
    reminders = bodies(receiver, "member_reminder")
    assert sorted(b["user"]["id"] for b in reminders) == sorted([str(late), str(later)])
    assert all(b["meeting"]["meeting_at"] for b in reminders)
    assert reminders[0]["tool"]["slug"] == "woop"
    assert receiver.keys() == Counter(dict.fromkeys(receiver.keys(), 1))  # none twice

    moved = schedule(conn, organization, "woop", datetime.now(UTC) + timedelta(hours=30))
    assert moved["revision"] == first["revision"] + 1
    receiver.wait_for_requests(4)
    time.sleep(SETTLE)
    reminders = bodies(receiver, "member_reminder")
    assert Counter(b["user"]["id"] for b in reminders) == Counter({str(late): 2, str(later): 2})
    assert len({b["event_id"] for b in reminders}) == 4
    assert (
        conn.execute(
            "select count(*) as n from shared.meeting_schedules where reminded_at is null"
        ).fetchone()["n"]
        == 0
    )


def test_a_meeting_more_than_48_hours_away_is_not_reminded_yet(conn):
    organization = create_organization(conn, "Later")
    create_user(conn, organization_id=organization)
    schedule(conn, organization, "woop", datetime.now(UTC) + timedelta(hours=50))
    as_worker(conn, "worker_claim_events", p_worker="w", p_limit=100)
    assert (
        conn.execute(
            "select count(*) as n from shared.outbox_events where event_type = 'member_reminder'"
        ).fetchone()["n"]
        == 0
    )
    due = as_worker(conn, "worker_next_due")["seconds"]
    assert 0 < float(due) <= 2 * 3600  # the worker wakes when the reminder falls due


def test_the_weekly_digest_goes_once_per_guru_and_week(conn, receivers, start_worker):
    organization = create_organization(conn, "Digest")
    member = create_user(conn, organization_id=organization)
    guru = create_user(conn, role="guru")
    create_user(conn, role="guru")  # coaches nothing: no digest
    conn.execute(
        "insert into shared.organization_gurus (organization_id, user_id) values (%s, %s)",
        (organization, guru),
    )
    conn.execute(
        "insert into shared.action_items (organization_id, tool_slug, task, owner_id, due_on)"
        " values (%s, 'woop', 'Overdue task', %s, current_date - 3)",
        (organization, member),
    )
    receiver = receivers()
    start_worker([receiver.url])
    start_worker([receiver.url])
    receiver.wait_for_requests(1)
    time.sleep(SETTLE)
    digests = bodies(receiver, "guru_digest")
    assert [d["user"]["id"] for d in digests] == [str(guru)]
    assert digests[0]["digest"]["overdue_action_items"][0]["task"] == "Overdue task"
    assert digests[0]["week"] == datetime.now(UTC).strftime("%G-W%V")
    # later claims in the same week make none
    as_worker(conn, "worker_claim_events", p_worker="w", p_limit=10)
    assert (
        conn.execute(
            "select count(*) as n from shared.outbox_events where event_type = 'guru_digest'"
        ).fetchone()["n"]
        == 1
    )
