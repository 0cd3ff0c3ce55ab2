"""The AI assistant's limits and circuit breaker, kept in PostgreSQL for every process."""

from __future__ import annotations

import json

import psycopg
import pytest
from psycopg.types.json import Jsonb

from support.program import answers_for, call, create_user
from support.sqlerrors import detail_of, sqlstate_of

CONTEXT = {
    "limits": {"ai_user": 10, "ai_staff": 50},
    "ai_failure_threshold": 5,
    "ai_cooldown_seconds": 60,
}


def api(conn, user_id, function, **args):
    names = ", ".join(f"{name} => %({name})s" for name in args)
    with conn.transaction():
        conn.execute(
            "select set_config('request.jwt.claims', %s, true)",
            (json.dumps({"sub": str(user_id)}),),
        )
        conn.execute("select set_config('request.context', %s, true)", (json.dumps(CONTEXT),))
        conn.execute("set local role fasttrack_api")
        return conn.execute(f"select api.{function}({names}) as result", args).fetchone()["result"]


def ask(conn, user_id, outcome="ok"):
    begun = api(conn, user_id, "assist_begin", p_slug="woop", p_question="What makes a good wish?")
    api(
        conn,
        user_id,
        "assist_finish",
        p_request_id=begun["request_id"],
        p_outcome=outcome,
        p_latency_ms=12,
    )
    return begun


@pytest.mark.parametrize(("role", "allowed"), [("user", 10), ("guru", 50), ("admin", 50)])
def test_each_role_gets_its_hourly_number_of_questions(conn, role, allowed):
    user_id = create_user(conn, role=role)
    for _ in range(allowed):
        ask(conn, user_id)

    with pytest.raises(psycopg.Error) as excinfo:
        ask(conn, user_id)

    assert sqlstate_of(excinfo) == "PT429"
    assert 0 < detail_of(excinfo)["retry_after"] <= 3600


def test_the_agent_receives_the_tool_data_and_dependency_values(conn):
    user_id = create_user(conn)
    call(conn, "submit_tool", "know-thyself", user_id, None, Jsonb(answers_for("know-thyself")))
    call(conn, "save_draft", "dream", user_id, Jsonb({"company_dream": "A draft"}), 0)

    begun = api(conn, user_id, "assist_begin", p_slug="dream", p_question="Help me phrase my dream")

    assert begun["tool"]["slug"] == "dream" and begun["question"] == "Help me phrase my dream"
    assert begun["context"]["data"] == {"company_dream": "A draft"}
    personal_dream = answers_for("know-thyself")["identity"]["personal_dream"]
    assert begun["context"]["dependencies"]["founder_vision"] == personal_dream


def test_a_locked_tool_gets_no_help(conn):
    user_id = create_user(conn)
    with pytest.raises(psycopg.Error) as excinfo:
        api(conn, user_id, "assist_begin", p_slug="dream", p_question="Help me phrase my dream")
    assert (sqlstate_of(excinfo), detail_of(excinfo)["code"]) == ("PT423", "TOOL_LOCKED")
    assert conn.execute("select count(*) as n from shared.ai_requests").fetchone()["n"] == 0


@pytest.mark.parametrize("question", ["", "   ", "x" * 2001])
def test_a_question_must_have_1_to_2000_characters(conn, question):
    user_id = create_user(conn)
    with pytest.raises(psycopg.Error) as excinfo:
        api(conn, user_id, "assist_begin", p_slug="woop", p_question=question)
    assert detail_of(excinfo)["code"] == "INVALID_QUESTION"


def test_five_failures_open_the_circuit_and_a_success_after_the_cooldown_closes_it(conn):
    user_id = create_user(conn, role="admin")
    for _ in range(5):
        ask(conn, user_id, outcome="timeout")

    with pytest.raises(psycopg.Error) as excinfo:
        api(conn, user_id, "assist_begin", p_slug="woop", p_question="Anyone there?")
    assert (sqlstate_of(excinfo), detail_of(excinfo)["code"]) == ("PT503", "AI_UNAVAILABLE")

    conn.execute(
        "update shared.ai_circuit set open_until = now() - interval '1 second'"
    )  # cool-down over
    ask(conn, user_id, outcome="ok")
    assert conn.execute(
        "select consecutive_failures, open_until from shared.ai_circuit"
    ).fetchone() == {
        "consecutive_failures": 0,
        "open_until": None,
    }
