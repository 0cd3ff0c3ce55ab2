"""Bad input over HTTP: every malformed request is a clear 4xx envelope with a code, never a
500, and writes nothing. A database that is down is a 503 with Retry-After."""

from __future__ import annotations

import json
import socket
from decimal import Decimal
from urllib.parse import quote

import pytest
from live_http import TEST_ENV, count_rows, data_of, error_of
from psycopg.conninfo import make_conninfo

from fasttrack.db import Database
from fasttrack.web import DB_EXTENSION
from support.program import answers_for

MAX_BODY_BYTES = 256 * 1024  # the contract: a body over 256 KiB is 413
KEPT = {"wish": "kept"}


@pytest.fixture
def leader(live_server, conn):
    """A signed-in user with one saved woop draft (version 1), and a snapshot of what a bad
    request must leave untouched."""
    login = live_server.sso_login()
    saved = data_of(
        live_server.request(
            "POST",
            "/api/tools/woop/data",
            token=login.access_token,
            json={"data": KEPT, "version": 0},
        )
    )
    assert saved["version"] == 1

    def state():
        current = data_of(
            live_server.request("GET", "/api/tools/woop/data", token=login.access_token)
        )
        return {
            "version": current["version"],
            "data": current["data"],
            "submissions": count_rows(conn, "sprint_00_woop.submissions"),
            "versions": count_rows(conn, "shared.submission_versions"),
            "users": count_rows(conn, "shared.users"),
            "progress": conn.execute(
                "select status from shared.user_progress where user_id = %s and tool_slug = 'woop'",
                (login.user["id"],),
            ).fetchone()["status"],
        }

    login.state = state
    return login


def _post_raw(server, token, path, body: bytes, content_type="application/json"):
    return server.request(
        "POST", path, token=token, data=body, headers={"Content-Type": content_type}
    )


def _assert_refused(response, statuses=range(400, 500), code=None):
    assert response.status_code in statuses, (response.status_code, response.text[:500])
    error = error_of(response)
    if code is not None:
        assert error["code"] == code, error
    return error


# Bodies whose shape is wrong: Python refuses them before any database call (INVALID_BODY).
SHAPE_ERRORS = {
    "malformed JSON": b'{"data": {"wish": "x"}, "version": 1',
    "empty body": b"",
    "trailing garbage": b'{"data": {}, "version": 1} extra',
    "array body": b"[]",
    "string body": b'"data"',
    "null body": b"null",
    "number body": b"42",
    "true body": b"true",
    "data is an array": b'{"data": [1, 2], "version": 1}',
    "data is a string": b'{"data": "wish", "version": 1}',
    "data is null": b'{"data": null, "version": 1}',
    "data missing": b'{"version": 1}',
    "version is a string": b'{"data": {"wish": "x"}, "version": "1"}',
    "version is true": b'{"data": {"wish": "x"}, "version": true}',
    "version is false": b'{"data": {"wish": "x"}, "version": false}',
    "version is negative": b'{"data": {"wish": "x"}, "version": -1}',
    "version is a fraction": b'{"data": {"wish": "x"}, "version": 1.5}',
    # "version": 1.0 is the integer 1 (tests/http/test_body_rules.py)
    "version is null": b'{"data": {"wish": "x"}, "version": null}',
    "version missing": b'{"data": {"wish": "x"}}',
    "version beyond integer": b'{"data": {"wish": "x"}, "version": 10000000000000000000000}',
}

# Bodies that are well-formed JSON objects but whose text PostgreSQL cannot store, or that
# Python cannot even hold in memory as a tree: still the client's fault, so a 4xx.
CONTENT_ERRORS = {
    "invalid UTF-8": b'{"data": {"wish": "\xff\xfe"}, "version": 1}',
    "NUL in a string": b'{"data": {"wish": "a\\u0000b"}, "version": 1}',
    "NUL in a key": b'{"data": {"wi\\u0000sh": "x"}, "version": 1}',
    "lone surrogate": b'{"data": {"wish": "\\ud800"}, "version": 1}',
    "deeply nested": b'{"data": {"wish": ' + b"[" * 100_000 + b"]" * 100_000 + b'}, "version": 1}',
}


