"""Completion events for admins over real HTTP: listing them by status, and sending a dead one
again. Events are written by real submits and parked as dead through the worker's own SQL
functions (support/outbox.py), as the delivery worker would after its last failed attempt."""

from __future__ import annotations

from typing import Any

import pytest
from live_http import data_of, error_of

from support.outbox import as_worker, fail_due_events
from support.program import answers_for


@pytest.fixture
def people(live_server, conn) -> dict[str, str]:
    """Tokens of a user, a guru and an admin (by role name)."""
    tokens = {}
    for role in ("user", "guru", "admin"):
        login = live_server.sso_login()
        conn.execute("update shared.users set role = %s where id = %s", (role, login.user["id"]))
        tokens[role] = login.access_token
    return tokens


def submit(live_server, token: str, slug: str) -> None:
    body = {"version": 0, "data": answers_for(slug)}
    data_of(live_server.request("POST", f"/api/tools/{slug}/submit", token=token, json=body))


def events(live_server, token: str, **params: Any):
    return live_server.request("GET", "/api/admin/events", token=token, params=params)


def event_row(conn, event_id: str) -> dict[str, Any]:
    return conn.execute(
        "select status, attempts, last_error from shared.outbox_events where id = %s", (event_id,)
    ).fetchone()


def test_admins_list_events_newest_first_and_by_status(live_server, people, conn):
    # tool_completed, tool_unlocked (dream) and award_earned (the first tool)
    submit(live_server, people["user"], "know-thyself")
    admin = people["admin"]

    listed = data_of(events(live_server, admin))
    pending = data_of(events(live_server, admin, status="pending"))

    assert {(e["event_type"], e["tool_slug"]) for e in listed} == {
        ("tool_completed", "know-thyself"),
        ("tool_unlocked", "dream"),
        ("award_earned", "know-thyself"),
    }
    assert [e["created_at"] for e in listed] == sorted(
        (e["created_at"] for e in listed), reverse=True
    )
    assert all(e["status"] == "pending" and e["attempts"] == 0 for e in listed)
    assert all("locked_by" not in e for e in listed)  # which worker holds it is internal
    assert {e["id"] for e in pending} == {e["id"] for e in listed}
    assert data_of(events(live_server, admin, status="dead")) == []
    assert data_of(events(live_server, admin, status="delivered")) == []


def test_dead_events_are_listed_with_their_error_and_an_admin_sends_one_again(
    live_server, people, conn
):
    submit(live_server, people["user"], "cash")
    dead_ids = fail_due_events(conn, error="lms.example.com: HTTP 500")
    admin = people["admin"]

    dead = data_of(events(live_server, admin, status="dead"))

    assert sorted(e["id"] for e in dead) == sorted(dead_ids)
    assert all(e["last_error"] == "lms.example.com: HTTP 500" and e["attempts"] == 1 for e in dead)
    assert data_of(events(live_server, admin, status="pending")) == []

    target = dead[0]["id"]
    retried = data_of(live_server.request("POST", f"/api/admin/events/{target}/retry", token=admin))

    assert retried == {"event_id": target, "status": "pending"}
    assert event_row(conn, target) == {"status": "pending", "attempts": 0, "last_error": None}
    assert [e["id"] for e in data_of(events(live_server, admin, status="pending"))] == [target]
    # The workers take it again.
    claimed = as_worker(conn, "worker_claim_events", p_worker="w", p_limit=10)
    assert [e["id"] for e in claimed] == [target]
    # Audited: who sent which event again, from what state.
    audit = conn.execute(
        "select actor_id::text, action, target_type, target_id, before, after"
        " from shared.admin_audit order by id desc limit 1"
    ).fetchone()
    admin_id = data_of(live_server.request("GET", "/api/auth/me", token=admin))["id"]
    assert (audit["actor_id"], audit["target_id"]) == (admin_id, target)
    assert (audit["before"]["status"], audit["after"]["status"]) == ("dead", "pending")


