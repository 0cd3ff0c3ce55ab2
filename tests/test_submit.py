"""Submitting: required outputs, extraction, unlocks, re-submits, DBA updates, two connections."""

from __future__ import annotations

import threading

import psycopg
import pytest
from psycopg.rows import dict_row
from psycopg.types.json import Jsonb

from support.program import (
    answers_for,
    call,
    create_user,
    expected_open_tools,
    progress,
    required_sources,
    tools_in_sprint_order,
)
from support.sqlerrors import detail_of, sqlstate_of


def submit(conn, slug, user_id, data=None):
    return call(
        conn,
        "submit_tool",
        slug,
        user_id,
        None,
        Jsonb(data if data is not None else answers_for(slug)),
    )


def outputs_of(conn, schema, submission_id):
    rows = conn.execute(
        f"select field_id, field_value from {schema}.field_outputs where submission_id = %s",
        (submission_id,),
    ).fetchall()
    return {row["field_id"]: row["field_value"] for row in rows}


def test_submit_refuses_missing_required_outputs_listing_them_and_writes_nothing(conn):
    user_id = create_user(conn)
    outputs = [o for o in tools_in_sprint_order()[0]["outputs"] if o["required"]]

    with pytest.raises(psycopg.Error) as excinfo:
        submit(conn, "woop", user_id, {"wish": "   ", "unrelated": 1})

    assert sqlstate_of(excinfo) == "PT422"
    detail = detail_of(excinfo)
    assert detail == {
        "code": "MISSING_REQUIRED_OUTPUTS",
        "tool": "woop",
        "missing": [o["field_id"] for o in outputs],
        "missing_labels": [o["label"] for o in outputs],
        "problems": detail["problems"],
    }
    # the same, as problems: each one the rule "required" at the output's path
    assert [(p["path"], p["rule"]) for p in detail["problems"]] == [
        (o["field_id"], "required") for o in outputs
    ]
    # people read the registry's labels, not the internal field ids
    message = excinfo.value.diag.message_primary
    assert message.endswith(", ".join(o["label"] for o in outputs))
    with pytest.raises(psycopg.Error) as excinfo:
        submit(conn, "know-thyself", user_id, {"identity": {}})
    message = excinfo.value.diag.message_primary
    assert "Personal dream, Purpose" in message and "identity." not in message
    assert detail_of(excinfo)["missing"] == ["identity.personal_dream", "identity.purpose"]
    assert call(conn, "get_submission", "woop", user_id)["version"] == 0
    assert progress(conn, user_id)["woop"] == "unlocked"


def test_submit_extracts_exactly_the_declared_outputs_that_have_values(conn):
    user_id = create_user(conn)
    data = answers_for("woop") | {"not_an_output": "ignored"}
    optional = [o["field_id"] for o in tools_in_sprint_order()[0]["outputs"] if not o["required"]]
    data[optional[0]] = None

    result = submit(conn, "woop", user_id, data)

    extracted = outputs_of(conn, "sprint_00_woop", result["submission_id"])
    declared = {o["field_id"] for o in tools_in_sprint_order()[0]["outputs"]}
    assert set(extracted) == declared - {optional[0]}
    assert all(extracted[field] == data[field] for field in extracted)
    assert result["status"] == "submitted" and result["submitted_at"] is not None
    assert progress(conn, user_id)["woop"] == "completed"


def test_resubmitting_replaces_the_outputs_and_downstream_tools_keep_their_status(conn):
    user_id = create_user(conn)
    first = submit(conn, "know-thyself", user_id)
    draft = call(conn, "save_draft", "dream", user_id, Jsonb({"company_dream": "started"}), 0)
    assert progress(conn, user_id)["dream"] == "in_progress"

    revised = answers_for("know-thyself", marker=" (revised)")
    editing = call(conn, "save_draft", "know-thyself", user_id, Jsonb(revised), first["version"])
    assert editing["status"] == "in_progress"
    assert progress(conn, user_id)["know-thyself"] == "completed"
    resubmitted = call(conn, "submit_tool", "know-thyself", user_id, editing["version"], None)

    assert resubmitted["submission_id"] == first["submission_id"]
    extracted = outputs_of(conn, "sprint_01_know_thyself", first["submission_id"])
    assert extracted["identity.personal_dream"] == revised["identity"]["personal_dream"]
    assert call(conn, "resolve_dependencies", "dream", user_id)["values"][
        "founder_vision"
    ].endswith("(revised)")
    assert progress(conn, user_id)["dream"] == "in_progress"
    assert call(conn, "get_submission", "dream", user_id)["version"] == draft["version"]


def test_submitting_again_unchanged_is_answered_without_a_new_version(conn):
    user_id = create_user(conn)
    first = submit(conn, "woop", user_id)

    again = submit(conn, "woop", user_id)

    assert again["changed"] is False and again["version"] == first["version"]
    assert again["unlocked_tools"] == []


def test_a_dba_update_to_submitted_runs_the_same_rules(conn):
    user_id = create_user(conn)
    call(conn, "save_draft", "know-thyself", user_id, Jsonb({"identity": {}}), 0)

    with pytest.raises(psycopg.Error) as excinfo:
        conn.execute(
            "update sprint_01_know_thyself.submissions set status = 'submitted' where user_id = %s",
            (user_id,),
        )
    assert detail_of(excinfo)["code"] == "MISSING_REQUIRED_OUTPUTS"

    conn.execute(
        "update sprint_01_know_thyself.submissions set data = %s, status = 'submitted'"
        " where user_id = %s",
        (Jsonb(answers_for("know-thyself")), user_id),
    )

    assert progress(conn, user_id)["know-thyself"] == "completed"
    assert progress(conn, user_id)["dream"] == "unlocked"