# data is optional on submit, so a body without it (or with null) is no shape error there
OPTIONAL_ON_SUBMIT = ("data missing", "data is null")
SHAPE_CASES = [
    pytest.param(endpoint, body, id=f"{endpoint}-{name}")
    for endpoint in ("data", "submit")
    for name, body in SHAPE_ERRORS.items()
    if not (endpoint == "submit" and name in OPTIONAL_ON_SUBMIT)
]


@pytest.mark.parametrize(("endpoint", "body"), SHAPE_CASES)
def test_a_body_of_the_wrong_shape_is_400_invalid_body_and_writes_nothing(
    live_server, leader, endpoint, body
):
    before = leader.state()

    response = _post_raw(live_server, leader.access_token, f"/api/tools/woop/{endpoint}", body)

    _assert_refused(response, statuses=(400, 422), code="INVALID_BODY")
    assert leader.state() == before


@pytest.mark.parametrize("endpoint", ["data", "submit"])
@pytest.mark.parametrize("body", CONTENT_ERRORS.values(), ids=CONTENT_ERRORS.keys())
def test_text_the_database_cannot_store_is_a_4xx_and_writes_nothing(
    live_server, leader, endpoint, body
):
    before = leader.state()

    response = _post_raw(live_server, leader.access_token, f"/api/tools/woop/{endpoint}", body)

    _assert_refused(response)
    assert leader.state() == before


# Numbers Python's parser takes but JSON or jsonb does not (NaN, Infinity), or that a float
# cannot hold (1e400 becomes Infinity, 1e-400 silently becomes 0): 400, never a 500.
NUMBER_ERRORS = {
    "NaN": b'{"data": {"wish": NaN}, "version": 1}',
    "Infinity": b'{"data": {"wish": Infinity}, "version": 1}',
    "-Infinity": b'{"data": {"wish": [-Infinity]}, "version": 1}',
    "overflow": b'{"data": {"wish": 1e400}, "version": 1}',
    "negative overflow": b'{"data": {"wish": {"deep": -1.5e309}}, "version": 1}',
    "underflow": b'{"data": {"wish": 1e-400}, "version": 1}',
    "integer of 5000 digits": b'{"data": {"wish": ' + b"9" * 5000 + b'}, "version": 1}',
    # numeric keeps at most 16383 digits after the point
    "16384 decimals": b'{"data": {"wish": 0.' + b"1" * 16384 + b'}, "version": 1}',
}


@pytest.mark.parametrize("endpoint", ["data", "submit"])
@pytest.mark.parametrize("body", NUMBER_ERRORS.values(), ids=NUMBER_ERRORS.keys())
def test_a_number_that_cannot_be_stored_as_sent_is_400_and_writes_nothing(
    live_server, leader, endpoint, body
):
    before = leader.state()

    response = _post_raw(live_server, leader.access_token, f"/api/tools/woop/{endpoint}", body)

    _assert_refused(response, statuses=(400,), code="INVALID_BODY")
    assert leader.state() == before


def test_numbers_at_the_edge_of_the_range_keep_their_value(live_server, leader):
    """Control for the refusals above: big but finite numbers are kept, as decimal values
    (jsonb stores numbers as numeric: 1.5e308 comes back written out in full)."""
    sent = ["1.7976931348623157e308", "-2.2250738585072014e-308", "5e-324", "9" * 4000, "-0.0"]
    body = b'{"data": {"wish": [' + ",".join(sent).encode() + b']}, "version": 1}'

    response = _post_raw(live_server, leader.access_token, "/api/tools/woop/data", body)

    assert response.status_code == 200, response.text[:300]
    kept = json.loads(response.content, parse_float=Decimal, parse_int=Decimal)
    assert kept["data"]["data"]["wish"] == [Decimal(number) for number in sent]


