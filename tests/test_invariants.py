"""shared.check_invariants(): empty for healthy data, and it names each kind of corruption."""

from __future__ import annotations

import pytest
from psycopg.types.json import Jsonb

from support.program import answers_for, call, create_user, tools_in_sprint_order


def violations(conn) -> set[tuple[str, str]]:
    rows = conn.execute("select rule, tool_slug from shared.check_invariants()").fetchall()
    return {(row["rule"], row["tool_slug"]) for row in rows}


def walk(conn, user_id, count):
    for tool in tools_in_sprint_order()[:count]:
        call(conn, "submit_tool", tool["slug"], user_id, None, Jsonb(answers_for(tool["slug"])))


def test_a_walked_program_with_revisions_restarts_and_overrides_is_healthy(conn):
    first, second = create_user(conn), create_user(conn)
    walk(conn, first, 31)
    walk(conn, second, 5)
    revised = answers_for("woop", marker=" again")
    call(conn, "save_draft", "woop", second, Jsonb(revised), None)  # revising submitted work
    call(conn, "start_over", "dream", second)
    call(conn, "update_progress", second, "market-size", "unlocked")  # admin opens early
    call(conn, "save_draft", "cash", second, Jsonb({"cash_position": "tight"}), 0)

    assert violations(conn) == set()


WOOP_OUTPUTS = "sprint_00_woop.field_outputs"
CORRUPTIONS = [
    pytest.param(
        f"delete from {WOOP_OUTPUTS} where field_id = 'wish'",
        "outputs_match_data",
        "woop",
        id="missing-output",
    ),
    pytest.param(
        f"update {WOOP_OUTPUTS} set field_value = '\"x\"' where field_id = 'wish'",
        "outputs_match_data",
        "woop",
        id="tampered-output",
    ),
    pytest.param(
        "delete from shared.current_field_values where tool_slug = 'woop'",
        "current_values_mirror_outputs",
        "woop",
        id="lost-current-values",
    ),
    pytest.param(
        "update shared.submission_versions set version = 99 where tool_slug = 'woop'",
        "versions_only_grow",
        "woop",
        id="version-went-back",
    ),
    pytest.param(
        "update shared.user_progress set completed_at = null where tool_slug = 'woop'",
        "completed_has_completed_at",
        "woop",
        id="no-completed-at",
    ),
    pytest.param(
        "delete from shared.user_progress where tool_slug = 'cash'",
        "progress_row_per_tool",
        "cash",
        id="missing-progress-row",
    ),
    # with the triggers off, nothing guards or records the change (a bad restore, a bug)
    pytest.param(
        "alter table shared.user_progress disable trigger user;"
        " update shared.user_progress set status = 'unlocked'"
        " where tool_slug = 'program-overview';"
        " alter table shared.user_progress enable trigger user",
        "open_tools_meet_requirements",
        "program-overview",
        id="opened-without-requirements",
    ),
]


@pytest.mark.parametrize(("corrupt", "rule", "tool"), CORRUPTIONS)
def test_each_kind_of_corruption_is_reported(conn, corrupt, rule, tool):
    user_id = create_user(conn)
    call(conn, "save_draft", "woop", user_id, Jsonb({"wish": "draft"}), 0)
    call(conn, "submit_tool", "woop", user_id, 1, Jsonb(answers_for("woop")))
    assert violations(conn) == set()

    conn.execute(corrupt)

    assert (rule, tool) in violations(conn)
