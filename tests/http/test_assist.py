"""The AI assistant over real HTTP, with a real stand-in for n8n on 127.0.0.1 (agent_stub.py):
what the agent is sent, the limits per role, every way n8n can fail, the circuit breaker, and
the request log admins read. Nothing is patched: the service's own HTTP client talks to the stub.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from agent_stub import ANSWER, AgentStub, closed_port_url
from live_http import count_rows, data_of, error_of
from openapi_schema_validator import OAS31Validator
from psycopg.conninfo import make_conninfo

from fasttrack import create_app
from fasttrack.settings import Settings, SettingsError
from fasttrack.web.openapi import document
from support.program import answers_for, tool

# The document an app serves: generated from its routes when the app is created.
DOCUMENT = document(create_app(Settings(env="test", jwt_secret_key="d" * 32)))

TIMEOUT = "0.5"  # N8N_TIMEOUT_SECONDS for every server here; slow stubs take longer than this
QUESTION = "How do I make my company dream concrete?"


@pytest.fixture
def agent() -> Iterator[AgentStub]:
    stub = AgentStub()
    yield stub
    stub.close()


@pytest.fixture
def assistant(live_server_factory, agent) -> Callable[..., Any]:
    """Start a service whose N8N_WEBHOOK_URL is the stub, with settings changed by keyword."""

    def start(**overrides: str):
        env = {"N8N_WEBHOOK_URL": agent.url, "N8N_TIMEOUT_SECONDS": TIMEOUT, **overrides}
        return live_server_factory(**env)

    return start


def login(server, conn, role: str = "user") -> tuple[str, str]:
    """A signed-in user of that role: (access token, user id)."""
    signed_in = server.sso_login()
    user_id = signed_in.user["id"]
    if role != "user":
        conn.execute("update shared.users set role = %s where id = %s", (role, user_id))
    return signed_in.access_token, user_id


def ask(server, token: str, slug: str = "woop", question: str = QUESTION):
    return server.request(
        "POST", f"/api/tools/{slug}/assist", token=token, json={"question": question}
    )


def recorded(conn, user_id: str) -> list[dict[str, Any]]:
    return conn.execute(
        "select id::text, tool_slug, outcome, latency_ms, answer, question_chars"
        " from shared.ai_requests where user_id = %s order by requested_at",
        (user_id,),
    ).fetchall()


def matches_document(response, path: str, method: str = "post") -> None:
    """The answer has the schema the OpenAPI document gives for its route and status."""
    documented = DOCUMENT["paths"][path][method]["responses"][str(response.status_code)]
    if "$ref" in documented:
        documented = DOCUMENT["components"]["responses"][documented["$ref"].rsplit("/", 1)[1]]
    schema = documented["content"]["application/json"]["schema"]
    validator = OAS31Validator({**schema, "components": DOCUMENT["components"]})
    errors = [e.message for e in validator.iter_errors(response.json())]
    assert not errors, (path, response.status_code, errors[:3])


# --- what the agent receives ------------------------------------------------------------------


def test_the_agent_receives_the_question_the_users_data_and_resolved_dependency_values(
    assistant, agent, conn
):
    server = assistant()
    token, user_id = login(server, conn)
    api = server.client(token)
    answers = answers_for("know-thyself")
    answers["identity"].update(
        personal_dream="A company that runs without me", purpose="Grow by craft"
    )
    data_of(api.post("/api/tools/know-thyself/submit", json={"version": 0, "data": answers}))
    draft = {"company_dream": "Best bakery in town", "timeline": "5 years"}
    data_of(api.post("/api/tools/dream/data", json={"data": draft, "version": 0}))

    response = ask(server, token, "dream")

    answered = data_of(response)
    assert answered["answer"] == ANSWER
    [sent] = agent.received
    assert sent.headers["Content-Type"] == "application/json"
    assert sent.json == {
        "user_id": user_id,
        "tool": {"slug": "dream", "name": tool("dream")["name"], "sprint_number": 2},
        "question": QUESTION,
        "context": {
            "data": draft,
            "dependencies": {
                "founder_vision": "A company that runs without me",
                "company_purpose_foundation": "Grow by craft",
            },
        },
    }
    # The same values the user's page reads from the dependencies endpoint.
    resolved = data_of(api.get("/api/tools/dream/dependencies"))
    assert sent.json["context"]["dependencies"] == resolved["values"]
    assert sent.headers["X-Request-ID"] == response.headers["X-Request-ID"]
    [row] = recorded(conn, user_id)
    assert row["id"] == answered["request_id"]
    assert (row["tool_slug"], row["outcome"]) == ("dream", "ok")
    assert row["question_chars"] == len(QUESTION)
    assert 0 <= row["latency_ms"] < 5000
    assert row["answer"] is None  # AI_STORE_ANSWERS is off by default
    matches_document(response, "/api/tools/{slug}/assist")


def test_the_agent_sees_only_the_callers_own_work(assistant, agent, conn):
    server = assistant()
    token_a, _ = login(server, conn)
    token_b, user_b = login(server, conn)
    private = {"data": {"wish": "A's private wish"}, "version": 0}
    data_of(server.client(token_a).post("/api/tools/woop/data", json=private))

    data_of(ask(server, token_b, "woop"))

    assert agent.received[0].json["user_id"] == user_b
    assert agent.received[0].json["context"] == {"data": {}, "dependencies": {}}


def test_answers_are_kept_only_when_ai_store_answers_is_on(assistant, conn):
    server = assistant(AI_STORE_ANSWERS="true")
    token, user_id = login(server, conn)

    data_of(ask(server, token))

    assert [row["answer"] for row in recorded(conn, user_id)] == [ANSWER]


def test_the_call_to_n8n_holds_no_transaction(assistant, agent, conn):
    """While the agent thinks, the request is already committed and no session of the service
    sits in a transaction (the reason assist is two api calls)."""
    server = assistant(N8N_TIMEOUT_SECONDS="10")
    token, user_id = login(server, conn)
    agent.mode = "hold"
    outcome: dict[str, Any] = {}
    worker = threading.Thread(target=lambda: outcome.update(response=ask(server, token)))
    worker.start()
    try:
        assert agent.arrived.wait(timeout=10)
        assert [row["outcome"] for row in recorded(conn, user_id)] == ["pending"]
        in_transaction = conn.execute(
            "select count(*) as n from pg_stat_activity"
            " where datname = current_database() and pid <> pg_backend_pid()"
            " and state like 'idle in transaction%%'"
        ).fetchone()["n"]
        assert in_transaction == 0
    finally:
        agent.release()
        worker.join(timeout=20)

    assert data_of(outcome["response"])["answer"] == ANSWER
    assert [row["outcome"] for row in recorded(conn, user_id)] == ["ok"]


# --- the question ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"question": ""}, 422, "INVALID_QUESTION"),
        ({"question": "   "}, 422, "INVALID_QUESTION"),
        ({"question": "x" * 2001}, 422, "INVALID_QUESTION"),
        ({}, 400, "INVALID_BODY"),
        ({"question": 42}, 400, "INVALID_BODY"),
        ({"question": "Why?", "model": "gpt"}, 400, "INVALID_BODY"),
    ],
    ids=["empty", "blank", "too long", "missing", "not a string", "unknown field"],
)
def test_a_bad_question_is_refused_before_n8n_and_not_counted(
    assistant, agent, conn, body, status, code
):
    server = assistant()
    token, user_id = login(server, conn)

    response = server.request("POST", "/api/tools/woop/assist", token=token, json=body)

    assert response.status_code == status
    assert error_of(response)["code"] == code
    assert agent.count() == 0
    assert recorded(conn, user_id) == []


def test_a_question_of_2000_characters_is_accepted(assistant, agent, conn):
    server = assistant()
    token, _ = login(server, conn)

    data_of(ask(server, token, question="x" * 2000))

    assert agent.received[0].json["question"] == "x" * 2000


def test_an_unknown_tool_is_404_and_never_reaches_n8n(assistant, agent, conn):
    server = assistant()
    token, _ = login(server, conn)

    for slug in ("no-such-tool", "Not_A_Slug"):
        response = ask(server, token, slug)
        assert response.status_code == 404
        assert error_of(response)["code"] == "TOOL_NOT_FOUND"
    assert agent.count() == 0


def test_without_a_token_it_is_401(assistant, agent):
    server = assistant()

    response = server.request("POST", "/api/tools/woop/assist", json={"question": QUESTION})

    assert response.status_code == 401
    assert agent.count() == 0


# --- limits per role ---------------------------------------------------------------------------


@pytest.mark.parametrize(("role", "allowed"), [("user", 2), ("guru", 4), ("admin", 4)])
def test_each_role_has_its_hourly_number_of_questions(assistant, agent, conn, role, allowed):
    server = assistant(AI_LIMIT_USER="2", AI_LIMIT_STAFF="4")
    token, user_id = login(server, conn, role)

    for _ in range(allowed):
        data_of(ask(server, token))
    refused = ask(server, token)

    assert refused.status_code == 429
    error = error_of(refused)
    assert (error["code"], error["details"]["limit"]) == ("RATE_LIMITED", allowed)
    assert 3500 < int(refused.headers["Retry-After"]) <= 3600  # the oldest is an hour old then
    assert agent.count() == allowed  # the refused question never reached n8n
    assert len(recorded(conn, user_id)) == allowed
    matches_document(refused, "/api/tools/{slug}/assist")


def test_the_limit_is_per_user(assistant, agent, conn):
    server = assistant(AI_LIMIT_USER="1")
    first, _ = login(server, conn)
    second, _ = login(server, conn)

    data_of(ask(server, first))
    assert ask(server, first).status_code == 429

    data_of(ask(server, second))


def test_failed_questions_count_against_the_limit_too(assistant, agent, conn):
    server = assistant(AI_LIMIT_USER="2", AI_FAILURE_THRESHOLD="100")
    token, _ = login(server, conn)
    agent.mode = "error"

    assert [ask(server, token).status_code for _ in range(3)] == [502, 502, 429]
    assert agent.count() == 2


# --- when n8n fails ---------------------------------------------------------------------------

FAILURES = [
    # stub mode, status, code, recorded outcome
    ("error", 502, "AI_UPSTREAM_ERROR", "error"),
    ("malformed", 502, "AI_BAD_REPLY", "malformed"),
    ("empty_answer", 502, "AI_BAD_REPLY", "malformed"),
    ("not_json", 502, "AI_BAD_REPLY", "malformed"),
    ("slow", 504, "AI_TIMEOUT", "timeout"),
    ("trickle", 504, "AI_TIMEOUT", "timeout"),
]


@pytest.mark.parametrize(("mode", "status", "code", "outcome"), FAILURES, ids=lambda v: str(v))
def test_every_n8n_failure_is_a_clear_gateway_error_and_is_recorded(
    assistant, agent, conn, mode, status, code, outcome
):
    server = assistant()
    token, user_id = login(server, conn)
    agent.mode, agent.delay = mode, 2.0  # slow: 2 s > 0.5 s; trickle: a byte every 0.2 s

    started = time.monotonic()
    response = ask(server, token)
    elapsed = time.monotonic() - started

    assert response.status_code == status, response.text
    error = error_of(response)
    assert error["code"] == code
    assert error["details"]["circuit_open"] is False
    assert agent.count() == 1
    [row] = recorded(conn, user_id)
    assert row["id"] == error["details"]["request_id"]
    assert row["outcome"] == outcome
    assert row["latency_ms"] is not None and row["answer"] is None
    if outcome == "timeout":
        assert 450 <= row["latency_ms"] < 1500
        assert elapsed < 1.9, "the service waited for the slow agent instead of timing out"
    if mode == "error":
        assert error["details"]["upstream_status"] == 500
    matches_document(response, "/api/tools/{slug}/assist")


def test_n8n_refusing_connections_is_503_and_recorded_as_unavailable(live_server_factory, conn):
    server = live_server_factory(N8N_WEBHOOK_URL=closed_port_url(), N8N_TIMEOUT_SECONDS=TIMEOUT)
    token, user_id = login(server, conn)

    response = ask(server, token)

    assert response.status_code == 503
    assert error_of(response)["code"] == "AI_UNREACHABLE"
    assert int(response.headers["Retry-After"]) > 0
    assert [row["outcome"] for row in recorded(conn, user_id)] == ["unavailable"]


def test_a_failure_then_a_success_resets_the_count_of_failures(assistant, agent, conn):
    server = assistant(AI_FAILURE_THRESHOLD="2")
    token, _ = login(server, conn)

    for mode in ("error", "ok", "error", "ok", "error"):
        agent.mode = mode
        assert ask(server, token).status_code == (200 if mode == "ok" else 502)

    circuit = conn.execute("select consecutive_failures, open_until from shared.ai_circuit")
    assert circuit.fetchone() == {"consecutive_failures": 1, "open_until": None}


# --- the circuit breaker -----------------------------------------------------------------------


def test_the_circuit_opens_after_n_failures_answers_503_at_once_and_closes_after_the_cooldown(
    assistant, agent, conn
):
    server = assistant(AI_FAILURE_THRESHOLD="3", AI_COOLDOWN_SECONDS="1")
    token, user_id = login(server, conn)
    agent.mode = "error"

    failures = [ask(server, token) for _ in range(3)]
    assert [r.status_code for r in failures] == [502, 502, 502]
    assert [error_of(r)["details"]["circuit_open"] for r in failures] == [False, False, True]
    assert agent.count() == 3

    started = time.monotonic()
    refused = ask(server, token)
    assert time.monotonic() - started < 0.5  # at once: nobody waits on a failing agent
    assert refused.status_code == 503
    error = error_of(refused)
    assert error["code"] == "AI_UNAVAILABLE"
    assert error["details"]["retry_after"] == int(refused.headers["Retry-After"]) == 1
    assert agent.count() == 3  # n8n was not contacted
    assert len(recorded(conn, user_id)) == 3  # nor is the refusal counted against the user
    matches_document(refused, "/api/tools/{slug}/assist")

    time.sleep(1.1)  # the cool-down
    agent.mode = "ok"
    assert data_of(ask(server, token))["answer"] == ANSWER
    assert agent.count() == 4
    circuit = conn.execute("select consecutive_failures, open_until from shared.ai_circuit")
    assert circuit.fetchone() == {"consecutive_failures": 0, "open_until": None}


def test_the_circuit_is_shared_by_every_process_and_user(assistant, agent, conn):
    first_server = assistant(AI_FAILURE_THRESHOLD="2", AI_COOLDOWN_SECONDS="60")
    second_server = assistant(AI_FAILURE_THRESHOLD="2", AI_COOLDOWN_SECONDS="60")
    token_a, _ = login(first_server, conn)
    token_b, _ = login(second_server, conn)
    agent.mode = "error"

    assert [ask(first_server, token_a).status_code for _ in range(2)] == [502, 502]
    refused = ask(second_server, token_b)

    assert refused.status_code == 503
    assert error_of(refused)["code"] == "AI_UNAVAILABLE"
    assert 55 <= int(refused.headers["Retry-After"]) <= 60
    assert agent.count() == 2


def test_a_503_from_n8n_being_down_can_open_the_circuit_too(live_server_factory, conn):
    server = live_server_factory(
        N8N_WEBHOOK_URL=closed_port_url(), N8N_TIMEOUT_SECONDS=TIMEOUT, AI_FAILURE_THRESHOLD="2"
    )
    token, _ = login(server, conn)

    codes = [error_of(ask(server, token))["code"] for _ in range(3)]

    assert codes == ["AI_UNREACHABLE", "AI_UNREACHABLE", "AI_UNAVAILABLE"]


# --- not configured ---------------------------------------------------------------------------


def test_not_configured_is_503_saying_so_without_touching_the_database(
    live_server, live_server_factory, conn
):
    """A server without N8N_WEBHOOK_URL and without a reachable database: if the endpoint made
    any database call, the answer would be the database's 503 (UNAVAILABLE), not this one."""
    token, user_id = login(live_server, conn)  # valid on both servers: same JWT secret
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    no_database = make_conninfo(host="127.0.0.1", port=port, user="nobody", dbname="nothing")
    server = live_server_factory(database_url=no_database)
    assert server.settings.n8n_webhook_url is None

    for target in (server, live_server):
        response = ask(target, token)
        assert response.status_code == 503
        error = error_of(response)
        assert error["code"] == "AI_NOT_CONFIGURED"
        assert "not configured" in error["message"]
    assert recorded(conn, user_id) == []
    assert count_rows(conn, "shared.ai_requests") == 0