LONG_DECIMALS = [
    "123456789012345678901234567890.123456789",
    "0.1000000000000000000000000000001",
    "-2.50",
    "0." + "3" * 16383,
]


def test_long_decimals_are_stored_and_read_back_as_written(live_server, leader, conn):
    """No float on the way: the number a client writes is the number jsonb stores (numeric)
    and the number the API answers, digit for digit."""
    body = b'{"data": {"wish": [' + ",".join(LONG_DECIMALS).encode() + b']}, "version": 1}'

    saved = _post_raw(live_server, leader.access_token, "/api/tools/woop/data", body)
    read = live_server.request("GET", "/api/tools/woop/data", token=leader.access_token)

    assert saved.status_code == 200, saved.text[:300]
    stored = conn.execute(
        "select jsonb_path_query_array(data, '$.wish[*]')::text as wish"
        " from sprint_00_woop.submissions where user_id = %s",
        (leader.user["id"],),
    ).fetchone()["wish"]
    assert stored == "[" + ", ".join(LONG_DECIMALS) + "]"
    for answer in (saved, read):
        kept = json.loads(answer.content, parse_float=Decimal)["data"]["data"]["wish"]
        assert [str(number) for number in kept] == LONG_DECIMALS


def test_a_nul_in_a_signed_sso_name_is_a_4xx_and_creates_no_user(live_server, conn):
    before = count_rows(conn, "shared.users")
    fields = live_server.sso_fields("lw-nul", "nul@example.com", "Nul\x00Name")

    response = live_server.request("POST", "/api/auth/sso", json=fields)

    _assert_refused(response)
    assert count_rows(conn, "shared.users") == before


def test_a_nul_in_a_signed_webhook_is_a_4xx_and_records_nothing(live_server, conn):
    body = json.dumps(
        {"id": "evt-nul", "type": "courseCompleted", "data": {"user": {"id": "lw\u0000x"}}}
    ).encode()

    response = live_server.post_webhook(body)

    _assert_refused(response)
    assert count_rows(conn, "shared.webhook_events") == 0


def test_a_nul_in_an_organization_name_is_a_4xx_and_creates_nothing(live_server, conn):
    admin = live_server.sso_login()
    conn.execute("update shared.users set role = 'admin' where id = %s", (admin.user["id"],))

    response = live_server.request(
        "POST", "/api/admin/organizations", token=admin.access_token,
        json={"name": "Nul\x00Corp", "slug": "nul-corp"},
    )  # fmt: skip

    _assert_refused(response)
    assert count_rows(conn, "shared.organizations") == 0
    assert count_rows(conn, "shared.admin_audit") == 0


def test_a_json_body_sent_as_another_content_type_is_refused(live_server, leader):
    before = leader.state()
    body = json.dumps({"data": {"wish": "x"}, "version": 1}).encode()

    response = _post_raw(
        live_server, leader.access_token, "/api/tools/woop/data", body, "text/plain"
    )

    _assert_refused(response)
    assert leader.state() == before


def _body_of_size(size: int) -> bytes:
    """A valid save body of exactly `size` bytes."""
    skeleton = json.dumps({"data": {"wish": ""}, "version": 1}).encode()
    body = json.dumps({"data": {"wish": "x" * (size - len(skeleton))}, "version": 1}).encode()
    assert len(body) == size
    return body


def test_a_body_over_256_kib_is_413_and_writes_nothing(live_server, leader):
    before = leader.state()

    response = _post_raw(
        live_server, leader.access_token, "/api/tools/woop/data", _body_of_size(MAX_BODY_BYTES + 1)
    )

    _assert_refused(response, statuses=(413,), code="PAYLOAD_TOO_LARGE")
    assert leader.state() == before


