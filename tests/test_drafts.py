"""Saving drafts: versions, stale saves, locked tools, history, restore and starting over."""

from __future__ import annotations

import psycopg
import pytest
from psycopg.types.json import Jsonb

from support.program import answers_for, call, create_organization, create_user, progress
from support.sqlerrors import detail_of, sqlstate_of


def test_first_save_creates_version_one_and_starts_the_tool(conn):
    user_id = create_user(conn)

    saved = call(conn, "save_draft", "woop", user_id, Jsonb({"wish": "Grow"}), 0)

    assert saved["version"] == 1
    assert saved["status"] == "draft"
    assert saved["data"] == {"wish": "Grow"}
    assert progress(conn, user_id)["woop"] == "in_progress"
    started = conn.execute(
        "select started_at, progress_percentage from shared.user_progress"
        " where user_id = %s and tool_slug = 'woop'",
        (user_id,),
    ).fetchone()
    assert started["started_at"] is not None
    assert 0 < started["progress_percentage"] < 100


def test_an_autosave_rewrites_progress_only_when_the_filled_share_changes(conn):
    """Autosaves mostly change page state, not answers: the progress row is left as it is then,
    and moves when a save fills (or empties) a declared output."""
    user_id = create_user(conn)

    def progress_row():
        return conn.execute(
            "select xmin::text as row_version, progress_percentage from shared.user_progress"
            " where user_id = %s and tool_slug = 'woop'",
            (user_id,),
        ).fetchone()

    call(conn, "save_draft", "woop", user_id, Jsonb({"wish": "Grow", "page": 1}), 0)
    first = progress_row()
    call(conn, "save_draft", "woop", user_id, Jsonb({"wish": "Grow", "page": 2}), 1)
    assert progress_row() == first

    call(conn, "save_draft", "woop", user_id, Jsonb(answers_for("woop") | {"page": 3}), 2)
    filled = progress_row()
    assert filled["row_version"] != first["row_version"]
    assert filled["progress_percentage"] > first["progress_percentage"]


def test_every_save_increments_the_version_and_keeps_one_active_submission(conn):
    user_id = create_user(conn)
    versions = [
        call(conn, "save_draft", "woop", user_id, Jsonb({"wish": f"v{i}"}), i)["version"]
        for i in range(4)
    ]

    assert versions == [1, 2, 3, 4]
    count = conn.execute(
        "select count(*) as n from sprint_00_woop.submissions where user_id = %s", (user_id,)
    ).fetchone()
    assert count["n"] == 1


def test_a_stale_version_is_refused_and_nothing_is_written(conn):
    user_id = create_user(conn)
    call(conn, "save_draft", "woop", user_id, Jsonb({"wish": "one"}), 0)
    call(conn, "save_draft", "woop", user_id, Jsonb({"wish": "two"}), 1)

    with pytest.raises(psycopg.Error) as excinfo:
        call(conn, "save_draft", "woop", user_id, Jsonb({"wish": "from an old tab"}), 1)

    assert sqlstate_of(excinfo) == "PT409"
    assert detail_of(excinfo) == {
        "code": "STALE_VERSION",
        "tool": "woop",
        "expected_version": 1,
        "current_version": 2,
    }
    assert call(conn, "get_submission", "woop", user_id)["data"] == {"wish": "two"}


def test_an_identical_save_changes_nothing_even_when_retried_with_the_old_version(conn):
    user_id = create_user(conn)
    call(conn, "save_draft", "woop", user_id, Jsonb({"wish": "same"}), 0)

    again = call(conn, "save_draft", "woop", user_id, Jsonb({"wish": "same"}), 0)

    assert again["version"] == 1
    assert again["changed"] is False
    history = call(conn, "submission_history", "woop", user_id)
    assert [entry["version"] for entry in history] == [1]


