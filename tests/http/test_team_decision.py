"""Team decisions over HTTP: the guru records the answers a team agreed for a tool (checked like
a submit, versioned), the team reads them, and the outputs the registry marks team_level then
reach every member from the decision, while unlocking still counts each member's own work."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

import pytest
from live_http import count_rows, data_of, error_of
from test_answer_rules import edited, output, registry_problems

from support.program import answers_for, tool

TOOL = "dream"  # company_dream and success_picture are team_level; timeline is not
READER = "goals"  # reads dream.company_dream (required) and dream.timeline


@dataclass
class Team:
    tokens: dict[str, str]
    ids: dict[str, str]


@pytest.fixture
def team(live_server, conn) -> Team:
    """Organization A with two members and its guru; an outsider in organization B; an admin."""
    ids: dict[str, str] = {}
    for name in ("a", "b"):
        row = conn.execute(
            "insert into shared.organizations (name, slug) values (%s, %s) returning id",
            (f"Org {name}", f"org-{name}-{uuid.uuid4().hex[:6]}"),
        ).fetchone()
        ids[f"org_{name}"] = str(row["id"])
    tokens: dict[str, str] = {}
    for name, role, organization in (
        ("member1", "user", ids["org_a"]),
        ("member2", "user", ids["org_a"]),
        ("outsider", "user", ids["org_b"]),
        ("guru_a", "guru", None),
        ("guru_b", "guru", None),
        ("admin", "admin", None),
    ):
        done = live_server.sso_login(f"lw-{name}-{uuid.uuid4().hex[:6]}", None, name.title())
        conn.execute(
            "update shared.users set role = %s, organization_id = %s where id = %s",
            (role, organization, done.user["id"]),
        )
        tokens[name], ids[name] = done.access_token, done.user["id"]
    for guru, organization in (("guru_a", "org_a"), ("guru_b", "org_b")):
        conn.execute(
            "insert into shared.organization_gurus (organization_id, user_id) values (%s, %s)",
            (ids[organization], ids[guru]),
        )
    return Team(tokens=tokens, ids=ids)


def decision_path(team: Team, organization: str = "org_a") -> str:
    return f"/api/organizations/{team.ids[organization]}/tools/{TOOL}/decision"


def put(live_server, token: str, path: str, body: dict[str, Any]):
    return live_server.request("PUT", path, token=token, json=body)


def submit(live_server, token: str, slug: str, data: dict[str, Any]) -> None:
    data_of(
        live_server.request(
            "POST", f"/api/tools/{slug}/submit", token=token, json={"version": 0, "data": data}
        )
    )


def by_field(dependencies: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {f["field_id"]: f for f in dependencies["fields"]}


def test_dream_marks_its_team_level_outputs():
    marked = {o["field_id"] for o in tool(TOOL)["outputs"] if o.get("team_level")}
    assert marked == {"company_dream", "success_picture"}


def test_the_registry_refuses_a_team_level_marker_that_is_not_a_boolean(conn):
    def edit(tools):
        output(tools[TOOL], "company_dream")["team_level"] = "yes"

    assert (
        'output "company_dream" of tool "dream"',
        '"team_level" (members read the team\'s decided value) must be true or false',
    ) in registry_problems(conn, edited(edit))
    assert registry_problems(conn, edited(lambda tools: None)) == []


def test_the_guru_records_a_versioned_decision_the_team_reads(live_server, conn, team):
    path = decision_path(team)
    empty = data_of(live_server.request("GET", path, token=team.tokens["member1"]))
    assert empty["version"] == 0 and empty["data"] is None
    assert empty["team_level_fields"] == ["company_dream", "success_picture"]
    agreed = answers_for(TOOL, marker=" (agreed)")
    first = data_of(put(live_server, team.tokens["guru_a"], path, {"data": agreed, "version": 0}))
    assert first["version"] == 1 and first["changed"] is True
    assert first["decided_by"]["id"] == team.ids["guru_a"]
    again = data_of(put(live_server, team.tokens["guru_a"], path, {"data": agreed, "version": 1}))
    assert again["version"] == 1 and again["changed"] is False
    changed = {**agreed, "company_dream": "A changed dream: " + agreed["company_dream"]}
    second = data_of(put(live_server, team.tokens["admin"], path, {"data": changed, "version": 1}))
    assert second["version"] == 2
    stale = put(live_server, team.tokens["guru_a"], path, {"data": agreed, "version": 1})
    assert stale.status_code == 409 and error_of(stale)["code"] == "STALE_VERSION"
    read = data_of(live_server.request("GET", path, token=team.tokens["member2"]))
    assert read["version"] == 2 and read["data"] == changed
    history = data_of(live_server.request("GET", path + "/history", token=team.tokens["member1"]))
    assert [(h["version"], h["decided_by"]["id"]) for h in history] == [
        (2, team.ids["admin"]),
        (1, team.ids["guru_a"]),
    ]
    assert history[0]["data"] == changed and history[1]["data"] == agreed


def test_only_the_organization_s_guru_and_admins_record_and_outsiders_see_nothing(
    live_server, conn, team
):
    path, body = decision_path(team), {"data": answers_for(TOOL), "version": 0}
    for actor in ("member1", "guru_b", "outsider"):
        assert put(live_server, team.tokens[actor], path, body).status_code == 404, actor
    for actor in ("guru_b", "outsider"):
        assert live_server.request("GET", path, token=team.tokens[actor]).status_code == 404
    unknown = f"/api/organizations/{uuid.uuid4()}/tools/{TOOL}/decision"
    assert live_server.request("GET", unknown, token=team.tokens["admin"]).status_code == 404
    assert count_rows(conn, "shared.team_decisions") == 0


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"company_dream": 5}, "company_dream"),
        ({"company_dream": None}, "company_dream"),  # required, as in a submit
        ({"timeline": "x" * 5000}, "timeline"),
    ],
)
def test_a_decision_breaking_the_answer_rules_is_a_422_that_writes_nothing(
    live_server, conn, team, change, field
):
    data = {**answers_for(TOOL), **change}
    answer = put(
        live_server, team.tokens["guru_a"], decision_path(team), {"data": data, "version": 0}
    )
    assert answer.status_code == 422, answer.text
    error = error_of(answer)
    assert error["code"] == "INVALID_ANSWERS"
    assert field in {p["field_id"] for p in error["details"]["problems"]} | {
        p["path"] for p in error["details"]["problems"]
    }
    assert count_rows(conn, "shared.team_decisions") == 0
    assert count_rows(conn, "shared.team_decision_versions") == 0


@pytest.mark.parametrize(
    "body", [{"data": [], "version": 0}, {"data": {}}, {"data": {}, "version": 0, "x": 1}]
)
def test_a_malformed_decision_body_is_a_400(live_server, conn, team, body):
    answer = put(live_server, team.tokens["guru_a"], decision_path(team), body)
    assert answer.status_code == 400 and error_of(answer)["code"] == "INVALID_BODY"
    assert count_rows(conn, "shared.team_decisions") == 0


def test_team_level_outputs_resolve_to_the_decision_for_every_member(live_server, conn, team):
    member1, member2 = team.tokens["member1"], team.tokens["member2"]
    # member1 did their own work up to goals; member2 did nothing yet
    for slug in ("know-thyself", TOOL):
        submit(live_server, member1, slug, answers_for(slug, marker=" (mine)"))
    deps = f"/api/tools/{READER}/dependencies"
    before = by_field(data_of(live_server.request("GET", deps, token=member1)))
    assert before["company_dream"]["source"] == "own"
    assert before["company_dream"]["value"].endswith(" (mine)")
    nothing = data_of(live_server.request("GET", deps, token=member2))
    assert by_field(nothing)["company_dream"]["source"] is None
    assert by_field(nothing)["company_dream"]["value"] is None

    agreed = answers_for(TOOL, marker=" (team)")
    data_of(
        put(live_server, team.tokens["guru_a"], decision_path(team), {"data": agreed, "version": 0})
    )
    after = data_of(live_server.request("GET", deps, token=member1))
    fields = by_field(after)
    assert fields["company_dream"]["value"] == agreed["company_dream"]
    assert fields["company_dream"]["source"] == "team"
    assert fields["company_dream"]["submission_id"] is None  # no submission of theirs
    assert after["values"]["vision_alignment"] == agreed["company_dream"]
    # timeline is the member's own: not team_level
    assert fields["timeline"]["source"] == "own" and fields["timeline"]["value"].endswith(" (mine)")
    assert after["values"]["goal_timeframe"] == fields["timeline"]["value"]

    # a member without their own dream gets the team's; unlocking still needs their own
    theirs = data_of(live_server.request("GET", deps, token=member2))
    assert by_field(theirs)["company_dream"]["value"] == agreed["company_dream"]
    assert by_field(theirs)["company_dream"]["source"] == "team"
    assert by_field(theirs)["timeline"]["source"] is None
    locked = data_of(live_server.request("GET", f"/api/tools/{READER}", token=member2))
    assert locked["status"] == "locked"
    unlocked = data_of(live_server.request("GET", f"/api/tools/{READER}", token=member1))
    assert unlocked["status"] != "locked"  # by member1's own dream

    # another organization's members keep their own values
    outsider = data_of(live_server.request("GET", deps, token=team.tokens["outsider"]))
    assert by_field(outsider)["company_dream"]["source"] is None


def test_erasing_the_guru_keeps_the_decision_without_their_name(live_server, conn, team):
    path = decision_path(team)
    data_of(
        put(live_server, team.tokens["guru_a"], path, {"data": answers_for(TOOL), "version": 0})
    )
    theirs = conn.execute(
        "select count(*) as n from shared.team_decision_versions where decided_by = %s",
        (team.ids["guru_a"],),
    ).fetchone()
    assert theirs["n"] == 1
    result = conn.execute("select shared.erase_user(%s) as r", (team.ids["guru_a"],)).fetchone()[
        "r"
    ]
    assert result["anonymised"]["team_decision_versions_by_them"] == 1
    left = conn.execute(
        "select d.decided_by as now, v.decided_by::text as then from shared.team_decisions as d"
        " join shared.team_decision_versions as v using (organization_id, tool_slug)"
    ).fetchone()
    assert left["now"] is None and left["then"] != team.ids["guru_a"]
    assert data_of(live_server.request("GET", path, token=team.tokens["member1"]))["version"] == 1