def test_a_body_of_exactly_256_kib_is_accepted(live_server, leader):
    """Control for the 413: the limit is the contract's, not something smaller."""
    response = _post_raw(
        live_server, leader.access_token, "/api/tools/woop/data", _body_of_size(MAX_BODY_BYTES)
    )

    saved = data_of(response)
    assert saved["version"] == 2


CHUNKED_OVERSIZED = {
    # cut at 256 KiB, the rest is no longer JSON
    "one long string": _body_of_size(MAX_BODY_BYTES + 4096),
    # cut at 256 KiB, what remains is a complete, valid object
    "valid object then padding": json.dumps({"data": {"wish": "padded"}, "version": 1}).encode()
    + b" " * (MAX_BODY_BYTES + 4096),
}


@pytest.mark.parametrize("body", CHUNKED_OVERSIZED.values(), ids=CHUNKED_OVERSIZED.keys())
def test_a_chunked_body_over_256_kib_is_413_and_writes_nothing(live_server, leader, body):
    """Without Content-Length the size is known only while reading: the limit must still hold
    (a body cut at the limit and read as if complete is not a 413)."""
    before = leader.state()

    def chunks():
        for start in range(0, len(body), 8192):
            yield body[start : start + 8192]

    response = live_server.request(
        "POST",
        "/api/tools/woop/data",
        token=leader.access_token,
        data=chunks(),  # no Content-Length: Transfer-Encoding: chunked
        headers={"Content-Type": "application/json"},
    )

    _assert_refused(response, statuses=(413,), code="PAYLOAD_TOO_LARGE")
    assert leader.state() == before


def test_an_oversized_sso_or_webhook_body_is_413(live_server, conn):
    big = _body_of_size(MAX_BODY_BYTES + 1)

    sso = _post_raw(live_server, None, "/api/auth/sso", big)
    webhook = live_server.post_webhook(big)

    _assert_refused(sso, statuses=(413,), code="PAYLOAD_TOO_LARGE")
    _assert_refused(webhook, statuses=(413,), code="PAYLOAD_TOO_LARGE")
    assert count_rows(conn, "shared.webhook_events") == 0


BAD_SLUGS = {
    "unknown": "no-such-tool",
    "sql injection": "woop';drop table shared.users;--",
    "sql comment": "woop--",
    "uppercase": "WOOP",
    "unicode": "wööp",
    "space": "woop tool",
    "NUL": "woop\x00",
    "very long": "w" * 5000,
}


@pytest.mark.parametrize("slug", BAD_SLUGS.values(), ids=BAD_SLUGS.keys())
def test_an_unknown_or_malicious_slug_is_404_tool_not_found_and_writes_nothing(
    live_server, leader, conn, slug
):
    before = leader.state()
    path = quote(slug, safe="")
    member = leader.user["id"]

    responses = [
        live_server.request("GET", f"/api/tools/{path}", token=leader.access_token),
        live_server.request("GET", f"/api/tools/{path}/data", token=leader.access_token),
        live_server.request(
            "POST",
            f"/api/tools/{path}/data",
            token=leader.access_token,
            json={"data": answers_for("woop"), "version": 0},
        ),
        live_server.request(
            "POST",
            f"/api/tools/{path}/submit",
            token=leader.access_token,
            json={"data": answers_for("woop"), "version": 0},
        ),
        live_server.request("GET", f"/api/tools/{path}/dependencies", token=leader.access_token),
        live_server.request(
            "GET", f"/api/users/{member}/tools/{path}/data", token=leader.access_token
        ),
    ]

    for response in responses:
        _assert_refused(response, statuses=(404,), code="TOOL_NOT_FOUND")
    assert leader.state() == before
    assert conn.execute("select to_regclass('shared.users') is not null as ok").fetchone()["ok"]