def test_saving_into_a_locked_tool_is_refused_with_what_is_missing(conn):
    user_id = create_user(conn)

    with pytest.raises(psycopg.Error) as excinfo:
        call(conn, "save_draft", "dream", user_id, Jsonb({"company_dream": "x"}), 0)

    assert sqlstate_of(excinfo) == "PT423"
    detail = detail_of(excinfo)
    assert detail["code"] == "TOOL_LOCKED"
    assert {m["source_tool"] for m in detail["missing_dependencies"]} == {"know-thyself"}
    assert (
        conn.execute("select count(*) as n from sprint_02_dream.submissions").fetchone()["n"] == 0
    )


@pytest.mark.parametrize("bad", [[1, 2], "text", 3, None])
def test_data_that_is_not_an_object_is_refused(conn, bad):
    user_id = create_user(conn)

    with pytest.raises(psycopg.Error) as excinfo:
        call(conn, "save_draft", "woop", user_id, Jsonb(bad) if bad is not None else None, 0)

    assert sqlstate_of(excinfo) == "PT422"
    assert detail_of(excinfo)["code"] == "INVALID_DATA"


def test_unknown_tool_and_unknown_user_are_not_found(conn):
    user_id = create_user(conn)
    with pytest.raises(psycopg.Error) as unknown_tool:
        call(conn, "save_draft", "no-such-tool", user_id, Jsonb({}), 0)
    with pytest.raises(psycopg.Error) as unknown_user:
        call(conn, "save_draft", "woop", "00000000-0000-0000-0000-000000000000", Jsonb({}), 0)

    assert (sqlstate_of(unknown_tool), detail_of(unknown_tool)["code"]) == (
        "PT404",
        "TOOL_NOT_FOUND",
    )
    assert (sqlstate_of(unknown_user), detail_of(unknown_user)["code"]) == (
        "PT404",
        "USER_NOT_FOUND",
    )


def test_every_changed_save_keeps_the_previous_version_and_any_version_can_be_restored(conn):
    user_id = create_user(conn)
    for version, wish in enumerate(["first", "second", "third"]):
        saved = call(conn, "save_draft", "woop", user_id, Jsonb({"wish": wish}), version)
    submission_id = saved["submission_id"]

    history = call(conn, "submission_history", "woop", user_id)
    assert [(e["version"], e["is_latest"]) for e in history] == [(3, True), (2, False), (1, False)]
    assert call(conn, "submission_version", "woop", user_id, submission_id, 1)["data"] == {
        "wish": "first"
    }

    restored = call(conn, "restore_submission_version", "woop", user_id, submission_id, 1)

    assert restored["data"] == {"wish": "first"}
    assert restored["version"] == 4
    assert call(conn, "submission_version", "woop", user_id, submission_id, 3)["data"] == {
        "wish": "third"
    }


def test_starting_over_archives_the_submission_and_keeps_its_outputs(conn):
    user_id = create_user(conn)
    first = call(
        conn, "submit_tool", "know-thyself", user_id, None, Jsonb(answers_for("know-thyself"))
    )

    fresh = call(conn, "start_over", "know-thyself", user_id)

    assert fresh["archived_submission_id"] == first["submission_id"]
    assert fresh["version"] == 1 and fresh["data"] == {} and fresh["status"] == "draft"
    archived = conn.execute(
        "select data, archived_at from sprint_01_know_thyself.submissions where id = %s",
        (first["submission_id"],),
    ).fetchone()
    assert archived["archived_at"] is not None and archived["data"] == answers_for("know-thyself")
    assert progress(conn, user_id)["dream"] == "unlocked"
    resolved = call(conn, "resolve_dependencies", "dream", user_id)
    assert (
        resolved["values"]["founder_vision"]
        == answers_for("know-thyself")["identity"]["personal_dream"]
    )

    with pytest.raises(psycopg.Error) as excinfo:
        conn.execute(
            "update sprint_01_know_thyself.submissions set data = '{}' where id = %s",
            (first["submission_id"],),
        )
    assert detail_of(excinfo)["code"] == "SUBMISSION_ARCHIVED"


