"""What text the service accepts before it reaches PostgreSQL: tool slugs, and storable text.

One definition each, used by the URL converter, the request checks, SSO, the AI answers and the
OpenAPI document, so that they cannot drift apart.
"""

from __future__ import annotations

import re
from typing import Any

SLUG_PATTERN = r"[a-z0-9]+(?:-[a-z0-9]+)*"  # lower-case words joined by single hyphens
SLUG = re.compile(SLUG_PATTERN)
MAX_SLUG_LENGTH = 100


def is_slug(value: Any) -> bool:
    """A tool or organization slug: `know-thyself`, at most MAX_SLUG_LENGTH characters."""
    return isinstance(value, str) and len(value) <= MAX_SLUG_LENGTH and bool(SLUG.fullmatch(value))


def is_storable_text(value: Any) -> bool:
    """A string PostgreSQL can store, in text or jsonb: no NUL character (a query string or a JSON
    escape can carry one) and valid UTF-8 (JSON's \\ud800 escapes make lone surrogates)."""
    if not isinstance(value, str) or "\x00" in value:
        return False
    try:
        value.encode()
    except UnicodeEncodeError:
        return False
    return True
