"""The analytics facts: one per save, submit, unlock and start over, written by the code that
does the work (a DBA's UPDATE included), none for a write that changes nothing; migration
0016's backfill finds the same facts in what the service kept; the local-date helpers."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import psycopg

from support.person import api, busy_person, new_person
from support.program import answers_for, create_organization

MIGRATION = Path(__file__).resolve().parents[1] / "sql" / "migrations" / "0016_activity_facts.sql"


def facts(conn: psycopg.Connection, user_id) -> Counter:
    rows = conn.execute(
        "select kind, tool_slug, organization_id from shared.activity_facts where user_id = %s",
        (user_id,),
    ).fetchall()
    return Counter((r["kind"], r["tool_slug"], r["organization_id"]) for r in rows)


def test_each_write_is_one_fact_and_a_write_that_changes_nothing_none(conn):
    org = create_organization(conn, "Facts")
    person = new_person(conn, organization_id=org)
    draft = answers_for("woop", only_required=True)
    saved = api(conn, person.id, "save_draft", p_slug="woop", p_data=json.dumps(draft), p_version=0)
    same = api(
        conn, person.id, "save_draft", p_slug="woop", p_data=json.dumps(draft),
        p_version=saved["version"],
    )  # fmt: skip
    assert same["changed"] is False
    api(
        conn, person.id, "submit_tool", p_slug="woop", p_version=saved["version"],
        p_data=json.dumps(answers_for("woop")),
    )  # fmt: skip
    api(conn, person.id, "start_over", p_slug="woop")  # opens an empty draft: no save
    admin = new_person(conn, role="admin")
    api(conn, admin.id, "admin_unlock_tool", p_user_id=person.id, p_slug="program-overview")
    counted = facts(conn, person.id)
    assert counted[("save", "woop", org)] == 1
    assert counted[("submit", "woop", org)] == 1
    assert counted[("start_over", "woop", org)] == 1
    unlocked = conn.execute(
        "select count(*) as n from shared.progress_changes where user_id = %s"
        " and old_status = 'locked' and new_status = 'unlocked'",
        (person.id,),
    ).fetchone()["n"]
    assert counted[("unlock", "program-overview", org)] == 1
    assert sum(n for (k, _, _), n in counted.items() if k == "unlock") == unlocked
    assert all(o == org for (_, _, o) in counted)

    # a DBA's UPDATE is a submit like the api's
    other = new_person(conn, organization_id=None)
    api(
        conn, other.id, "save_draft", p_slug="cash", p_data=json.dumps(answers_for("cash")),
        p_version=0,
    )  # fmt: skip
    conn.execute(
        "update sprint_06_cash.submissions set status = 'submitted' where user_id = %s",
        (other.id,),
    )
    assert facts(conn, other.id)[("submit", "cash", None)] == 1


def test_the_backfill_finds_the_facts_the_functions_wrote(conn):
    org = create_organization(conn, "Backfill")
    admin = new_person(conn, role="admin")
    person = busy_person(conn, admin, org)
    live = facts(conn, person.id)
    text = MIGRATION.read_text(encoding="utf-8")
    conn.execute("delete from shared.activity_facts")
    conn.execute(text[text.index("/** Section: backfill") : text.index("/** Section: refreshing")])
    backfilled = facts(conn, person.id)
    assert {k: n for k, n in backfilled.items() if k[0] != "login"} == live
    assert backfilled[("save", "woop", org)] == 3  # before the submit, then two after start over


def test_local_dates_follow_the_organizations_time_zone(conn):
    kolkata = create_organization(conn, "Kolkata")
    conn.execute(
        'update shared.organizations set settings = \'{"time_zone": "Asia/Kolkata"}\''
        " where id = %s",
        (kolkata,),
    )
    plain = create_organization(conn, "Plain")
    at = "2026-03-01 19:00:00+00"  # 00:30 on March 2nd in Kolkata
    row = conn.execute(
        "select shared.local_date(%s, %s) as k, shared.local_date(%s, %s) as p,"
        " shared.organization_time_zone(%s::uuid) as zone, shared.local_date(null, %s) as none",
        (kolkata, at, plain, at, kolkata, at),
    ).fetchone()
    assert (str(row["k"]), str(row["p"]), row["zone"], str(row["none"])) == (
        "2026-03-02",
        "2026-03-01",
        "Asia/Kolkata",
        "2026-03-01",
    )
