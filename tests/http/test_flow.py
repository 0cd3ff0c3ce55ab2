"""A business leader's path over HTTP: SSO, save a draft, submit, unlock, read dependencies."""

from __future__ import annotations

from collections import Counter
from typing import Any

from live_http import count_rows, data_of, error_of

from support.program import (
    answers_for,
    dependencies,
    expected_open_tools,
    tool,
    tools_in_sprint_order,
)


def _value_at(data: dict[str, Any], field_id: str) -> Any:
    for name in field_id.split("."):
        data = data[name]
    return data


def _open(statuses: dict[str, str]) -> set[str]:
    return {slug for slug, status in statuses.items() if status != "locked"}


def test_sso_then_draft_submit_unlock_and_dependencies_over_http(live_server, conn):
    login = live_server.sso_login()
    api = live_server.client(login.access_token)

    # A new user: the tools without requirements are open, dream is not.
    tools = data_of(api.get("/api/tools"))
    statuses = {t["slug"]: t["status"] for t in tools}
    assert _open(statuses) == expected_open_tools(set())
    assert statuses["dream"] == "locked"

    # woop: a first draft, then a submit of the full answers on top of it.
    draft = data_of(api.post("/api/tools/woop/data", json={"data": {"wish": "Grow"}, "version": 0}))
    assert (draft["version"], draft["status"], draft["changed"]) == (1, "draft", True)
    assert draft["data"] == {"wish": "Grow"}
    assert data_of(api.get("/api/tools/woop/data"))["version"] == 1
    woop = data_of(
        api.post("/api/tools/woop/submit", json={"version": 1, "data": answers_for("woop")})
    )
    assert woop["status"] == "submitted"
    assert woop["data"] == answers_for("woop")
    assert {t["slug"] for t in woop["unlocked_tools"]} == (
        expected_open_tools({"woop"}) - expected_open_tools(set())
    )

    # know-thyself: saving then submitting it is what dream is waiting for.
    saved = data_of(
        api.post(
            "/api/tools/know-thyself/data",
            json={"data": answers_for("know-thyself"), "version": 0},
        )
    )
    submitted = data_of(
        api.post("/api/tools/know-thyself/submit", json={"version": saved["version"]})
    )
    unlocked = {t["slug"] for t in submitted["unlocked_tools"]}
    assert "dream" in unlocked
    assert unlocked == expected_open_tools({"woop", "know-thyself"}) - expected_open_tools({"woop"})
    dream_entry = next(t for t in submitted["unlocked_tools"] if t["slug"] == "dream")
    assert dream_entry["name"] == tool("dream")["name"]
    assert dream_entry["sprint_number"] == tool("dream")["sprint_number"]

    # dream reads know-thyself's submitted values, under its own field names.
    resolved = data_of(api.get("/api/tools/dream/dependencies"))
    assert resolved["tool"] == "dream"
    assert resolved["user_id"] == login.user["id"]
    assert resolved["missing"] == []
    mappings = dependencies()["dream"]
    assert len(resolved["fields"]) == len(mappings)
    for mapping in mappings:
        expected = _value_at(answers_for(mapping["source_tool"]), mapping["source_field"])
        assert resolved["values"][mapping["target_field"]] == expected
        field = next(f for f in resolved["fields"] if f["target_field"] == mapping["target_field"])
        assert field["field_id"] == mapping["source_field"]
        assert field["source_tool"] == mapping["source_tool"]
        assert field["value"] == expected
        assert field["submission_id"] == submitted["submission_id"]
    assert data_of(api.get("/api/tools/dream"))["status"] == "unlocked"

    # Progress agrees with the tool list, and with the database.
    statuses = {t["slug"]: t["status"] for t in data_of(api.get("/api/tools"))}
    assert statuses["woop"] == statuses["know-thyself"] == "completed"
    assert _open(statuses) == expected_open_tools({"woop", "know-thyself"})
    progress = data_of(api.get("/api/progress"))
    counts = Counter(statuses.values())
    assert progress["user_id"] == login.user["id"]
    assert progress["total_tools"] == len(tools_in_sprint_order())
    for status in ("completed", "in_progress", "unlocked", "locked"):
        assert progress[status] == counts[status], status
    assert float(progress["percent_complete"]) == round(
        100 * counts["completed"] / len(tools_in_sprint_order()), 1
    )
    assert {t["slug"]: t["status"] for t in progress["tools"]} == statuses
    first_open = next(
        t for t in tools_in_sprint_order() if statuses[t["slug"]] in ("in_progress", "unlocked")
    )
    assert progress["next_tool"]["slug"] == first_open["slug"]
    stored = conn.execute(
        "select tool_slug, status from shared.user_progress where user_id = %s",
        (login.user["id"],),
    ).fetchall()
    assert {row["tool_slug"]: row["status"] for row in stored} == statuses


