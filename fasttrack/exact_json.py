"""JSON whose numbers keep every digit they were written with.

A JSON number with a fraction or an exponent is a `decimal.Decimal` in Python, never a float:
`123456789012345678901234567890.123456789` goes from a request body to jsonb (numeric) and back
to the client unchanged. simplejson writes a Decimal as the number it holds (the standard
library can only write it as a string). Used for the database's jsonb (fasttrack/db.py), the
HTTP answers (the Flask app's JSON provider) and what the service sends to n8n and webhooks.
"""

from __future__ import annotations

from typing import Any

import simplejson
from flask.json.provider import DefaultJSONProvider


def dumps(value: Any, **kwargs: Any) -> str:
    """`value` as JSON text, Decimals as the numbers they hold."""
    return simplejson.dumps(value, use_decimal=True, allow_nan=False, **kwargs)


def loads(text: str | bytes) -> Any:
    """JSON text as Python values, numbers with a fraction or exponent as Decimals."""
    return simplejson.loads(text, use_decimal=True)


class ExactJSONProvider(DefaultJSONProvider):
    """Flask's JSON (jsonify, returned dicts), writing Decimals as numbers, not strings."""

    def dumps(self, obj: Any, **kwargs: Any) -> str:
        kwargs.setdefault("default", self.default)
        kwargs.setdefault("ensure_ascii", self.ensure_ascii)
        kwargs.setdefault("sort_keys", self.sort_keys)
        return dumps(obj, **kwargs)

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        return loads(s)
