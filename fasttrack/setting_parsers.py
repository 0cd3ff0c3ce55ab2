"""How an environment variable's text becomes a setting's value (fasttrack/settings.py).

Each parser takes the variable's name and its text (stripped, never blank: blank means unset)
and returns the value, or raises SettingsError with a message that names the variable and never
echoes a secret or a URL that may carry a token.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import psycopg.conninfo

from fasttrack.text_rules import SLUG_PATTERN

Parser = Callable[[str, str], Any]


class SettingsError(ValueError):
    """A setting is missing or invalid; the message names the variable."""


def text(_name: str, value: str) -> str:
    return value


def path(_name: str, value: str) -> Path:
    return Path(value)


def choice(allowed: tuple[str, ...]) -> Parser:
    def parse(name: str, value: str) -> str:
        if value not in allowed:
            raise SettingsError(f"{name}={value!r} is not one of: {', '.join(allowed)}")
        return value

    return parse


def integer(low: int, high: int) -> Parser:
    def parse(name: str, raw: str) -> int:
        try:
            value = int(raw)
        except ValueError:
            raise SettingsError(f"{name}={raw!r} is not an integer") from None
        if not low <= value <= high:
            raise SettingsError(f"{name}={value} is out of range ({low}..{high})")
        return value

    return parse


def number(low: float, high: float) -> Parser:
    def parse(name: str, raw: str) -> float:
        try:
            value = float(raw)
        except ValueError:
            raise SettingsError(f"{name}={raw!r} is not a number") from None
        if not low <= value <= high:  # also refuses nan
            raise SettingsError(f"{name}={value} is out of range ({low}..{high})")
        return value

    return parse


def clock_time(name: str, raw: str) -> str:
    """A time of day as HH:MM (24 hours), kept as that text."""
    hours, _, minutes = raw.partition(":")
    if not (len(hours) == 2 and len(minutes) == 2 and hours.isdigit() and minutes.isdigit()) or (
        int(hours) > 23 or int(minutes) > 59
    ):
        raise SettingsError(f"{name}={raw!r} is not a time of day as HH:MM (00:00 to 23:59)")
    return raw


def boolean(name: str, raw: str) -> bool:
    value = raw.lower()
    if value in ("1", "true", "yes", "on"):
        return True
    if value in ("0", "false", "no", "off"):
        return False
    raise SettingsError(f"{name}={raw!r} is not a boolean (true/false, 1/0, yes/no, on/off)")


def secret(min_bytes: int = 0) -> Parser:
    def parse(name: str, value: str) -> str:
        # Never echo a secret's value in a message; name the variable only.
        if len(value.encode()) < min_bytes:
            raise SettingsError(f"{name} must be at least {min_bytes} bytes long")
        return value

    return parse


def is_http_url(value: str) -> bool:
    """An absolute http or https URL with a host: the one URL check every setting uses."""
    try:
        parts = urlsplit(value)
        return parts.scheme in ("http", "https") and bool(parts.hostname)
    except ValueError:  # e.g. an unclosed IPv6 bracket
        return False


def http_url(name: str, value: str) -> str:
    if not is_http_url(value):
        raise SettingsError(f"{name}={value!r} is not an http(s) URL")
    return value


def private_http_url(name: str, value: str) -> str:
    """An http(s) URL that may carry a token, so a message never shows it."""
    if not is_http_url(value):
        raise SettingsError(f"{name} is not an http(s) URL")
    return value


def private_http_urls(name: str, raw: str) -> tuple[str, ...]:
    """Comma-separated URLs that may carry tokens (a bad one is named by its position), repeats
    dropped."""
    urls: list[str] = []
    for position, item in enumerate(raw.split(","), start=1):
        url = item.strip()
        if url and not is_http_url(url):
            raise SettingsError(f"{name}: item {position} is not an http(s) URL")
        if url and url not in urls:
            urls.append(url)
    return tuple(urls)


def origins(name: str, raw: str) -> tuple[str, ...]:
    """Comma-separated origins (scheme://host[:port], no path), compared verbatim to Origin."""
    found = []
    for item in raw.split(","):
        origin = item.strip().rstrip("/")
        if not origin:
            continue
        parts = urlsplit(http_url(name, origin))
        if parts.path or parts.query or parts.fragment:
            raise SettingsError(f"{name}: {origin!r} is not an origin (scheme://host[:port])")
        found.append(origin)
    return tuple(found)


def conninfo(name: str, url: str) -> str:
    try:
        psycopg.conninfo.conninfo_to_dict(url)
    except psycopg.ProgrammingError:
        # Never echo the value or libpq's message: both may contain the password.
        raise SettingsError(f"{name} is not a valid PostgreSQL connection string") from None
    return url


def slugs(name: str, raw: str) -> tuple[str, ...]:
    """Comma-separated tool slugs, repeats dropped; `none` for none."""
    found: list[str] = []
    if raw.strip().lower() == "none":
        return ()
    for item in raw.split(","):
        slug = item.strip()
        if slug and not re.fullmatch(SLUG_PATTERN, slug):
            raise SettingsError(f"{name}: {slug!r} is not a tool slug")
        if slug and slug not in found:
            found.append(slug)
    return tuple(found)
