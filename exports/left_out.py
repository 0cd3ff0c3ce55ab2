"""The marks a bound leaves in an answer (exports/bounds.py), for the templates to show.

A value cut short keeps its type (text, list, object) and carries a note saying what was left
out; a value the document had no room for at all becomes a LeftOut. Both are plain Python
values, so every filter and template treats them like the answer they stand for.
"""

from __future__ import annotations

from typing import Any


class NotedText(str):
    """Text cut short; `note` says what was left out."""

    note = ""


class NotedList(list[Any]):
    """A list cut short, or rows shown as text; `note` says what was left out. `declared`:
    the rows of a table whose columns the registry declares, keyed by their labels in the
    declared order (environment.columns keeps that order)."""

    note = ""
    declared = False


class NotedDict(dict[str, Any]):
    """An object with entries left out; `note` says which."""

    note = ""


class LeftOut:
    """A value the document had no room for."""

    def __init__(self, note: str) -> None:
        self.note = note

    def __repr__(self) -> str:
        return f"LeftOut({self.note!r})"


def noted(value: Any, note: str) -> Any:
    """`value` with `note` attached (text, list or dict); other values are returned unchanged."""
    if not note:
        return value
    for plain, kind in ((str, NotedText), (list, NotedList), (dict, NotedDict)):
        if isinstance(value, plain):
            marked = kind(value)
            marked.note = note
            return marked
    return value


def note_of(value: Any) -> str:
    """What a bound left out of `value`, or "" when nothing was."""
    return getattr(value, "note", "") or ""
