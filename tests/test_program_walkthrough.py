"""The whole program walked by one user, tool by tool, against the unlock rule."""

from __future__ import annotations

from psycopg.types.json import Jsonb

from support.program import (
    answers_for,
    call,
    create_user,
    dependencies,
    expected_open_tools,
    progress,
    tools_in_sprint_order,
)

OVERVIEW = "program-overview"


def test_a_new_user_starts_with_exactly_the_tools_without_requirements_open(conn):
    user_id = create_user(conn)

    statuses = progress(conn, user_id)

    assert len(statuses) == len(tools_in_sprint_order()) == 31
    open_tools = {slug for slug, status in statuses.items() if status == "unlocked"}
    assert open_tools == expected_open_tools(set())
    assert {"woop", "cash", "energy", "meeting-rhythm"} <= open_tools
    assert statuses[OVERVIEW] == "locked"


def test_walking_the_program_unlocks_each_tool_exactly_when_its_sources_are_submitted(conn):
    user_id = create_user(conn)
    submitted: set[str] = set()

    for tool in tools_in_sprint_order():
        slug = tool["slug"]
        before = {s for s, status in progress(conn, user_id).items() if status != "locked"}
        assert slug in before, f"{slug} should be open once its sources are submitted"

        draft = call(conn, "save_draft", slug, user_id, Jsonb(answers_for(slug)), 0)
        result = call(conn, "submit_tool", slug, user_id, draft["version"], None)
        submitted.add(slug)

        statuses = progress(conn, user_id)
        now_open = {s for s, status in statuses.items() if status != "locked"}
        assert now_open == expected_open_tools(submitted), f"after submitting {slug}"
        assert {t["slug"] for t in result["unlocked_tools"]} == now_open - before
        assert statuses[slug] == "completed"

    assert set(progress(conn, user_id).values()) == {"completed"}
    summary = call(conn, "progress_summary_for", user_id)
    assert summary["completed"] == summary["total_tools"] == 31
    assert summary["next_tool"] is None


def test_program_overview_stays_locked_until_the_last_of_its_thirty_sources_is_submitted(conn):
    user_id = create_user(conn)
    sources = tools_in_sprint_order()[:-1]
    assert {m["source_tool"] for m in dependencies()[OVERVIEW] if m["required"]} == {
        t["slug"] for t in sources
    }

    for tool in sources:
        assert progress(conn, user_id)[OVERVIEW] == "locked"
        status = call(conn, "check_unlock_status", OVERVIEW, user_id)
        assert status["unlocked"] is False
        assert tool["slug"] in {m["source_tool"] for m in status["missing_dependencies"]}
        call(conn, "submit_tool", tool["slug"], user_id, None, Jsonb(answers_for(tool["slug"])))

    assert progress(conn, user_id)[OVERVIEW] == "unlocked"
    assert call(conn, "check_unlock_status", OVERVIEW, user_id)["missing_dependencies"] == []

    resolved = call(conn, "resolve_dependencies", OVERVIEW, user_id)
    assert resolved["missing"] == []
    assert len(resolved["fields"]) == len(dependencies()[OVERVIEW]) >= 30
    assert len({f["source_tool"] for f in resolved["fields"]}) == 30
    for field in resolved["fields"]:
        expected = _value_at(answers_for(field["source_tool"]), field["field_id"])
        assert field["value"] == expected, field
        assert resolved["values"][field["target_field"]] == expected


def test_skipping_one_source_keeps_the_overview_locked_and_names_what_is_missing(conn):
    user_id = create_user(conn)
    skipped = "cash"
    for tool in tools_in_sprint_order()[:-1]:
        if tool["slug"] != skipped:
            call(conn, "submit_tool", tool["slug"], user_id, None, Jsonb(answers_for(tool["slug"])))

    status = call(conn, "check_unlock_status", OVERVIEW, user_id)

    assert status["unlocked"] is False
    expected = [
        m["source_field"]
        for m in dependencies()[OVERVIEW]
        if m["source_tool"] == skipped and m["required"]
    ]
    assert [m["field_id"] for m in status["missing_dependencies"]] == expected
    assert {m["source_tool"] for m in status["missing_dependencies"]} == {skipped}


def _value_at(data, field_id):
    for name in field_id.split("."):
        data = data[name]
    return data