# --- the request log for admins ---------------------------------------------------------------


def test_admins_read_every_request_newest_first_with_who_what_when_and_outcome(
    assistant, agent, conn
):
    server = assistant()
    user_token, user_id = login(server, conn)
    admin_token, _ = login(server, conn, "admin")
    for mode in ("ok", "error", "malformed"):
        agent.mode = mode
        ask(server, user_token, "woop")
    admin = server.client(admin_token)

    response = admin.get("/api/admin/ai-requests")

    listed = data_of(response)
    assert [(r["user_id"], r["tool_slug"], r["outcome"]) for r in listed] == [
        (user_id, "woop", "malformed"),
        (user_id, "woop", "error"),
        (user_id, "woop", "ok"),
    ]
    assert all(r["latency_ms"] is not None and r["requested_at"] for r in listed)
    assert all(r["answer"] is None and r["question_chars"] == len(QUESTION) for r in listed)
    matches_document(response, "/api/admin/ai-requests", "get")

    first_page = data_of(admin.get("/api/admin/ai-requests", params={"limit": 2}))
    rest = data_of(
        admin.get("/api/admin/ai-requests", params={"before": first_page[-1]["requested_at"]})
    )
    assert [r["id"] for r in first_page + rest] == [r["id"] for r in listed]


@pytest.mark.parametrize(
    ("params", "status"),
    [({"limit": "0"}, 422), ({"limit": "501"}, 422), ({"limit": "ten"}, 400),
     ({"before": "yesterday"}, 400)],
)  # fmt: skip
def test_bad_paging_parameters_are_4xx(assistant, conn, params, status):
    server = assistant()
    admin_token, _ = login(server, conn, "admin")

    response = server.request("GET", "/api/admin/ai-requests", token=admin_token, params=params)

    assert response.status_code == status
    error_of(response)