def test_a_restore_naming_a_stale_version_is_refused_and_nothing_is_written(conn):
    """Another tab saved after this page loaded version 2: its restore must not overwrite that."""
    user_id = create_user(conn)
    for version, wish in enumerate(["first", "second", "from another tab"]):
        saved = call(conn, "save_draft", "woop", user_id, Jsonb({"wish": wish}), version)
    submission_id = saved["submission_id"]

    with pytest.raises(psycopg.Error) as excinfo:
        call(conn, "restore_submission_version", "woop", user_id, submission_id, 1, 2)

    assert detail_of(excinfo) == {
        "code": "STALE_VERSION",
        "tool": "woop",
        "expected_version": 2,
        "current_version": 3,
    }
    current = call(conn, "get_submission", "woop", user_id)
    assert (current["version"], current["data"]) == (3, {"wish": "from another tab"})

    restored = call(conn, "restore_submission_version", "woop", user_id, submission_id, 1, 3)
    assert (restored["version"], restored["data"]) == (4, {"wish": "first"})


def test_a_submission_keeps_the_organization_of_its_first_save(conn):
    first_org, second_org = create_organization(conn, "First"), create_organization(conn, "Second")
    user_id = create_user(conn, organization_id=first_org)
    saved = call(conn, "save_draft", "woop", user_id, Jsonb({"wish": "x"}), 0)
    assert saved["organization_id"] == str(first_org)

    conn.execute(
        "update shared.users set organization_id = %s where id = %s", (second_org, user_id)
    )
    again = call(conn, "save_draft", "woop", user_id, Jsonb({"wish": "y"}), 1)
    assert again["organization_id"] == str(first_org)

    with pytest.raises(psycopg.Error) as excinfo:
        conn.execute(
            "update sprint_00_woop.submissions set organization_id = %s where user_id = %s",
            (second_org, user_id),
        )
    assert detail_of(excinfo)["code"] == "ORGANIZATION_LOCKED"

    assert call(conn, "move_user_work", user_id, second_org) == 1
    assert call(conn, "get_submission", "woop", user_id)["organization_id"] == str(second_org)


def test_moving_work_moves_archived_submissions_too_and_leaves_them_read_only(conn):
    first_org, second_org = create_organization(conn, "First"), create_organization(conn, "Second")
    user_id = create_user(conn, organization_id=first_org)
    call(conn, "save_draft", "woop", user_id, Jsonb({"wish": "before"}), 0)
    archived_id = call(conn, "start_over", "woop", user_id)["archived_submission_id"]
    call(conn, "save_draft", "woop", user_id, Jsonb({"wish": "after"}), 1)
    before = conn.execute(
        "select data, status, version, archived_at from sprint_00_woop.submissions where id = %s",
        (archived_id,),
    ).fetchone()

    assert call(conn, "move_user_work", user_id, second_org) == 2

    rows = conn.execute(
        "select id::text, organization_id, data, status, version, archived_at"
        " from sprint_00_woop.submissions where user_id = %s",
        (user_id,),
    ).fetchall()
    assert {row["organization_id"] for row in rows} == {second_org}
    archived = next(row for row in rows if row["id"] == archived_id)
    assert {key: archived[key] for key in before} == before

    with pytest.raises(psycopg.Error) as excinfo:
        conn.execute(
            "update sprint_00_woop.submissions set data = '{}' where id = %s", (archived_id,)
        )
    assert detail_of(excinfo)["code"] == "SUBMISSION_ARCHIVED"
    with pytest.raises(psycopg.Error) as excinfo:
        conn.execute(
            "update sprint_00_woop.submissions set organization_id = %s where id = %s",
            (first_org, archived_id),
        )
    assert detail_of(excinfo)["code"] == "SUBMISSION_ARCHIVED"
