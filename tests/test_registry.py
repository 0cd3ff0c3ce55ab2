"""The registry in config, its validation, and what migrate does with it."""

from __future__ import annotations

import copy
import json
import shutil
from pathlib import Path

import psycopg
import pytest
from psycopg.types.json import Jsonb

from fasttrack.migrate import MigrationError, migrate
from support.fingerprint import fingerprint
from support.program import (
    CONFIG_DIR,
    call,
    create_user,
    dependencies,
    registry,
    tools_in_sprint_order,
)


def write_config(directory: Path, tools: dict, deps: dict) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    shutil.copy(CONFIG_DIR / "learnworlds.json", directory / "learnworlds.json")
    (directory / "tool-registry.json").write_text(json.dumps(tools))
    (directory / "dependencies.json").write_text(json.dumps(deps))
    return directory


def edited_config(tmp_path: Path, edit) -> Path:
    tools, deps = copy.deepcopy(registry()), {"dependencies": copy.deepcopy(dependencies())}
    edit(tools, deps)
    return write_config(tmp_path / "config", tools, deps)


def test_config_declares_all_31_tools_with_labelled_outputs():
    tools = tools_in_sprint_order()
    assert [t["sprint_number"] for t in tools] == list(range(31))
    assert len({t["slug"] for t in tools}) == 31
    for tool in tools:
        assert tool["outputs"], tool["slug"]
        assert all(output["label"].strip() for output in tool["outputs"]), tool["slug"]
        assert any(output["required"] for output in tool["outputs"]), tool["slug"]


def test_program_overview_requires_a_key_output_of_every_earlier_sprint():
    sprint_of = {t["slug"]: t["sprint_number"] for t in tools_in_sprint_order()}
    required = [m for m in dependencies()["program-overview"] if m["required"]]
    assert sorted({sprint_of[m["source_tool"]] for m in required}) == list(range(30))


def test_migrate_twice_changes_nothing(database_url):
    before = fingerprint(database_url)

    report = migrate(database_url)

    assert report["migrations"] == [] and report["function_files"] == []
    assert report["registry"]["changed"] is False
    assert report["registry"]["statements_regenerated"] == []
    assert fingerprint(database_url) == before


def test_a_changed_function_file_is_applied_again(database_url):
    with psycopg.connect(database_url) as conn:
        conn.execute(
            "update shared.function_files set sha256 = 'outdated'"
            " where file_name = '100_api_health.sql'"
        )

    report = migrate(database_url)

    assert report["function_files"] == ["100_api_health.sql"]


def _unknown_field(tools, deps):
    deps["dependencies"]["dream"][0]["source_field"] = "identity.no_such_field"


def _cycle(tools, deps):
    deps["dependencies"]["woop"] = [
        {
            "source_tool": "values",
            "source_field": dependencies()["team"][0]["source_field"],
            "target_field": "loop",
            "required": False,
        }
    ]


def _unknown_tool(tools, deps):
    deps["dependencies"]["dream"].append(
        {
            "source_tool": "astrology",
            "source_field": "stars",
            "target_field": "stars",
            "required": True,
        }
    )


def _unknown_target_tool(tools, deps):
    deps["dependencies"]["not-a-tool"] = []


def _duplicate_slug(tools, deps):
    clone = copy.deepcopy(tools["tools"][1])
    clone["sprint_number"] = 31
    tools["tools"].append(clone)


def _bad_sprint_number(tools, deps):
    tools["tools"][3]["sprint_number"] = "three"


def _required_reads_optional_output(tools, deps):
    woop = tools["tools"][0]
    optional = next(o for o in woop["outputs"] if not o["required"])
    deps["dependencies"].setdefault("cash", []).append(
        {
            "source_tool": "woop",
            "source_field": optional["field_id"],
            "target_field": "woop_extra",
            "required": True,
        }
    )


