"""The page `GET /api/auth/sso` lands on when FRONTEND_URL is left unset in development.

It shows whom the token in the address's fragment (`#access_token=...`) signs in, by calling
GET /api/auth/me, so a developer can follow an SSO link end to end without the tool pages. A
static page: no secret and no database access of its own.
"""

from __future__ import annotations

import base64
import hashlib
import re
from pathlib import Path

from flask import Blueprint, Response

from fasttrack.settings import SIGNED_IN_PATH
from fasttrack.web.contract import contract

bp = Blueprint("dev_pages", __name__)

_PAGE = (Path(__file__).parent / "pages" / "signed_in.html").read_text(encoding="utf-8")


def _hash_source(tag: str) -> str:
    """The CSP source that allows exactly the page's one inline `tag` element."""
    match = re.search(rf"<{tag}>(.*?)</{tag}>", _PAGE, re.DOTALL)
    if match is None:
        raise RuntimeError(f"{SIGNED_IN_PATH}: the page has no <{tag}>")
    digest = hashlib.sha256(match.group(1).encode()).digest()
    return f"'sha256-{base64.b64encode(digest).decode()}'"


# The API's own policy (security.py) allows nothing; this page needs its script, its style and
# calls to this origin, and nothing else.
POLICY = (
    f"default-src 'none'; script-src {_hash_source('script')}; style-src {_hash_source('style')}; "
    "connect-src 'self'; frame-ancestors 'none'"
)


@bp.get(SIGNED_IN_PATH)
@contract(
    "Where SSO sends the browser in development: a page showing the signed-in user",
    database=False,
    wrapped=False,
    media={"text/html": {"schema": {"type": "string"}}},
)
def signed_in() -> Response:
    response = Response(_PAGE, mimetype="text/html")
    response.headers["Content-Security-Policy"] = POLICY
    return response
