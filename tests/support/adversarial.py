"""Answers built to make a PDF export as costly as 256 KiB (the body limit) allows: wide and
long tables, deep nesting, one huge text, many keys, text in many scripts. Each is just under
256 KiB as JSON; exports/bounds.py must keep every one's render to seconds."""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from typing import Any

LIMIT = 256 * 1024 - 64  # the body also holds {"data": ..., "version": 0}


def grown(make: Callable[[int], Any], low: int = 1, high: int = LIMIT) -> Any:
    """make(n) for the largest n whose JSON fits LIMIT (make grows with n)."""
    while low < high:
        middle = (low + high + 1) // 2
        if len(json.dumps(make(middle)).encode()) <= LIMIT:
            low = middle
        else:
            high = middle - 1
    return make(low)


def nested(n: int) -> Any:
    value: Any = "bottom"
    for level in range(n):
        value = {"level": value, "side": [level, {"x": level}]}
    return value


def scripts(n: int) -> str:
    """Text mixing Latin, Greek, Cyrillic, Arabic, Devanagari, CJK, emoji: font fallback work."""
    pick = random.Random(n)
    ranges = [(0x41, 0x7A), (0x391, 0x3C9), (0x410, 0x44F), (0x627, 0x64A), (0x905, 0x939),
              (0x4E00, 0x9FFF), (0x1F300, 0x1F64F), (0xAC00, 0xD7A3)]  # fmt: skip
    words = []
    for _ in range(n):
        low, high = pick.choice(ranges)
        words.append("".join(chr(pick.randint(low, high)) for _ in range(pick.randint(2, 9))))
    return " ".join(words)


ADVERSARIAL: dict[str, Callable[[], dict[str, Any]]] = {
    "rows whose keys all differ": lambda: grown(lambda n: {"t": [{f"k{i}": 1} for i in range(n)]}),
    "a table of 8 columns and many rows": lambda: grown(
        lambda n: {"t": [{f"c{c}": f"cell {r}.{c} text" for c in range(8)} for r in range(n)]}
    ),
    "a grid of many rows and columns": lambda: grown(
        lambda n: {"t": [[f"{r}.{c}" for c in range(60)] for r in range(n)]}
    ),
    "tables inside tables": lambda: grown(
        lambda n: {
            "t": [{"a": [{"b": [{"c": [{"d": i}] * 4}] * 4}] * 4, "e": "x" * 20} for i in range(n)]
        }
    ),
    "deep nesting": lambda: grown(lambda n: {"t": nested(n)}, high=600),
    "one huge text": lambda: grown(lambda n: {"plan": "word " * n}),
    "one huge unbroken token": lambda: grown(lambda n: {"plan": "x" * n}),
    "a text of line breaks": lambda: grown(lambda n: {"plan": "a\n" * n}),
    "text in many scripts": lambda: grown(lambda n: {"plan": scripts(n)}),
    "many keys": lambda: grown(lambda n: {f"note_{i}": f"answer {i}" for i in range(n)}),
    "many long texts": lambda: grown(lambda n: {f"note_{i}": "word " * 2_000 for i in range(n)}),
    "many texts in many scripts": lambda: grown(
        lambda n: {f"note_{i}": scripts(1_000 + i) for i in range(n)}, high=200
    ),
    "one huge key": lambda: grown(lambda n: {"k" * n: 1}),
    "a long list": lambda: grown(lambda n: {"t": [f"item {i}" for i in range(n)]}),
}