@pytest.mark.parametrize(
    ("edit", "named"),
    [
        (_unknown_field, 'unknown field "identity.no_such_field"'),
        (_cycle, "dependency cycle"),
        (_unknown_tool, 'unknown tool "astrology"'),
        (_unknown_target_tool, 'dependencies of "not-a-tool"'),
        (_duplicate_slug, "is declared more than once"),
        (_bad_sprint_number, "sprint_number"),
        (_required_reads_optional_output, "that output is optional"),
    ],
    ids=[
        "unknown-field",
        "cycle",
        "unknown-tool",
        "unknown-target-tool",
        "duplicate-slug",
        "bad-sprint-number",
        "required-reads-optional",
    ],
)
def test_an_invalid_registry_names_the_bad_entry_and_changes_nothing(
    database_url, tmp_path, edit, named
):
    config_dir = edited_config(tmp_path, edit)
    before = fingerprint(database_url)

    with pytest.raises(MigrationError) as excinfo:
        migrate(database_url, config_dir=config_dir)

    assert named in str(excinfo.value)
    assert fingerprint(database_url) == before


def test_invalid_json_is_reported_with_the_file_name(database_url, tmp_path):
    config_dir = tmp_path / "config"
    shutil.copytree(CONFIG_DIR, config_dir)
    (config_dir / "dependencies.json").write_text("{ not json")

    with pytest.raises(MigrationError, match=r"dependencies\.json is not valid JSON"):
        migrate(database_url, config_dir=config_dir)


def test_a_new_tool_in_config_gets_its_schema_registry_rows_and_progress_rows(
    database_url, conn, tmp_path
):
    existing_user = create_user(conn)
    overview_output = next(o for o in tools_in_sprint_order()[-1]["outputs"] if o["required"])

    def add_tools(tools, deps):
        tools["tools"].append(
            {
                "slug": "next-year",
                "sprint_number": 31,
                "name": "Next Year",
                "description": "After the program",
                "module": tools["tools"][-1]["module"],
                "outputs": [
                    {
                        "field_id": "plan.first_quarter",
                        "label": "First quarter",
                        "type": "text",
                        "required": True,
                    }
                ],
                "example": {"plan": {"first_quarter": "Open the second shop"}},
            }
        )
        tools["tools"].append(
            {
                "slug": "check-in",
                "sprint_number": 32,
                "name": "Check-in",
                "description": "Any time",
                "module": 0,
                "outputs": [
                    {"field_id": "mood", "label": "Mood", "type": "text", "required": True}
                ],
                "example": {"mood": "Confident"},
            }
        )
        deps["dependencies"]["next-year"] = [
            {
                "source_tool": "program-overview",
                "source_field": overview_output["field_id"],
                "target_field": "overview",
                "required": True,
            }
        ]

    report = migrate(database_url, config_dir=edited_config(tmp_path, add_tools))

    assert report["registry"]["schemas_created"] == ["next-year", "check-in"]
    tables = conn.execute(
        "select table_name from information_schema.tables"
        " where table_schema = 'sprint_31_next_year' order by 1"
    ).fetchall()
    assert [t["table_name"] for t in tables] == ["field_outputs", "submissions"]
    statuses = {
        r["tool_slug"]: r["status"]
        for r in conn.execute(
            "select tool_slug, status from shared.user_progress where user_id = %s",
            (existing_user,),
        ).fetchall()
    }
    assert (statuses["next-year"], statuses["check-in"]) == ("locked", "unlocked")
    assert len(statuses) == 33
    new_user = create_user(conn)
    assert (
        conn.execute(
            "select count(*) as n from shared.user_progress where user_id = %s", (new_user,)
        ).fetchone()["n"]
        == 33
    )
    conn.execute("select * from shared.field_values where tool_slug = 'check-in'")

    # the write path's generated statements gained a branch for each new tool
    assert report["registry"]["statements_regenerated"] == [
        "tool_field_outputs_replace",
        "tool_submission",
        "tool_submission_archive",
        "tool_submission_insert",
        "tool_submission_update",
    ]
    saved = call(conn, "save_draft", "check-in", existing_user, Jsonb({"mood": ""}), 0)
    submitted = call(
        conn, "submit_tool", "check-in", existing_user, saved["version"], Jsonb({"mood": "calm"})
    )
    assert (submitted["status"], submitted["data"]) == ("submitted", {"mood": "calm"})
    outputs = conn.execute(
        "select field_id, field_value from sprint_32_check_in.field_outputs"
        " where submission_id = %s",
        (submitted["submission_id"],),
    ).fetchall()
    assert outputs == [{"field_id": "mood", "field_value": "calm"}]
