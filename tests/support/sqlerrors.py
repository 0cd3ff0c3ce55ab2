"""Reading the PTnnn errors the SQL functions raise."""

from __future__ import annotations

import json
from typing import Any

import pytest


def sqlstate_of(excinfo: pytest.ExceptionInfo) -> str:
    return excinfo.value.sqlstate


def detail_of(excinfo: pytest.ExceptionInfo) -> dict[str, Any]:
    return json.loads(excinfo.value.diag.message_detail)