def test_only_admins_read_the_request_log(assistant, conn):
    server = assistant()
    for role in ("user", "guru"):
        token, _ = login(server, conn, role)
        response = server.request("GET", "/api/admin/ai-requests", token=token)
        assert response.status_code == 403
        assert error_of(response)["code"] == "FORBIDDEN"


# --- settings ---------------------------------------------------------------------------------


def test_assistant_settings_have_the_documented_defaults():
    settings = Settings.from_env({})

    assert settings.n8n_webhook_url is None
    assert settings.n8n_timeout_seconds == 30.0
    assert (settings.ai_limit_user, settings.ai_limit_staff) == (10, 50)
    assert (settings.ai_failure_threshold, settings.ai_cooldown_seconds) == (5, 60)
    assert settings.ai_store_answers is False


def test_assistant_settings_are_read_from_the_environment():
    settings = Settings.from_env(
        {
            "N8N_WEBHOOK_URL": "https://n8n.example.com/webhook/abc?token=s3cret",
            "N8N_TIMEOUT_SECONDS": "12.5",
            "AI_LIMIT_USER": "3",
            "AI_LIMIT_STAFF": "7",
            "AI_FAILURE_THRESHOLD": "2",
            "AI_COOLDOWN_SECONDS": "9",
            "AI_STORE_ANSWERS": "yes",
        }
    )

    assert settings.n8n_webhook_url == "https://n8n.example.com/webhook/abc?token=s3cret"
    assert "s3cret" not in repr(settings)
    assert settings.n8n_timeout_seconds == 12.5
    assert (settings.ai_limit_user, settings.ai_limit_staff) == (3, 7)
    assert (settings.ai_failure_threshold, settings.ai_cooldown_seconds) == (2, 9)
    assert settings.ai_store_answers is True


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("N8N_WEBHOOK_URL", "ftp://n8n.example.com/s3cret"),
        ("N8N_WEBHOOK_URL", "n8n.example.com/webhook"),
        ("N8N_TIMEOUT_SECONDS", "0"),
        ("N8N_TIMEOUT_SECONDS", "soon"),
        ("AI_LIMIT_USER", "0"),
        ("AI_LIMIT_STAFF", "many"),
        ("AI_FAILURE_THRESHOLD", "0"),
        ("AI_COOLDOWN_SECONDS", "0"),
        ("AI_STORE_ANSWERS", "maybe"),
    ],
)
def test_bad_assistant_settings_stop_the_service_naming_the_variable(name, value):
    with pytest.raises(SettingsError) as excinfo:
        Settings.from_env({name: value})

    assert name in str(excinfo.value)
    assert "s3cret" not in str(excinfo.value)
