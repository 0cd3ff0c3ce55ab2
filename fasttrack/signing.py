"""HMAC-SHA256: the one signing helper behind every signature the service makes or checks.

The LearnWorlds SSO link and webhook bodies (fasttrack/learnworlds_signatures.py) are checked
with it, and the completion events sent to WEBHOOK_URLS (fasttrack/outbound_webhooks.py) are
signed with it.
"""

from __future__ import annotations

import hashlib
import hmac


def sign(secret: str, message: str | bytes) -> str:
    """Lowercase hex HMAC-SHA256 of `message` (text is signed as UTF-8), keyed with `secret`."""
    data = message.encode() if isinstance(message, str) else message
    return hmac.new(secret.encode(), data, hashlib.sha256).hexdigest()


def same_signature(expected: str, given: str) -> bool:
    """Compared in constant time, so the time taken does not tell how close a forgery came."""
    return hmac.compare_digest(expected.encode(), given.encode())
