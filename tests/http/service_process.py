"""The real service in a subprocess, as production runs it: the launcher's server command
(fasttrack/http_server.py: granian), a main process and its workers. Tests kill it (-9),
restart it, and watch its processes; requests go through a socket like any client's.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import psutil
import requests
from live_http import TEST_ENV, LiveServer

from fasttrack.launcher import server_command
from fasttrack.settings import Settings

REPO_ROOT = Path(__file__).resolve().parents[2]
START_TIMEOUT = 60.0  # seconds for the server to boot its workers and answer /health


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class ServiceProcess:
    """The server serving the app on 127.0.0.1:`port` against `database_url`.

    The port stays the same across restarts, as a restarted service keeps its address.
    """

    database_url: str
    log_dir: Path
    workers: int = 2
    overrides: Mapping[str, str] = field(default_factory=dict)
    port: int = field(default_factory=free_port)
    process: subprocess.Popen | None = None
    starts: int = 0

    @property
    def env(self) -> dict[str, str]:
        return {**TEST_ENV, **self.overrides}

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def live(self) -> LiveServer:
        """The live_http helpers (SSO login, requests) pointed at this process. No Flask app
        lives in this process, so the helpers that would need one are not usable."""
        return LiveServer(
            base_url=self.base_url,
            settings=Settings.from_env(self.env),
            env=self.env,
            app=None,  # type: ignore[arg-type]
        )

    def start(self, *, wait_ready: bool = True) -> None:
        assert self.process is None or self.process.poll() is not None, "already running"
        self.starts += 1
        log = open(self.log_dir / f"service-{self.starts}.log", "wb")  # noqa: SIM115
        command = server_command(
            f"127.0.0.1:{self.port}",
            f"--workers={self.workers}",
            "--graceful-timeout=5",
        )
        env = {**os.environ, **self.env, "DATABASE_URL": self.database_url}
        self.process = subprocess.Popen(
            command, cwd=REPO_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT
        )
        log.close()  # the child has its own copy
        self.wait_until(
            lambda: len(self.pids()["workers"]) == self.workers, what="to boot every worker"
        )
        self.wait_until(lambda: self._answers("/health"), what="to answer /health")
        if wait_ready:
            self.wait_until(lambda: self._answers("/ready"), what="to be ready")

    def wait_until(self, condition, *, what: str, timeout: float = START_TIMEOUT) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process is not None and self.process.poll() is not None:
                raise AssertionError(
                    f"the service exited ({self.process.returncode}):\n{self.tail()}"
                )
            if condition():
                return
            time.sleep(0.1)
        raise AssertionError(f"the service did not manage {what} in {timeout} s:\n{self.tail()}")

    def _answers(self, path: str) -> bool:
        try:
            return requests.get(self.base_url + path, timeout=2).status_code == 200
        except requests.RequestException:
            return False

    def pids(self) -> dict[str, list[int]]:
        """The master's pid and its workers' pids."""
        assert self.process is not None
        master = psutil.Process(self.process.pid)
        return {"master": [master.pid], "workers": sorted(c.pid for c in master.children())}

    def kill9(self) -> int:
        """SIGKILL the master and every worker at once (no graceful anything); return how many
        processes were killed, after making sure they are gone."""
        assert self.process is not None
        master = psutil.Process(self.process.pid)
        victims = [master, *master.children(recursive=True)]
        for victim in victims:
            with contextlib.suppress(psutil.NoSuchProcess):
                victim.send_signal(signal.SIGKILL)
        _, alive = psutil.wait_procs(victims, timeout=10)
        assert not alive, alive
        self.process.wait(timeout=10)
        return len(victims)

    def stop(self) -> None:
        """A graceful stop (SIGTERM), then SIGKILL whatever is left."""
        if self.process is None or self.process.poll() is not None:
            return
        try:
            master = psutil.Process(self.process.pid)
            victims = [master, *master.children(recursive=True)]
        except psutil.NoSuchProcess:
            victims = []
        self.process.send_signal(signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(timeout=15)
        for victim in victims:
            with contextlib.suppress(psutil.NoSuchProcess):
                victim.kill()
        psutil.wait_procs(victims, timeout=10)

    def tail(self, lines: int = 40) -> str:
        logs = sorted(self.log_dir.glob("service-*.log"))
        if not logs:
            return "(no log)"
        text = logs[-1].read_text(encoding="utf-8", errors="replace").splitlines()
        return "\n".join(text[-lines:])
