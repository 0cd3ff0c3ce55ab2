"""What LearnWorlds signs: the SSO login link and webhook bodies, both HMAC-SHA256 (signing.py).

Pure functions of their inputs and the clock, compared in constant time; the web layer decides
what a failure means.
"""

from __future__ import annotations

import re
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from fasttrack.signing import same_signature, sign
from fasttrack.text_rules import is_storable_text

MAX_CLOCK_SKEW_SECONDS = 300
SSO_FIELDS = ("user_id", "email", "name", "timestamp", "signature")
_TIMESTAMP = re.compile(r"[0-9]{1,12}")
SSO_SEPARATOR = "|"
# The signed text joins the fields with SSO_SEPARATOR. With it refused in user_id and email and
# the timestamp all digits, the text splits one way only (user_id up to the first separator,
# email up to the second, timestamp after the last, the name is what lies between), so a
# signature over a name holding the separator cannot be re-split into another user_id or email.
_SEPARATOR_FREE = ("user_id", "email")
_WEBHOOK_VERSION = "v1="


@dataclass(frozen=True)
class SsoLogin:
    """A verified login: who LearnWorlds says is signing in, and the signature that proved it."""

    lms_user_id: str
    email: str
    name: str
    signature: str


class SsoRejected(ValueError):
    """The SSO fields failed a check; `reason` is a short machine word for logs and details."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def sso_message(user_id: str, email: str, name: str, timestamp: str) -> str:
    return SSO_SEPARATOR.join((user_id, email, name, timestamp))


def verify_sso(
    fields: Mapping[str, Any], secret: str | None, *, now: float | None = None
) -> SsoLogin:
    """Check an SSO request's five fields; raise SsoRejected naming the first failed check."""
    values = {name: fields.get(name) for name in SSO_FIELDS}
    if any(values[name] is None for name in SSO_FIELDS):
        raise SsoRejected("missing_fields")
    timestamp = _timestamp(values["timestamp"])
    texts = [values[name] for name in ("user_id", "email", "name", "signature")]
    if timestamp is None or not all(is_storable_text(text) for text in texts):
        raise SsoRejected("invalid_fields")
    user_id, email, name, signature = texts
    if not user_id or not email or not signature:
        raise SsoRejected("invalid_fields")
    if any(SSO_SEPARATOR in values[name] for name in _SEPARATOR_FREE):
        raise SsoRejected("separator_in_field")
    if abs((time.time() if now is None else now) - int(timestamp)) > MAX_CLOCK_SKEW_SECONDS:
        raise SsoRejected("expired")
    if not secret:
        raise SsoRejected("not_configured")
    expected = sign(secret, sso_message(user_id, email, name, timestamp))
    if not same_signature(expected, signature):
        raise SsoRejected("bad_signature")
    return SsoLogin(lms_user_id=user_id, email=email, name=name, signature=signature)


def verify_webhook(raw_body: bytes, header: str | None, secret: str | None) -> bool:
    """`Learnworlds-Webhook-Signature: v1=<hex>` (several comma-separated are allowed)."""
    if not secret or not header:
        return False
    expected = sign(secret, raw_body)
    candidates = [part.strip() for part in header.split(",")]
    # Compare every candidate, so the time taken does not tell which one was close.
    matches = [
        same_signature(expected, candidate.removeprefix(_WEBHOOK_VERSION))
        for candidate in candidates
        if candidate.startswith(_WEBHOOK_VERSION)
    ]
    return any(matches)


def _timestamp(value: Any) -> str | None:
    """Unix seconds as the canonical digit string the signature covers, or None."""
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return str(value)
    if isinstance(value, str) and _TIMESTAMP.fullmatch(value):
        return value
    return None
