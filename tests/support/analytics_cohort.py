"""A cohort with known histories for the analytics tests, built through the real functions.

Three organizations: `phoenix` (America/Phoenix, UTC-7 all year), `kolkata` (Asia/Kolkata,
UTC+5:30 all year; a meeting schedule) and `plain` (no time zone setting: UTC; a meeting
schedule). Zones without daylight saving keep every duration exact whatever the test's date.

Each user's history is a list of steps (kind, tool, day, time): `day` counts local dates back
from the organization's today (3: three days ago), `time` is the local time of day. The cohort
is built with api.save_draft / api.submit_tool / api.start_over in that order, then ONE
statement puts every fact at its planned moment (and the users' joining days), so each figure
has an exact expected value. Unlock facts take the user's joining moment (no figure reads them).
Finally the materialized views are refreshed (shared.refresh_analytics).

Users (the expected figures are in tests/test_analytics_user.py):
  steady     phoenix   know-thyself 30d..29d, cash across local midnight, energy 10d..3d,
                       woop saved 1d ago at 23:50 local (07:50 UTC today)
  slowing    kolkata   woop saved 12d ago at 00:30 local (the day before in UTC), submitted 11d
  newcomer   plain     joined 3 days ago, nothing saved
  unstarted  plain     joined 20 days ago, nothing saved
  stuck      plain     meeting-rhythm saved 6d and 5d ago, never submitted
  gone       plain     woop saved 20 days ago only
  peer1..5   plain     meeting-rhythm saved 40 days ago at 08:00, submitted i days later
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass, field
from typing import Any

import psycopg

from support.person import api
from support.program import answers_for

ORGANIZATIONS = {
    "phoenix": {"time_zone": "America/Phoenix"},
    "kolkata": {"time_zone": "Asia/Kolkata"},
    "plain": {},
}
# (organization, tool, days from today, local time): meetings as the coaching schedule keeps them
MEETINGS = [
    ("kolkata", "woop", -15, "10:00"),
    ("kolkata", "cash", 10, "10:00"),
    ("plain", "woop", -5, "10:00"),
    ("plain", "know-thyself", 30, "10:00"),
]

ZONE_OF_O = "shared.organization_time_zone(o.id)"
Step = tuple[str, str, int, str]  # kind (save | submit | start_over), tool, days ago, local time


@dataclass
class Member:
    name: str
    organization: str
    joined_days_ago: int
    steps: list[Step]
    id: Any = None


def _peer(n: int) -> Member:
    return Member(
        f"peer{n}",
        "plain",
        60,
        [("save", "meeting-rhythm", 40, "08:00"), ("submit", "meeting-rhythm", 40 - n, "08:00")],
    )


MEMBERS = [
    Member(
        "steady",
        "phoenix",
        60,
        [
            ("save", "know-thyself", 30, "10:00"),
            ("submit", "know-thyself", 29, "22:00"),
            ("save", "cash", 20, "23:30"),
            ("submit", "cash", 19, "06:00"),
            ("save", "energy", 10, "09:00"),
            ("submit", "energy", 3, "09:00"),
            ("save", "woop", 1, "23:50"),
        ],
    ),
    Member(
        "slowing",
        "kolkata",
        40,
        [("save", "woop", 12, "00:30"), ("submit", "woop", 11, "12:00")],
    ),
    Member("newcomer", "plain", 3, []),
    Member("unstarted", "plain", 20, []),
    Member(
        "stuck",
        "plain",
        30,
        [("save", "meeting-rhythm", 6, "09:00"), ("save", "meeting-rhythm", 5, "09:00")],
    ),
    Member("gone", "plain", 60, [("save", "woop", 20, "10:00")]),
    *(_peer(n) for n in range(1, 6)),
]


@dataclass
class Cohort:
    organizations: dict[str, Any] = field(default_factory=dict)  # name -> id
    members: dict[str, Member] = field(default_factory=dict)
    admin: Any = None
    guru: Any = None  # coaches `plain` only

    def id(self, name: str) -> Any:
        return self.members[name].id


def _moment(zone_of: str, days_ago: int, at: str) -> str:
    """SQL for the moment `at` local time, `days_ago` local dates before today, in a zone."""
    local_day = f"(now() at time zone {zone_of})::date - {int(days_ago)}"
    return f"(({local_day}) + time '{at}') at time zone {zone_of}"


def build_cohort(conn: psycopg.Connection) -> Cohort:
    cohort = Cohort()
    tag = secrets.token_hex(4)
    for name, settings in ORGANIZATIONS.items():
        cohort.organizations[name] = conn.execute(
            "insert into shared.organizations (name, slug, settings) values (%s, %s, %s)"
            " returning id",
            (f"Cohort {name}", f"cohort-{name}-{tag}", json.dumps(settings)),
        ).fetchone()["id"]
    people = [(m.name, "user", cohort.organizations[m.organization]) for m in MEMBERS]
    people += [("admin", "admin", None), ("guru", "guru", None)]
    ids = {}
    for name, role, organization in people:
        ids[name] = conn.execute(
            "insert into shared.users (lms_user_id, email, full_name, organization_id, role)"
            " values (%s, %s, %s, %s, %s) returning id",
            (f"lw-{name}-{tag}", f"{name}-{tag}@example.com", name.title(), organization, role),
        ).fetchone()["id"]
    cohort.admin, cohort.guru = ids["admin"], ids["guru"]
    conn.execute(
        "insert into shared.organization_gurus (organization_id, user_id) values (%s, %s)",
        (cohort.organizations["plain"], cohort.guru),
    )
    for member in MEMBERS:
        member.id = ids[member.name]
        cohort.members[member.name] = member
        _play(conn, member)
    _place_in_time(conn, cohort)
    conn.execute("select shared.refresh_analytics('manual')")
    return cohort


def _play(conn: psycopg.Connection, member: Member) -> None:
    versions: dict[str, int] = {}
    for kind, slug, days_ago, at in member.steps:
        if kind == "save":
            data = answers_for(slug, only_required=True, marker=f"{member.name} {days_ago} {at}")
            saved = api(
                conn, member.id, "save_draft", p_slug=slug, p_data=json.dumps(data),
                p_version=versions.get(slug, 0),
            )  # fmt: skip
            versions[slug] = saved["version"]
        elif kind == "submit":
            api(
                conn, member.id, "submit_tool", p_slug=slug, p_version=versions.get(slug, 0),
                p_data=json.dumps(answers_for(slug, marker=member.name)),
            )  # fmt: skip
        else:
            versions[slug] = api(conn, member.id, "start_over", p_slug=slug)["version"]


def _place_in_time(conn: psycopg.Connection, cohort: Cohort) -> None:
    """One statement: every save/submit/start-over fact at its planned moment, in the order the
    functions wrote them; unlock facts and the users' joining at their joining moment."""
    users, ordinals, days, times, joined = [], [], [], [], []
    for member in MEMBERS:
        joined.append((member.id, member.joined_days_ago))
        for n, (_kind, _slug, days_ago, at) in enumerate(member.steps, start=1):
            users.append(member.id)
            ordinals.append(n)
            days.append(days_ago)
            times.append(at)
    zone = "shared.organization_time_zone(u.organization_id)"
    conn.execute(
        f"""
        with planned as (
            select * from unnest(%(users)s::uuid[], %(ordinals)s::int[], %(days)s::int[],
                                 %(times)s::time[]) as p(user_id, n, days_ago, at)
        ), joined as (
            select * from unnest(%(joined_users)s::uuid[], %(joined_days)s::int[])
                       as j(user_id, days_ago)
        ), joined_users as (
            update shared.users as u
               set created_at = {_moment(zone, 0, "12:00")} - make_interval(days => j.days_ago)
              from joined as j where u.id = j.user_id
            returning u.id, u.created_at
        ), numbered as (
            select f.id, f.user_id, row_number() over (partition by f.user_id order by f.id) as n
              from shared.activity_facts as f
             where f.kind in ('save', 'submit', 'start_over')
               and f.user_id = any (%(joined_users)s::uuid[])
        )
        update shared.activity_facts as f
           set occurred_at = coalesce(
                   (select ((now() at time zone {zone})::date - p.days_ago + p.at)
                           at time zone {zone}
                      from numbered as x join planned as p on p.user_id = x.user_id and p.n = x.n
                      join shared.users as u on u.id = x.user_id
                     where x.id = f.id),
                   (select j.created_at from joined_users as j where j.id = f.user_id))
         where f.user_id = any (%(joined_users)s::uuid[])
        """,
        {
            "users": users, "ordinals": ordinals, "days": days, "times": times,
            "joined_users": [j[0] for j in joined], "joined_days": [j[1] for j in joined],
        },
    )  # fmt: skip
    for organization, slug, days_from_now, at in MEETINGS:
        conn.execute(
            f"""insert into shared.meeting_schedules (organization_id, tool_slug, meeting_at)
                select o.id, %s, {_moment(ZONE_OF_O, -days_from_now, at)}
                  from shared.organizations as o where o.id = %s""",
            (slug, cohort.organizations[organization]),
        )
