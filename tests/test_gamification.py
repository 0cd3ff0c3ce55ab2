"""Gamification in SQL: points on time and late, the weekly streak and its forgiven weeks, each
achievement (stored once, announced once in the outbox, also under two concurrent submits), and
the leaderboard's effort, bands, opt-out and who may see it. Histories are built through the
real functions, then their facts moved to fixed times in one statement."""

from __future__ import annotations

import json
import threading
from datetime import UTC, date, datetime, timedelta
from typing import Any

import psycopg
import pytest

from support.databases import connect
from support.person import api
from support.program import answers_for, create_organization, create_user, tools_in_sprint_order
from support.sqlerrors import detail_of

OPEN = ("woop", "know-thyself", "cash", "energy", "meeting-rhythm")  # no required dependency
WEEK0 = date(2026, 6, 8)  # a Monday: the week the figures are asked in
AS_OF = datetime(2026, 6, 10, 12, tzinfo=UTC)  # Wednesday of WEEK0


def submit(conn: psycopg.Connection, user_id: Any, slug: str, marker: str = "") -> dict[str, Any]:
    """A submit through api.submit_tool (a resubmit when the tool is already submitted)."""
    version = conn.execute(
        "select shared.get_submission(%s, %s) ->> 'version' as v", (slug, user_id)
    ).fetchone()["v"]
    data = json.dumps(answers_for(slug, marker=marker))
    return api(conn, user_id, "submit_tool", p_slug=slug, p_version=int(version), p_data=data)


def submit_facts(conn: psycopg.Connection, user_id: Any, times: list[datetime]) -> None:
    """One real submit per time (resubmits of the open tools), then the submit facts they wrote
    moved to those times, in one statement."""
    since = conn.execute("select coalesce(max(id), 0) as id from shared.activity_facts").fetchone()
    for index in range(len(times)):
        submit(conn, user_id, OPEN[index % len(OPEN)], marker=f"r{index}")
    conn.execute(
        "update shared.activity_facts as a set occurred_at = t.at"
        "  from (select id, row_number() over (order by id) as n from shared.activity_facts"
        "         where user_id = %s and kind = 'submit' and id > %s) as f,"
        "       unnest(%s::timestamptz[]) with ordinality as t(at, n)"
        " where a.id = f.id and f.n = t.n",
        (user_id, since["id"], times),
    )


def week(offset: int, day: int = 2, hour: int = 12) -> datetime:
    """A time in the week `offset` weeks after WEEK0 (negative: before), UTC."""
    start = datetime.combine(WEEK0, datetime.min.time(), UTC)
    return start + timedelta(weeks=offset, days=day, hours=hour)


def streak(conn: psycopg.Connection, user_id: Any, as_of: datetime = AS_OF) -> dict[str, Any]:
    return conn.execute("select shared.submit_streak(%s, %s) as s", (user_id, as_of)).fetchone()[
        "s"
    ]


def awards(conn: psycopg.Connection, user_id: Any) -> dict[str, dict[str, Any]]:
    rows = conn.execute(
        "select kind, subject, facts from shared.awards where user_id = %s", (user_id,)
    ).fetchall()
    return {f"{r['kind']}:{r['subject']}".rstrip(":"): r["facts"] for r in rows}


def award_events(conn: psycopg.Connection, user_id: Any) -> list[str]:
    rows = conn.execute(
        "select payload -> 'award' ->> 'kind' as kind, payload -> 'award' ->> 'subject' as subject"
        "  from shared.outbox_events where user_id = %s and event_type = 'award_earned'"
        " order by kind, subject",
        (user_id,),
    ).fetchall()
    return [f"{r['kind']}:{r['subject'] or ''}".rstrip(":") for r in rows]


@pytest.fixture
def organization(conn: psycopg.Connection) -> Any:
    organization_id = create_organization(conn, "Gamers")
    conn.execute(
        'update shared.organizations set settings = \'{"time_zone": "America/New_York"}\''
        " where id = %s",
        (organization_id,),
    )
    return organization_id


# --- points -----------------------------------------------------------------------------------


