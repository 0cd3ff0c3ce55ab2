"""Refreshing the analytics' materialized views: what a refresh answers and records, the
staleness it gives the answers, two refreshes at once (one runs, readers never wait), the
limit of 3 manual refreshes per hour, and the worker's daily run (once a day, one worker)."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import psycopg
import pytest

from fasttrack.analytics_schedule import DailyAnalyticsRefresh
from support import connect
from support.person import CONTEXT, api, new_person

VIEWS = {"shared.analytics_tool_times", "shared.analytics_saves_per_submit"}
# organization and program analytics (281_analytics_views.sql)
VIEWS |= {
    "shared.analytics_tool_funnels",
    "shared.analytics_program_pace",
    "shared.analytics_group_summaries",
}


def as_worker(url: str, function: str, **args: Any) -> Any:
    names = ", ".join(f"{name} => %({name})s" for name in args)
    with connect(url) as conn, conn.transaction():
        conn.execute("set local role fasttrack_worker")
        return conn.execute(f"select api.{function}({names}) as r", args).fetchone()["r"]


def refused(call) -> dict[str, Any]:
    with pytest.raises(psycopg.Error) as error:
        call()
    return {"sqlstate": error.value.sqlstate, **json.loads(error.value.diag.message_detail)}


def test_a_refresh_answers_and_records_each_view_and_the_meta_follows(conn):
    guru = new_person(conn, role="guru")
    answer = api(conn, guru.id, "refresh_analytics")
    assert answer["trigger"] == "manual"
    assert {r["view"] for r in answer["refreshed"]} == VIEWS
    rows = conn.execute(
        "select view_name, calculated_at, duration_ms, trigger from shared.analytics_refreshes"
    ).fetchall()
    recorded = {r["view_name"]: r for r in rows}
    assert set(recorded) == VIEWS and all(r["trigger"] == "manual" for r in rows)
    for view in answer["refreshed"]:
        assert recorded[view["view"]]["duration_ms"] == view["duration_ms"]
    meta = conn.execute(
        "select shared.analytics_meta(%s) as m, min(calculated_at) as oldest,"
        " min(calculated_at) + interval '1 day' as stale from shared.analytics_refreshes",
        (sorted(VIEWS),),
    ).fetchone()
    assert meta["m"]["source"] == "snapshot"
    assert datetime.fromisoformat(meta["m"]["calculated_at"]) == meta["oldest"]
    assert datetime.fromisoformat(meta["m"]["stale_after"]) == meta["stale"]


def test_only_gurus_and_admins_refresh(conn):
    user = new_person(conn)
    error = refused(lambda: api(conn, user.id, "refresh_analytics"))
    assert (error["sqlstate"], error["code"]) == ("PT403", "FORBIDDEN")
    admin = new_person(conn, role="admin")
    assert api(conn, admin.id, "refresh_analytics")["trigger"] == "manual"


def test_three_refreshes_per_hour_then_429_until_the_oldest_is_an_hour_old(conn):
    guru = new_person(conn, role="guru")
    for _ in range(3):
        api(conn, guru.id, "refresh_analytics")
    error = refused(lambda: api(conn, guru.id, "refresh_analytics"))
    assert (error["sqlstate"], error["code"], error["limit"]) == ("PT429", "RATE_LIMITED", 3)
    assert 3590 <= error["retry_after"] <= 3600
    # the oldest of the three falls out of the hour: one more is allowed, and the wait shrinks
    conn.execute(
        "update shared.analytics_refresh_requests set requested_at = now() - interval '50 minutes'"
        " where id = (select min(id) from shared.analytics_refresh_requests"
        " where requested_by = %s)",
        (guru.id,),
    )
    conn.execute(
        "update shared.analytics_refresh_requests set requested_at = now() - interval '61 minutes'"
        " where id = (select max(id) from shared.analytics_refresh_requests"
        " where requested_by = %s)",
        (guru.id,),
    )
    api(conn, guru.id, "refresh_analytics")
    error = refused(lambda: api(conn, guru.id, "refresh_analytics"))
    assert 590 <= error["retry_after"] <= 600  # the one 50 minutes old
    other = new_person(conn, role="guru")  # per caller
    assert api(conn, other.id, "refresh_analytics")["trigger"] == "manual"


def test_two_refreshes_at_once_one_runs_and_readers_never_wait(conn, direct_database_url):
    guru = new_person(conn, role="guru")
    with connect(direct_database_url) as first, connect(direct_database_url) as second:
        with first.transaction():
            first.execute("select shared.refresh_analytics('manual')")  # holds its lock
            error = refused(lambda: api(second, guru.id, "refresh_analytics"))
            assert (error["sqlstate"], error["code"]) == ("PT409", "ANALYTICS_REFRESH_RUNNING")
            second.execute("set lock_timeout = '2s'")
            for view in sorted(VIEWS):  # a reader while the refresh is not committed yet
                second.execute(f"select count(*) from {view}").fetchone()
        # the refused attempt was not counted against the limit
        counted = conn.execute(
            "select count(*) as n from shared.analytics_refresh_requests where requested_by = %s",
            (guru.id,),
        ).fetchone()["n"]
        assert counted == 0
        assert api(second, guru.id, "refresh_analytics")["trigger"] == "manual"


def due_now(conn) -> str:
    return conn.execute(
        "select to_char((now() at time zone 'UTC')::time - interval '1 second', 'HH24:MI:SS') as t"
    ).fetchone()["t"]


def not_due_yet(conn) -> str:
    return conn.execute(
        "select case when (now() at time zone 'UTC')::time > time '23:58' then '23:59:59.999'"
        " else to_char((now() at time zone 'UTC')::time + interval '1 minute', 'HH24:MI:SS')"
        " end as t"
    ).fetchone()["t"]


def test_the_daily_run_once_a_day_by_one_worker(conn, direct_database_url):
    url = direct_database_url
    assert as_worker(url, "worker_refresh_analytics", p_refresh_at=not_due_yet(conn)) == {
        "status": "not_due"
    }
    at = due_now(conn)
    with connect(url) as first, first.transaction():
        first.execute("set local role fasttrack_worker")
        taken = first.execute("select api.worker_refresh_analytics(%s) as r", (at,))
        taken = taken.fetchone()["r"]
        assert taken["status"] == "refreshed" and taken["trigger"] == "schedule"
        # a second worker meanwhile neither waits nor refreshes
        assert as_worker(url, "worker_refresh_analytics", p_refresh_at=at)["status"] == "done_today"
    assert as_worker(url, "worker_refresh_analytics", p_refresh_at=at)["status"] == "done_today"
    triggers = conn.execute("select distinct trigger from shared.analytics_refreshes").fetchall()
    assert [t["trigger"] for t in triggers] == ["schedule"]
    day = conn.execute(
        "select last_period from shared.scheduled_runs where name = 'analytics_refresh'"
    )
    assert day.fetchone()["last_period"] == taken["day"]


def test_the_workers_hook_asks_at_most_once_a_minute(conn, direct_database_url):
    asked: list[dict] = []

    def call(function: str, **args: Any) -> Any:
        asked.append(as_worker(direct_database_url, function, **args))
        return asked[-1]

    schedule = DailyAnalyticsRefresh(due_now(conn))
    assert schedule.run_if_due(call)["status"] == "refreshed"
    assert schedule.run_if_due(call) is None and len(asked) == 1
    assert 55 < schedule.due_in() <= 60


def test_manual_refreshes_are_in_the_persons_export(conn):
    guru = new_person(conn, role="guru", organization_id=None)
    api(conn, guru.id, "refresh_analytics")
    exported = conn.execute("select shared.person_data_export(%s) as e", (guru.id,)).fetchone()
    assert len(exported["e"]["files"]["activity.json"]["analytics_refreshes"]) == 1
    assert CONTEXT["limits"].get("analytics_refresh") is None  # the default of 3 applied above
