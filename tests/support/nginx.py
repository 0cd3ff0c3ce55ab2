"""Debian's nginx as the balancer in front of several service instances, as Railway's (or any
reverse proxy) would be: round robin over the instances, on 127.0.0.1, started by the test with
its own configuration and prefix directory (no root paths, nothing of the system's nginx).

Every answer carries `X-Upstream` (the instance that served it), so a test can see that the
requests of one flow really went to different instances.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import socket
import subprocess
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest

START_TIMEOUT = 20.0
UPSTREAM_HEADER = "X-Upstream"


def nginx_binary() -> str:
    """Debian installs it in /usr/sbin, which a user's PATH may lack."""
    found = shutil.which("nginx") or shutil.which("nginx", path="/usr/sbin:/usr/local/sbin")
    if found is None:
        pytest.fail("nginx is not installed (apt-get install -y nginx; .ci/run installs it)")
    return found


def config(prefix: Path, port: int, upstreams: Sequence[str]) -> str:
    """A whole nginx.conf: one worker (so round robin alternates strictly), every path in
    `prefix`, the service's forwarding headers as one trusted proxy sets them."""
    servers = "\n".join(f"        server {address};" for address in upstreams)
    # As root, nginx would run its worker as `nobody`, who cannot write the test's directory.
    user = f"user {pwd.getpwuid(os.getuid()).pw_name};" if os.getuid() == 0 else ""
    return f"""
{user}
worker_processes 1;
daemon off;
pid {prefix}/nginx.pid;
error_log {prefix}/error.log info;
events {{ worker_connections 256; }}
http {{
    access_log {prefix}/access.log;
    client_body_temp_path {prefix}/client_body;
    proxy_temp_path {prefix}/proxy;
    fastcgi_temp_path {prefix}/fastcgi;
    uwsgi_temp_path {prefix}/uwsgi;
    scgi_temp_path {prefix}/scgi;
    client_max_body_size 1m;  # the service refuses bodies over 256 KiB itself (413)
    upstream fasttrack {{
{servers}
    }}
    server {{
        listen 127.0.0.1:{port};
        location / {{
            proxy_pass http://fasttrack;
            proxy_set_header Host $host;
            proxy_set_header X-Forwarded-For $remote_addr;  # one proxy: replaced, not appended
            proxy_set_header X-Forwarded-Proto $scheme;
            proxy_read_timeout 120s;
            add_header {UPSTREAM_HEADER} $upstream_addr always;
        }}
    }}
}}
"""


@dataclass
class Nginx:
    prefix: Path
    port: int
    process: subprocess.Popen

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()  # SIGTERM: nginx's fast shutdown
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)

    def log(self) -> str:
        path = self.prefix / "error.log"
        return path.read_text(errors="replace")[-3000:] if path.exists() else "(no log)"


def start_nginx(prefix: Path, port: int, upstreams: Sequence[str]) -> Nginx:
    prefix.mkdir(parents=True, exist_ok=True)
    (prefix / "nginx.conf").write_text(config(prefix, port, upstreams))
    binary = nginx_binary()
    command = [binary, "-p", str(prefix), "-c", str(prefix / "nginx.conf"), "-e", "stderr"]
    checked = subprocess.run([*command, "-t"], capture_output=True, text=True, timeout=30)
    assert checked.returncode == 0, checked.stderr
    log = open(prefix / "nginx.out", "wb")  # noqa: SIM115
    process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
    log.close()
    nginx = Nginx(prefix, port, process)
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"nginx exited ({process.returncode}): {nginx.log()}")
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 1):
            return nginx
        time.sleep(0.1)
    nginx.stop()
    raise AssertionError(f"nginx did not listen on {port} in {START_TIMEOUT} s: {nginx.log()}")
