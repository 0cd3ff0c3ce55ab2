"""How much of an answer a PDF lays out: bounds on columns, rows, cells, nesting and text.

Layout time grows with what a page holds, not with the bytes of the answer: 120 rows whose keys
all differ are a 1.5 KB answer and a 120 x 120 table that took WeasyPrint over 30 s. So every
value is fitted before the templates see it. Past a bound it is laid out as text (a table too
wide for a page) or cut short, with a note saying what was left out (exports/left_out.py); one
budget per document caps the sum, so many values each within bounds cannot add up to hours.
The JSON export always has everything.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from exports.environment import MAX_DEPTH, columns, number, plain
from exports.left_out import LeftOut, NotedDict, NotedList, NotedText

MAX_COLUMNS = 8  # a table wider than this is shown as text, one line per row
MAX_ITEMS = 200  # rows of a table, items of a list, entries of an object
MAX_TABLE_CELLS = 800  # rows x columns of one table
MAX_TEXT = 12_000  # characters of one answer's text (about four pages)
MAX_LINES = 300  # lines of one answer's text (each line break is a line on paper)
MAX_CELL_TEXT = 1_500  # characters of text inside a table, a list or an object
MAX_CELL_LINES = 40
MAX_KEY = 120  # characters of a key shown as a label
# Tables within tables (an object is a table of labels and values): WeasyPrint measures a
# nested table once per measurement of the one around it, so the cost multiplies per level.
MAX_TABLE_NESTING = 2  # a table in a table's cell; one more level down is shown as text
TABLE_COST = 25  # cells of the document's budget a table costs, beside its own cells
# The whole document: the showcase program report (every tool filled, tests/support/showcase.py)
# uses 1,800 cells and 9,000 characters; 60,000 characters are about 25 pages of text.
MAX_DOCUMENT_CELLS = 2_500
MAX_DOCUMENT_CHARACTERS = 60_000
# A run of text without a break opportunity costs WeasyPrint more than its length (12,000
# characters took six times as long as with spaces): long runs get zero-width spaces, where
# overflow-wrap: anywhere would break them anyway.
LONG_RUN = re.compile(r"\S{80,}")
RUN_PIECE = 40

# Nesting kept when a bundle is sent to the render process (pickled, recursively): deeper than
# any layout or text of a value looks (MAX_DEPTH, then MAX_PLAIN_DEPTH), with the bundle's own
# levels above the values.
MAX_BUNDLE_DEPTH = 48

NO_ROOM = "Left out: this document reached its size limit (the JSON export has everything)."


@dataclass
class Budget:
    """What is left of one document's cells and characters."""

    cells: int = MAX_DOCUMENT_CELLS
    characters: int = MAX_DOCUMENT_CHARACTERS

    @property
    def spent(self) -> bool:
        return self.cells <= 0 or self.characters <= 0

    def take(self, cells: int, characters: int = 0) -> None:
        self.cells -= cells
        self.characters -= characters


def fit(value: Any, budget: Budget, depth: int = 0, tables: int = 0) -> Any:
    """`value` within the bounds, as the templates lay it out at `depth` (0: a field) inside
    `tables` tables."""
    if budget.spent:
        return LeftOut(NO_ROOM)
    if isinstance(value, str):
        inside = depth > 0
        return fit_text(
            value,
            budget,
            MAX_CELL_TEXT if inside else MAX_TEXT,
            MAX_CELL_LINES if inside else MAX_LINES,
        )
    if not isinstance(value, list | dict):
        budget.take(1, len(number(value)) if isinstance(value, int | float) else 1)
        return value
    if depth >= MAX_DEPTH or (tables >= MAX_TABLE_NESTING and laid_as_table(value)):
        return fit_text(plain(value), budget, MAX_CELL_TEXT, MAX_CELL_LINES)
    budget.take(TABLE_COST if laid_as_table(value) else 1)
    fitted = fit_container(value, budget, depth, tables + laid_as_table(value))
    # Nothing left but the note (the budget ran out at the first entry): show the note alone.
    return LeftOut(fitted.note) if value and not fitted else fitted


def laid_as_table(value: Any) -> bool:
    """Whether the templates lay `value` out as a table (environment.kind)."""
    if isinstance(value, dict):
        return bool(value)
    return bool(value) and (
        all(isinstance(row, dict) for row in value) or all(isinstance(row, list) for row in value)
    )


