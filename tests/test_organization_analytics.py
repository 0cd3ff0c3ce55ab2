"""Organization and program analytics on the cohort of tests/support/analytics_org_cohort.py,
through the api functions as the service calls them: every definition with its exact figure,
k-anonymity in every view (organization B has 4 members), who may read what, and the meta."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import psycopg
import pytest

from support.analytics_org_cohort import Cohort, build_cohort
from support.person import api
from support.program import create_user
from support.sqlerrors import sqlstate_of

TOO_FEW = {"too_few": True, "text": "too few to show"}


@pytest.fixture
def cohort(conn) -> Cohort:
    built = build_cohort(conn)
    built.members["guru"] = str(create_user(conn, role="guru"))
    built.members["admin"] = str(create_user(conn, role="admin"))
    conn.execute(
        "insert into shared.organization_gurus (organization_id, user_id) values (%s, %s)",
        (built.organizations["A"], built.members["guru"]),
    )
    conn.execute("select shared.refresh_analytics()")
    return built


def org_view(conn, cohort: Cohort, name: str, who: str = "admin") -> dict[str, Any]:
    return api(
        conn,
        cohort.members[who],
        "organization_analytics",
        p_organization_id=cohort.organizations[name],
    )


def step(funnel: list[dict[str, Any]], slug: str) -> dict[str, Any]:
    return next(s for s in funnel if s["tool"]["slug"] == slug)


def figures(reached: Any, completed: Any, conversion: Any, stopped: Any, median: Any) -> dict:
    keys = ("reached", "completed", "conversion_to_next", "stopped_here", "median_days")
    return dict(zip(keys, (reached, completed, conversion, stopped, median), strict=True))


def without_tool(s: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in s.items() if k != "tool"}


def test_an_organizations_funnel_per_tool(conn, cohort):
    data = org_view(conn, cohort, "A", "guru")["data"]
    assert data["members"] == 8 and data["min_group"] == 5
    assert [s["tool"]["sprint_number"] for s in data["funnel"]] == list(range(31))
    # woop: reached a1-a7; completed a1-a6; of those a1-a4 reached know-thyself (4/6);
    # a5 stopped there (furthest, quiet for 20 days); days 2, 3, 1, 4, 5, 6 -> median 3.5
    assert without_tool(step(data["funnel"], "woop")) == figures(7, 6, 66.7, 1, 3.5)
    # know-thyself: 2 completers are too few for a conversion or a median; a1 (done 22 days
    # ago) and a2 (saved 20 days ago) stopped there, a3 and a4 were active in 14 days
    assert without_tool(step(data["funnel"], "know-thyself")) == figures(4, 2, TOO_FEW, 2, TOO_FEW)
    assert without_tool(step(data["funnel"], "dream"))["reached"] == 0
    assert step(data["funnel"], "program-overview")["conversion_to_next"] is None  # the last tool
    # organization C: 5 completed woop in 2 days each; 2 went on
    c = org_view(conn, cohort, "C")["data"]["funnel"]
    assert without_tool(step(c, "woop")) == figures(5, 5, 40.0, 3, 2.0)


def test_stalled_members_and_pace_against_the_program(conn, cohort):
    data = org_view(conn, cohort, "A", "guru")["data"]
    # coaching's stalled: a2 has know-thyself in progress with no save for 20 days
    assert [m["user"]["id"] for m in data["stalled_members"]] == [cohort.members["a2"]]
    # day 30: 17 users joined that long ago (A, B, C); within their first 30 days: 4 with none,
    # 10 with one (C's are all one), 3 with two -> median 1; 9 of them are outside A
    pace = {m["user"]["id"]: m for m in data["pace"]["members"]}
    expected = {"a1": 2, "a2": 1, "a3": 1, "a4": 2, "a5": 1, "a6": 1, "a7": 0, "a8": 0}
    for member, completed in expected.items():
        row = pace[cohort.members[member]]
        assert (row["days_since_joining"], row["tools_completed"]) == (30, completed)
        assert (row["program_median"], row["difference"]) == (1, completed - 1)
    assert data["pace"]["median_difference"] == 0  # -1, -1, 0, 0, 0, 0, 1, 1
    # C joined 60 days ago: only C's own 5 make the program's day 60, none outside C
    c = org_view(conn, cohort, "C")["data"]["pace"]
    assert {m["program_median"]["text"] for m in c["members"]} == {"too few to show"}
    assert c["median_difference"] == TOO_FEW


def test_a_group_of_four_shows_too_few_everywhere(conn, cohort):
    data = org_view(conn, cohort, "B")["data"]
    assert data["members"] == 4
    for s in data["funnel"]:
        assert {k: v for k, v in without_tool(s).items() if v is not None} == {
            key: TOO_FEW
            for key in ("reached", "completed", "conversion_to_next", "stopped_here", "median_days")
            if s[key] is not None
        }
    assert data["pace"]["median_difference"] == TOO_FEW
    # each member against the program: 13 of the 17 at day 30 are outside B
    assert {m["program_median"] for m in data["pace"]["members"]} == {1}
    program = api(conn, cohort.members["admin"], "program_analytics")["data"]
    b = next(
        o
        for o in program["by_organization"]
        if o["organization"]["id"] == cohort.organizations["B"]
    )
    assert all(v == TOO_FEW for v in b["summary"].values())
    assert all(without_tool(s)["reached"] == TOO_FEW for s in b["funnel"])
    # a smaller threshold shows them (ANALYTICS_MIN_GROUP reaches SQL in the request context)
    conn.execute("select set_config('request.context', '{\"analytics_min_group\": 4}', false)")
    small = conn.execute(
        "select shared.organization_analytics(o) as a from shared.organizations as o"
        " where o.id = %s",
        (cohort.organizations["B"],),
    ).fetchone()["a"]["data"]
    assert without_tool(step(small["funnel"], "woop"))["reached"] == 3


def test_the_program_by_organization_and_joining_month(conn, cohort):
    data = api(conn, cohort.members["admin"], "program_analytics")["data"]
    program = data["program"]
    # 17 members; stalled a2 and b3; tools completed now: 4 none, 8 one, 5 two -> median 1;
    # pace: -1 x4, 0 x8, 1 x5 -> median 0 (C against day 60, whose median is 1)
    assert program["summary"] == {
        "members": 17, "stalled": 2, "median_tools_completed": 1, "median_pace_difference": 0,
    }  # fmt: skip
    # woop: reached 15, completed 13, 7 went on (53.8 %); stopped (furthest, quiet for 14
    # days): a5, b2, b3, c3, c4, c5; median of 1,1,1,2,2,2,2,2,2,3,4,5,6 = 2
    woop = without_tool(step(program["funnel"], "woop"))
    assert woop == figures(15, 13, 53.8, 6, 2.0)
    by_org = {o["organization"]["id"]: o for o in data["by_organization"]}
    assert by_org[cohort.organizations["A"]]["summary"] == {
        "members": 8, "stalled": 1, "median_tools_completed": 1, "median_pace_difference": 0,
    }  # fmt: skip
    assert by_org[cohort.organizations["C"]]["summary"] == {
        "members": 5, "stalled": 0, "median_tools_completed": 1, "median_pace_difference": 0,
    }  # fmt: skip
    assert without_tool(step(by_org[cohort.organizations["A"]]["funnel"], "woop"))["reached"] == 7
    # joining months: A and B joined 30 days ago, C 60 days ago (UTC months)
    joined = conn.execute(
        "select to_char(created_at at time zone 'UTC', 'YYYY-MM') as month, count(*)::int as n"
        "  from shared.users where id = any (%s) group by 1",
        ([cohort.members[m] for m in cohort.members if m not in ("guru", "admin")],),
    ).fetchall()
    months = {m["month"]: m["summary"]["members"] for m in data["by_joining_month"]}
    assert months == {row["month"]: (row["n"] if row["n"] >= 5 else TOO_FEW) for row in joined}


def test_who_may_read_which_view(conn, cohort):
    outsider_guru = create_user(conn, role="guru")
    a1 = cohort.members["a1"]
    for who in (outsider_guru, a1):  # a guru of another organization, a member: as unknown
        with pytest.raises(psycopg.Error) as refused:
            api(conn, who, "organization_analytics", p_organization_id=cohort.organizations["A"])
        assert sqlstate_of(refused) == "PT404"
    for who in (cohort.members["guru"], a1):
        with pytest.raises(psycopg.Error) as refused:
            api(conn, who, "program_analytics")
        assert sqlstate_of(refused) == "PT403"
    assert org_view(conn, cohort, "A", "guru")["data"]["organization"]["name"] == "Org A"


def test_staleness_metadata(conn, cohort):
    refreshed = conn.execute(
        "select max(calculated_at) as at from shared.analytics_refreshes"
    ).fetchone()["at"]
    meta = org_view(conn, cohort, "A")["meta"]
    assert meta["source"] == "snapshot"
    assert datetime.fromisoformat(meta["calculated_at"]) <= refreshed
    assert datetime.fromisoformat(meta["stale_after"]) == datetime.fromisoformat(
        meta["calculated_at"]
    ) + timedelta(days=1)
    assert meta["sections"]["funnel"]["source"] == "live"
    assert meta["sections"]["pace"]["source"] == "snapshot"
    program = api(conn, cohort.members["admin"], "program_analytics")["meta"]
    assert program["source"] == "snapshot" and program["calculated_at"] is not None
