"""Answer rules in SQL: the registry refuses a rule it does not understand and an example that
breaks its own rules; a DBA's submit is refused like the API's, writing nothing; a save reports
its problems and is kept; work submitted before a rule existed stays submitted and is listed."""

from __future__ import annotations

import copy
import json

import psycopg
import pytest
from psycopg.types.json import Jsonb
from test_registry import write_config

from fasttrack.migrate import MigrationError, migrate
from support.program import answers_for, call, create_user, dependencies, registry
from support.sqlerrors import detail_of, sqlstate_of

BAD_WOOP = {"wish": 42, "outcome": "", "plan": "x" * 20001, "obstacle": None}


def registry_problems(conn, tools: dict) -> list[tuple[str, str]]:
    rows = conn.execute(
        "select entry, problem from shared.registry_problems(%s, %s)",
        (Jsonb(tools), Jsonb({"dependencies": dependencies()})),
    ).fetchall()
    return [(r["entry"], r["problem"]) for r in rows]


def edited(edit) -> dict:
    tools = copy.deepcopy(registry())
    edit({t["slug"]: t for t in tools["tools"]})
    return tools


def output(tools: dict, field_id: str) -> dict:
    return next(o for o in tools["outputs"] if o["field_id"] == field_id)


def test_the_registry_names_a_rule_it_does_not_understand(conn):
    def edit(tools):
        output(tools["values"], "core_values")["minItems"] = 5
        output(tools["goals"], "quarterly_goals")["columns"][2]["max_lenght"] = 9
        output(tools["woop"], "wish")["type"] = "string"

    problems = registry_problems(conn, edited(edit))
    assert (
        'output "core_values" of tool "values"',
        'unknown rule "minItems" (known for list: min_items, max_items, items)',
    ) in problems
    assert (
        'output "quarterly_goals" of tool "goals"',
        'quarterly_goals[].metric: unknown rule "max_lenght"'
        " (known for text: min_length, max_length)",
    ) in problems
    assert any(
        e == 'output "wish" of tool "woop"' and '"type" must be one of' in p for e, p in problems
    )


def test_the_registry_checks_each_example_against_its_own_rules(conn, database_url, tmp_path):
    def edit(tools):
        tools["values"]["example"]["core_values"] = ["only one"]

    def incomplete(tools):
        del tools["woop"]["example"]["obstacle"]

    problems = registry_problems(conn, edited(incomplete))
    assert problems == [('tool "woop"', 'its "example" has no answer for output "obstacle"')]
    assert registry_problems(conn, registry()) == []

    deps = {"dependencies": dependencies()}
    before = conn.execute("select example from shared.tools where slug = 'values'").fetchone()
    with pytest.raises(MigrationError) as refused:
        migrate(database_url, config_dir=write_config(tmp_path / "bad", edited(edit), deps))
    assert (
        'tool "values": its "example" breaks its rules: Core values needs at least 5 items.'
        " (core_values)"
    ) in str(refused.value)
    after = conn.execute("select example from shared.tools where slug = 'values'").fetchone()
    assert after == before  # nothing was applied


def test_a_save_that_breaks_rules_is_kept_and_says_what_is_wrong(conn):
    user = create_user(conn)
    saved = call(conn, "save_draft", "woop", user, Jsonb(BAD_WOOP), 0)
    assert saved["changed"] is True and saved["data"] == BAD_WOOP
    assert [(p["path"], p["rule"]) for p in saved["problems"]] == [
        ("wish", "type"),
        ("outcome", "required"),
        ("plan", "max_length"),
    ]
    assert saved["problems"][0] == {
        "field_id": "wish",
        "label": "Wish",
        "rule": "type",
        "message": "Wish must be text.",
        "path": "wish",
    }
    again = call(conn, "save_draft", "woop", user, Jsonb(BAD_WOOP), 1)
    assert again["changed"] is False and again["problems"] == saved["problems"]
    good = call(conn, "save_draft", "woop", user, Jsonb(answers_for("woop")), 1)
    assert good["problems"] == []