def test_the_tool_list_has_every_tool_in_sprint_order_with_the_callers_status(live_server):
    api = live_server.client(live_server.sso_login().access_token)

    tools = data_of(api.get("/api/tools"))

    registry = tools_in_sprint_order()
    assert len(tools) == len(registry) == 31
    assert [t["slug"] for t in tools] == [t["slug"] for t in registry]
    assert [t["sprint_number"] for t in tools] == [t["sprint_number"] for t in registry]
    assert [t["name"] for t in tools] == [t["name"] for t in registry]
    expected_open = expected_open_tools(set())
    for entry in tools:
        expected = "unlocked" if entry["slug"] in expected_open else "locked"
        assert entry["status"] == expected, entry["slug"]
        assert {"description", "module_id", "module_name", "progress_percentage"} <= set(entry)


def test_a_tool_describes_its_labelled_outputs_dependencies_and_what_is_missing(live_server):
    api = live_server.client(live_server.sso_login().access_token)

    dream = data_of(api.get("/api/tools/dream"))

    config = tool("dream")
    assert (dream["slug"], dream["sprint_number"], dream["name"]) == (
        config["slug"],
        config["sprint_number"],
        config["name"],
    )
    assert [(o["field_id"], o["label"], o["required"]) for o in dream["outputs"]] == [
        (o["field_id"], o["label"], o["required"]) for o in config["outputs"]
    ]
    assert all(o["label"] for o in dream["outputs"])
    assert [
        (d["source_tool"], d["source_field"], d["target_field"], d["required"])
        for d in dream["dependencies"]
    ] == [
        (m["source_tool"], m["source_field"], m["target_field"], m["required"])
        for m in dependencies()["dream"]
    ]
    assert dream["status"] == "locked"
    assert dream["unlocked"] is False
    required = {
        (m["source_tool"], m["source_field"]) for m in dependencies()["dream"] if m["required"]
    }
    assert {(m["source_tool"], m["field_id"]) for m in dream["missing_dependencies"]} == required
    assert set(dream["module"]) >= {"id", "name"}


def test_an_empty_draft_is_version_zero_before_the_first_save(live_server):
    api = live_server.client(live_server.sso_login().access_token)

    draft = data_of(api.get("/api/tools/woop/data"))

    assert draft["tool"] == "woop"
    assert draft["version"] == 0
    assert draft["submission_id"] is None


def test_saving_with_a_stale_version_is_409_and_keeps_the_newer_data(live_server, conn):
    api = live_server.client(live_server.sso_login().access_token)
    data_of(api.post("/api/tools/woop/data", json={"data": {"wish": "one"}, "version": 0}))
    data_of(api.post("/api/tools/woop/data", json={"data": {"wish": "two"}, "version": 1}))

    response = api.post("/api/tools/woop/data", json={"data": {"wish": "old tab"}, "version": 1})

    assert response.status_code == 409
    error = error_of(response)
    assert error["code"] == "STALE_VERSION"
    assert error["details"]["expected_version"] == 1
    assert error["details"]["current_version"] == 2
    current = data_of(api.get("/api/tools/woop/data"))
    assert (current["version"], current["data"]) == (2, {"wish": "two"})


def test_saving_the_same_data_again_changes_nothing(live_server):
    api = live_server.client(live_server.sso_login().access_token)
    body = {"data": {"wish": "same"}, "version": 0}
    data_of(api.post("/api/tools/woop/data", json=body))

    again = data_of(api.post("/api/tools/woop/data", json=body))

    assert (again["version"], again["changed"]) == (1, False)


