"""The Jinja environment of the export templates, and the filters they format values with.

Autoescape is on for every template, whatever its name: answers are user data, never markup.
Filters that build markup escape their input first and return Markup themselves.
"""

from __future__ import annotations

import re
from datetime import datetime
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup, escape

from exports.left_out import LeftOut, note_of

TEMPLATES = Path(__file__).resolve().parent / "templates"
# Keys that name a table's row, in order of preference: such a column is shown first.
# (Stored answers are jsonb, which orders keys by length, not as the tool page wrote them.)
ROW_LABELS = (
    "name", "person", "who", "member", "team", "role", "profile",
    "quarter", "month", "year", "period", "phase", "stage", "step", "ritual", "meeting",
    "value", "area", "segment", "channel", "product", "tier", "activity", "process", "decision",
    "problem", "hypothesis", "priority", "touchpoint", "source", "metric", "kpi", "goal", "item",
    "when",
)  # fmt: skip
# Numbers of the answers: JSON numbers with a fraction come from the database as Decimals.
NUMBER = int | float | Decimal
MAX_DEPTH = 4  # nesting rendered as structure; deeper values are shown as plain text
MAX_PLAIN_DEPTH = 12
# Words a key spells in lower case that a reader expects in capitals.
ACRONYMS = frozenset(
    [
        "abc",
        "ai",
        "b2b",
        "b2c",
        "ceo",
        "cfo",
        "coo",
        "cto",
        "evp",
        "id",
        "kpi",
        "mvp",
        "okr",
        "sam",
        "som",
        "tam",
        "url",
        "usp",
        "www",
    ]
)
IDENTIFIER = re.compile(r"[A-Za-z][A-Za-z0-9]*(?:[_-][A-Za-z0-9]+)*")  # a key, not prose


@cache
def environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=False,
    )
    env.filters.update(
        paragraphs=paragraphs,
        number=number,
        humanize=humanize,
        day=day,
        kind=kind,
        columns=columns,
        plain=plain,
        left_out=note_of,
        widths=widths,
    )
    env.globals["MAX_DEPTH"] = MAX_DEPTH
    return env


def template_for(slug: str) -> str:
    """A tool's own template when it has one (tools/<slug>.html), else the generic one."""
    own = f"tools/{slug}.html"
    return own if (TEMPLATES / own).is_file() else "tool.html"


def paragraphs(text: Any) -> Markup:
    """Text as paragraphs: blank lines separate them, single newlines are line breaks."""
    blocks = re.split(r"\n\s*\n", str(text).replace("\r\n", "\n").strip())
    return Markup("").join(
        Markup("<p>{}</p>").format(Markup("<br>").join(escape(line) for line in block.split("\n")))
        for block in blocks
        if block.strip()
    )


def number(value: Any) -> str:
    """1250000 -> 1,250,000; 3.14159 -> 3.14; anything else unchanged."""
    if isinstance(value, bool) or not isinstance(value, NUMBER):
        return str(value)
    if value != int(value):
        return f"{value:,.2f}".rstrip("0").rstrip(".")
    return f"{int(value):,}"


def humanize(key: Any) -> str:
    """A key of the answers as a label: "target_date" and "targetDate" become "Target date".
    A key that is not an identifier is someone's text: it is shown as it is."""
    if not IDENTIFIER.fullmatch(str(key)):
        return str(key)
    text = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", " ", str(key))
    words = re.sub(r"[_-]+", " ", text).split()
    if len(words) == 1 and words[0].isupper():
        return words[0]  # ABC stays ABC
    words = [word.lower() for word in words]
    words[0] = words[0].capitalize()
    return " ".join(word.upper() if word.lower() in ACRONYMS else word for word in words)


def day(value: Any) -> str:
    """An ISO timestamp as a date people read: 22 November 2026 (UTC, as stored)."""
    if not value:
        return ""
    try:
        moment = datetime.fromisoformat(str(value))
    except ValueError:
        return str(value)
    return f"{moment.day} {moment:%B %Y}"


def kind(value: Any) -> str:
    """How a value is laid out: empty, boolean, number, text, list, table, matrix, columns,
    object, or left-out (a value the document had no room for, see bounds.py)."""
    if isinstance(value, LeftOut):
        return "left-out"
    if value is None or value == "" or value == [] or value == {}:
        return "empty"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, NUMBER):
        return "number"
    if isinstance(value, str):
        return "text" if value.strip() else "empty"
    if isinstance(value, list):
        if all(isinstance(item, dict) for item in value):
            return "table"
        if all(isinstance(item, list) for item in value):
            return "matrix"
        return "list"
    if isinstance(value, dict):
        # A few named lists side by side (A/B/C players; eliminate/limit/delegate) read best
        # as columns; anything else as a two-column table of labels and values.
        if 2 <= len(value) <= 4 and all(_short_list(item) for item in value.values()):
            return "columns"
        return "object"
    return "text"


def columns(rows: list[dict[str, Any]]) -> list[str]:
    """The keys of a table's rows, in the order they first appear. A table the registry
    declares (its rows marked `declared`) keeps its declared columns' order; for any other
    the column that names the row (person, quarter, step...) comes first: stored answers are
    jsonb, which keeps keys ordered by length rather than as the tool page wrote them."""
    seen: dict[str, None] = {}
    for row in rows:
        for key in row:
            seen.setdefault(key, None)
    keys = list(seen)
    if getattr(rows, "declared", False):
        return keys  # the registry's columns, in its order (context.declared_table)
    leading = next((key for name in ROW_LABELS for key in keys if key.lower() == name), None)
    return keys if leading is None else [leading, *(key for key in keys if key != leading)]


def widths(rows: list[dict[str, Any]], keys: list[str]) -> list[int]:
    """Percent widths of a table's columns, by how much text each holds. Tables of answers are
    laid out with `table-layout: fixed`: an automatic layout measures the text of every cell,
    at a cost that grows with the square of its length (a 1,000-word cell took a minute)."""
    weights = []
    for key in keys:
        lengths = [len(plain(row.get(key))) for row in rows if row.get(key) is not None]
        mean = sum(lengths) / len(lengths) if lengths else 0
        weights.append(max(len(humanize(key)), min(mean, 400), 4) ** 0.5)
    total = sum(weights) or 1
    shares = [max(8, round(100 * weight / total)) for weight in weights]
    scale = 100 / sum(shares)
    return [max(1, int(share * scale)) for share in shares]


def plain(value: Any, depth: int = 0) -> str:
    """A value too deeply nested to lay out, as compact text (cut short past MAX_PLAIN_DEPTH:
    answers may nest as deep as the JSON parser allowed, far beyond any call stack's taste)."""
    if depth >= MAX_PLAIN_DEPTH and isinstance(value, dict | list):
        return "…"
    if isinstance(value, dict):
        return "; ".join(f"{humanize(k)}: {plain(v, depth + 1)}" for k, v in value.items())
    if isinstance(value, list):
        return ", ".join(plain(item, depth + 1) for item in value)
    if value is None:
        return "—"
    return number(value) if isinstance(value, NUMBER) else str(value)


def _short_list(value: Any) -> bool:
    return isinstance(value, list) and all(
        isinstance(item, str | NUMBER) and not isinstance(item, bool) for item in value
    )
