"""A stand-in for the n8n AI agent: a real HTTP server on 127.0.0.1 that records what it receives
and answers the way it is told (a good answer, an error status, too slowly, something unreadable).
"""

from __future__ import annotations

import contextlib
import json
import socket
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

ANSWER = "Make the wish specific and measurable."
MODES = ("ok", "error", "slow", "trickle", "malformed", "empty_answer", "not_json", "hold")


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes

    @property
    def json(self) -> Any:
        return json.loads(self.body)


class AgentStub:
    """`mode` decides the next answers:

    ok            200 {"answer": ANSWER}
    error         500 with a JSON error
    slow          200 {"answer": ...} after `delay` seconds (set it beyond N8N_TIMEOUT_SECONDS)
    trickle       200 and a JSON body one byte every `delay` / 10 seconds (headers at once)
    malformed     200 JSON without an "answer"
    empty_answer  200 {"answer": "  "}
    not_json      200 text/html
    hold          waits until `release()`, then answers as "ok" (to look inside meanwhile)
    """

    def __init__(self, mode: str = "ok", delay: float = 2.0) -> None:
        self.mode = mode
        self.delay = delay
        self.received: list[Received] = []
        self.arrived = threading.Event()  # set when a request has been read (hold mode)
        self._released = threading.Event()
        self._lock = threading.Lock()
        stub = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                with stub._lock:
                    stub.received.append(Received(self.path, dict(self.headers.items()), body))
                stub.arrived.set()
                # OSError: the service gave up on us (a timeout) and closed the connection.
                with contextlib.suppress(OSError):
                    stub._answer(self)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True  # a slow answer must not hold up close()
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_port}/webhook/fasttrack-assist"

    def count(self) -> int:
        with self._lock:
            return len(self.received)

    def release(self) -> None:
        self._released.set()

    def close(self) -> None:
        self._released.set()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def _answer(self, handler: BaseHTTPRequestHandler) -> None:
        mode = self.mode
        if mode == "hold":
            self._released.wait(timeout=30)
            mode = "ok"
        if mode == "slow":
            time.sleep(self.delay)
            mode = "ok"
        if mode == "ok":
            _send(handler, 200, json.dumps({"answer": ANSWER}).encode())
        elif mode == "error":
            _send(handler, 500, b'{"message": "Workflow could not be started"}')
        elif mode == "malformed":
            _send(handler, 200, b'{"output": "an answer under the wrong name"}')
        elif mode == "empty_answer":
            _send(handler, 200, b'{"answer": "  "}')
        elif mode == "not_json":
            _send(handler, 200, b"<html><body>Bad gateway</body></html>", "text/html")
        elif mode == "trickle":
            body = json.dumps({"answer": ANSWER}).encode()
            handler.send_response(200)
            handler.send_header("Content-Type", "application/json")
            handler.send_header("Content-Length", str(len(body)))
            handler.end_headers()
            for byte in body:
                handler.wfile.write(bytes([byte]))
                handler.wfile.flush()
                time.sleep(self.delay / 10)
        else:  # pragma: no cover - a typo in a test
            raise AssertionError(f"unknown mode {mode!r}")


def _send(
    handler: BaseHTTPRequestHandler, status: int, body: bytes, kind: str = "application/json"
) -> None:
    handler.send_response(status)
    handler.send_header("Content-Type", kind)
    handler.send_header("Content-Length", str(len(body)))
    handler.end_headers()
    handler.wfile.write(body)


def closed_port_url() -> str:
    """A URL on 127.0.0.1 where nothing listens (a port just bound and released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}/webhook/fasttrack-assist"
