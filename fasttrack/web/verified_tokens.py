"""Access tokens this process has already verified, by the token (the header's scheme aside).

A client sends the same token with every request (an autosave every few seconds, for 24 hours),
and verifying it (PyJWT decodes it four times over in flask-jwt-extended's path, checking every
character) was the largest cost of a request in Python. A token that passed the full check once
gives the same claims again, as long as the token has not expired: nothing else about it can
change (signatures depend only on the key, fixed for the process's life). Whether its session is
still live is not a property of the token: the database checks it on every call, and a token
whose session has ended is forgotten. Anything not remembered, or expired, takes the full path
again.
"""

from __future__ import annotations

import time
from typing import Any

MAX_ENTRIES = 10_000  # tokens in use at once per worker, far above what one worker serves


class VerifiedTokens:
    """Access token -> the claims it carried when verified (never mutated)."""

    def __init__(self, max_entries: int = MAX_ENTRIES) -> None:
        self._claims: dict[str, dict[str, Any]] = {}
        self._max_entries = max_entries

    def __len__(self) -> int:
        return len(self._claims)

    def get(self, token: str) -> dict[str, Any] | None:
        """The claims, while the token is unexpired (PyJWT's rule: valid while now < exp)."""
        claims = self._claims.get(token)
        if claims is None:
            return None
        if time.time() < claims["exp"]:
            return claims
        self._claims.pop(token, None)
        return None

    def forget(self, token: str) -> None:
        self._claims.pop(token, None)

    def remember(self, token: str, claims: dict[str, Any]) -> None:
        """Keep a token that passed the full check; only tokens that expire are kept."""
        exp = claims.get("exp")
        if not isinstance(exp, int | float) or isinstance(exp, bool):
            return
        if len(self._claims) >= self._max_entries:
            self._claims.clear()  # start over rather than track use: cheap and bounded
        self._claims[token] = claims
