"""Structured logs: one JSON object per line, for the app, the HTTP server and the launcher alike.

Only what a record's message and its `extra` fields carry is written: callers pass ids, methods,
paths and statuses, never tokens, secrets, cookies, headers or bodies.
"""

from __future__ import annotations

import json
import logging
import sys
import time
from typing import Any

# Attributes every LogRecord has; anything else on a record came from `extra=` and is logged.
_STANDARD = frozenset(logging.makeLogRecord({}).__dict__) | {"message", "asctime", "taskName"}
# One encoder for every line (json.dumps with `default` would build a new one each time).
_ENCODER = json.JSONEncoder(default=str)
_LEVELS = {level: name.lower() for name, level in logging.getLevelNamesMapping().items()}


class JsonFormatter(logging.Formatter):
    """`{"ts", "level", "logger", "message", ...extra}` on one line. Every request writes one,
    so it is built with as little as it takes: the second's text is kept until the next."""

    _second = -1
    _second_text = ""

    def format(self, record: logging.LogRecord) -> str:
        second = int(record.created)
        if second != self._second:  # "2026-12-02T16:40:05", UTC, made once a second
            self._second_text = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(second))
            self._second = second
        entry: dict[str, Any] = {
            "ts": f"{self._second_text}.{int(record.msecs):03d}+00:00",
            "level": _LEVELS.get(record.levelno) or record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key, value in record.__dict__.items():
            if key not in _STANDARD:
                entry[key] = value
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return _ENCODER.encode(entry)


def configure_logging(level: int = logging.INFO) -> None:
    """Send the root logger's records to stderr as JSON lines; calling it again changes nothing."""
    root = logging.getLogger()
    # The HTTP server's log config may have installed one already: never write each line twice.
    if any(isinstance(handler.formatter, JsonFormatter) for handler in root.handlers):
        return
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    root.addHandler(handler)
    if root.level == logging.NOTSET or root.level > level:
        root.setLevel(level)


def server_logconfig() -> dict[str, Any]:
    """The HTTP server's own logs (granian's `_granian` loggers: start-up, workers) in the same
    JSON format; its access log off: the app logs each request itself, without the query
    string (it can hold an SSO signature)."""
    handler = {"class": "logging.StreamHandler", "formatter": "json", "stream": "ext://sys.stderr"}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {"()": JsonFormatter}},
        "handlers": {"stderr": handler},
        "root": {"level": "INFO", "handlers": ["stderr"]},
        "loggers": {
            "_granian": {"level": "INFO", "handlers": [], "propagate": True},
            "granian.access": {"level": "CRITICAL", "handlers": [], "propagate": False},
        },
    }
