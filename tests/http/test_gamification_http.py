"""Gamification over HTTP: a user's own figures with their freshness, an organization's
leaderboard for its members, gurus and admins only (anyone else: 404 as for an unknown one), and
the opt-out, which leaves a user out of everyone else's leaderboard but not their own figures."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from live_http import data_of, error_of

from support.program import answers_for


@pytest.fixture
def people(live_server, conn) -> dict[str, Any]:
    """Organization A with two members and its guru; an outsider in B; an admin (tokens, ids)."""
    ids: dict[str, Any] = {}
    for name in ("a", "b"):
        ids[f"org_{name}"] = str(
            conn.execute(
                "insert into shared.organizations (name, slug) values (%s, %s) returning id",
                (f"Org {name}", f"org-{name}-{uuid.uuid4().hex[:6]}"),
            ).fetchone()["id"]
        )
    tokens: dict[str, str] = {}
    for name, role, organization in (
        ("keen", "user", "org_a"),
        ("shy", "user", "org_a"),
        ("outsider", "user", "org_b"),
        ("guru", "guru", None),
        ("admin", "admin", None),
    ):
        done = live_server.sso_login(f"lw-{name}-{uuid.uuid4().hex[:6]}", None, name.title())
        conn.execute(
            "update shared.users set role = %s, organization_id = %s where id = %s",
            (role, ids.get(organization), done.user["id"]),
        )
        tokens[name], ids[name] = done.access_token, done.user["id"]
    conn.execute(
        "insert into shared.organization_gurus (organization_id, user_id) values (%s, %s)",
        (ids["org_a"], ids["guru"]),
    )
    return {"tokens": tokens, "ids": ids}


def get(live_server, people, who: str, path: str):
    return live_server.request("GET", path, token=people["tokens"][who])


def test_own_figures_the_leaderboard_and_the_opt_out(live_server, people) -> None:
    tokens, ids = people["tokens"], people["ids"]
    for who, slugs in (("keen", ("woop", "cash")), ("shy", ("woop",))):
        for slug in slugs:
            data_of(
                live_server.request(
                    "POST",
                    f"/api/tools/{slug}/submit",
                    token=tokens[who],
                    json={"version": 0, "data": answers_for(slug)},
                )
            )
    me = get(live_server, people, "keen", "/api/gamification/me")
    body = me.json()
    assert body["meta"]["source"] == "live"
    assert body["meta"]["calculated_at"] and body["meta"]["stale_after"]
    assert body["data"]["points"]["total"] == 20
    assert {a["kind"] for a in body["data"]["awards"]} == {"first_tool", "module_finished"}
    assert (body["data"]["leaderboard"]["rank"], body["data"]["leaderboard"]["effort"]) == (1, 3)

    board = "/api/gamification/leaderboard?organization_id=" + ids["org_a"]
    for reader in ("keen", "guru", "admin"):
        entries = data_of(get(live_server, people, reader, board))["entries"]
        assert [(e["user"]["id"], e["rank"]) for e in entries] == [
            (ids["keen"], 1),
            (ids["shy"], 2),
        ]
    own = data_of(get(live_server, people, "shy", "/api/gamification/leaderboard"))
    assert own["organization"]["id"] == ids["org_a"] and own["me"]["rank"] == 2
    for reader in ("outsider",):
        refused = get(live_server, people, reader, board)
        assert refused.status_code == 404 and error_of(refused)["code"] == "ORGANIZATION_NOT_FOUND"
    unknown = get(
        live_server,
        people,
        "admin",
        f"/api/gamification/leaderboard?organization_id={uuid.uuid4()}",
    )
    assert unknown.status_code == 404
    assert get(live_server, people, "admin", "/api/gamification/leaderboard").status_code == 404

    path = "/api/gamification/me/preferences"
    put = data_of(
        live_server.request("PUT", path, token=tokens["shy"], json={"leaderboard": False})
    )
    assert put["leaderboard"] is False
    entries = data_of(get(live_server, people, "keen", board))["entries"]
    assert [e["user"]["id"] for e in entries] == [ids["keen"]]
    mine = data_of(get(live_server, people, "shy", "/api/gamification/me"))
    assert mine["preferences"] == {"leaderboard": False}
    assert (mine["leaderboard"]["takes_part"], mine["leaderboard"]["rank"]) == (False, 2)


@pytest.mark.parametrize(
    "body", [{}, {"leaderboard": "no"}, {"leaderboard": None}, {"leaderboard": True, "x": 1}]
)
def test_a_bad_preferences_body_is_a_400_that_changes_nothing(live_server, people, conn, body):
    answer = live_server.request(
        "PUT", "/api/gamification/me/preferences", token=people["tokens"]["shy"], json=body
    )
    assert answer.status_code == 400 and error_of(answer)["code"]
    assert (
        conn.execute("select count(*) as n from shared.gamification_preferences").fetchone()["n"]
        == 0
    )


def test_gamification_needs_a_signed_in_caller(live_server) -> None:
    assert live_server.request("GET", "/api/gamification/me").status_code == 401