@pytest.mark.parametrize(
    ("start", "target"), [("draft", "in_progress"), ("draft", "completed"), ("submitted", "draft")]
)
def test_invalid_submission_status_changes_are_refused_naming_both(conn, start, target):
    user_id = create_user(conn)
    if start == "draft":
        call(conn, "save_draft", "woop", user_id, Jsonb(answers_for("woop")), 0)
    else:
        submit(conn, "woop", user_id)

    with pytest.raises(psycopg.Error) as excinfo:
        conn.execute(
            "update sprint_00_woop.submissions set status = %s where user_id = %s",
            (target, user_id),
        )

    assert sqlstate_of(excinfo) == "PT409"
    assert f"from {start} to {target}" in excinfo.value.diag.message_primary
    assert detail_of(excinfo) == {
        "code": "INVALID_STATUS_TRANSITION",
        "tool": "woop",
        "from": start,
        "to": target,
    }


def test_admin_override_respects_transitions_and_records_who_changed_it(conn):
    user_id = create_user(conn)
    admin_id = create_user(conn, role="admin")

    conn.execute(
        "select set_config('request.jwt.claims', %s, false)",
        (f'{{"sub": "{admin_id}", "role": "admin"}}',),
    )
    changed = call(conn, "update_progress", user_id, "dream", "unlocked")
    assert changed["status"] == "unlocked" and changed["unlocked_at"] is not None

    audit = conn.execute(
        "select old_status, new_status, source, changed_by from shared.progress_changes"
        " where user_id = %s and tool_slug = 'dream'",
        (user_id,),
    ).fetchall()
    assert audit == [
        {
            "old_status": "locked",
            "new_status": "unlocked",
            "source": "override",
            "changed_by": admin_id,
        }
    ]

    with pytest.raises(psycopg.Error) as refused:
        call(conn, "update_progress", user_id, "values", "completed")
    assert sqlstate_of(refused) == "PT409"
    assert "from locked to completed" in refused.value.diag.message_primary

    with pytest.raises(psycopg.Error) as unknown:
        call(conn, "update_progress", user_id, "dream", "finished")
    assert sqlstate_of(unknown) == "PT422"


def test_a_submit_unlocks_only_tools_that_read_from_it_so_an_admin_lock_elsewhere_holds(conn):
    """An admin locks a ready tool on purpose: submitting a tool it does not read from must not
    undo that; re-submitting one it requires re-opens it, as its requirements are met again."""
    start = expected_open_tools(set())
    source, target = next(
        (s, t) for s in sorted(start) for t in sorted(expected_open_tools({s}) - start)
    )
    unrelated = sorted(start - required_sources(target) - {source})[0]
    user_id = create_user(conn)
    submit(conn, source, user_id)
    assert progress(conn, user_id)[target] == "unlocked"

    call(conn, "update_progress", user_id, target, "locked")
    submit(conn, unrelated, user_id)
    assert progress(conn, user_id)[target] == "locked"
    assert conn.execute("select rule from shared.check_invariants()").fetchall() == []

    submit(conn, source, user_id, answers_for(source, marker=" (revised)"))
    assert progress(conn, user_id)[target] == "unlocked"


def test_two_connections_submitting_for_one_user_at_once_both_count_for_unlocks(database_url, conn):
    """pricing and brand-marketing together unlock route-to-market: whichever commits second must
    see the first one's outputs, so the two submits are serialized on the user."""
    user_id = create_user(conn)
    target = "route-to-market"
    sources = sorted(required_sources(target))
    assert len(sources) >= 2
    _submit_everything_before(conn, user_id, target, skip=set(sources))
    assert progress(conn, user_id)[target] == "locked"

    first = psycopg.connect(database_url, row_factory=dict_row)
    second = psycopg.connect(database_url, row_factory=dict_row, autocommit=True)
    try:
        submit(first, sources[0], user_id)  # transaction left open: its outputs are not visible yet
        finished = threading.Event()
        errors: list[BaseException] = []

        def submit_second():
            try:
                submit(second, sources[1], user_id)
            except BaseException as error:  # reported to the test thread below
                errors.append(error)
            finally:
                finished.set()

        worker = threading.Thread(target=submit_second)
        worker.start()
        assert not finished.wait(1.0), (
            "the second submit must wait for the first user's transaction"
        )
        first.commit()
        worker.join(10)
        assert not errors, errors
    finally:
        first.close()
        second.close()

    assert progress(conn, user_id)[target] == "unlocked"
    assert {progress(conn, user_id)[s] for s in sources} == {"completed"}


def _submit_everything_before(conn, user_id, target, skip):
    needed: set[str] = set()
    frontier = set(required_sources(target))
    while frontier:
        slug = frontier.pop()
        if slug not in needed:
            needed.add(slug)
            frontier |= required_sources(slug)
    for tool in tools_in_sprint_order():
        if tool["slug"] in needed and tool["slug"] not in skip:
            submit(conn, tool["slug"], user_id)
