"""Where the CPU goes during a load: the service, PostgreSQL and the load generator, from /proc.

A process's ticks are its own (utime + stime) plus those of the children it has reaped
(cutime + cstime), so a postmaster counts the backends that came and went, and the HTTP
server's main process the workers it replaced. Linux only; elsewhere every figure is None.
"""

from __future__ import annotations

import os
import resource
from pathlib import Path

TICK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def _stat(pid: int) -> list[str] | None:
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return text[text.rindex(")") + 2 :].split()  # fields from 3 (state) on


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            fields = _stat(int(entry.name))
            if fields and int(fields[1]) == pid:
                found.append(int(entry.name))
    return found


def tree_seconds(pid: int | None) -> float | None:
    """CPU seconds of a process, the children it reaped, and its live children."""
    if pid is None:
        return None
    fields = _stat(pid)
    if fields is None:
        return None
    # fields[11..14] = utime, stime, cutime, cstime (stat fields 14..17)
    ticks = sum(int(f) for f in fields[11:15])
    for child in _children(pid):
        child_fields = _stat(child)
        if child_fields:
            ticks += sum(int(f) for f in child_fields[11:15])
    return ticks / TICK


def reaped_children_seconds() -> float:
    """CPU seconds of this process's waited-for children (wrk, pgbench) so far."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


class CpuMeter:
    """CPU seconds used by the service, PostgreSQL and the load generator between two points."""

    def __init__(self, service_pid: int | None, postmaster_pid: int | None) -> None:
        self.pids = {"service": service_pid, "postgres": postmaster_pid}
        self.start: dict[str, float | None] = {}

    def begin(self) -> None:
        self.start = {name: tree_seconds(pid) for name, pid in self.pids.items()}
        self.start["load_generator"] = reaped_children_seconds()

    def end(self, requests: int) -> dict[str, float | None]:
        """CPU milliseconds per request of each part (None where unknown)."""
        now = {name: tree_seconds(pid) for name, pid in self.pids.items()}
        now["load_generator"] = reaped_children_seconds()
        per_request: dict[str, float | None] = {}
        for name, value in now.items():
            began = self.start.get(name)
            per_request[name] = (
                round((value - began) * 1000 / requests, 3)
                if value is not None and began is not None and requests
                else None
            )
        return per_request


def postmaster_pid(pgdata: Path | None) -> int | None:
    if pgdata is None:
        return None
    try:
        return int((pgdata / "postmaster.pid").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return None
