"""Request shapes, checked before any database call: JSON bodies, fields, query parameters, slugs.

Only the shape is checked here (JSON object, field types); what the values mean is the api
functions' business. Every failure is a 400 whose message names the offending field.
"""

from __future__ import annotations

import json
import math
import re
import uuid
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from flask import Flask, request
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.routing import BaseConverter

from fasttrack.text_rules import is_slug, is_storable_text
from fasttrack.web.errors import ApiError

MAX_BODY_BYTES = 256 * 1024
MAX_INTEGER = 2**31 - 1  # PostgreSQL integer: a larger value would not find the function
MAX_BIGINT = 2**63 - 1  # PostgreSQL bigint (ids of the audit log)
NUMERIC_MAX_SCALE = 16383  # digits after the decimal point PostgreSQL's numeric can hold
MAX_NESTING = 512  # objects and arrays within each other; a tool's answers use a handful


def init_app(app: Flask) -> None:
    # werkzeug refuses a Content-Length over its limit, but silently cuts a body sent without
    # one (chunked) at the limit: one byte more lets raw_body() see that it was cut.
    app.config["MAX_CONTENT_LENGTH"] = MAX_BODY_BYTES + 1
    app.url_map.converters["slug"] = SlugConverter


class SlugConverter(BaseConverter):
    """`<slug:name>`: a tool slug; anything else is TOOL_NOT_FOUND, decided without the database."""

    regex = r"[^/]+"  # match any segment, so a bad slug is our 404 rather than a generic one

    def to_python(self, value: str) -> str:
        if not is_slug(value):
            raise ApiError(
                404, "No such tool", code="TOOL_NOT_FOUND", details={"tool": value[:100]}
            )
        return value


def invalid_body(message: str, field: str | None = None) -> ApiError:
    return ApiError(400, message, code="INVALID_BODY", details={"field": field} if field else {})


def raw_body() -> bytes:
    """The body's exact bytes, at most MAX_BODY_BYTES of them (else 413)."""
    data = request.get_data(cache=True)
    if len(data) > MAX_BODY_BYTES:
        raise RequestEntityTooLarge()
    return data


def json_object(shape: Any = None) -> dict[str, Any]:
    """The request body as a JSON object; only `application/json` bodies are read.

    `shape` is the body's typed dict, as its contract declares it: a field it does not name is
    a 400. Every body of the API is closed this way (`additionalProperties: false` in the
    document); only the LearnWorlds webhook, a document LearnWorlds defines, is read open."""
    if not request.is_json:
        raise invalid_body("The body must be JSON (Content-Type: application/json)")
    body = parse_object(raw_body())
    if shape is not None:
        only_fields(body, tuple(shape.__annotations__))
    return body


def optional_json_object(shape: Any = None) -> dict[str, Any]:
    """The request body as a JSON object (closed to `shape`, as json_object), or {} when the
    request has no body at all."""
    if not request.is_json and not request.get_data(cache=True):
        return {}
    return json_object(shape)


def parse_object(raw: bytes) -> dict[str, Any]:
    """Raw bytes as a JSON object (also for webhooks, whose raw body is checked first)."""
    try:
        body = json.loads(raw, parse_float=_storable_decimal, parse_constant=_not_a_json_number)
    except _NumberOutOfRange:
        raise invalid_body(
            "The body contains a number that cannot be stored (NaN, Infinity or out of range)"
        ) from None
    except (ValueError, UnicodeDecodeError):
        raise invalid_body("The body is not valid JSON") from None
    except RecursionError:  # nesting deeper than Python's parser goes
        raise invalid_body("The body is nested too deeply") from None
    if not isinstance(body, dict):
        raise invalid_body("The body must be a JSON object")
    _check_text(body)
    return body


class _NumberOutOfRange(ValueError):
    pass


def _storable_decimal(text: str) -> Decimal:
    """A JSON number with a fraction or exponent, kept exactly as written (a float would round
    123456789012345678901234567890.123456789), as long as it is within a double's range, which
    every JSON reader handles: 1e400 and 1e-400 are refused, not turned into Infinity or 0.
    jsonb (numeric) keeps at most NUMERIC_MAX_SCALE digits after the point."""
    value = float(text)
    underflow = value == 0.0 and text.lower().partition("e")[0].strip("+-0.") != ""
    if not math.isfinite(value) or underflow:
        raise _NumberOutOfRange(text)
    exact = Decimal(text)
    exponent = exact.as_tuple().exponent
    if isinstance(exponent, int) and -exponent > NUMERIC_MAX_SCALE:
        raise _NumberOutOfRange(text)
    return exact


def _not_a_json_number(name: str) -> Any:
    """NaN, Infinity and -Infinity: Python's parser takes them, JSON and jsonb do not."""
    raise _NumberOutOfRange(name)


