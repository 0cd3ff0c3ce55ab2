"""shared.export_bundle: everything an export shows, assembled by one SQL call."""

from __future__ import annotations

import psycopg
import pytest
from psycopg.types.json import Jsonb

from support.program import (
    answers_for,
    call,
    create_organization,
    create_user,
    dependencies,
    tool,
    tools_in_sprint_order,
)
from support.sqlerrors import detail_of


def test_a_tool_bundle_carries_labelled_answers_and_the_dependency_values(conn):
    user_id = create_user(conn, organization_id=create_organization(conn, "Bundle Co"))
    call(conn, "submit_tool", "know-thyself", user_id, None, Jsonb(answers_for("know-thyself")))
    call(conn, "save_draft", "dream", user_id, Jsonb(answers_for("dream")), 0)

    bundle = call(conn, "export_bundle", "dream", user_id)

    assert bundle["tool"]["slug"] == "dream" and bundle["organization"]["name"] == "Bundle Co"
    assert bundle["submission"]["is_draft"] is True
    assert [o["label"] for o in bundle["outputs"]] == [o["label"] for o in tool("dream")["outputs"]]
    assert all(o["value"] is not None for o in bundle["outputs"])
    by_field = {d["field_id"]: d for d in bundle["dependencies"]}
    dream = answers_for("know-thyself")
    assert by_field["identity.personal_dream"]["value"] == dream["identity"]["personal_dream"]
    assert by_field["identity.personal_dream"]["source_tool_name"] == tool("know-thyself")["name"]
    assert len(bundle["dependencies"]) == len(dependencies()["dream"])
    assert bundle["sections"] is None


def test_the_program_overview_bundle_has_every_sprint_in_order(conn):
    user_id = create_user(conn)
    for item in tools_in_sprint_order():
        call(conn, "submit_tool", item["slug"], user_id, None, Jsonb(answers_for(item["slug"])))

    bundle = call(conn, "export_bundle", "program-overview", user_id)

    sections = bundle["sections"]
    assert [s["tool"]["sprint_number"] for s in sections] == list(range(30))
    assert {s["status"] for s in sections} == {"completed"}
    for section in sections:
        assert len(section["outputs"]) == len(tool(section["tool"]["slug"])["outputs"])
    assert bundle["submission"]["is_draft"] is False


def test_exporting_before_the_first_save_is_not_found(conn):
    user_id = create_user(conn)
    with pytest.raises(psycopg.Error) as excinfo:
        call(conn, "export_bundle", "woop", user_id)
    assert detail_of(excinfo)["code"] == "NOTHING_TO_EXPORT"
