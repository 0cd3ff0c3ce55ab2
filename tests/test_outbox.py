"""The outbox: events written with the change they report, claimed once, retried, parked dead."""

from __future__ import annotations

import json

import psycopg
import pytest
from psycopg.rows import dict_row
from psycopg.types.json import Jsonb

from support.program import answers_for, call, create_user
from support.sqlerrors import detail_of


def as_worker(conn, function, **args):
    """Call an api.worker_* function the way the worker does: as the fasttrack_worker role."""
    names = ", ".join(f"{name} => %({name})s" for name in args)
    with conn.transaction():
        conn.execute("set local role fasttrack_worker")
        return conn.execute(f"select api.{function}({names}) as result", args).fetchone()["result"]


def events(conn, user_id):
    return conn.execute(
        "select event_type, tool_slug, status, attempts, payload from shared.outbox_events"
        " where user_id = %s order by created_at, event_type",
        (user_id,),
    ).fetchall()


def test_a_submit_records_completed_and_unlocked_events_with_full_payloads(conn):
    user_id = create_user(conn)

    call(conn, "submit_tool", "know-thyself", user_id, None, Jsonb(answers_for("know-thyself")))

    recorded = {(e["event_type"], e["tool_slug"]) for e in events(conn, user_id)}
    assert recorded == {
        ("tool_completed", "know-thyself"),
        ("tool_unlocked", "dream"),
        ("award_earned", "know-thyself"),  # the first tool (gamification)
    }
    completed = next(e for e in events(conn, user_id) if e["event_type"] == "tool_completed")
    assert completed["payload"]["user"]["id"] == str(user_id)
    assert completed["payload"]["tool"]["sprint_number"] == 1
    assert completed["payload"]["event_id"] and completed["payload"]["submission_id"]


def test_a_rolled_back_submit_records_nothing(database_url, conn):
    user_id = create_user(conn)
    with psycopg.connect(database_url, row_factory=dict_row) as other:
        call(other, "submit_tool", "woop", user_id, None, Jsonb(answers_for("woop")))
        other.rollback()

    assert events(conn, user_id) == []


def test_two_workers_never_hold_the_same_event(database_url, conn):
    user_id = create_user(conn)
    for slug in ("woop", "cash", "energy", "know-thyself"):
        call(conn, "submit_tool", slug, user_id, None, Jsonb(answers_for(slug)))
    pending = len(events(conn, user_id))

    with (
        psycopg.connect(database_url, row_factory=dict_row) as first,
        psycopg.connect(database_url, row_factory=dict_row) as second,
    ):
        first.execute("set role fasttrack_worker")
        held = first.execute(
            "select api.worker_claim_events(p_worker => 'a', p_limit => 2) as result"
        ).fetchone()["result"]  # transaction still open: rows locked
        taken = as_worker(second, "worker_claim_events", p_worker="b", p_limit=100)
        first.commit()

    ids_a, ids_b = {e["id"] for e in held}, {e["id"] for e in taken}
    assert len(ids_a) == 2 and ids_a.isdisjoint(ids_b)
    assert len(ids_a | ids_b) == pending


def test_failures_back_off_then_park_the_event_dead_and_an_admin_can_retry_it(conn):
    user_id = create_user(conn)
    admin_id = create_user(conn, role="admin")
    # an earlier tool, its events (and its awards') delivered: cash then writes one event
    call(conn, "submit_tool", "woop", user_id, None, Jsonb(answers_for("woop")))
    conn.execute(
        "update shared.outbox_events set status = 'delivered', delivered_at = now(),"
        " delivered_to = array['https://lms.example.com/hooks']"
    )
    call(conn, "submit_tool", "cash", user_id, None, Jsonb(answers_for("cash")))

    outcomes = []
    for _ in range(3):
        conn.execute(
            "update shared.outbox_events set next_attempt_at = now() where status = 'pending'"
        )
        [event] = as_worker(conn, "worker_claim_events", p_worker="w", p_limit=1)
        outcomes.append(
            as_worker(
                conn,
                "worker_event_failed",
                p_event_id=event["id"],
                p_worker="w",
                p_delivered_to=[],
                p_error="receiver said 500",
                p_max_attempts=3,
                p_base_delay_seconds=2,
                p_max_delay_seconds=60,
            )
        )

    assert [o["status"] for o in outcomes] == ["pending", "pending", "dead"]
    assert [o["retry_in_seconds"] for o in outcomes[:2]] == [2, 4]
    assert as_worker(conn, "worker_claim_events", p_worker="w", p_limit=10) == []

    claims = json.dumps({"sub": str(admin_id)})
    with conn.transaction():
        conn.execute("select set_config('request.jwt.claims', %s, true)", (claims,))
        conn.execute("set local role fasttrack_api")
        dead = conn.execute("select api.admin_list_events(p_status => 'dead') as r").fetchone()["r"]
        conn.execute("select api.admin_retry_event(p_event_id => %s)", (dead[0]["id"],))
    assert [e["last_error"] for e in dead] == ["receiver said 500"]
    assert len(as_worker(conn, "worker_claim_events", p_worker="w", p_limit=10)) == 1


def test_a_worker_that_lost_its_lease_cannot_settle_the_event(conn):
    user_id = create_user(conn)
    call(conn, "submit_tool", "cash", user_id, None, Jsonb(answers_for("cash")))
    [event] = as_worker(conn, "worker_claim_events", p_worker="slow", p_limit=1, p_lease_seconds=1)
    conn.execute("update shared.outbox_events set locked_until = now() - interval '1 second'")
    [again] = as_worker(conn, "worker_claim_events", p_worker="fast", p_limit=1)
    assert again["id"] == event["id"]

    with pytest.raises(psycopg.Error) as excinfo:
        as_worker(
            conn,
            "worker_event_delivered",
            p_event_id=event["id"],
            p_worker="slow",
            p_delivered_to=[],
        )

    assert detail_of(excinfo)["code"] == "LEASE_LOST"