def test_points_count_each_tool_once_with_a_bonus_before_its_meeting(conn, organization) -> None:
    user = create_user(conn, organization_id=organization)
    for slug in ("woop", "cash", "energy"):
        submit(conn, user, slug)
    submit(conn, user, "woop", marker="again")  # a resubmit, after the meeting: nothing more
    conn.execute(
        "update shared.activity_facts as a set occurred_at = case"
        " when a.tool_slug = 'cash' then '2026-03-10 10:00Z' when a.tool_slug = 'energy'"
        " then '2026-03-11 10:00Z' when a.id = f.first then '2026-03-02 10:00Z'"
        " else '2026-03-20 10:00Z' end::timestamptz"
        "  from (select min(id) as first from shared.activity_facts"
        "         where user_id = %(u)s and kind = 'submit') as f"
        " where a.user_id = %(u)s and a.kind = 'submit'",
        {"u": user},
    )
    conn.execute(
        "insert into shared.meeting_schedules (organization_id, tool_slug, meeting_at) values"
        " (%(o)s, 'woop', '2026-03-03 09:00Z'), (%(o)s, 'cash', '2026-03-09 09:00Z')",
        {"o": organization},
    )
    points = conn.execute("select shared.user_points(%s) as p", (user,)).fetchone()["p"]
    by_tool = {t["slug"]: (t["on_time"], t["points"]) for t in points["tools"]}
    assert by_tool == {"woop": (True, 15), "cash": (False, 10), "energy": (False, 10)}
    assert (points["total"], points["tools_submitted"], points["tools_on_time"]) == (35, 3, 1)


# --- streak -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("offsets", "weeks", "forgiven"),
    [
        # one miss (-3), eight weeks, another miss (-12) nine weeks later: both forgiven
        ([0, -1, -2, *range(-4, -12, -1), -13], 12, [-3, -12]),
        # a second miss (-9) six weeks after the forgiven one (-3) ends the streak
        ([0, -1, -2, *range(-4, -9, -1), -10, -11], 8, [-3]),
        # the boundary: misses exactly 8 weeks apart are both forgiven, 7 weeks apart are not
        ([0, *range(-2, -9, -1), -10], 9, [-1, -9]),
        ([0, *range(-2, -8, -1), -9], 7, [-1]),
        # two missed weeks in a row end it
        ([0, -3, -4], 1, []),
        # this week without a submit yet is not missed; last week missed is forgiven
        ([-2, -3], 2, [-1]),
        ([-1, -2, -3], 3, []),
        ([-3], 0, []),
    ],
)
def test_streak_counts_submit_weeks_and_forgives_one_missed_week_per_eight(
    conn, organization, offsets, weeks, forgiven
) -> None:
    user = create_user(conn, organization_id=organization)
    submit_facts(conn, user, [week(o) for o in offsets])
    figures = streak(conn, user)
    monday = lambda o: (WEEK0 + timedelta(weeks=o)).isoformat()  # noqa: E731
    assert figures["weeks"] == weeks
    assert figures["forgiven_weeks"] == [monday(o) for o in forgiven]
    assert figures["current_week"] == WEEK0.isoformat()


def test_streak_weeks_are_the_organizations_local_weeks(conn, organization) -> None:
    user = create_user(conn, organization_id=organization)
    # Monday 02:00 UTC is Sunday 22:00 in New York: the week before, locally
    submit_facts(conn, user, [datetime(2026, 6, 8, 2, tzinfo=UTC), week(-2)])
    assert (streak(conn, user)["weeks"], streak(conn, user)["forgiven_weeks"]) == (2, [])
    conn.execute("update shared.organizations set settings = '{}' where id = %s", (organization,))
    # in UTC the same submit is in this week, and last week is a forgiven miss
    assert (streak(conn, user)["weeks"], streak(conn, user)["forgiven_weeks"]) == (
        2,
        [(WEEK0 - timedelta(weeks=1)).isoformat()],
    )


# --- achievements -----------------------------------------------------------------------------


def test_first_tool_and_its_module_are_awarded_once_with_their_events(conn, organization) -> None:
    user = create_user(conn, organization_id=organization)
    submit(conn, user, "woop")  # module 0 holds woop alone
    submit(conn, user, "woop", marker="again")
    submit(conn, user, "cash")
    held = awards(conn, user)
    assert set(held) == {"first_tool", "module_finished:0"}
    assert held["first_tool"]["tool"]["slug"] == "woop"
    assert [t["slug"] for t in held["module_finished:0"]["tools"]] == ["woop"]
    assert award_events(conn, user) == ["first_tool", "module_finished:0"]
    tool = conn.execute(
        "select tool_slug from shared.outbox_events where user_id = %s"
        " and event_type = 'award_earned' and payload -> 'award' ->> 'kind' = 'first_tool'",
        (user,),
    ).fetchone()
    assert tool["tool_slug"] == "woop"


