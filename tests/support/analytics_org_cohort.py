"""A cohort for organization and program analytics, built through the real save and submit
functions, then put at fixed moments (relative to now) in one statement per table.

Three organizations, 17 business leaders (days are before now; "joined" is users.created_at,
one hour more than the whole days, so days since joining are whole and stable):

    org A (8, joined 30 days ago)   woop            know-thyself
        a1                          saved 29, done 27   saved 26, done 22
        a2                          28 -> 25            saved 20 (in progress: stalled)
        a3                          29 -> 28            saved 3
        a4                          27 -> 23            10 -> 5
        a5                          25 -> 20
        a6                          12 -> 6
        a7                          saved 2
        a8                          (nothing)
    org B (4, joined 30 days ago)
        b1                          29 -> 28            27 -> 26
        b2                          20 -> 19
        b3                          saved 15 (in progress: stalled)
        b4                          (nothing)
    org C (5, joined 60 days ago)
        c1, c2                      52 -> 50            25 -> 20
        c3, c4, c5                  52 -> 50

The expected figures are worked out in tests/test_organization_analytics.py beside each check.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import psycopg
from psycopg.types.json import Jsonb

from support.program import answers_for, call, create_organization, create_user

# (member, tool, saved days ago, submitted days ago or None)
HISTORY = [
    ("a1", "woop", 29, 27), ("a1", "know-thyself", 26, 22),
    ("a2", "woop", 28, 25), ("a2", "know-thyself", 20, None),
    ("a3", "woop", 29, 28), ("a3", "know-thyself", 3, None),
    ("a4", "woop", 27, 23), ("a4", "know-thyself", 10, 5),
    ("a5", "woop", 25, 20),
    ("a6", "woop", 12, 6),
    ("a7", "woop", 2, None),
    ("b1", "woop", 29, 28), ("b1", "know-thyself", 27, 26),
    ("b2", "woop", 20, 19),
    ("b3", "woop", 15, None),
    ("c1", "woop", 52, 50), ("c1", "know-thyself", 25, 20),
    ("c2", "woop", 52, 50), ("c2", "know-thyself", 25, 20),
    ("c3", "woop", 52, 50),
    ("c4", "woop", 52, 50),
    ("c5", "woop", 52, 50),
]  # fmt: skip
ORGANIZATIONS = {"A": (8, 30), "B": (4, 30), "C": (5, 60)}  # members, joined days ago


@dataclass
class Cohort:
    organizations: dict[str, str] = field(default_factory=dict)  # "A" -> id
    members: dict[str, str] = field(default_factory=dict)  # "a1" -> user id


def build_cohort(conn: psycopg.Connection) -> Cohort:
    cohort = Cohort()
    for name, (size, _) in ORGANIZATIONS.items():
        cohort.organizations[name] = str(create_organization(conn, f"Org {name}"))
        for number in range(1, size + 1):
            member = f"{name.lower()}{number}"
            cohort.members[member] = str(
                create_user(conn, organization_id=cohort.organizations[name])
            )
    for member, slug, _, submitted in HISTORY:
        user_id = cohort.members[member]
        call(conn, "save_draft", slug, user_id, Jsonb(answers_for(slug)))
        if submitted is not None:
            call(conn, "submit_tool", slug, user_id)
    place_in_time(conn, cohort)
    return cohort


def place_in_time(conn: psycopg.Connection, cohort: Cohort) -> None:
    """Joining days, first saves, submits and saved versions at their fixed moments."""
    joined = [
        (cohort.members[m], ORGANIZATIONS[m[0].upper()][1]) for m in cohort.members
    ]  # fmt: skip
    conn.execute(
        "update shared.users as u"
        "   set created_at = now() - make_interval(days => j.days, hours => 1)"
        " from unnest(%s::uuid[], %s::integer[]) as j (id, days) where u.id = j.id",
        ([j[0] for j in joined], [j[1] for j in joined]),
    )
    conn.execute(
        "update shared.user_progress as p set unlocked_at = u.created_at"
        " from shared.users as u where u.id = p.user_id and u.id = any (%s::uuid[])"
        "   and p.unlocked_at is not null",
        (list(cohort.members.values()),),
    )
    ids = [cohort.members[m] for m, *_ in HISTORY]
    conn.execute(
        "update shared.user_progress as p"
        "   set started_at = now() - make_interval(days => h.saved),"
        "       completed_at = now() - make_interval(days => h.submitted)"
        "  from unnest(%s::uuid[], %s::text[], %s::integer[], %s::integer[])"
        "       as h (user_id, tool_slug, saved, submitted)"
        " where p.user_id = h.user_id and p.tool_slug = h.tool_slug",
        (
            ids,
            [h[1] for h in HISTORY],
            [h[2] for h in HISTORY],
            [h[3] for h in HISTORY],
        ),
    )
    # the facts at the same moments: saves at the first save, submits at the submit
    conn.execute(
        "update shared.activity_facts as f"
        "   set occurred_at = case f.kind when 'submit' then p.completed_at else p.started_at end"
        "  from shared.user_progress as p"
        " where p.user_id = f.user_id and p.tool_slug = f.tool_slug"
        "   and f.kind in ('save', 'submit') and f.user_id = any (%s::uuid[])",
        (list(cohort.members.values()),),
    )
    # every saved version at the tool's first save: the last save is the progress row's
    conn.execute(
        "update shared.submission_versions as v"
        "   set replaced_at = p.started_at, saved_at = p.started_at"
        "  from shared.user_progress as p"
        " where p.user_id = v.user_id and p.tool_slug = v.tool_slug"
        "   and v.user_id = any (%s::uuid[])",
        (list(cohort.members.values()),),
    )