def _check_text(body: dict[str, Any]) -> None:
    """Refuse a body with text the database would reject, naming its top-level field, or nested
    deeper than MAX_NESTING (the parser's own limit follows the interpreter's recursion limit,
    which is no contract)."""
    stack: list[tuple[Any, str | None, int]] = [(body, None, 1)]
    while stack:  # iterative: the parser allows deeper nesting than Python's call stack
        value, field, depth = stack.pop()
        if isinstance(value, dict | list) and depth > MAX_NESTING:
            raise invalid_body(f"The body is nested deeper than {MAX_NESTING} levels", field)
        if isinstance(value, str):
            texts = [value]
        elif isinstance(value, dict):
            texts = list(value)
            stack.extend((item, field or key, depth + 1) for key, item in value.items())
        elif isinstance(value, list):
            texts = []
            stack.extend((item, field, depth + 1) for item in value)
        else:
            continue
        if not all(is_storable_text(text) for text in texts):
            message = "The body contains a NUL character or invalid Unicode"
            raise invalid_body(message + (f' in "{field}"' if field else ""), field)


def object_field(body: dict[str, Any], name: str, *, required: bool = True) -> Any:
    return _typed(body, name, dict, "an object", required=required)


def string_field(body: dict[str, Any], name: str, *, required: bool = True) -> Any:
    return _typed(body, name, str, "a string", required=required)


def boolean_field(body: dict[str, Any], name: str, *, required: bool = True) -> Any:
    return _typed(body, name, bool, "true or false", required=required)


def version_field(body: dict[str, Any], name: str = "version") -> int:
    """A submission version: an integer >= 0 (JSON true is not 1). JSON has one number type, so
    an integral value written with a fraction or exponent (`3.0`, `3e0`) is that integer."""
    value = body.get(name)
    if isinstance(value, Decimal) and value == value.to_integral_value():
        value = int(value)
    if type(value) is not int or not 0 <= value <= MAX_INTEGER:
        raise invalid_body(f'"{name}" must be an integer >= 0', name)
    return value


def nullable_uuid_field(body: dict[str, Any], name: str) -> uuid.UUID | None:
    """A required field that is a UUID string or null."""
    if name not in body:
        raise invalid_body(f'"{name}" is required (a UUID or null)', name)
    value = body[name]
    if value is None:
        return None
    parsed = _uuid(value)
    if parsed is None:
        raise invalid_body(f'"{name}" must be a UUID or null', name)
    return parsed


def only_fields(body: dict[str, Any], allowed: tuple[str, ...]) -> None:
    """Refuse fields this endpoint does not know (a typo must not be silently ignored)."""
    for name in body:
        if name not in allowed:
            raise invalid_body(f'Unknown field "{name}" (expected: {", ".join(allowed)})', name)


def query_value(name: str) -> str | None:
    """A query parameter's value; None when absent or empty. Given twice it is a 400: which one
    was meant? (A proxy in front could read the other.)"""
    values = request.args.getlist(name)
    if len(values) > 1:
        raise ApiError(
            400, f'Query parameter "{name}" is given more than once', code="INVALID_PARAMETER",
            details={"parameter": name},
        )  # fmt: skip
    return values[0] if values and values[0] != "" else None


def query_integer(name: str, maximum: int = MAX_INTEGER) -> int | None:
    """An integer from -maximum to maximum (PostgreSQL integer unless told: bigint ids)."""
    raw = query_value(name)
    if raw is None:
        return None
    digits = len(str(maximum))
    if not re.fullmatch(rf"-?[0-9]{{1,{digits}}}", raw) or abs(int(raw)) > maximum:
        raise ApiError(
            400, f'Query parameter "{name}" must be an integer', code="INVALID_PARAMETER",
            details={"parameter": name},
        )  # fmt: skip
    return int(raw)


def query_uuid(name: str) -> uuid.UUID | None:
    raw = query_value(name)
    if raw is None:
        return None
    parsed = _uuid(raw)
    if parsed is None:
        raise ApiError(
            400, f'Query parameter "{name}" must be a UUID', code="INVALID_PARAMETER",
            details={"parameter": name},
        )  # fmt: skip
    return parsed


def query_timestamp(name: str) -> datetime | None:
    """An ISO 8601 date-time with its offset (as the API returns them: `...T10:00:00+00:00`;
    URL-encode the `+`); one without an offset is read as UTC."""
    raw = query_value(name)
    if raw is None:
        return None
    try:
        value = datetime.fromisoformat(raw)
    except ValueError:
        message = f'Query parameter "{name}" must be an ISO 8601 date-time'
        raise ApiError(
            400, message, code="INVALID_PARAMETER", details={"parameter": name}
        ) from None
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def query_string(name: str) -> str | None:
    value = query_value(name)
    if value is not None and not is_storable_text(value):
        raise ApiError(
            400, f'Query parameter "{name}" contains a NUL character', code="INVALID_PARAMETER",
            details={"parameter": name},
        )  # fmt: skip
    return value


def _typed(body: dict[str, Any], name: str, kind: type, description: str, *, required: bool) -> Any:
    if name not in body:
        if required:
            raise invalid_body(f'"{name}" is required ({description})', name)
        return None
    value = body[name]
    # bool is an int subclass; an exact check keeps true out of integer fields and 1 out of bools.
    if type(value) is not kind:
        raise invalid_body(f'"{name}" must be {description}', name)
    return value


def _uuid(value: Any) -> uuid.UUID | None:
    if not isinstance(value, str):
        return None
    try:
        return uuid.UUID(value)
    except ValueError:
        return None


def given(**args: Any) -> dict[str, Any]:
    """The optional arguments the client gave; the others keep the api function's defaults."""
    return {name: value for name, value in args.items() if value is not None}
