"""Who may do what, over HTTP: the documented policy as one table, then the admin rules that
need more than a status code (audit, organization lock, guru assignments, pagination), and the
database role the service runs as."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

import psycopg
import pytest
from live_http import count_rows, data_of, error_of

from support.program import answers_for, create_organization, create_user, expected_open_tools

API_ROLE = "fasttrack_api"

# Who calls. The member (organization A) owns the resources the table's paths name; the other
# user belongs to organization B; guru A is assigned to A, guru B to B. Admin goes last, so its
# successful changes cannot alter what the others see.
ACTORS = ("anonymous", "member", "other_user", "guru_a", "guru_b", "admin")

# A tool every new user may work on (no required dependency), and one that starts locked.
OPEN_TOOL = "cash"
LOCKED_TOOL = "dream"


@dataclass
class Cast:
    tokens: dict[str, str | None]
    ids: dict[str, str]  # actors' user ids, organizations, the member's submission, unknowns


@pytest.fixture
def cast(live_server, conn) -> Cast:
    assert OPEN_TOOL in expected_open_tools(set())
    assert LOCKED_TOOL not in expected_open_tools(set())
    org_a = create_organization(conn, "Acme")
    org_b = create_organization(conn, "Globex")
    setup = {
        "member": ("user", org_a, None),
        "other_user": ("user", org_b, None),
        "guru_a": ("guru", None, org_a),
        "guru_b": ("guru", None, org_b),
        "admin": ("admin", None, None),
    }
    tokens: dict[str, str | None] = {"anonymous": None}
    ids: dict[str, str] = {"org_a": str(org_a), "org_b": str(org_b)}
    for actor, (role, organization, follows) in setup.items():
        login = live_server.sso_login(f"lw-{actor}", f"{actor}@example.com", actor.title())
        user_id = login.user["id"]
        conn.execute(
            "update shared.users set role = %s, organization_id = %s where id = %s",
            (role, organization, user_id),
        )
        if follows:
            conn.execute(
                "insert into shared.organization_gurus (organization_id, user_id) values (%s, %s)",
                (follows, user_id),
            )
        tokens[actor] = login.access_token
        ids[actor] = user_id
        # Everyone has their own woop draft, so "own" endpoints have something to act on.
        saved = data_of(
            live_server.request(
                "POST",
                "/api/tools/woop/data",
                token=login.access_token,
                json={"data": {"wish": f"{actor}'s wish"}, "version": 0},
            )
        )
        ids[f"{actor}_submission"] = saved["submission_id"]
    ids["unknown_user"] = str(uuid.uuid4())
    ids["unknown_org"] = str(uuid.uuid4())
    ids["unknown_event"] = str(uuid.uuid4())
    return Cast(tokens=tokens, ids=ids)


@dataclass(frozen=True)
class Rule:
    method: str
    path: str  # {member}, {org_a}, ... are filled from the cast
    expected: dict[str, int]
    body: dict[str, Any] | None = None

    def __str__(self) -> str:
        return f"{self.method} {self.path}"


def _everyone(status: int) -> dict[str, int]:
    """Every authenticated actor gets `status`; no token is 401."""
    return {actor: (401 if actor == "anonymous" else status) for actor in ACTORS}


def _only(allowed: dict[str, int], otherwise: int) -> dict[str, int]:
    return {**_everyone(otherwise), **allowed}


OWN = _everyone(200)  # each caller acts on their own data
SELF_GURU_ADMIN = _only({"member": 200, "guru_a": 200, "admin": 200}, otherwise=404)
NOBODY_SEES = _everyone(404)  # an unknown id: the same answer as "not yours"
ADMIN_ONLY = _only({"admin": 200}, otherwise=403)
ADMIN_CREATES = _only({"admin": 201}, otherwise=403)
ADMIN_BUT_UNKNOWN = _only({"admin": 404}, otherwise=403)  # 403 before any lookup
TEAM = _only({"member": 200, "guru_a": 200, "admin": 200}, otherwise=404)  # org A's shared pages
COACH = _only({"guru_a": 200, "admin": 200}, otherwise=404)  # org A's guru and admins

POLICY = [
    # The caller's own tools: any role, own data only.
    Rule("GET", "/api/tools", OWN),
    Rule("GET", "/api/tools/woop", OWN),
    Rule("GET", "/api/tools/woop/schema", OWN),  # the same schema for every signed-in caller
    Rule("GET", "/api/tools/woop/data", OWN),
    Rule("POST", f"/api/tools/{OPEN_TOOL}/data", OWN, {"data": {"note": "mine"}, "version": 0}),
    Rule(
        "POST",
        f"/api/tools/{OPEN_TOOL}/submit",
        OWN,
        {"version": 0, "data": answers_for(OPEN_TOOL)},
    ),
    Rule("GET", "/api/tools/woop/dependencies", OWN),
    Rule("GET", "/api/tools/woop/versions", OWN),
    Rule("POST", "/api/tools/woop/start-over", OWN),
    Rule("GET", "/api/progress", OWN),
    # The AI assistant: any signed-in caller, about their own work. This server has no
    # N8N_WEBHOOK_URL, so everyone reaches the same 503 (tests/http/test_assist.py asks n8n).
    Rule("POST", "/api/tools/woop/assist", _everyone(503), {"question": "Why a wish?"}),
    Rule("GET", "/api/auth/me", OWN),
    # Restoring names a submission: only its owner's own tool has it.
    Rule(
        "POST",
        "/api/tools/woop/versions/{member_submission}/1/restore",
        _only({"member": 200}, otherwise=404),
        {"version": 1},
    ),
    Rule(
        "GET",
        "/api/tools/woop/versions/{member_submission}/1",
        _only({"member": 200}, otherwise=404),
    ),
    # Other people's work: themself, the guru of their organization, admins; others 404.
    Rule("GET", "/api/users/{member}/progress", SELF_GURU_ADMIN),
    Rule("GET", "/api/users/{member}/tools/woop/data", SELF_GURU_ADMIN),
    Rule(
        "GET",
        "/api/users/{other_user}/progress",
        _only({"other_user": 200, "guru_b": 200, "admin": 200}, otherwise=404),
    ),
    Rule("GET", "/api/users/{unknown_user}/progress", NOBODY_SEES),
    Rule("GET", "/api/users/{unknown_user}/tools/woop/data", NOBODY_SEES),
    # Exports read the same data (JSON here; tests/http/test_exports.py checks the PDFs).
    Rule("GET", "/api/tools/woop/export", OWN),
    Rule("GET", "/api/users/{member}/tools/woop/export", SELF_GURU_ADMIN),
    Rule("GET", "/api/users/{unknown_user}/tools/woop/export", NOBODY_SEES),
    Rule("GET", "/api/organizations/{org_a}/progress", _only({"guru_a": 200, "admin": 200}, 404)),
    Rule("GET", "/api/organizations/{unknown_org}/progress", NOBODY_SEES),
    # Running the program: admins only, refused before anything is looked up.
    Rule("POST", f"/api/admin/users/{{member}}/tools/{LOCKED_TOOL}/unlock", ADMIN_ONLY),
    Rule(
        "POST", f"/api/admin/users/{{unknown_user}}/tools/{LOCKED_TOOL}/unlock", ADMIN_BUT_UNKNOWN
    ),
    Rule("POST", f"/api/admin/users/{{member}}/tools/{OPEN_TOOL}/lock", ADMIN_ONLY),
    Rule("POST", f"/api/admin/users/{{unknown_user}}/tools/{OPEN_TOOL}/lock", ADMIN_BUT_UNKNOWN),
    Rule("PUT", "/api/admin/users/{member}/role", ADMIN_ONLY, {"role": "guru"}),
    Rule("PUT", "/api/admin/users/{unknown_user}/role", ADMIN_BUT_UNKNOWN, {"role": "guru"}),
    Rule("GET", "/api/admin/organizations", ADMIN_ONLY),
    Rule("POST", "/api/admin/organizations", ADMIN_CREATES, {"name": "Initech", "slug": "initech"}),
    Rule("PATCH", "/api/admin/organizations/{org_a}", ADMIN_ONLY, {"name": "Acme Renamed"}),
    Rule("PATCH", "/api/admin/organizations/{unknown_org}", ADMIN_BUT_UNKNOWN, {"name": "X"}),
    Rule("GET", "/api/admin/users", ADMIN_ONLY),
    Rule(
        "PUT", "/api/admin/users/{member}/organization", ADMIN_ONLY, {"organization_id": "{org_b}"}
    ),
    Rule(
        "PUT",
        "/api/admin/users/{unknown_user}/organization",
        ADMIN_BUT_UNKNOWN,
        {"organization_id": "{org_b}"},
    ),
    Rule("PUT", "/api/admin/organizations/{org_a}/gurus/{guru_b}", ADMIN_ONLY),
    Rule("PUT", "/api/admin/organizations/{unknown_org}/gurus/{guru_b}", ADMIN_BUT_UNKNOWN),
    Rule("DELETE", "/api/admin/organizations/{org_a}/gurus/{guru_a}", ADMIN_ONLY),
    Rule("GET", "/api/admin/audit", ADMIN_ONLY),
    Rule("GET", "/api/admin/ai-requests", ADMIN_ONLY),
    Rule("GET", "/api/admin/events", ADMIN_ONLY),
    Rule("GET", "/api/admin/events?status=dead", ADMIN_ONLY),
    Rule("POST", "/api/admin/events/{unknown_event}/retry", ADMIN_BUT_UNKNOWN),
    # A person's data: their own archive; anyone's for admins, and only admins erase.
    Rule("GET", "/api/me/data-export", OWN),
    Rule("GET", "/api/admin/users/{member}/data-export", ADMIN_ONLY),
    Rule("GET", "/api/admin/users/{unknown_user}/data-export", ADMIN_BUT_UNKNOWN),
    Rule("DELETE", "/api/admin/users/{member}", ADMIN_ONLY),
    Rule("DELETE", "/api/admin/users/{unknown_user}", ADMIN_BUT_UNKNOWN),
    # Coaching: the team's shared pages for its members, its guru and admins; the coach's
    # pages and changes for its guru and admins; organization groups for admins.
    Rule("GET", "/api/organizations", OWN),
    Rule("GET", "/api/organizations/{org_a}/dashboard", _only({"guru_a": 200, "admin": 200}, 404)),
    Rule("GET", "/api/organizations/{org_a}/tools/woop/team", COACH),
    Rule("GET", "/api/organizations/{org_a}/schedule", TEAM),
    Rule(
        "PUT",
        "/api/organizations/{org_a}/tools/woop/schedule",
        COACH,
        {"meeting_at": "2030-01-01T10:00"},
    ),
    Rule("POST", "/api/organizations/{org_a}/tools/woop/nudge", COACH),
    Rule("GET", "/api/organizations/{org_a}/tools/woop/meeting", TEAM),
    Rule(
        "PUT", "/api/organizations/{org_a}/tools/woop/meeting", COACH, {"notes": {}, "version": 0}
    ),
    Rule("GET", "/api/organizations/{org_a}/tools/woop/meeting/history", TEAM),
    Rule("GET", "/api/organizations/{org_a}/tools/woop/decision", TEAM),
    Rule("GET", "/api/organizations/{org_a}/tools/woop/decision/history", TEAM),
    Rule(
        "PUT",
        "/api/organizations/{org_a}/tools/woop/decision",
        COACH,
        {"data": answers_for("woop"), "version": 0},
    ),
    Rule(
        "POST",
        "/api/organizations/{org_a}/tools/woop/action-items",
        _only({"guru_a": 201, "admin": 201}, 404),
        {"task": "Call the bank", "owner_id": "{member}", "due": "2030-01-01"},
    ),
    Rule("PATCH", "/api/action-items/{unknown_event}", NOBODY_SEES, {"status": "done"}),
    Rule("GET", "/api/organizations/{org_a}/action-items", TEAM),
    Rule("GET", "/api/me/action-items", OWN),
    Rule("GET", "/api/admin/groups", ADMIN_ONLY),
    Rule("POST", "/api/admin/groups", ADMIN_CREATES, {"name": "Cohort"}),
    Rule("PATCH", "/api/admin/groups/{unknown_org}", ADMIN_BUT_UNKNOWN, {"name": "X"}),
    Rule("DELETE", "/api/admin/groups/{unknown_org}", ADMIN_BUT_UNKNOWN),
    Rule("PUT", "/api/admin/organizations/{org_a}/group", ADMIN_ONLY, {"group_id": None}),
    Rule("PUT", "/api/admin/groups/{unknown_org}/gurus/{guru_b}", ADMIN_BUT_UNKNOWN),
    Rule("DELETE", "/api/admin/groups/{unknown_org}/gurus/{guru_b}", ADMIN_BUT_UNKNOWN),
    # The team's meeting document and the organization's archive: the coach's, like the team
    # view. The archive is built by the worker (202 and a job; this server runs none).
    Rule("GET", "/api/organizations/{org_a}/tools/woop/team/export?format=json", COACH),
    Rule("GET", "/api/organizations/{org_a}/export", _only({"guru_a": 202, "admin": 202}, 404)),
    Rule("GET", "/api/organizations/{unknown_org}/export", NOBODY_SEES),
    # Background export jobs belong to whoever asked for them.
    Rule("GET", "/api/exports/{unknown_event}", NOBODY_SEES),
    Rule("GET", "/api/exports/{unknown_event}/file", NOBODY_SEES),
    # Analytics: one's own; a user's for their guru and admins; an organization's for its guru
    # and admins; the program's and the refresh for staff only.
    Rule("GET", "/api/analytics/me", OWN),
    Rule("GET", "/api/analytics/me/export", OWN),
    Rule("GET", "/api/analytics/users/{member}", SELF_GURU_ADMIN),
    Rule("GET", "/api/analytics/users/{unknown_user}", NOBODY_SEES),
    Rule("GET", "/api/analytics/organizations/{org_a}", COACH),
    Rule("GET", "/api/analytics/organizations/{org_a}/export", COACH),
    Rule("GET", "/api/analytics/organizations/{unknown_org}", NOBODY_SEES),
    Rule("GET", "/api/analytics/program", ADMIN_ONLY),
    Rule(
        "POST",
        "/api/analytics/refresh",
        _only({"guru_a": 200, "guru_b": 200, "admin": 200}, otherwise=403),
    ),
    # Gamification: one's own figures and preferences; an organization's leaderboard for its
    # members, its guru and admins.
    Rule("GET", "/api/gamification/me", OWN),
    Rule("PUT", "/api/gamification/me/preferences", OWN, {"leaderboard": False}),
    Rule("GET", "/api/gamification/leaderboard?organization_id={org_a}", TEAM),
    Rule("GET", "/api/gamification/leaderboard?organization_id={unknown_org}", NOBODY_SEES),
]


def _fill(value: Any, ids: dict[str, str]) -> Any:
    if isinstance(value, str):
        return value.format(**ids)
    if isinstance(value, dict):
        return {key: _fill(item, ids) for key, item in value.items()}
    return value


@pytest.mark.parametrize("rule", POLICY, ids=str)
def test_the_authorization_policy(live_server, cast, rule):
    outcomes: dict[str, int] = {}
    for actor in ACTORS:
        response = live_server.request(
            rule.method,
            _fill(rule.path, cast.ids),
            token=cast.tokens[actor],
            json=_fill(rule.body, cast.ids),
        )
        outcomes[actor] = response.status_code
        if response.status_code < 400:
            if response.headers["Content-Type"].startswith("application/json"):  # not a zip
                data_of(response, response.status_code)
        else:
            error = error_of(response)
            if response.status_code == 403:
                assert error["code"] == "FORBIDDEN", (actor, error)

    assert outcomes == rule.expected


def test_the_policy_covers_every_api_route(live_server):
    """A route added without a row in POLICY fails here."""
    covered = {(rule.method, _route_shape(rule.path)) for rule in POLICY}
    routes = set()
    for route in live_server.app.url_map.iter_rules():
        if not route.rule.startswith("/api/") or route.rule.startswith(
            ("/api/auth/sso", "/api/auth/refresh", "/api/auth/logout", "/api/webhooks/")
        ):
            continue  # sign-in and webhooks have no caller; test_auth covers them
        if route.rule == "/api/openapi.json":
            continue  # public description of the API
        for method in route.methods - {"HEAD", "OPTIONS"}:
            routes.add((method, _route_shape(route.rule)))

    assert ("GET", "/api/tools") in routes and len(routes) >= len(POLICY) // 2
    assert routes - covered == set()


def _route_shape(path: str) -> str:
    """A path with every variable part as "*", for werkzeug rules and POLICY paths alike."""
    parts = []
    for part in path.split("?")[0].split("/"):
        variable = part.startswith(("<", "{")) or part in ("woop", OPEN_TOOL, LOCKED_TOOL, "1")
        parts.append("*" if variable else part)
    return "/".join(parts)


# --- what gurus and admins read ---------------------------------------------------------------


def test_a_guru_reads_the_members_answers_not_their_own(live_server, cast):
    path = "/api/users/{member}/tools/woop/data".format(**cast.ids)

    seen = data_of(live_server.request("GET", path, token=cast.tokens["guru_a"]))

    assert seen["data"] == {"wish": "member's wish"}
    assert seen["submission_id"] == cast.ids["member_submission"]
    progress = data_of(
        live_server.request(
            "GET", "/api/users/{member}/progress".format(**cast.ids), token=cast.tokens["guru_a"]
        )
    )
    assert progress["user"]["id"] == cast.ids["member"]
    assert progress["user"]["organization_id"] == cast.ids["org_a"]
    assert {t["slug"]: t["status"] for t in progress["tools"]}["woop"] == "in_progress"


def test_organization_progress_lists_exactly_its_members(live_server, cast, conn):
    path = "/api/organizations/{org_a}/progress".format(**cast.ids)

    report = data_of(live_server.request("GET", path, token=cast.tokens["guru_a"]))

    assert report["organization"]["id"] == cast.ids["org_a"]
    members = conn.execute(
        "select id::text from shared.users where organization_id = %s", (cast.ids["org_a"],)
    ).fetchall()
    assert sorted(m["user"]["id"] for m in report["members"]) == sorted(r["id"] for r in members)
    assert [m["user"]["id"] for m in report["members"]] == [cast.ids["member"]]


def test_guru_assignment_and_unassignment_change_what_the_guru_can_read(live_server, cast):
    admin, guru = cast.tokens["admin"], cast.tokens["guru_b"]
    member_progress = "/api/users/{member}/progress".format(**cast.ids)
    org_progress = "/api/organizations/{org_a}/progress".format(**cast.ids)
    assignment = "/api/admin/organizations/{org_a}/gurus/{guru_b}".format(**cast.ids)

    def can_read() -> tuple[int, int]:
        return (
            live_server.request("GET", member_progress, token=guru).status_code,
            live_server.request("GET", org_progress, token=guru).status_code,
        )

    assert can_read() == (404, 404)
    assigned = data_of(live_server.request("PUT", assignment, token=admin))
    assert (assigned["organization_id"], assigned["user_id"]) == (
        cast.ids["org_a"],
        cast.ids["guru_b"],
    )
    assert can_read() == (200, 200)
    unassigned = data_of(live_server.request("DELETE", assignment, token=admin))
    assert unassigned["unassigned"] is True
    assert can_read() == (404, 404)


def test_assigning_someone_who_is_not_a_guru_is_422(live_server, cast, conn):
    path = "/api/admin/organizations/{org_a}/gurus/{other_user}".format(**cast.ids)

    response = live_server.request("PUT", path, token=cast.tokens["admin"])

    assert response.status_code == 422
    assert error_of(response)["code"] == "NOT_A_GURU"
    assert (
        count_rows(conn, "shared.organization_gurus", "user_id = %s", cast.ids["other_user"]) == 0
    )


def test_a_guru_demoted_to_user_loses_access_at_once(live_server, cast):
    path = "/api/users/{member}/progress".format(**cast.ids)
    guru = cast.tokens["guru_a"]
    assert live_server.request("GET", path, token=guru).status_code == 200

    data_of(
        live_server.request(
            "PUT",
            "/api/admin/users/{guru_a}/role".format(**cast.ids),
            token=cast.tokens["admin"],
            json={"role": "user"},
        )
    )

    assert live_server.request("GET", path, token=guru).status_code == 404


def test_a_role_change_takes_effect_with_the_token_already_issued(live_server, cast):
    token = cast.tokens["member"]
    assert live_server.request("GET", "/api/admin/users", token=token).status_code == 403

    data_of(
        live_server.request(
            "PUT",
            "/api/admin/users/{member}/role".format(**cast.ids),
            token=cast.tokens["admin"],
            json={"role": "admin"},
        )
    )

    assert live_server.request("GET", "/api/admin/users", token=token).status_code == 200


def test_an_admin_cannot_remove_their_own_admin_role(live_server, cast, conn):
    response = live_server.request(
        "PUT",
        "/api/admin/users/{admin}/role".format(**cast.ids),
        token=cast.tokens["admin"],
        json={"role": "user"},
    )

    assert response.status_code == 409
    assert error_of(response)["code"] == "CANNOT_DEMOTE_SELF"
    role = conn.execute("select role from shared.users where id = %s", (cast.ids["admin"],))
    assert role.fetchone()["role"] == "admin"


# --- the audit trail --------------------------------------------------------------------------


@dataclass(frozen=True)
class Change:
    name: str
    method: str
    path: str
    body: dict[str, Any] | None
    target: str  # what the audit row's target_id names (filled from the cast)
    before: dict[str, Any] | None  # expected subset of the audit row's `before` (None: null)
    after: dict[str, Any] | None

    def __str__(self) -> str:
        return self.name


ADMIN_CHANGES = [
    Change(
        "set role",
        "PUT",
        "/api/admin/users/{member}/role",
        {"role": "guru"},
        "{member}",
        {"role": "user"},
        {"role": "guru"},
    ),
    Change(
        "set organization",
        "PUT",
        "/api/admin/users/{member}/organization",
        {"organization_id": "{org_b}"},
        "{member}",
        {"organization_id": "{org_a}"},
        {"organization_id": "{org_b}"},
    ),
    Change(
        "update organization",
        "PATCH",
        "/api/admin/organizations/{org_a}",
        {"name": "Acme Renamed"},
        "{org_a}",
        {"name": "Acme"},
        {"name": "Acme Renamed"},
    ),
    Change(
        "assign guru",
        "PUT",
        "/api/admin/organizations/{org_a}/gurus/{guru_b}",
        None,
        "{org_a}",
        None,
        {"user_id": "{guru_b}"},
    ),
    Change(
        "unassign guru",
        "DELETE",
        "/api/admin/organizations/{org_a}/gurus/{guru_a}",
        None,
        "{org_a}",
        {"user_id": "{guru_a}"},
        None,
    ),
    Change(
        "unlock tool",
        "POST",
        f"/api/admin/users/{{member}}/tools/{LOCKED_TOOL}/unlock",
        None,
        "{member}",
        {"status": "locked"},
        {"status": "unlocked"},
    ),
    Change(
        "lock tool",
        "POST",
        f"/api/admin/users/{{member}}/tools/{OPEN_TOOL}/lock",
        {"reason": "Not this cohort"},
        "{member}",
        {"status": "unlocked"},
        {"status": "locked"},
    ),
]


@pytest.mark.parametrize("change", ADMIN_CHANGES, ids=str)
def test_every_admin_change_is_audited_with_who_what_before_and_after(
    live_server, cast, conn, change
):
    before_count = count_rows(conn, "shared.admin_audit")

    response = live_server.request(
        change.method,
        _fill(change.path, cast.ids),
        token=cast.tokens["admin"],
        json=_fill(change.body, cast.ids),
    )

    data_of(response)
    rows = conn.execute(
        "select actor_id::text, action, target_type, target_id, before, after, at"
        " from shared.admin_audit order by id"
    ).fetchall()
    assert len(rows) == before_count + 1
    row = rows[-1]
    assert row["actor_id"] == cast.ids["admin"]
    assert row["action"]
    assert row["target_type"]
    assert _fill(change.target, cast.ids) in row["target_id"]
    assert row["at"] is not None
    for side in ("before", "after"):
        expected = _fill(getattr(change, side), cast.ids)
        if expected is None:
            assert row[side] is None, (side, row[side])
        else:
            assert {key: row[side].get(key) for key in expected} == expected, (side, row[side])
    listed = data_of(live_server.request("GET", "/api/admin/audit", token=cast.tokens["admin"]))
    assert listed[0]["target_id"] == row["target_id"]
    assert listed[0]["actor_id"] == cast.ids["admin"]
    assert [entry["id"] for entry in listed] == sorted((e["id"] for e in listed), reverse=True)


def test_creating_an_organization_is_audited_and_answers_201(live_server, cast, conn):
    response = live_server.request(
        "POST",
        "/api/admin/organizations",
        token=cast.tokens["admin"],
        json={"name": "Initech", "slug": "initech", "settings": {"cohort": 3}},
    )

    created = data_of(response, 201)
    assert (created["name"], created["slug"], created["settings"]) == (
        "Initech",
        "initech",
        {"cohort": 3},
    )
    row = conn.execute(
        "select actor_id::text, before, after from shared.admin_audit where target_id = %s",
        (created["id"],),
    ).fetchone()
    assert row["actor_id"] == cast.ids["admin"]
    assert row["before"] is None
    assert row["after"]["slug"] == "initech"


def test_refused_admin_calls_change_nothing_and_write_no_audit(live_server, cast, conn):
    before = count_rows(conn, "shared.admin_audit")
    for actor in ("member", "guru_a"):
        for method, path, body in [
            ("PUT", "/api/admin/users/{member}/role", {"role": "admin"}),
            ("POST", "/api/admin/organizations", {"name": "Evil", "slug": "evil"}),
            ("PUT", "/api/admin/organizations/{org_b}/gurus/{guru_a}", None),
        ]:
            response = live_server.request(
                method, _fill(path, cast.ids), token=cast.tokens[actor], json=_fill(body, cast.ids)
            )
            assert response.status_code == 403

    assert count_rows(conn, "shared.admin_audit") == before
    assert count_rows(conn, "shared.organizations", "slug = 'evil'") == 0
    assert count_rows(conn, "shared.users", "role = 'admin'") == 1


# --- organizations and work -------------------------------------------------------------------


def _organization_of_work(conn, user_id: str) -> str | None:
    row = conn.execute(
        "select organization_id::text from sprint_00_woop.submissions where user_id = %s",
        (user_id,),
    ).fetchone()
    return row["organization_id"]


def test_moving_a_user_keeps_their_started_work_in_the_old_organization(live_server, cast, conn):
    member = cast.ids["member"]
    assert _organization_of_work(conn, member) == cast.ids["org_a"]

    moved = data_of(
        live_server.request(
            "PUT",
            f"/api/admin/users/{member}/organization",
            token=cast.tokens["admin"],
            json={"organization_id": cast.ids["org_b"]},
        )
    )

    assert moved["user"]["organization_id"] == cast.ids["org_b"]
    assert moved["submissions_moved"] == 0
    assert _organization_of_work(conn, member) == cast.ids["org_a"]
    work = data_of(live_server.request("GET", "/api/tools/woop/data", token=cast.tokens["member"]))
    assert work["organization_id"] == cast.ids["org_a"]


def test_moving_a_user_with_move_work_moves_their_submissions(live_server, cast, conn):
    member = cast.ids["member"]

    moved = data_of(
        live_server.request(
            "PUT",
            f"/api/admin/users/{member}/organization",
            token=cast.tokens["admin"],
            json={"organization_id": cast.ids["org_b"], "move_work": True},
        )
    )

    assert moved["submissions_moved"] == 1
    assert _organization_of_work(conn, member) == cast.ids["org_b"]


def test_move_work_moves_submissions_archived_by_a_start_over_too(live_server, cast, conn):
    member = cast.ids["member"]
    data_of(live_server.request("POST", "/api/tools/woop/start-over", token=cast.tokens["member"]))

    moved = data_of(
        live_server.request(
            "PUT",
            f"/api/admin/users/{member}/organization",
            token=cast.tokens["admin"],
            json={"organization_id": cast.ids["org_b"], "move_work": True},
        )
    )

    assert moved["submissions_moved"] == 2  # the archived one and the new empty draft
    organizations = conn.execute(
        "select organization_id::text as organization_id, archived_at is not null as archived"
        " from sprint_00_woop.submissions where user_id = %s",
        (member,),
    ).fetchall()
    assert sorted(r["archived"] for r in organizations) == [False, True]
    assert {r["organization_id"] for r in organizations} == {cast.ids["org_b"]}


# --- listing users ----------------------------------------------------------------------------


def test_cursor_pagination_returns_every_user_exactly_once_in_email_order(live_server, cast, conn):
    for _ in range(7):
        create_user(conn)
    expected = [
        row["id"] for row in conn.execute("select id::text from shared.users order by email")
    ]
    admin = live_server.client(cast.tokens["admin"])

    seen: list[str] = []
    pages = 0
    cursor = None
    while True:
        params = {"limit": 3, **({"cursor": cursor} if cursor else {})}
        page = data_of(admin.get("/api/admin/users", params=params))
        assert len(page["users"]) <= 3
        seen += [user["id"] for user in page["users"]]
        pages += 1
        cursor = page["next_cursor"]
        if cursor is None:
            break
        assert pages <= len(expected), "pagination does not end"

    assert seen == expected
    assert len(set(seen)) == len(seen)
    assert pages >= len(expected) // 3


def test_listing_users_filters_by_organization_and_by_search(live_server, cast, conn):
    admin = live_server.client(cast.tokens["admin"])

    in_a = data_of(admin.get("/api/admin/users", params={"organization_id": cast.ids["org_a"]}))
    found = data_of(admin.get("/api/admin/users", params={"search": "GURU"}))

    assert [u["id"] for u in in_a["users"]] == [cast.ids["member"]]
    assert sorted(u["id"] for u in found["users"]) == sorted(
        [cast.ids["guru_a"], cast.ids["guru_b"]]
    )


def test_search_is_a_literal_text_not_a_pattern(live_server, cast):
    admin = live_server.client(cast.tokens["admin"])

    found = data_of(admin.get("/api/admin/users", params={"search": "_"}))

    with_underscore = {cast.ids[a] for a in ("other_user", "guru_a", "guru_b")}
    assert {u["id"] for u in found["users"]} == with_underscore


@pytest.mark.parametrize("limit", ["0", "201", "ten"])
def test_an_out_of_range_page_size_is_a_4xx(live_server, cast, limit):
    response = live_server.request(
        "GET", "/api/admin/users", token=cast.tokens["admin"], params={"limit": limit}
    )

    assert 400 <= response.status_code < 500
    error_of(response)


# --- the database role ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "statement",
    [
        "select * from shared.users",
        "insert into shared.users (lms_user_id, email, full_name) values ('x', 'x@x', 'X')",
        "update shared.user_progress set status = 'completed'",
        "delete from shared.refresh_tokens",
        "select * from sprint_00_woop.submissions",
        "select * from shared.admin_audit",
    ],
)
def test_the_service_role_cannot_touch_a_table_directly(database_url, statement):
    with psycopg.connect(database_url) as connection:
        connection.execute(f"set role {API_ROLE}")
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            connection.execute(statement)


def test_the_service_role_can_call_api_functions(database_url):
    """Control for the test above: the role exists and reaches the api (which wants a caller)."""
    with psycopg.connect(database_url) as connection:
        connection.execute(f"set role {API_ROLE}")
        with pytest.raises(psycopg.Error) as excinfo:
            connection.execute("select api.list_tools()")
    assert excinfo.value.sqlstate == "PT401"


def test_the_service_role_cannot_call_internal_functions(database_url):
    with psycopg.connect(database_url) as connection:
        connection.execute(f"set role {API_ROLE}")
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            connection.execute("select shared.progress_summary_for(gen_random_uuid())")


def test_an_unlock_and_a_relock_keep_the_reason_and_the_audit_list_names_the_actor(
    live_server, cast, conn
):
    admin = cast.tokens["admin"]
    base = f"/api/admin/users/{cast.ids['member']}/tools/{LOCKED_TOOL}"

    unlocked = data_of(
        live_server.request(
            "POST", f"{base}/unlock", token=admin, json={"reason": "  Joined late  "}
        )
    )
    assert unlocked["status"] == "unlocked"
    locked = data_of(live_server.request("POST", f"{base}/lock", token=admin))  # no body
    assert locked["status"] == "locked"
    again = data_of(live_server.request("POST", f"{base}/lock", token=admin, json={}))
    assert again["status"] == "locked"  # already locked: nothing changes, nothing audited

    entries = data_of(live_server.request("GET", "/api/admin/audit?limit=2", token=admin))
    assert [(e["action"], e["reason"], e["after"]["status"]) for e in entries] == [
        ("lock_tool", None, "locked"),
        ("unlock_tool", "Joined late", "unlocked"),
    ]
    admin_email = conn.execute(
        "select email from shared.users where id = %s", (cast.ids["admin"],)
    ).fetchone()["email"]
    assert {e["actor_email"] for e in entries} == {admin_email}

    too_long = live_server.request(
        "POST", f"{base}/unlock", token=admin, json={"reason": "x" * 501}
    )
    assert (too_long.status_code, error_of(too_long)["code"]) == (422, "INVALID_REASON")
    unknown = live_server.request("POST", f"{base}/unlock", token=admin, json={"why": "typo"})
    assert unknown.status_code == 400 and error_of(unknown)["details"]["field"] == "why"


def test_completed_work_cannot_be_locked_again(live_server, cast):
    member, admin = cast.tokens["member"], cast.tokens["admin"]
    current = data_of(live_server.request("GET", "/api/tools/woop/data", token=member))
    submitted = live_server.request(
        "POST",
        "/api/tools/woop/submit",
        token=member,
        json={"version": current["version"], "data": answers_for("woop")},
    )
    assert data_of(submitted)["status"] == "submitted"

    response = live_server.request(
        "POST", f"/api/admin/users/{cast.ids['member']}/tools/woop/lock", token=admin
    )

    assert response.status_code == 409
    assert error_of(response)["code"] == "INVALID_STATUS_TRANSITION"