@pytest.mark.parametrize(
    "path",
    ["/api/users/not-a-uuid/progress", "/api/users/1;drop table shared.users/progress"],
)
def test_a_malformed_user_id_is_a_4xx(live_server, leader, path):
    response = live_server.request("GET", quote(path, safe="/"), token=leader.access_token)

    _assert_refused(response, statuses=(400, 404))


@pytest.mark.parametrize(
    "query", ["limit=10&limit=x", "limit=10&limit=20", "search=a&search=b", "cursor=&cursor=x"]
)
def test_a_query_parameter_given_twice_is_400(live_server, conn, query):
    """Which one was meant? A proxy in front could read the other one."""
    admin = live_server.sso_login()
    conn.execute("update shared.users set role = 'admin' where id = %s", (admin.user["id"],))

    response = live_server.request("GET", f"/api/admin/users?{query}", token=admin.access_token)

    _assert_refused(response, statuses=(400,), code="INVALID_PARAMETER")


def test_an_unknown_role_is_refused_and_changes_nothing(live_server, conn):
    admin = live_server.sso_login()
    conn.execute("update shared.users set role = 'admin' where id = %s", (admin.user["id"],))
    target = live_server.sso_login()

    wrong_type = live_server.request(
        "PUT", f"/api/admin/users/{target.user['id']}/role", token=admin.access_token,
        json={"role": 5},
    )  # fmt: skip
    unknown = live_server.request(
        "PUT", f"/api/admin/users/{target.user['id']}/role", token=admin.access_token,
        json={"role": "superuser"},
    )  # fmt: skip

    _assert_refused(wrong_type, statuses=(400, 422), code="INVALID_BODY")
    _assert_refused(unknown, statuses=(422,))
    role = conn.execute("select role from shared.users where id = %s", (target.user["id"],))
    assert role.fetchone()["role"] == "user"
    assert count_rows(conn, "shared.admin_audit") == 0


def test_a_malformed_organization_id_in_a_body_is_refused(live_server, conn):
    admin = live_server.sso_login()
    conn.execute("update shared.users set role = 'admin' where id = %s", (admin.user["id"],))

    response = live_server.request(
        "PUT", f"/api/admin/users/{admin.user['id']}/organization", token=admin.access_token,
        json={"organization_id": "'; drop table shared.organizations; --"},
    )  # fmt: skip

    _assert_refused(response, statuses=(400, 422), code="INVALID_BODY")
    assert count_rows(conn, "shared.admin_audit") == 0


# --- a database that is down ------------------------------------------------------------------


@pytest.fixture
def server_without_database(live_server_factory):
    """A second app whose database is a port nobody listens on (same secrets as the others)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    url = make_conninfo(host="127.0.0.1", port=port, user="nobody", dbname="nothing")
    server = live_server_factory(database_url=url)
    # The same pool, giving up after 0.5 s instead of the production 5 s.
    server.app.extensions[DB_EXTENSION].close()
    server.app.extensions[DB_EXTENSION] = Database(url, timeout=0.5)
    return server


def test_a_database_that_is_down_is_503_with_retry_after(live_server, server_without_database):
    token = live_server.sso_login().access_token  # valid for both: same JWT secret
    assert server_without_database.env["JWT_SECRET_KEY"] == TEST_ENV["JWT_SECRET_KEY"]

    responses = {
        "tools": server_without_database.request("GET", "/api/tools", token=token),
        "save": server_without_database.request(
            "POST", "/api/tools/woop/data", token=token, json={"data": KEPT, "version": 0}
        ),
        "sso": server_without_database.request(
            "POST",
            "/api/auth/sso",
            json=server_without_database.sso_fields("lw-down", "down@example.com", "Down"),
        ),
        "ready": server_without_database.request("GET", "/ready"),
    }

    for name, response in responses.items():
        assert response.status_code == 503, (name, response.text)
        assert int(response.headers["Retry-After"]) > 0, name
        error_of(response)
