"""The write path's named steps: what a submit is, and the one source of unlocked_tools."""

from __future__ import annotations

import psycopg
import pytest
from psycopg.rows import dict_row
from psycopg.types.json import Jsonb

from support.program import answers_for, call, create_user, progress, tools_in_sprint_order


def completed_events(conn, user_id, slug):
    row = conn.execute(
        "select count(*) as n from shared.outbox_events"
        " where user_id = %s and tool_slug = %s and event_type = 'tool_completed'",
        (user_id, slug),
    ).fetchone()
    return row["n"]


@pytest.mark.parametrize(
    ("old", "new", "data_changed", "expected"),
    [
        (None, "submitted", True, True),  # INSERT as submitted
        (None, "draft", True, False),
        ("draft", "submitted", False, True),
        ("in_progress", "submitted", True, True),  # re-submit after a revision
        ("completed", "submitted", False, True),
        ("submitted", "submitted", True, True),  # a submitted row's answers change
        ("submitted", "submitted", False, False),  # a retried submit
        ("submitted", "in_progress", True, False),
        ("submitted", "completed", False, False),
    ],
)
def test_what_a_submit_is(conn, old, new, data_changed, expected):
    assert call(conn, "is_submit", old, new, data_changed) is expected


def test_unlocked_tools_are_the_tools_each_submit_opened_in_sprint_order(conn):
    user_id = create_user(conn)
    by_slug = {tool["slug"]: tool for tool in tools_in_sprint_order()}
    sprint = {slug: tool["sprint_number"] for slug, tool in by_slug.items()}
    for tool in tools_in_sprint_order():
        slug = tool["slug"]
        before = {s for s, status in progress(conn, user_id).items() if status == "locked"}
        result = call(conn, "submit_tool", slug, user_id, None, Jsonb(answers_for(slug)))
        opened = before - {s for s, status in progress(conn, user_id).items() if status == "locked"}
        assert result["unlocked_tools"] == [
            {"slug": s, "name": by_slug[s]["name"], "sprint_number": sprint[s]}
            for s in sorted(opened, key=sprint.__getitem__)
        ], slug


def test_a_second_submit_in_the_same_transaction_reports_only_its_own_unlocks(database_url):
    with psycopg.connect(database_url, row_factory=dict_row) as conn:  # one transaction
        user_id = create_user(conn)
        first = call(
            conn, "submit_tool", "know-thyself", user_id, None, Jsonb(answers_for("know-thyself"))
        )
        second = call(conn, "submit_tool", "woop", user_id, None, Jsonb(answers_for("woop")))
        conn.rollback()
    assert "dream" in {tool["slug"] for tool in first["unlocked_tools"]}
    assert "dream" not in {tool["slug"] for tool in second["unlocked_tools"]}


def test_a_dba_update_to_submitted_is_a_submit_and_setting_it_again_is_not(conn):
    user_id = create_user(conn)
    draft = call(conn, "save_draft", "woop", user_id, Jsonb(answers_for("woop")), 0)
    update = "update sprint_00_woop.submissions set status = 'submitted' where id = %s"

    conn.execute(update, (draft["submission_id"],))
    assert completed_events(conn, user_id, "woop") == 1
    assert progress(conn, user_id)["woop"] == "completed"

    conn.execute(update, (draft["submission_id"],))  # unchanged submitted work: no submit
    assert completed_events(conn, user_id, "woop") == 1

    revised = call(
        conn, "save_draft", "woop", user_id, Jsonb(answers_for("woop", marker="2")), None
    )
    assert revised["status"] == "in_progress"
    resubmitted = call(conn, "submit_tool", "woop", user_id, revised["version"], None)
    assert resubmitted["changed"] is True
    assert completed_events(conn, user_id, "woop") == 2

    retried = call(conn, "submit_tool", "woop", user_id, resubmitted["version"], None)
    assert retried["changed"] is False and retried["unlocked_tools"] == []
    assert completed_events(conn, user_id, "woop") == 2
