"""The team view of one tool over HTTP: readiness and who to nudge, the members' answers side
by side with summaries by shape, and the registry's anonymous marker with its minimum."""

from __future__ import annotations

import copy
from typing import Any

import test_coaching
from live_http import data_of

from support.program import call, tool

team = test_coaching.team  # the coaching tests' cast: organization A with three members


def field(view: dict[str, Any], field_id: str) -> dict[str, Any]:
    return next(f for f in view["fields"] if f["field_id"] == field_id)


def cash(position: Any, levers: list[str], rows: int) -> dict[str, Any]:
    data = copy.deepcopy(tool("cash")["example"])
    data["cash_position"] = position
    data["cash_levers"] = levers
    data["cash_forecast"] = data["cash_forecast"][:rows]
    return data


def test_answers_side_by_side_with_summaries_by_shape(live_server, team):
    t = team.tokens
    saves = {
        "member1": cash(100, ["Invoice faster", "Cut stock"], 4),
        "member2": cash(300, [" invoice FASTER ", "Sell the van"], 2),
    }
    for who, data in saves.items():
        live_server.request(
            "POST", "/api/tools/cash/data", token=t[who], json={"data": data, "version": 0}
        )
    submitted = live_server.request(
        "POST", "/api/tools/cash/submit", token=t["member1"], json={"version": 1}
    )
    assert submitted.status_code == 200, submitted.text
    path = f"/api/organizations/{team.ids['org_a']}/tools/cash/team"
    view = data_of(live_server.request("GET", path, token=t["guru_a"]))

    readiness = view["readiness"]
    assert (readiness["members"], readiness["submitted"], readiness["in_progress"]) == (3, 1, 1)
    assert readiness["not_started"] == 1 and readiness["percent_ready"] == 33.3
    assert {m["user"]["id"] for m in readiness["to_nudge"]} == {
        team.ids["member2"],
        team.ids["member3"],
    }
    assert all("last_saved_at" in m for m in readiness["to_nudge"])

    position = field(view, "cash_position")
    assert position["respondents"] == 2 and position["anonymous"] is False
    assert [(a["value"], a["submitted"]) for a in position["answers"]] in (
        [(100, True), (300, False)],
        [(300, False), (100, True)],
    )
    assert all(a["user"]["full_name"] for a in position["answers"])
    assert position["summary"] == {
        "shape": "numbers",
        "n": 2,
        "min": 100,
        "median": 200.0,
        "max": 300,
        "mean": 200.0,
    }
    levers = field(view, "cash_levers")["summary"]
    assert levers["counts"][0] == {"value": "Invoice faster", "count": 2}  # trimmed, any case
    assert {c["value"] for c in levers["counts"][1:]} == {"Cut stock", "Sell the van"}
    forecast = field(view, "cash_forecast")["summary"]
    assert (
        forecast["rows"]["n"] == 2 and forecast["rows"]["min"] == 2 and forecast["rows"]["max"] == 4
    )
    assert {c["key"] for c in forecast["columns"]} == {
        "inflow",
        "outflow",
        "closing",
    }  # numbers only
    assert next(c for c in forecast["columns"] if c["key"] == "inflow")["n"] == 6
    # only the organization's gurus and admins
    for who in ("member1", "guru_region", "outsider"):
        assert live_server.request("GET", path, token=t[who]).status_code == 404
    assert live_server.request("GET", path, token=t["admin"]).status_code == 200


def test_an_anonymous_output_names_no_one_and_needs_three_answers(live_server, conn, team):
    t = team.tokens
    example = tool("fit")["example"]
    path = f"/api/organizations/{team.ids['org_a']}/tools/fit/team"
    for count, who in enumerate(("member1", "member2", "member3"), start=1):
        call(conn, "update_progress", team.ids[who], "fit", "unlocked")
        saved = live_server.request(
            "POST", "/api/tools/fit/data", token=t[who], json={"data": example, "version": 0}
        )
        assert saved.status_code == 200, saved.text
        scores = field(data_of(live_server.request("GET", path, token=t["guru_a"])), "fit_scores")
        assert scores["anonymous"] is True and scores["respondents"] == count
        if count < 3:
            assert scores["hidden"] is True and scores["message"] == "too few answers to show"
            assert "answers" not in scores and "summary" not in scores
        else:
            assert scores["hidden"] is False
            assert all(set(a) == {"value", "submitted"} for a in scores["answers"])  # no names
            assert {c["key"] for c in scores["summary"]["columns"]} == {
                "values",
                "job",
                "team",
                "boss",
            }
    # the tool's other outputs are not anonymous: names are shown
    actions = field(
        data_of(live_server.request("GET", path, token=t["guru_a"])), "improvement_actions"
    )
    assert actions["anonymous"] is False and actions["answers"][0]["user"]["id"]


def test_a_tool_marked_anonymous_hides_every_output_under_the_minimum(live_server, conn, team):
    t = team.tokens
    call(conn, "update_progress", team.ids["member1"], "fit-abc-analysis", "unlocked")
    example = tool("fit-abc-analysis")["example"]
    saved = live_server.request(
        "POST",
        "/api/tools/fit-abc-analysis/data",
        token=t["member1"],
        json={"data": example, "version": 0},
    )
    assert saved.status_code == 200, saved.text
    path = f"/api/organizations/{team.ids['org_a']}/tools/fit-abc-analysis/team"
    view = data_of(live_server.request("GET", path, token=t["guru_a"]))
    assert view["anonymous"] is True and view["min_respondents"] == 3
    assert all(f["hidden"] and f["respondents"] == 1 for f in view["fields"])
