"""Per-user analytics on a cohort with known histories (tests/support/analytics_cohort.py): every
definition of the README's "Analytics" section with its exact expected figure, time zones at
the edge of a day, k-anonymity of the percentiles, who may see whom, and the meta."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import psycopg
import pytest

from support import connect
from support.analytics_cohort import Cohort, build_cohort
from support.person import CONTEXT


@pytest.fixture(scope="module")
def cohort_db(migrated_url_factory) -> Iterator[tuple[psycopg.Connection, Cohort]]:
    """One cohort for the module: the tests only read it."""
    with connect(migrated_url_factory()) as conn:
        yield conn, build_cohort(conn)


def analytics(conn, caller: Any, user: Any = None, context: dict | None = None) -> dict:
    """api.my_analytics (or api.user_analytics) as the service calls it."""
    with conn.transaction():
        conn.execute(
            "select set_config('request.jwt.claims', %s, true),"
            " set_config('request.context', %s, true)",
            (json.dumps({"sub": str(caller)}), json.dumps(context or CONTEXT)),
        )
        conn.execute("set local role fasttrack_api")
        if user is None:
            return conn.execute("select api.my_analytics() as a").fetchone()["a"]
        return conn.execute("select api.user_analytics(%s) as a", (user,)).fetchone()["a"]


def today(conn, zone: str) -> date:
    return conn.execute("select (now() at time zone %s)::date as d", (zone,)).fetchone()["d"]


def of(cohort_db, name: str, context: dict | None = None) -> dict:
    conn, cohort = cohort_db
    return analytics(conn, cohort.id(name), context=context)["data"]


def factors(figures: dict) -> dict[str, tuple[float, float]]:
    return {
        f["factor"]: (f["value"], f["points"], f["weight"])
        for f in figures["dropoff_risk"]["factors"]
    }


def test_a_steady_user_across_the_local_midnight(cohort_db):
    conn, _ = cohort_db
    a = of(cohort_db, "steady")
    t = today(conn, "America/Phoenix")
    assert a["time_zone"] == "America/Phoenix" and a["today"] == t.isoformat()
    activity = a["activity"]
    # woop saved at 23:50 local yesterday (06:50 UTC today): one local day ago, not zero
    assert activity["days_since_last_activity"] == 1
    assert activity["active_days"] == 7 and activity["active_days_last_4_weeks"] == 5
    assert (activity["saves"], activity["submits"]) == (4, 3)
    assert a["engagement_status"] == "active"
    # last 4 weeks: cash and energy over weeks 0, 1, 2; before: know-thyself in week 4
    assert (activity["tools_submitted_last_4_weeks"], activity["active_weeks_last_4_weeks"]) == (
        2,
        3,
    )
    assert (
        activity["tools_submitted_4_weeks_before"],
        activity["active_weeks_4_weeks_before"],
    ) == (1, 1)
    assert a["velocity"] == {
        "tools_per_active_week": 0.67,
        "tools_per_active_week_4_weeks_before": 1.0,
        "trend": "down",
    }
    times = {t["tool"]: (t["days"], t["active_days"]) for t in a["time_per_tool"]}
    # cash: saved 23:30 local, submitted 06:00 local the next day: 2 local days (1 in UTC)
    assert times == {"know-thyself": (1.5, 2), "cash": (0.27, 2), "energy": (7.0, 2)}
    struggle = a["struggle"]
    assert struggle["saves_per_submit"] == 1.33
    # program: five peers and "slowing" at 1.0, "steady" at 4/3: p85 = 1 + 0.1 * 1/3
    assert struggle["program_p85_saves_per_submit"] == 1.033
    assert struggle["above_p85_saves_per_submit"] is True
    assert struggle["current_tool"] == "woop"
    # one user submitted woop
    assert struggle["current_tool_p85_days"] == {"too_few": True, "text": "too few to show"}
    assert struggle["above_p85_time"] is None and struggle["struggling"] is True
    forecast = a["forecast"]
    assert (forecast["tools_completed"], forecast["tools_remaining"]) == (3, 28)
    assert forecast["pace_tools_per_week"] == 0.5
    assert forecast["forecast_finish_date"] == (t + timedelta(days=392)).isoformat()
    assert forecast["schedule"] is None  # phoenix has no meetings scheduled
    assert factors(a) == {
        "inactivity": (0.07, 2.9, 40),
        "velocity_down": (1, 20, 20),
        "struggling": (1, 20, 20),
        "behind_schedule": (0, 0, 20),
    }
    assert a["dropoff_risk"]["score"] == 43


def test_a_slowing_user_in_a_zone_ahead_of_utc_behind_the_schedule(cohort_db):
    conn, _ = cohort_db
    a = of(cohort_db, "slowing")
    t = today(conn, "Asia/Kolkata")
    assert a["activity"]["days_since_last_activity"] == 11
    assert a["engagement_status"] == "slowing"
    assert a["velocity"] == {
        "tools_per_active_week": 1.0,
        "tools_per_active_week_4_weeks_before": None,
        "trend": "up",
    }
    # saved 00:30 local (19:00 UTC the day before), submitted 12:00 local the next day
    assert a["time_per_tool"][0]["tool"] == "woop"
    assert (a["time_per_tool"][0]["days"], a["time_per_tool"][0]["active_days"]) == (1.48, 2)
    assert a["struggle"]["saves_per_submit"] == 1.0
    assert a["struggle"]["above_p85_saves_per_submit"] is False
    assert a["struggle"]["current_tool"] is None and a["struggle"]["struggling"] is False
    forecast = a["forecast"]
    assert forecast["pace_tools_per_week"] == 0.25
    assert forecast["forecast_finish_date"] == (t + timedelta(days=840)).isoformat()
    assert forecast["schedule"] == {
        "scheduled_finish_date": (t + timedelta(days=10)).isoformat(),
        "days_behind": 830,
        "on_schedule": False,
        "overdue_tools": 0,  # woop's meeting passed, and woop is submitted
    }
    assert factors(a) == {
        "inactivity": (0.79, 31.4, 40),
        "velocity_down": (0, 0, 20),
        "struggling": (0, 0, 20),
        "behind_schedule": (1, 20, 20),
    }
    assert a["dropoff_risk"]["score"] == 51


@pytest.mark.parametrize(
    ("name", "status", "score"),
    [("newcomer", "active", 29), ("unstarted", "not_started", 60), ("gone", "inactive", 60)],
)
def test_engagement_of_users_without_recent_work(cohort_db, name, status, score):
    a = of(cohort_db, name)
    assert a["engagement_status"] == status
    assert a["dropoff_risk"]["score"] == score
    assert a["forecast"]["forecast_finish_date"] is None  # no pace
    assert a["forecast"]["schedule"]["overdue_tools"] == 1  # woop's meeting passed


def test_time_on_the_current_tool_above_its_85th_percentile(cohort_db):
    conn, _ = cohort_db
    a = of(cohort_db, "stuck")
    struggle = a["struggle"]
    # five peers took 1, 2, 3, 4 and 5 days over meeting-rhythm: p85 = 4 + 0.4
    assert struggle["current_tool"] == "meeting-rhythm"
    assert struggle["current_tool_p85_days"] == 4.4
    started = conn.execute(
        "select extract(epoch from now() - ((now() at time zone 'UTC')::date - 6 + time '09:00')"
        " at time zone 'UTC') / 86400.0 as d"
    ).fetchone()["d"]
    assert abs(struggle["days_on_current_tool"] - float(started)) < 0.011
    assert struggle["above_p85_time"] is True and struggle["struggling"] is True
    assert a["velocity"]["tools_per_active_week"] == 0 and a["velocity"]["trend"] == "steady"
    assert factors(a)["inactivity"] == (0.36, 14.3, 40)
    assert a["dropoff_risk"]["score"] == 54
    # with a larger minimum group, five users are too few: the percentile is hidden
    hidden = of(cohort_db, "stuck", {**CONTEXT, "analytics_min_group": 6})["struggle"]
    assert hidden["current_tool_p85_days"] == {"too_few": True, "text": "too few to show"}
    assert hidden["above_p85_time"] is None and hidden["struggling"] is False


def test_who_may_see_a_users_analytics(cohort_db):
    conn, cohort = cohort_db
    stuck, steady = cohort.id("stuck"), cohort.id("steady")
    assert analytics(conn, cohort.guru, stuck)["data"]["user_id"] == str(stuck)  # plain's guru
    assert analytics(conn, cohort.admin, steady)["data"]["user_id"] == str(steady)
    assert analytics(conn, steady, steady)["data"]["user_id"] == str(steady)
    for caller, user in ((cohort.guru, steady), (steady, stuck), (steady, cohort.admin)):
        with pytest.raises(psycopg.Error) as refused:
            analytics(conn, caller, user)
        assert refused.value.sqlstate == "PT404"
        assert json.loads(refused.value.diag.message_detail)["code"] == "USER_NOT_FOUND"


def test_the_meta_says_live_and_when_the_percentiles_were_calculated(cohort_db):
    conn, cohort = cohort_db
    meta = analytics(conn, cohort.id("steady"))["meta"]
    assert meta["source"] == "live" and meta["stale_after"] == meta["calculated_at"]
    assert abs(datetime.fromisoformat(meta["calculated_at"]) - datetime.now(UTC)) < timedelta(
        minutes=1
    )
    refreshed = conn.execute(
        "select min(calculated_at) as at from shared.analytics_refreshes"
        " where view_name like 'shared.analytics_%%'"
    ).fetchone()["at"]
    percentiles = meta["percentiles"]
    assert percentiles["source"] == "snapshot"
    assert datetime.fromisoformat(percentiles["calculated_at"]) == refreshed
    stale = conn.execute("select %s::timestamptz + interval '1 day' as s", (refreshed,))
    assert datetime.fromisoformat(percentiles["stale_after"]) == stale.fetchone()["s"]


def test_the_views_hold_what_the_facts_say(cohort_db):
    conn, _ = cohort_db
    row = conn.execute(
        "select users, p85_days, median_days from shared.analytics_tool_times"
        " where tool_slug = 'meeting-rhythm'"
    ).fetchone()
    assert (row["users"], row["p85_days"], row["median_days"]) == (5, Decimal("4.400"), 3)