def test_saving_into_a_locked_tool_is_423_and_writes_nothing(live_server, conn):
    login = live_server.sso_login()
    api = live_server.client(login.access_token)

    response = api.post("/api/tools/dream/data", json={"data": answers_for("dream"), "version": 0})

    assert response.status_code == 423
    error = error_of(response)
    assert error["code"] == "TOOL_LOCKED"
    missing = {(m["source_tool"], m["field_id"]) for m in error["details"]["missing_dependencies"]}
    assert ("know-thyself", "identity.personal_dream") in missing
    assert count_rows(conn, "sprint_02_dream.submissions", "user_id = %s", login.user["id"]) == 0
    assert data_of(api.get("/api/tools/dream"))["status"] == "locked"


def test_submitting_without_required_outputs_is_422_listing_them(live_server, conn):
    login = live_server.sso_login()
    api = live_server.client(login.access_token)
    outputs = [o for o in tool("woop")["outputs"] if o["required"]]
    required = [o["field_id"] for o in outputs]
    partial = {required[0]: "Only this one"}

    response = api.post("/api/tools/woop/submit", json={"version": 0, "data": partial})

    assert response.status_code == 422
    error = error_of(response)
    assert error["code"] == "MISSING_REQUIRED_OUTPUTS"
    assert sorted(error["details"]["missing"]) == sorted(required[1:])
    assert error["details"]["missing_labels"] == [o["label"] for o in outputs[1:]]
    assert all(o["label"] in error["message"] for o in outputs[1:])
    assert not any(field_id in error["message"] for field_id in required[1:])
    assert count_rows(conn, "sprint_00_woop.submissions", "user_id = %s", login.user["id"]) == 0
    assert data_of(api.get("/api/tools/woop"))["status"] == "unlocked"


def test_submitting_with_nothing_saved_and_no_data_is_404_nothing_to_submit(live_server):
    api = live_server.client(live_server.sso_login().access_token)

    response = api.post("/api/tools/woop/submit", json={"version": 0})

    assert response.status_code == 404
    assert error_of(response)["code"] == "NOTHING_TO_SUBMIT"


def test_versions_restore_and_start_over_over_http(live_server):
    api = live_server.client(live_server.sso_login().access_token)
    first = data_of(api.post("/api/tools/woop/data", json={"data": {"wish": "a"}, "version": 0}))
    data_of(api.post("/api/tools/woop/data", json={"data": {"wish": "b"}, "version": 1}))

    versions = data_of(api.get("/api/tools/woop/versions"))
    assert [v["version"] for v in versions] == [2, 1]
    version_path = f"/api/tools/woop/versions/{first['submission_id']}/1"
    preview = data_of(api.get(version_path))
    assert (preview["version"], preview["data"], preview["status"]) == (1, {"wish": "a"}, "draft")
    assert api.get(f"/api/tools/woop/versions/{first['submission_id']}/9").status_code == 404

    assert api.post(f"{version_path}/restore").status_code == 400  # no body
    without_version = api.post(f"{version_path}/restore", json={})
    assert without_version.status_code == 400
    assert error_of(without_version)["details"]["field"] == "version"
    stale = api.post(f"{version_path}/restore", json={"version": 1})
    assert stale.status_code == 409
    assert error_of(stale)["details"]["current_version"] == 2
    restored = data_of(api.post(f"{version_path}/restore", json={"version": 2}))
    assert (restored["version"], restored["data"], restored["changed"]) == (3, {"wish": "a"}, True)

    fresh = data_of(api.post("/api/tools/woop/start-over"))
    assert fresh["archived_submission_id"] == first["submission_id"]
    assert fresh["submission_id"] != first["submission_id"]
    assert fresh["data"] == {}
    current = data_of(api.get("/api/tools/woop/data"))
    assert (current["submission_id"], current["data"]) == (fresh["submission_id"], {})


def test_me_is_the_user_the_sso_login_created(live_server, conn):
    login = live_server.sso_login("lw-me-1", "me@example.com", "Mia Example")
    api = live_server.client(login.access_token)

    me = data_of(api.get("/api/auth/me"))

    assert me["id"] == login.user["id"]
    assert (me["email"], me["full_name"], me["lms_user_id"]) == (
        "me@example.com",
        "Mia Example",
        "lw-me-1",
    )
    assert me["role"] == "user"
    assert me["organization_id"] is None
    assert me["last_login"] is not None
    stored = conn.execute(
        "select id::text, email, lms_user_id from shared.users where lms_user_id = 'lw-me-1'"
    ).fetchone()
    assert stored == {"id": me["id"], "email": "me@example.com", "lms_user_id": "lw-me-1"}