def test_every_module_and_all_tools_are_awarded_when_the_program_is_finished(conn) -> None:
    user = create_user(conn)
    for entry in tools_in_sprint_order():
        submit(conn, user, entry["slug"])
    held = awards(conn, user)
    modules = conn.execute("select array_agg(id order by id) as ids from shared.modules").fetchone()
    assert set(held) == {"first_tool", "all_tools"} | {
        f"module_finished:{m}" for m in modules["ids"]
    }
    assert held["all_tools"]["tools"] == len(tools_in_sprint_order())
    assert sorted(award_events(conn, user)) == sorted(held)


def test_five_tools_on_time_in_a_row(conn, organization) -> None:
    user = create_user(conn, organization_id=organization)
    conn.execute(
        "insert into shared.meeting_schedules (organization_id, tool_slug, meeting_at)"
        " select %s, slug, now() + case slug when 'woop' then -1 else 1 end * interval '1 day'"
        "  from unnest(%s::text[]) as slug",
        (organization, [*OPEN, "dream"]),
    )
    for slug in OPEN:  # woop late, then four on time
        submit(conn, user, slug)
    assert "five_on_time" not in awards(conn, user)
    submit(conn, user, "dream")
    facts = awards(conn, user)["five_on_time"]
    assert [t["slug"] for t in facts["tools"]] == [*OPEN[1:], "dream"]
    assert all(t["submitted_at"] < t["meeting_at"] for t in facts["tools"])
    assert "five_on_time" in award_events(conn, user)


def test_a_streak_of_eight_weeks_is_awarded_on_the_submit_that_makes_it(conn, organization) -> None:
    user = create_user(conn, organization_id=organization)
    now = conn.execute("select now() as n").fetchone()["n"]
    submit_facts(conn, user, [now - timedelta(weeks=w) for w in (1, 2, 3, 5, 6, 7)])
    submit(conn, user, "woop", marker="live")
    assert "streak_8" not in awards(conn, user)  # seven submit weeks, week -4 forgiven
    submit_facts(conn, user, [now - timedelta(weeks=8)])
    assert "streak_8" not in awards(conn, user)  # its fact was written at now, then moved
    submit(conn, user, "cash", marker="live")
    facts = awards(conn, user)["streak_8"]
    assert (facts["weeks"], len(facts["forgiven_weeks"])) == (8, 1)
    assert award_events(conn, user).count("streak_8") == 1


