"""Where the server's workers keep their metrics (prometheus_client's multiprocess mode).

Each worker writes its counters and histograms to memory-mapped files in one directory, and a
scrape, served by whichever worker, sums the files of all of them. The server's main process
prepares the directory before any worker starts and removes a directory it made when it stops
(fasttrack/http_server.py). A dead worker's live gauges stop counting when its replacement
starts, or at the next scrape, whichever comes first (`forget_dead_workers`).
No prometheus_client import at module level: the variable must be set before it is imported.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from pathlib import Path

VARIABLE = "PROMETHEUS_MULTIPROC_DIR"
_made_here: Path | None = None
_LIVE_GAUGE = re.compile(r"gauge_live[a-z]+_(\d+)\.db")


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


def forget_dead_workers() -> None:
    """Drop the live gauges (connections in use) of every worker that no longer runs."""
    given = os.environ.get(VARIABLE)
    if not given:
        return
    pids = {
        int(m.group(1))
        for p in Path(given).glob("gauge_live*_*.db")
        if (m := _LIVE_GAUGE.fullmatch(p.name))
    }
    for pid in pids:
        if not _running(pid):
            worker_exited(pid)


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # another user's process: alive
    return True


def cleanup() -> None:
    """Remove the directory `prepare` made (never one the operator gave)."""
    if _made_here is not None:
        shutil.rmtree(_made_here, ignore_errors=True)
