"""How the HTTP server serves the app (fasttrack/http_server.py), checked on the real service:
a request line or header over the limits is answered like the app's own errors
(fasttrack/web/request_limits.py), what the server's HTTP parser refuses itself is a plain
refusal that closes the connection, and several instances on one host share nothing.
"""

from __future__ import annotations

import socket

import pytest
import requests
from service_process import ServiceProcess

from fasttrack.web.security import HEADERS


@pytest.fixture(scope="module")
def service(migrated_url_factory, tmp_path_factory):
    """One real service for the refusals below: none of them reaches the app or the database."""
    service = ServiceProcess(migrated_url_factory(), tmp_path_factory.mktemp("serving"), workers=1)
    service.start()
    yield service
    service.stop()


def _assert_service_error(response: requests.Response, status: int, code: str) -> None:
    assert response.status_code == status, response.text[:300]
    assert response.headers["Content-Type"] == "application/json"
    assert response.json()["error"]["code"] == code
    assert response.json()["error"]["message"]
    assert response.headers["X-Request-ID"]
    assert response.headers["Cache-Control"] == "no-store"
    for name, value in HEADERS.items():
        assert response.headers[name] == value


REFUSED = {
    "5,000-character query": ("GET", "/api/tools?q=" + "x" * 5000, {}, 414, "URI_TOO_LONG"),
    "20 KB SSO link": (
        "GET", "/api/auth/sso?user_id=u&email=e%40example.com&name=" + "n" * 20_000
        + "&timestamp=1&signature=s", {}, 414, "URI_TOO_LONG",
    ),
    "header over 8190 bytes": (
        "GET", "/api/tools", {"Authorization": "Bearer " + "t" * 9000}, 431, "HEADERS_TOO_LARGE",
    ),
}  # fmt: skip


@pytest.mark.parametrize("refused", REFUSED.values(), ids=REFUSED.keys())
def test_a_request_over_the_limits_is_the_services_json_error(service, refused):
    method, path, headers, status, code = refused

    response = requests.request(method, service.base_url + path, headers=headers, timeout=10)

    _assert_service_error(response, status, code)


def _raw(service, request: bytes) -> bytes:
    with socket.create_connection(("127.0.0.1", service.port), timeout=10) as client:
        client.sendall(request)
        return client.makefile("rb").read()  # the server closes the connection


def test_a_malformed_request_line_is_a_400_that_closes_the_connection(service):
    answer = _raw(service, b"GET /health HTTP/1.1 extra\r\nHost: x\r\n\r\n")

    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 400 ")
    assert b"\r\nconnection: close" in head.lower()
    assert body == b""  # nothing of the app ran


def test_101_header_fields_are_a_431_that_closes_the_connection(service):
    fields = b"".join(b"X-Extra-%d: 1\r\n" % n for n in range(101))
    answer = _raw(service, b"GET /health HTTP/1.1\r\nHost: x\r\n" + fields + b"\r\n")

    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 431 ")
    assert b"\r\nconnection: close" in head.lower()
    assert body == b""


def test_two_instances_started_at_once_both_serve_and_leave_no_control_socket(
    database_url, tmp_path
):
    # A server's control socket or pid file at one path per user ($XDG_RUNTIME_DIR or ~/.<name>,
    # as gunicorn's was) would be taken over by the second instance: point both at this test's
    # directory to see whether either creates anything there.
    home = tmp_path / "home"
    home.mkdir()
    shared = {"HOME": str(home), "XDG_RUNTIME_DIR": str(home)}
    services = [
        ServiceProcess(database_url, tmp_path / name, workers=1, overrides=shared)
        for name in ("one", "two")
    ]
    try:
        for service in services:
            service.log_dir.mkdir()
            service.start()
        for service in services:
            assert requests.get(service.base_url + "/health", timeout=5).status_code == 200
        assert sorted(path.name for path in home.rglob("*")) == []
    finally:
        for service in services:
            service.stop()
