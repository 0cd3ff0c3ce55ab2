"""Database.call: one api function per transaction, as the API role, with the caller's claims."""

from __future__ import annotations

import json
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import psycopg
import pytest
from psycopg.conninfo import conninfo_to_dict

from fasttrack.db import Database, call_api, prepares_statements


@pytest.mark.parametrize(
    ("function", "args"),
    [
        ("readiness; drop table x", {}),
        ("Readiness", {}),
        ("shared.readiness", {}),
        ("readiness", {"p_user_id; --": 1}),
    ],
)
def test_malformed_names_are_refused_before_any_connection(
    function: str, args: dict[str, int]
) -> None:
    # The URL points nowhere: a refusal that needed the database would time out instead.
    db = Database("host=127.0.0.1 port=1 dbname=none", timeout=0.1)
    try:
        with pytest.raises(ValueError, match="not a valid SQL"):
            db.call(function, **args)
    finally:
        db.close()


ECHO_FUNCTION = """
create function api.test_echo(p_text text, p_doc jsonb default '{}')
returns jsonb language sql stable set search_path = '' as $$
    select jsonb_build_object(
        'text', p_text,
        'doc', p_doc,
        'role', current_user::text,
        'claims', pg_catalog.current_setting('request.jwt.claims', true));
$$;
grant execute on function api.test_echo(text, jsonb) to fasttrack_api;
"""


@pytest.fixture
def db(conn: psycopg.Connection[Any], database_url: str) -> Iterator[Database]:
    conn.execute(ECHO_FUNCTION)
    database = Database(database_url, max_size=1)  # one connection: every call reuses it
    yield database
    database.close()


def test_a_call_passes_named_arguments_claims_and_runs_as_the_api_role(db: Database) -> None:
    result = db.call("test_echo", {"sub": "user-1", "role": "user"}, p_doc={"a": [1]}, p_text="hi")

    assert result == {
        "text": "hi",
        "doc": {"a": [1]},
        "role": "fasttrack_api",
        "claims": '{"sub": "user-1", "role": "user"}',
    }


def test_a_call_without_claims_sees_none_on_a_reused_connection(db: Database) -> None:
    db.call("test_echo", {"sub": "user-1"}, p_text="first")

    second = db.call("test_echo", p_text="second")

    assert second["claims"] == "{}"
    assert second["role"] == "fasttrack_api"


def test_a_failed_call_leaves_the_connection_usable(db: Database) -> None:
    with pytest.raises(psycopg.errors.UndefinedFunction):
        db.call("test_echo", p_missing="x")

    assert db.call("test_echo", p_text="after")["text"] == "after"


CONTEXT_FUNCTION = """
create function api.test_context()
returns jsonb language sql stable set search_path = '' as $$
    select jsonb_build_object(
        'role', current_user::text,
        'context', pg_catalog.current_setting('request.context', true));
$$;
grant execute on function api.test_context() to fasttrack_api;
"""


def test_the_request_context_reaches_sql_and_ends_with_the_transaction(
    conn: psycopg.Connection[Any], db: Database
) -> None:
    conn.execute(CONTEXT_FUNCTION)
    context = {"ip": "203.0.113.9", "request_id": "r-1", "limits": {"default": 5}}

    first = db.call("test_context", context=context)
    second = db.call("test_context")

    assert json.loads(first["context"]) == context
    assert second["context"] == "{}"


def test_as_owner_keeps_the_login_role(
    conn: psycopg.Connection[Any], db: Database, database_url: str
) -> None:
    conn.execute(CONTEXT_FUNCTION)
    owner = conninfo_to_dict(database_url)["user"]

    assert db.call("test_context", as_owner=True)["role"] == owner
    assert db.call("test_context")["role"] == "fasttrack_api"


SESSION = (
    "select current_user::text, current_setting('request.jwt.claims', true),"
    " current_setting('request.context', true)"
)


def _pooled_session(db: Database, owner: str) -> tuple[str, str | None, str | None]:
    """What the next user of the (only) pooled connection would find."""
    with db._pool.connection() as pooled:
        row = pooled.execute(SESSION).fetchone()
    assert row is not None
    assert row[0] == owner, row
    return row