def test_only_dead_events_are_retried(live_server, people, conn):
    submit(live_server, people["user"], "cash")
    [event, *_] = data_of(events(live_server, people["admin"]))

    response = live_server.request(
        "POST", f"/api/admin/events/{event['id']}/retry", token=people["admin"]
    )

    assert response.status_code == 409
    assert error_of(response)["code"] == "EVENT_NOT_DEAD"


def test_retrying_an_unknown_event_is_404(live_server, people):
    unknown = "00000000-0000-4000-8000-000000000000"

    response = live_server.request(
        "POST", f"/api/admin/events/{unknown}/retry", token=people["admin"]
    )

    assert response.status_code == 404
    assert error_of(response)["code"] == "EVENT_NOT_FOUND"


def test_an_event_id_that_is_not_a_uuid_is_404_before_the_database(live_server, people):
    response = live_server.request(
        "POST", "/api/admin/events/not-a-uuid/retry", token=people["admin"]
    )

    assert response.status_code == 404
    error_of(response)


def test_non_admins_can_neither_list_nor_retry_and_change_nothing(live_server, people, conn):
    submit(live_server, people["user"], "cash")
    [dead, *_] = fail_due_events(conn)
    audit_before = conn.execute("select count(*) as n from shared.admin_audit").fetchone()["n"]

    for role in ("user", "guru"):
        listing = events(live_server, people[role], status="dead")
        retry = live_server.request("POST", f"/api/admin/events/{dead}/retry", token=people[role])
        for response in (listing, retry):
            assert response.status_code == 403
            assert error_of(response)["code"] == "FORBIDDEN"
    anonymous = live_server.request("POST", f"/api/admin/events/{dead}/retry")

    assert anonymous.status_code == 401
    assert event_row(conn, dead)["status"] == "dead"
    assert conn.execute("select count(*) as n from shared.admin_audit").fetchone()["n"] == (
        audit_before
    )


def pages_of_events(live_server, token: str, limit: int) -> list[list[dict[str, Any]]]:
    """Every page of GET /api/admin/events, following `before` = the last event's created_at."""
    pages: list[list[dict[str, Any]]] = []
    before = None
    while True:
        params = {"limit": limit, **(before or {})}
        page = data_of(events(live_server, token, **params))
        if not page:
            return pages
        pages.append(page)
        before = {"before": page[-1]["created_at"], "before_id": page[-1]["id"]}
        assert len(pages) <= 100, "paging does not end"


def test_events_are_paged_with_limit_and_before(live_server, people):
    # one tool_completed each, nothing unlocked; woop also earns two awards (first tool, module 0)
    for slug in ("woop", "cash", "energy"):
        submit(live_server, people["user"], slug)
    everything = data_of(events(live_server, people["admin"]))
    assert len(everything) == 5

    pages = pages_of_events(live_server, people["admin"], limit=2)

    assert [len(page) for page in pages] == [2, 2, 1]
    assert [e["id"] for page in pages for e in page] == [e["id"] for e in everything]
    completed = [e["tool_slug"] for e in everything if e["event_type"] == "tool_completed"]
    assert completed == ["energy", "cash", "woop"]


def test_paging_never_skips_events_written_by_the_same_submit(live_server, people):
    # tool_completed, tool_unlocked and award_earned, one transaction
    submit(live_server, people["user"], "know-thyself")
    everything = data_of(events(live_server, people["admin"]))
    assert len(everything) == 3

    pages = pages_of_events(live_server, people["admin"], limit=1)

    assert sorted(e["id"] for page in pages for e in page) == sorted(e["id"] for e in everything)


@pytest.mark.parametrize(
    ("params", "status", "code"),
    [
        ({"status": "failed"}, 422, "INVALID_STATUS"),
        ({"limit": "0"}, 422, "INVALID_LIMIT"),
        ({"limit": "501"}, 422, "INVALID_LIMIT"),
        ({"limit": "many"}, 400, "INVALID_PARAMETER"),
        ({"before": "last tuesday"}, 400, "INVALID_PARAMETER"),
    ],
)
def test_bad_filters_are_refused_with_a_code(live_server, people, params, status, code):
    response = events(live_server, people["admin"], **params)

    assert response.status_code == status
    assert error_of(response)["code"] == code