def test_a_dba_submit_that_breaks_rules_is_refused_with_every_problem_and_writes_nothing(conn):
    user = create_user(conn)
    saved = call(conn, "save_draft", "woop", user, Jsonb(BAD_WOOP), 0)
    with pytest.raises(psycopg.Error) as refused:
        conn.execute(
            "update sprint_00_woop.submissions set status = 'submitted' where user_id = %s", (user,)
        )
    assert sqlstate_of(refused) == "PT422"
    detail = detail_of(refused)
    assert detail["code"] == "INVALID_ANSWERS"
    assert [p["path"] for p in detail["problems"]] == ["wish", "outcome", "plan"]
    assert detail["missing"] == ["outcome"] and detail["missing_labels"] == ["Outcome"]
    row = conn.execute(
        "select status, version, submitted_at from sprint_00_woop.submissions where user_id = %s",
        (user,),
    ).fetchone()
    assert (row["status"], row["version"], row["submitted_at"]) == ("draft", saved["version"], None)
    assert (
        conn.execute("select count(*) as n from sprint_00_woop.field_outputs").fetchone()["n"] == 0
    )
    history = conn.execute(
        "select count(*) as n from shared.submission_versions where user_id = %s", (user,)
    )
    assert history.fetchone()["n"] == 0


def test_missing_required_outputs_alone_keep_their_code(conn):
    user = create_user(conn)
    call(conn, "save_draft", "woop", user, Jsonb({"wish": "Grow the company"}), 0)
    with pytest.raises(psycopg.Error) as refused:
        call(conn, "submit_tool", "woop", user, 1, None)
    detail = detail_of(refused)
    assert detail["code"] == "MISSING_REQUIRED_OUTPUTS"
    assert detail["missing"] == ["outcome", "plan"]
    assert detail["missing_labels"] == ["Outcome", "Plan"]
    assert {p["rule"] for p in detail["problems"]} == {"required"}


def without_rules(tools: dict, slug: str) -> dict:
    """The registry as it was before the tool's outputs had rules: a type and nothing else."""
    bare = copy.deepcopy(tools)
    entry = next(t for t in bare["tools"] if t["slug"] == slug)
    keep = {"field_id", "label", "type", "required"}
    entry["outputs"] = [{k: v for k, v in o.items() if k in keep} for o in entry["outputs"]]
    return bare


def test_work_submitted_before_a_rule_stays_submitted_and_is_listed(tmp_path, database_url, conn):
    deps = {"dependencies": dependencies()}
    migrate(
        database_url,
        config_dir=write_config(tmp_path / "before", without_rules(registry(), "woop"), deps),
    )
    user = create_user(conn)
    early = {**answers_for("woop"), "wish": "x" * 3000}
    submitted = call(conn, "submit_tool", "woop", user, 0, Jsonb(early))
    assert submitted["status"] == "submitted"

    migrate(database_url, config_dir=write_config(tmp_path / "after", registry(), deps))
    row = conn.execute(
        "select status, data, version from sprint_00_woop.submissions where user_id = %s", (user,)
    )
    assert row.fetchone() == {"status": "submitted", "data": early, "version": submitted["version"]}
    outputs = conn.execute(
        "select field_value from shared.current_field_values"
        " where user_id = %s and field_id = 'wish'",
        (user,),
    ).fetchone()
    assert outputs["field_value"] == "x" * 3000
    listed = conn.execute(
        "select email, tool_slug, version, submitted_at, problems"
        " from shared.submissions_breaking_rules"
    ).fetchall()
    assert [(r["tool_slug"], r["version"]) for r in listed] == [("woop", submitted["version"])]
    assert [(p["path"], p["rule"]) for p in listed[0]["problems"]] == [("wish", "max_length")]
    assert json.dumps(listed[0]["problems"]).count("Wish") == 2  # label and message


def test_exports_lay_tables_out_by_their_declared_columns_and_labels(conn):
    from exports.context import document_context
    from exports.environment import columns
    from support.program import tool

    user = create_user(conn)
    call(conn, "save_draft", "meeting-rhythm", user, Jsonb(answers_for("meeting-rhythm")), 0)
    bundle = call(conn, "export_bundle", "meeting-rhythm", user)
    declared = output(tool("meeting-rhythm"), "meeting_cadence")["columns"]
    exported = next(o for o in bundle["outputs"] if o["field_id"] == "meeting_cadence")
    assert exported["columns"] == [{"key": c["key"], "label": c["label"]} for c in declared]
    assert next(o for o in bundle["outputs"] if o["field_id"] == "meeting_rules")["columns"] is None

    shown = next(
        o for o in document_context(bundle)["outputs"] if o["field_id"] == "meeting_cadence"
    )
    # jsonb would have put "when" first (keys ordered by length); the registry's order wins
    assert columns(shown["value"]) == [c["label"] for c in declared]
