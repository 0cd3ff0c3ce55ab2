"""How a setting is declared: a Settings field that carries its environment variable, its parser
and its meaning, and the README table it is listed in (fasttrack/settings.py declares them)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from fasttrack.setting_parsers import Parser

Section = Literal["service", "worker", "assistant"]  # the README table that lists a variable
SECTIONS: tuple[Section, ...] = ("service", "worker", "assistant")


@dataclass(frozen=True)
class Variable:
    """One environment variable: how its text becomes the value, and what the README says."""

    name: str
    parse: Parser
    meaning: str
    section: Section
    # Unset is refused outside development, or only in production.
    required: Literal["outside development", "in production"] | None = None
    shown_default: str = "{}"  # the README's default column; {} stands for the default itself


def _setting(
    section: Section,
    name: str,
    default: Any,
    parser: Parser,
    meaning: str,
    *,
    secret: bool = False,
    **options: Any,
) -> Any:
    """A Settings field read from `name`. repr=False on every secret: settings end up in logs
    and tracebacks."""
    variable = Variable(name, parser, meaning, section, **options)
    return field(default=default, repr=not secret, metadata={"variable": variable})


def service(name: str, default: Any, parser: Parser, meaning: str, **options: Any) -> Any:
    """A setting of the web service (the README's Configuration table)."""
    return _setting("service", name, default, parser, meaning, **options)


def worker(name: str, default: Any, parser: Parser, meaning: str, **options: Any) -> Any:
    """A setting of the event worker (its table under Completion events and the worker)."""
    return _setting("worker", name, default, parser, meaning, **options)


def assistant(name: str, default: Any, parser: Parser, meaning: str, **options: Any) -> Any:
    """A setting of the AI assistant (its table under The AI assistant)."""
    return _setting("assistant", name, default, parser, meaning, **options)