@pytest.mark.parametrize(
    "failing_call",
    [
        {"function": "test_echo", "p_missing": "x"},  # the call fails in the database
        {"function": "test_echo", "p_text": "nul \x00 inside"},  # refused by the client
        {"function": "test_context", "p_text": "x"},  # no such signature
    ],
    ids=["database-error", "client-error", "unknown-signature"],
)
def test_claims_context_and_role_never_outlive_a_call_even_one_that_raised(
    conn: psycopg.Connection[Any], db: Database, database_url: str, failing_call: dict[str, Any]
) -> None:
    conn.execute(CONTEXT_FUNCTION)
    owner = conninfo_to_dict(database_url)["user"]
    claims, context = {"sub": "user-1", "role": "admin"}, {"request_id": "r-1"}

    db.call("test_echo", claims, context=context, p_text="ok")
    after_success = _pooled_session(db, owner)
    with pytest.raises(psycopg.Error):
        db.call(claims=claims, context=context, **failing_call)
    after_failure = _pooled_session(db, owner)

    for _role, seen_claims, seen_context in (after_success, after_failure):
        assert seen_claims in (None, "")
        assert seen_context in (None, "")


def test_a_failed_call_writes_nothing(conn: psycopg.Connection[Any], db: Database) -> None:
    conn.execute("create table api.test_writes (n integer)")
    conn.execute("grant insert on api.test_writes to fasttrack_api")
    conn.execute("""
        create function api.test_write_then_fail(p_n integer) returns jsonb
        language plpgsql set search_path = '' as $$
        begin
            insert into api.test_writes values (p_n);
            if p_n < 0 then
                raise sqlstate 'PT422' using message = 'negative';
            end if;
            return null;
        end $$;
        grant execute on function api.test_write_then_fail(integer) to fasttrack_api;
    """)

    db.call("test_write_then_fail", p_n=1)
    with pytest.raises(psycopg.Error) as raised:
        db.call("test_write_then_fail", p_n=-1)

    assert raised.value.sqlstate == "PT422"
    assert conn.execute("select n from api.test_writes").fetchall() == [{"n": 1}]


def test_call_api_refuses_a_connection_with_transactions(database_url: str) -> None:
    # Outside autocommit the settings would last until the caller's commit, not the call's.
    with psycopg.connect(database_url) as plain, pytest.raises(psycopg.ProgrammingError):
        call_api(plain, "readiness")


def test_a_pooled_connection_the_server_ended_is_replaced_before_it_is_lent(
    conn: psycopg.Connection[Any], db: Database
) -> None:
    db.call("test_echo", p_text="first")
    with db._pool.connection() as pooled:
        pid = pooled.info.backend_pid

    conn.execute("select pg_terminate_backend(%s, 5000)", (pid,))

    assert db.call("test_echo", p_text="second")["text"] == "second"


def test_a_prepared_pool_answers_as_an_unprepared_one_and_text_is_the_same_json(
    conn: psycopg.Connection[Any], database_url: str
) -> None:
    conn.execute(ECHO_FUNCTION)
    prepared = Database(database_url, max_size=1, prepare=True)
    try:
        answers = [prepared.call("test_echo", {"sub": f"u{n}"}, p_text=str(n)) for n in range(4)]
        text = prepared.call(
            "test_echo", {"sub": "u9"}, as_text=True, p_text="t", p_doc={"n": Decimal("1.50")}
        )
        with prepared.connection() as pooled:
            named = pooled.execute("select count(*) from pg_catalog.pg_prepared_statements")
            statements = named.fetchone()[0]
    finally:
        prepared.close()

    assert [a["claims"] for a in answers] == [json.dumps({"sub": f"u{n}"}) for n in range(4)]
    assert [a["text"] for a in answers] == ["0", "1", "2", "3"]
    assert statements >= 2  # the settings and the call, prepared on the server
    assert isinstance(text, str) and json.loads(text)["doc"] == {"n": 1.5}
    assert '"n": 1.50' in text  # the number as written, never through a float


@pytest.mark.parametrize(
    ("mode", "url", "prepares"),
    [
        ("auto", "host=/tmp/pg dbname=app", True),  # the embedded server's socket
        ("auto", "postgresql://u@db.abc.supabase.co:5432/postgres", True),
        ("auto", "postgresql://u@aws-0-eu.pooler.supabase.com:6543/postgres", False),
        ("auto", "postgresql://u@aws-0-eu.pooler.supabase.com:5432/postgres", False),
        ("auto", "postgresql://u@127.0.0.1:6432/app", False),  # PgBouncer, or anything else
        ("on", "postgresql://u@127.0.0.1:6432/app", True),
        ("off", "host=/tmp/pg dbname=app", False),
    ],
)
def test_statements_are_prepared_only_where_no_transaction_pooler_can_be(
    mode: str, url: str, prepares: bool
) -> None:
    assert prepares_statements(mode, url) is prepares