def test_awards_are_granted_once_under_two_concurrent_submits(
    conn, direct_database_url, organization
) -> None:
    user = create_user(conn, organization_id=organization)
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def one(slug: str) -> None:
        try:
            with connect(direct_database_url) as own:
                barrier.wait()
                submit(own, user, slug)
        except BaseException as error:  # reported below
            errors.append(error)

    threads = [threading.Thread(target=one, args=(slug,)) for slug in ("woop", "cash")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert set(awards(conn, user)) == {"first_tool", "module_finished:0"}
    assert award_events(conn, user) == ["first_tool", "module_finished:0"]


def test_the_unique_key_decides_between_two_open_transactions(
    conn, direct_database_url, organization
) -> None:
    user = create_user(conn, organization_id=organization)
    grant = "select shared.grant_award(%s, 'woop', 'first_tool', '', '{}') as new"
    with (
        connect(direct_database_url, autocommit=False) as first,
        connect(direct_database_url, autocommit=False) as second,
    ):
        assert first.execute(grant, (user,)).fetchone()["new"] is True
        answer: dict[str, Any] = {}
        waiting = threading.Thread(
            target=lambda: answer.update(second.execute(grant, (user,)).fetchone())
        )
        waiting.start()
        waiting.join(0.5)
        assert waiting.is_alive()  # the second waits on the first's key
        first.commit()
        waiting.join()
        second.commit()
    assert answer["new"] is False
    assert award_events(conn, user) == ["first_tool"]


# --- leaderboard ------------------------------------------------------------------------------


def leaderboard(conn: psycopg.Connection, organization: Any, viewer: Any) -> list[dict[str, Any]]:
    return conn.execute(
        "select e.user_id, e.takes_part, e.active_days, e.tools_submitted, e.effort, e.rank,"
        "       e.participants, e.band"
        "  from shared.organizations as o, shared.leaderboard_effort(o, %s, %s) as e"
        " where o.id = %s",
        (viewer, AS_OF, organization),
    ).fetchall()


def test_leaderboard_effort_bands_and_opt_out(conn, organization) -> None:
    first, second, idle, shy = (create_user(conn, organization_id=organization) for _ in range(4))
    for user, slugs in ((first, ("woop", "cash", "energy")), (second, ("woop",)), (shy, OPEN)):
        for slug in slugs:
            submit(conn, user, slug)
    conn.execute(
        "update shared.activity_facts as a set occurred_at = v.at::timestamptz"
        "  from (values"
        # Sunday 23:00 in New York: last week there
        "   (%(first)s::uuid, 'woop', '2026-06-08 03:00Z'),"
        "   (%(first)s::uuid, 'cash', '2026-06-09 15:00Z'),"
        # Tuesday 23:00 in New York: the same local day as cash
        "   (%(first)s::uuid, 'energy', '2026-06-10 03:00Z'),"
        "   (%(second)s::uuid, 'woop', '2026-06-10 11:00Z')) as v(user_id, tool, at)"
        " where a.user_id = v.user_id and a.tool_slug = v.tool",
        {"first": first, "second": second},
    )
    conn.execute(
        "update shared.activity_facts as a set occurred_at = %s - (f.n - 1) * interval '1 day'"
        "  from (select id, row_number() over (order by id) as n from shared.activity_facts"
        "         where user_id = %s and kind = 'submit') as f where a.id = f.id",
        (AS_OF, shy),
    )
    conn.execute(
        "insert into shared.gamification_preferences (user_id, leaderboard) values (%s, false)",
        (shy,),
    )
    seen = {row["user_id"]: row for row in leaderboard(conn, organization, first)}
    assert set(seen) == {first, second, idle}
    figures = {
        u: (r["active_days"], r["tools_submitted"], r["effort"], r["rank"], r["band"])
        for u, r in seen.items()
    }
    assert figures == {
        first: (1, 2, 3, 1, "top_10"),
        second: (1, 1, 2, 2, "top_50"),
        idle: (0, 0, 0, 3, "rest"),
    }
    # the one who opted out still sees themself, ranked among the participants
    own = {row["user_id"]: row for row in leaderboard(conn, organization, shy)}
    assert own[shy]["takes_part"] is False
    # Wednesday, Tuesday and Monday of the week (the other two submits were before it)
    assert (own[shy]["active_days"], own[shy]["tools_submitted"], own[shy]["rank"]) == (3, 3, 1)
    assert own[shy]["participants"] == 4


def test_leaderboard_readers_and_the_opt_out_over_the_api(conn, organization) -> None:
    member, other, shy = (create_user(conn, organization_id=organization) for _ in range(3))
    outsider = create_user(conn, organization_id=create_organization(conn, "Others"))
    guru, stranger_guru = create_user(conn, role="guru"), create_user(conn, role="guru")
    admin = create_user(conn, role="admin")
    conn.execute(
        "insert into shared.organization_gurus (organization_id, user_id) values (%s, %s)",
        (organization, guru),
    )
    submit(conn, shy, "woop")
    api(conn, shy, "set_gamification_preferences", p_leaderboard=False)
    for reader in (member, guru, admin):
        answer = api(conn, reader, "organization_leaderboard", p_organization_id=organization)
        assert answer["meta"]["source"] == "live"
        ids = {e["user"]["id"] for e in answer["data"]["entries"]}
        assert ids == {str(member), str(other)}
    for reader in (outsider, stranger_guru):
        with pytest.raises(psycopg.Error) as refused:
            api(conn, reader, "organization_leaderboard", p_organization_id=organization)
        assert refused.value.sqlstate == "PT404"
        assert detail_of(refused)["code"]
    mine = api(conn, shy, "gamification_me")["data"]
    assert mine["preferences"] == {"leaderboard": False}
    assert (mine["leaderboard"]["takes_part"], mine["leaderboard"]["tools_submitted"]) == (False, 1)
    assert mine["points"]["total"] == 10
    assert [a["kind"] for a in mine["awards"]] == ["first_tool", "module_finished"]
    api(conn, shy, "set_gamification_preferences", p_leaderboard=True)
    answer = api(conn, member, "organization_leaderboard", p_organization_id=organization)
    assert str(shy) in {e["user"]["id"] for e in answer["data"]["entries"]}
