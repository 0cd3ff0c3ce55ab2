"""In development an SSO link lands on a page the service serves, on its own HOST and PORT."""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import time
from collections.abc import Iterator
from urllib.parse import parse_qs, urlsplit

import pytest
from flask import Flask

from fasttrack import create_app
from fasttrack.settings import Settings
from fasttrack.web import DB_EXTENSION

SSO_SECRET = "s" * 32


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({}, "http://127.0.0.1:8000/dev/signed-in"),
        ({"PORT": "8123"}, "http://127.0.0.1:8123/dev/signed-in"),
        ({"HOST": "0.0.0.0", "PORT": "9000"}, "http://127.0.0.1:9000/dev/signed-in"),
        ({"HOST": "::"}, "http://[::1]:8000/dev/signed-in"),
        ({"HOST": "devbox.local"}, "http://devbox.local:8000/dev/signed-in"),
        ({"PORT": "8123", "FRONTEND_URL": "https://tools.example/"}, "https://tools.example/"),
    ],
)
def test_the_development_frontend_follows_host_and_port(env, expected) -> None:
    assert Settings.from_env(env).frontend_url == expected


@pytest.fixture
def app(database_url: str) -> Iterator[Flask]:
    settings = Settings.from_env({"PORT": "8123", "LEARNWORLDS_SSO_SECRET": SSO_SECRET})
    app = create_app(settings, database_url=database_url)
    yield app
    app.extensions[DB_EXTENSION].close()


def test_an_sso_link_lands_on_a_page_that_shows_the_signed_in_user(app: Flask) -> None:
    client = app.test_client()
    fields = {"user_id": "lw-1", "email": "ada@example.com", "name": "Ada", "timestamp": ""}
    fields["timestamp"] = str(int(time.time()))
    signed = "|".join(fields.values()).encode()
    fields["signature"] = hmac.new(SSO_SECRET.encode(), signed, hashlib.sha256).hexdigest()

    link = client.get("/api/auth/sso", query_string=fields)

    assert link.status_code == 302
    landing = urlsplit(link.headers["Location"])
    assert (landing.scheme, landing.netloc) == ("http", "127.0.0.1:8123")
    page = client.get(landing.path)
    assert page.status_code == 200
    assert page.mimetype == "text/html"
    html = page.get_data(as_text=True)
    assert 'get("access_token")' in html and 'fetch("/api/auth/me"' in html
    # What the page's script does with the fragment's token: the user it names.
    token = parse_qs(landing.fragment)["access_token"][0]
    me = client.get("/api/auth/me", headers={"Authorization": f"Bearer {token}"})
    assert me.get_json()["data"]["email"] == "ada@example.com"


def test_the_page_may_run_its_own_script_and_nothing_else(app: Flask) -> None:
    page = app.test_client().get("/dev/signed-in")

    policy = page.headers["Content-Security-Policy"]
    html = page.get_data(as_text=True)
    for tag in ("script", "style"):
        (source,) = re.findall(rf"<{tag}>(.*?)</{tag}>", html, re.DOTALL)
        digest = base64.b64encode(hashlib.sha256(source.encode()).digest()).decode()
        assert f"{tag}-src 'sha256-{digest}'" in policy
    assert "default-src 'none'" in policy and "connect-src 'self'" in policy
    assert "unsafe-inline" not in policy
    assert page.headers["X-Frame-Options"] == "DENY"