def fit_container(
    value: list[Any] | dict[Any, Any], budget: Budget, depth: int, tables: int
) -> Any:
    if isinstance(value, dict):
        return fit_object(value, budget, depth, tables)
    if value and all(isinstance(row, dict) for row in value):
        return fit_table(value, budget, depth, tables)
    if value and all(isinstance(row, list) for row in value):
        if max(len(row) for row in value) > MAX_COLUMNS:
            return rows_as_text(value, budget, "items")
        per_row = max(1, *map(len, value))
        return fit_items(value, budget, depth, tables, MAX_TABLE_CELLS // per_row)
    return fit_items(value, budget, depth, tables, MAX_ITEMS)


def fit_text(text: str, budget: Budget, limit: int, lines: int) -> str | LeftOut:
    """Text cut at `limit` characters or `lines` lines, whichever comes first."""
    room = min(limit, budget.characters)
    if room <= 0:
        return LeftOut(NO_ROOM)
    cut = min(len(text), room)
    newline = -1
    for _ in range(lines):
        newline = text.find("\n", newline + 1, cut)
        if newline < 0:
            break
    else:
        cut = newline
    budget.take(1, cut)
    if cut >= len(text):
        return breakable(text)
    clipped = NotedText(breakable(text[:cut].rstrip()) + " …")
    rest = len(text) - cut
    clipped.note = f"{count(rest, 'more character')} left out (the JSON export has the whole text)."
    return clipped


def breakable(text: str) -> str:
    """`text` with a zero-width space every RUN_PIECE characters of a long unbroken run."""
    return LONG_RUN.sub(
        lambda run: "\u200b".join(
            run[0][at : at + RUN_PIECE] for at in range(0, len(run[0]), RUN_PIECE)
        ),
        text,
    )


def fit_object(value: dict[Any, Any], budget: Budget, depth: int, tables: int) -> dict[str, Any]:
    fitted = NotedDict()
    for taken, (key, item) in enumerate(value.items()):
        if taken == MAX_ITEMS or budget.spent:
            fitted.note = left_out_note(len(value) - taken, "more entry", budget)
            break
        label = fit_key(key)
        budget.take(1, len(label))
        fitted[label] = fit(item, budget, depth + 1, tables)
    return fitted


def fit_table(rows: list[dict[Any, Any]], budget: Budget, depth: int, tables: int) -> list[Any]:
    keys = columns(rows)
    if len(keys) > MAX_COLUMNS:
        return rows_as_text(rows, budget, "columns", len(keys))
    limit = min(MAX_ITEMS, MAX_TABLE_CELLS // max(1, len(keys)))
    fitted = NotedList()
    fitted.declared = getattr(rows, "declared", False)
    for taken, row in enumerate(rows):
        if taken == limit or budget.spent:
            fitted.note = left_out_note(len(rows) - taken, "more row", budget)
            break
        budget.take(1)
        fitted.append(
            NotedDict(
                (fit_key(key), fit(item, budget, depth + 1, tables)) for key, item in row.items()
            )
        )
    return fitted


def fit_items(items: list[Any], budget: Budget, depth: int, tables: int, limit: int) -> list[Any]:
    fitted = NotedList()
    for taken, item in enumerate(items):
        if taken == min(limit, MAX_ITEMS) or budget.spent:
            fitted.note = left_out_note(len(items) - taken, "more item", budget)
            break
        fitted.append(fit(item, budget, depth + 1, tables))
    return fitted


def rows_as_text(rows: list[Any], budget: Budget, what: str, width: int = 0) -> list[Any]:
    """Rows too wide for a table, as a list of lines of text."""
    fitted = NotedList()
    for taken, row in enumerate(rows):
        if taken == MAX_ITEMS or budget.spent:
            left = left_out_note(len(rows) - taken, "more row", budget)
            break
        fitted.append(fit_text(plain(row), budget, MAX_CELL_TEXT, MAX_CELL_LINES))
    else:
        left = ""
    wide = f"{width} {what}" if width else f"rows of more than {MAX_COLUMNS} {what}"
    fitted.note = f"Shown as text, one row per line: {wide} do not fit a page as a table. {left}"
    return fitted


def fit_key(key: Any) -> str:
    text = str(key)
    return text if len(text) <= MAX_KEY else text[: MAX_KEY - 1] + "…"


def left_out_note(left: int, what: str, budget: Budget) -> str:
    why = "the document reached its size limit" if budget.spent else "a page shows no more"
    return f"{count(left, what)} left out ({why}; the JSON export has them all)."


def count(n: int, what: str) -> str:
    """3 -> "3 more rows", 1 -> "1 more row" (what is given singular)."""
    if n == 1:
        return f"1 {what}"
    plural = what[:-1] + "ies" if what.endswith("y") else what + "s"
    return f"{n:,} {plural}"


def shallow(value: Any, depth: int = 0) -> Any:
    """`value` with what lies deeper than MAX_BUNDLE_DEPTH replaced by "…" (answers may nest as
    deep as the JSON parser allowed; nothing that deep is shown)."""
    if isinstance(value, dict):
        if depth >= MAX_BUNDLE_DEPTH:
            return "…"
        return {key: shallow(item, depth + 1) for key, item in value.items()}
    if isinstance(value, list):
        return "…" if depth >= MAX_BUNDLE_DEPTH else [shallow(item, depth + 1) for item in value]
    return value
