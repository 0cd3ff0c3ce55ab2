"""Coaching over HTTP: where a guru coaches (directly or through nested groups), the dashboard,
the schedule and nudges, meeting notes and action items, with who may do what and bad input
answered as a 4xx that writes nothing."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from live_http import count_rows, data_of, error_of

from support.program import answers_for


@dataclass
class Team:
    tokens: dict[str, str]
    ids: dict[str, str]


def login(live_server, conn, name: str, role: str, organization: Any = None) -> tuple[str, str]:
    done = live_server.sso_login(f"lw-{name}-{uuid.uuid4().hex[:6]}", None, name.title())
    conn.execute(
        "update shared.users set role = %s, organization_id = %s where id = %s",
        (role, organization, done.user["id"]),
    )
    return done.access_token, done.user["id"]


@pytest.fixture
def team(live_server, conn) -> Team:
    """Organization A (Amsterdam time) with three members and a guru assigned to it directly;
    organization B in a cohort below a region, coached by a guru assigned to the region; an
    outsider in organization C; an admin."""

    def org(name: str, settings: str = "{}") -> str:
        row = conn.execute(
            "insert into shared.organizations (name, slug, settings) values (%s, %s, %s)"
            " returning id",
            (name, f"{name.lower()}-{uuid.uuid4().hex[:6]}", settings),
        ).fetchone()
        return str(row["id"])

    ids = {
        "org_a": org("Acme", '{"time_zone": "Europe/Amsterdam"}'),
        "org_b": org("Bravo"),
        "org_c": org("Cyan"),
    }
    tokens: dict[str, str] = {}
    for name, role, organization in (
        ("member1", "user", ids["org_a"]),
        ("member2", "user", ids["org_a"]),
        ("member3", "user", ids["org_a"]),
        ("bmember", "user", ids["org_b"]),
        ("outsider", "user", ids["org_c"]),
        ("guru_a", "guru", None),
        ("guru_region", "guru", None),
        ("admin", "admin", None),
    ):
        tokens[name], ids[name] = login(live_server, conn, name, role, organization)
    conn.execute(
        "insert into shared.organization_gurus (organization_id, user_id) values (%s, %s)",
        (ids["org_a"], ids["guru_a"]),
    )
    admin = tokens["admin"]
    region = data_of(post(live_server, admin, "/api/admin/groups", {"name": "Region"}), 201)
    cohort = data_of(
        post(
            live_server, admin, "/api/admin/groups", {"name": "Cohort", "parent_id": region["id"]}
        ),
        201,
    )
    ids["region"], ids["cohort"] = region["id"], cohort["id"]
    put = live_server.request
    data_of(
        put(
            "PUT",
            f"/api/admin/organizations/{ids['org_b']}/group",
            token=admin,
            json={"group_id": cohort["id"]},
        )
    )
    data_of(put("PUT", f"/api/admin/groups/{region['id']}/gurus/{ids['guru_region']}", token=admin))
    return Team(tokens=tokens, ids=ids)


def post(live_server, token: str, path: str, body: Any = None):
    return live_server.request("POST", path, token=token, json=body)


def get(live_server, token: str, path: str):
    return live_server.request("GET", path, token=token)


def slugs(page: dict[str, Any]) -> set[str]:
    return {item["name"] for item in page["items"]}


# -- where am I coaching -----------------------------------------------------------------------


def test_each_caller_lists_the_organizations_they_may_see(live_server, team):
    seen = {
        who: slugs(data_of(get(live_server, team.tokens[who], "/api/organizations")))
        for who in ("member1", "outsider", "guru_a", "guru_region")
    }
    assert seen == {
        "member1": {"Acme"},
        "outsider": {"Cyan"},
        "guru_a": {"Acme"},
        "guru_region": {"Bravo"},  # through the region, two levels above Bravo
    }
    everything = data_of(get(live_server, team.tokens["admin"], "/api/organizations"))
    assert {"Acme", "Bravo", "Cyan"} <= slugs(everything)
    acme = next(i for i in everything["items"] if i["name"] == "Acme")
    assert acme["member_count"] == 3 and acme["stalled_count"] == 0
    assert acme["time_zone"] == "Europe/Amsterdam" and acme["next_meeting"] is None
    assert acme["current_tool"]["sprint_number"] == 0  # everyone starts at the first open tool


def test_the_organization_list_pages_by_cursor(live_server, team):
    admin = team.tokens["admin"]
    first = data_of(get(live_server, admin, "/api/organizations?limit=2"))
    assert len(first["items"]) == 2 and first["next_cursor"]
    second = data_of(
        get(live_server, admin, f"/api/organizations?limit=2&cursor={first['next_cursor']}")
    )
    assert slugs(first).isdisjoint(slugs(second))
    assert second["next_cursor"] is None
    assert error_of(get(live_server, admin, "/api/organizations?limit=0"))["code"]


def test_a_group_guru_coaches_everything_below_until_the_group_moves_away(live_server, conn, team):
    guru = team.tokens["guru_region"]
    member = team.ids["bmember"]
    assert get(live_server, guru, f"/api/users/{member}/progress").status_code == 200
    assert (
        get(live_server, guru, f"/api/organizations/{team.ids['org_b']}/dashboard").status_code
        == 200
    )
    # the cohort moves to the top: the region's guru no longer coaches Bravo, on every path
    admin = team.tokens["admin"]
    moved = live_server.request(
        "PATCH", f"/api/admin/groups/{team.ids['cohort']}", token=admin, json={"parent_id": None}
    )
    assert data_of(moved)["depth"] == 0
    assert get(live_server, guru, f"/api/users/{member}/progress").status_code == 404
    assert (
        get(live_server, guru, f"/api/organizations/{team.ids['org_b']}/dashboard").status_code
        == 404
    )
    assert slugs(data_of(get(live_server, guru, "/api/organizations"))) == set()


def test_groups_refuse_cycles_and_deleting_what_is_not_empty(live_server, conn, team):
    admin = team.tokens["admin"]
    below_itself = live_server.request(
        "PATCH",
        f"/api/admin/groups/{team.ids['region']}",
        token=admin,
        json={"parent_id": team.ids["cohort"]},
    )
    assert below_itself.status_code == 422 and error_of(below_itself)["code"] == "GROUP_CYCLE"
    not_empty = live_server.request(
        "DELETE", f"/api/admin/groups/{team.ids['region']}", token=admin
    )
    assert not_empty.status_code == 409 and error_of(not_empty)["code"] == "GROUP_NOT_EMPTY"
    assert count_rows(conn, "shared.organization_groups") == 2
    groups = data_of(get(live_server, admin, "/api/admin/groups"))
    assert [g["name"] for g in groups] == ["Region", "Cohort"]
    assert groups[1]["ancestors"] == [{"id": team.ids["region"], "name": "Region"}]
    assert groups[0]["gurus"][0]["id"] == team.ids["guru_region"]
    for who in ("guru_a", "member1"):
        assert get(live_server, team.tokens[who], "/api/admin/groups").status_code == 403


# -- dashboard ---------------------------------------------------------------------------------


def test_the_dashboard_shows_statuses_last_saves_and_who_is_stalled(live_server, conn, team):
    org = team.ids["org_a"]
    m1 = team.tokens["member1"]
    data_of(post(live_server, m1, "/api/tools/woop/data", {"data": {"wish": "A"}, "version": 0}))
    # member2 started woop eight days ago and has not saved since: stalled
    t2 = team.tokens["member2"]
    data_of(post(live_server, t2, "/api/tools/woop/data", {"data": {"wish": "B"}, "version": 0}))
    conn.execute(
        "update shared.user_progress set started_at = now() - interval '8 days',"
        " unlocked_at = now() - interval '9 days' where user_id = %s",
        (team.ids["member2"],),
    )
    board = data_of(get(live_server, team.tokens["guru_a"], f"/api/organizations/{org}/dashboard"))
    assert len(board["tools"]) == 31 and board["tools"][0]["slug"] == "woop"
    by_id = {m["user"]["id"]: m for m in board["members"]}
    assert set(by_id) == {team.ids["member1"], team.ids["member2"], team.ids["member3"]}
    assert by_id[team.ids["member1"]]["statuses"][0] == "in_progress"
    assert len(by_id[team.ids["member1"]]["statuses"]) == 31
    assert by_id[team.ids["member1"]]["stalled"] is False
    assert by_id[team.ids["member2"]]["stalled"] is True
    assert by_id[team.ids["member3"]]["last_saved_at"] is None
    assert board["next_meeting"] is None and board["readiness"] is None
    listed = data_of(get(live_server, team.tokens["guru_a"], "/api/organizations"))["items"][0]
    assert listed["stalled_count"] == 1
    # members and other gurus do not see the dashboard
    for who in ("member1", "guru_region", "outsider"):
        assert (
            get(live_server, team.tokens[who], f"/api/organizations/{org}/dashboard").status_code
            == 404
        )


# -- schedule and nudges -----------------------------------------------------------------------


def test_a_meeting_is_scheduled_on_the_organization_s_clock(live_server, conn, team):
    org = team.ids["org_a"]
    guru = team.tokens["guru_a"]
    day = (datetime.now(UTC) + timedelta(days=10)).date()
    path = f"/api/organizations/{org}/tools/woop/schedule"
    local = data_of(
        live_server.request("PUT", path, token=guru, json={"meeting_at": f"{day}T14:00"})
    )
    assert (
        local["meeting_at_local"] == f"{day}T14:00:00" and local["time_zone"] == "Europe/Amsterdam"
    )
    instant = datetime.fromisoformat(local["meeting_at"])
    assert instant.utcoffset() is not None and instant.astimezone(UTC).hour in (12, 13)  # CEST/CET
    assert local["revision"] == 1 and local["reminded_at"] is None
    moved = data_of(
        live_server.request("PUT", path, token=guru, json={"meeting_at": f"{day}T09:00:00Z"})
    )
    assert moved["revision"] == 2
    # the team sees it; the readiness of the dashboard is for that meeting
    schedule = data_of(
        get(live_server, team.tokens["member1"], f"/api/organizations/{org}/schedule")
    )
    assert [m["tool"]["slug"] for m in schedule] == ["woop"]
    board = data_of(get(live_server, guru, f"/api/organizations/{org}/dashboard"))
    assert (
        board["next_meeting"]["tool"]["slug"] == "woop" and board["current_tool"]["slug"] == "woop"
    )
    assert board["readiness"] == {
        "members": 3,
        "submitted": 0,
        "in_progress": 0,
        "not_started": 3,
        "percent_ready": 0,
        "tool": "woop",
    }
    assert (
        get(live_server, team.tokens["outsider"], f"/api/organizations/{org}/schedule").status_code
        == 404
    )


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"meeting_at": "next tuesday"}, 422, "INVALID_MEETING_AT"),
        ({"meeting_at": "2027-02-30T10:00"}, 422, "INVALID_MEETING_AT"),
        ({"meeting_at": "2001-01-01T10:00Z"}, 422, "MEETING_IN_PAST"),
        ({"meeting_at": 5}, 400, "INVALID_BODY"),
        ({"meeting_at": "2030-01-01T10:00", "room": "B"}, 400, "INVALID_BODY"),
    ],
)
def test_a_bad_meeting_time_is_a_4xx_that_schedules_nothing(
    live_server, conn, team, body, status, code
):
    path = f"/api/organizations/{team.ids['org_a']}/tools/woop/schedule"
    answer = live_server.request("PUT", path, token=team.tokens["guru_a"], json=body)
    assert answer.status_code == status and error_of(answer)["code"] == code
    assert count_rows(conn, "shared.meeting_schedules") == 0


def test_members_may_not_schedule_or_nudge(live_server, conn, team):
    base = f"/api/organizations/{team.ids['org_a']}/tools/woop"
    member = team.tokens["member1"]
    assert (
        live_server.request(
            "PUT", base + "/schedule", token=member, json={"meeting_at": "2030-01-01T10:00"}
        ).status_code
        == 404
    )
    assert post(live_server, member, base + "/nudge").status_code == 404
    assert count_rows(conn, "shared.outbox_events", "event_type = 'member_nudged'") == 0


def test_a_nudge_goes_once_per_member_tool_and_day_to_those_not_ready(live_server, conn, team):
    base = f"/api/organizations/{team.ids['org_a']}/tools/woop"
    data_of(
        post(
            live_server,
            team.tokens["member1"],
            "/api/tools/woop/submit",
            {"version": 0, "data": answers_for("woop")},
        )
    )
    first = data_of(post(live_server, team.tokens["guru_a"], base + "/nudge"))
    assert {u["id"] for u in first["nudged"]} == {team.ids["member2"], team.ids["member3"]}
    again = data_of(post(live_server, team.tokens["admin"], base + "/nudge"))
    assert again["nudged"] == [] and len(again["already_nudged_today"]) == 2
    events = conn.execute(
        "select user_id::text, payload from shared.outbox_events where event_type = 'member_nudged'"
    ).fetchall()
    assert sorted(e["user_id"] for e in events) == sorted(
        [team.ids["member2"], team.ids["member3"]]
    )
    assert events[0]["payload"]["tool"]["slug"] == "woop"
    assert events[0]["payload"]["nudged_by"]["id"] == team.ids["guru_a"]


# -- meeting notes -----------------------------------------------------------------------------


def test_meeting_notes_are_versioned_and_a_stale_version_is_a_409(live_server, conn, team):
    path = f"/api/organizations/{team.ids['org_a']}/tools/woop/meeting"
    guru = team.tokens["guru_a"]
    empty = data_of(get(live_server, team.tokens["member1"], path))
    assert empty["version"] == 0 and empty["notes"]["decisions"] is None
    notes = {"meeting_date": "2030-01-10", "decisions": "We go north", "concerns": "Cash"}
    first = data_of(
        live_server.request("PUT", path, token=guru, json={"notes": notes, "version": 0})
    )
    assert first["version"] == 1 and first["notes"]["decisions"] == "We go north"
    second = data_of(
        live_server.request(
            "PUT",
            path,
            token=team.tokens["admin"],
            json={"notes": {**notes, "next_steps": "Hire"}, "version": 1},
        )
    )
    assert second["version"] == 2
    stale = live_server.request("PUT", path, token=guru, json={"notes": notes, "version": 1})
    assert stale.status_code == 409 and error_of(stale)["code"] == "STALE_VERSION"
    history = data_of(get(live_server, team.tokens["member2"], path + "/history"))
    assert [h["version"] for h in history] == [2, 1]
    assert history[1]["notes"]["next_steps"] is None and history[0]["notes"]["next_steps"] == "Hire"
    # members read, never write; outsiders see nothing
    member_write = live_server.request(
        "PUT", path, token=team.tokens["member1"], json={"notes": notes, "version": 2}
    )
    assert member_write.status_code == 404
    assert get(live_server, team.tokens["outsider"], path).status_code == 404


@pytest.mark.parametrize(
    ("notes", "code"),
    [
        ({"agenda": "x"}, "INVALID_NOTES"),
        ({"decisions": 3}, "INVALID_NOTES"),
        ({"meeting_date": "2030-02-30"}, "INVALID_DATE"),
        ({"concerns": "x" * 20001}, "INVALID_NOTES"),
    ],
)
def test_bad_notes_are_a_422_that_writes_nothing(live_server, conn, team, notes, code):
    path = f"/api/organizations/{team.ids['org_a']}/tools/woop/meeting"
    answer = live_server.request(
        "PUT", path, token=team.tokens["guru_a"], json={"notes": notes, "version": 0}
    )
    assert answer.status_code == 422 and error_of(answer)["code"] == code
    assert count_rows(conn, "shared.meeting_notes") == 0


# -- action items ------------------------------------------------------------------------------


def test_action_items_with_owner_due_date_status_and_their_lists(live_server, conn, team):
    org = team.ids["org_a"]
    guru = team.tokens["guru_a"]
    path = f"/api/organizations/{org}/tools/woop/action-items"
    tomorrow = (date.today() + timedelta(days=2)).isoformat()
    item = data_of(
        post(
            live_server,
            guru,
            path,
            {"task": "Call the bank", "owner_id": team.ids["member1"], "due": tomorrow},
        ),
        201,
    )
    assert (
        item["status"] == "open"
        and item["owner"]["id"] == team.ids["member1"]
        and not item["overdue"]
    )
    # one that became overdue (its due date moved into the past by a coach)
    late = data_of(
        post(
            live_server,
            guru,
            path,
            {"task": "Write the plan", "owner_id": team.ids["member2"], "due": tomorrow},
        ),
        201,
    )
    past = (date.today() - timedelta(days=3)).isoformat()
    moved = data_of(
        live_server.request(
            "PATCH", f"/api/action-items/{late['id']}", token=guru, json={"due": past}
        )
    )
    assert moved["overdue"] is True
    listing = f"/api/organizations/{org}/action-items"
    assert [
        i["id"]
        for i in data_of(get(live_server, team.tokens["member3"], listing + "?status=overdue"))
    ] == [late["id"]]
    assert len(data_of(get(live_server, team.tokens["member3"], listing + "?status=open"))) == 2
    # the owner marks theirs done; they may not change anything else
    owner = team.tokens["member1"]
    done = data_of(
        live_server.request(
            "PATCH", f"/api/action-items/{item['id']}", token=owner, json={"status": "done"}
        )
    )
    assert done["status"] == "done" and done["done_at"]
    retask = live_server.request(
        "PATCH", f"/api/action-items/{item['id']}", token=owner, json={"task": "Nap"}
    )
    assert retask.status_code == 403
    other = live_server.request(
        "PATCH",
        f"/api/action-items/{item['id']}",
        token=team.tokens["member2"],
        json={"status": "open"},
    )
    assert other.status_code == 404
    assert [i["id"] for i in data_of(get(live_server, owner, "/api/me/action-items"))] == [
        item["id"]
    ]
    assert [
        i["id"] for i in data_of(get(live_server, owner, "/api/me/action-items?status=done"))
    ] == [item["id"]]
    assert get(live_server, team.tokens["outsider"], listing).status_code == 404
    assert get(live_server, owner, listing + "?status=late").status_code == 422


@pytest.mark.parametrize(
    ("change", "status", "code"),
    [
        ({"task": ""}, 422, "INVALID_ACTION_ITEM"),
        ({"owner": "outsider"}, 422, "OWNER_NOT_MEMBER"),
        ({"owner": "guru_a"}, 422, "OWNER_NOT_MEMBER"),
        ({"due": "2030-13-01"}, 422, "INVALID_DATE"),
        ({"due": "yesterday"}, 422, "DUE_IN_PAST"),
        ({"owner_id": "not-a-uuid"}, 400, "INVALID_BODY"),
        ({"extra": True}, 400, "INVALID_BODY"),
    ],
)
def test_a_bad_action_item_is_a_4xx_that_writes_nothing(
    live_server, conn, team, change, status, code
):
    body: dict[str, Any] = {
        "task": "Do it",
        "owner_id": team.ids["member1"],
        "due": (date.today() + timedelta(days=1)).isoformat(),
    }
    if "owner" in change:
        body["owner_id"] = team.ids[change.pop("owner")]
    if change.get("due") == "yesterday":
        change["due"] = (date.today() - timedelta(days=2)).isoformat()
    body.update(change)
    path = f"/api/organizations/{team.ids['org_a']}/tools/woop/action-items"
    answer = post(live_server, team.tokens["guru_a"], path, body)
    assert answer.status_code == status and error_of(answer)["code"] == code
    assert count_rows(conn, "shared.action_items") == 0
