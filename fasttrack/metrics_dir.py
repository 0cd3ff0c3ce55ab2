"""Where gunicorn's workers keep their metrics (prometheus_client's multiprocess mode).

Each worker writes its counters and histograms to memory-mapped files in one directory, and a
scrape, served by whichever worker, sums the files of all of them. gunicorn's master prepares
the directory before any worker starts (fasttrack/gunicorn_conf.py), tells prometheus_client of
a worker's death (its live gauges stop counting) and removes a directory it made when it exits.
No prometheus_client import at module level: the variable must be set before it is imported.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

VARIABLE = "PROMETHEUS_MULTIPROC_DIR"
_made_here: Path | None = None


def prepare() -> Path:
    """The directory for this master's workers, empty: PROMETHEUS_MULTIPROC_DIR when set (the
    files of an earlier run are removed: their counts belong to processes that are gone), else
    a new temporary one, exported to the workers and removed by `cleanup`."""
    global _made_here
    given = os.environ.get(VARIABLE, "").strip()
    if given:
        directory = Path(given)
        directory.mkdir(parents=True, exist_ok=True)
        for stale in directory.glob("*.db"):
            stale.unlink(missing_ok=True)
    else:
        directory = Path(tempfile.mkdtemp(prefix="fasttrack-metrics-"))
        _made_here = directory
        os.environ[VARIABLE] = str(directory)
    return directory


def worker_exited(pid: int) -> None:
    """A worker is gone: its live gauges (connections in use) no longer count."""
    from prometheus_client import multiprocess

    if os.environ.get(VARIABLE):
        multiprocess.mark_process_dead(pid)


def cleanup() -> None:
    """Remove the directory `prepare` made (never one the operator gave)."""
    if _made_here is not None:
        shutil.rmtree(_made_here, ignore_errors=True)
