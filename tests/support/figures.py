"""Figures the reliability tests report (requests tried, faults injected, violations found).

Each test prints one `reliability:` line (visible with `pytest -s` or in a failure's captured
output) and, when FASTTRACK_RELIABILITY_REPORT names a file, appends the same figures to it as a
JSON line, so docs/RELIABILITY.md can quote a real run.
"""

from __future__ import annotations

import json
import os
import time
from typing import Any

REPORT_ENV = "FASTTRACK_RELIABILITY_REPORT"


def report(name: str, **figures: Any) -> None:
    line = json.dumps({"test": name, **figures}, sort_keys=True, default=str)
    print(f"reliability: {line}")
    path = os.environ.get(REPORT_ENV, "").strip()
    if path:
        with open(path, "a", encoding="utf-8") as out:
            out.write(json.dumps({"at": time.strftime("%Y-%m-%dT%H:%M:%S"), **json.loads(line)}))
            out.write("\n")
