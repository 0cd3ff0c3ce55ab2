"""A real HTTP server on 127.0.0.1 that records every request it receives (for tests proving
that something fetched nothing)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class _Recorder(BaseHTTPRequestHandler):
    """Records the request, then answers with something a renderer would gladly use."""

    def _answer(self) -> None:
        self.server.hits.append((self.command, self.path))  # type: ignore[attr-defined]
        css = self.path.endswith(".css")
        body = b"body { background: red }" if css else b"GIF89a"
        self.send_response(200)
        self.send_header("Content-Type", "text/css" if css else "image/gif")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = do_HEAD = _answer

    def log_message(self, *args: Any) -> None:
        pass


@contextmanager
def recording_server() -> Iterator[tuple[str, list[tuple[str, str]]]]:
    """Yield the server's base URL and the list of (method, path) it has received."""
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Recorder)
    hits: list[tuple[str, str]] = []
    httpd.hits = hits  # type: ignore[attr-defined]
    thread = threading.Thread(target=httpd.serve_forever, name="recorder", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_port}", hits
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=5)
