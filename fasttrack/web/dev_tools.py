"""Development only: the demo tool pages and a local sign-in, registered when FT_ENV=development.

In any other environment none of these routes exists (404). The demo pages (`demo/tools/`) show
how a tool page uses `static/fasttrack-client.js`; the sign-in page stands in for LearnWorlds: it
signs in whoever types an email, as an SSO login whose signature the service vouches for itself
(LearnWorlds user id `dev:<email>`), with the same access token and refresh cookie.
"""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import NotRequired

from flask import Blueprint, Response, jsonify, send_from_directory
from pydantic import ConfigDict, with_config
from typing_extensions import TypedDict

from fasttrack import tokens
from fasttrack.web import envelope, settings
from fasttrack.web.api_call import call
from fasttrack.web.contract import contract
from fasttrack.web.inputs import json_object, string_field
from fasttrack.web.models.people import Tokens
from fasttrack.web.request_log import set_user

bp = Blueprint("dev_tools", __name__)

DEMO_DIR = Path(__file__).resolve().parents[2] / "demo"
DEMO_FILES = {
    "woop.html": "text/html",
    "know-thyself.html": "text/html",
    "tools.css": "text/css",
    "sign-in.js": "text/javascript",
}
# Scripts and styles from this origin only (no inline code); the API on this origin too.
POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; "
    "img-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
)
PAGE = {"text/html": {"schema": {"type": "string"}}}


@with_config(ConfigDict(extra="forbid"))
class DevSignIn(TypedDict):
    email: str
    name: NotRequired[str]


def _serve(name: str, media_type: str) -> None:
    """GET /tools/<name>, one route per file (the OpenAPI document lists each)."""

    @contract(
        f"Development: the demo tool pages' {name}",
        database=False,
        wrapped=False,
        media={media_type: {"schema": {"type": "string"}}},
    )
    def view() -> Response:
        response = send_from_directory(DEMO_DIR / "tools", name, mimetype=media_type, max_age=0)
        response.headers["Content-Security-Policy"] = POLICY
        response.headers["Cache-Control"] = "no-cache"
        return response

    bp.add_url_rule(f"/tools/{name}", endpoint=name.replace(".", "_"), view_func=view)


for _name, _media_type in DEMO_FILES.items():
    _serve(_name, _media_type)


@bp.get("/dev/sign-in")
@contract(
    "Development: a page that signs in an email, then returns to the page that asked",
    database=False,
    wrapped=False,
    media=PAGE,
)
def dev_sign_in_page() -> Response:
    response = send_from_directory(DEMO_DIR, "sign-in.html", mimetype="text/html", max_age=0)
    response.headers["Content-Security-Policy"] = POLICY
    return response


@bp.post("/dev/sign-in")
@contract(
    "Development: sign in an email (created on first use); access token and refresh cookie",
    returns=Tokens,
    body=DevSignIn,
    errors=(409, 422),
)
def dev_sign_in() -> Response:
    body = json_object(DevSignIn)
    email = string_field(body, "email")
    name = string_field(body, "name", required=False) or email.split("@")[0]
    refresh_token = tokens.new_refresh_token()
    result = call(
        "sso_login",
        as_caller=False,
        p_lms_user_id=f"dev:{email.strip().lower()}",
        p_email=email,
        p_full_name=name,
        p_signature=f"dev:{secrets.token_urlsafe(32)}",  # never replayed: made up here
        p_refresh_token=refresh_token,
    )
    set_user(str(result["user"]["id"]))
    response = jsonify(envelope(tokens.token_response(result["user"], result["session_id"])))
    return tokens.set_refresh_cookie(response, refresh_token, settings().refresh_cookie_samesite)
