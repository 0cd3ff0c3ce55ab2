"""Renders in a child process with a deadline: a render that runs past it is killed.

WeasyPrint cannot be interrupted from another thread, and a gthread worker's timeout never
fires while one of its threads is busy, so the bounds of bounds.py have a second wall: every
render runs in a process of its own, forked from a forkserver that has WeasyPrint imported
already (a fork costs milliseconds, the import a second), and is killed when it overruns.
Renders in separate processes need no lock: a slow one holds up no other, up to
RENDERS_AT_ONCE per server process (a render beyond that waits for a slot within its deadline).
"""

from __future__ import annotations

import multiprocessing
import os
import resource
import threading
import time
import traceback
from multiprocessing.connection import Connection
from typing import Any

from exports.bounds import shallow

# Seconds a render may take, the HTML included, unless the caller says (the service passes its
# EXPORT_RENDER_SECONDS setting); the program report takes about 3 s.
DEFAULT_RENDER_SECONDS = 20.0
RENDERS_AT_ONCE = max(2, os.cpu_count() or 1)
RETRY_AFTER_SECONDS = 10

_context = multiprocessing.get_context("forkserver")
_context.set_forkserver_preload(["exports.pdf", "weasyprint"])
_slots = threading.BoundedSemaphore(RENDERS_AT_ONCE)


class RenderTimeout(Exception):
    """A render ran past its deadline (it was killed), or found no free slot in time: `code`,
    `message` and `details` are what the API answers (503, with Retry-After)."""

    def __init__(self, seconds: float, *, busy: bool = False) -> None:
        if busy:
            self.code = "EXPORT_BUSY"
            self.message = (
                f"Every PDF renderer of this server stayed busy for {seconds:g} s; "
                "try again shortly, or export as JSON (format=json)"
            )
        else:
            self.code = "EXPORT_TIMEOUT"
            self.message = (
                f"The PDF took longer than {seconds:g} s to render and was stopped; try again "
                "later, or export as JSON (format=json), which has all of the work"
            )
        super().__init__(self.message)
        self.details = {"seconds": seconds, "retry_after": RETRY_AFTER_SECONDS}


class RenderFailed(RuntimeError):
    """The render process failed; the message carries its traceback."""


def render_within(bundle: dict[str, Any], seconds: float | None = None) -> bytes:
    """The bundle's PDF, rendered in a child process killed after `seconds`."""
    limit = seconds if seconds is not None else DEFAULT_RENDER_SECONDS
    deadline = time.monotonic() + limit
    if not _slots.acquire(timeout=limit):
        raise RenderTimeout(limit, busy=True)
    try:
        return _render_in_child(bundle, limit, deadline)
    finally:
        _slots.release()


def _render_in_child(bundle: dict[str, Any], limit: float, deadline: float) -> bytes:
    receiver, sender = _context.Pipe(duplex=False)
    child = _context.Process(target=_child, args=(shallow(bundle), sender, limit), daemon=True)
    try:
        try:
            child.start()
        finally:
            sender.close()  # the child holds the only writer: a child that dies reads as EOF
        if not receiver.poll(max(0.0, deadline - time.monotonic())):
            raise RenderTimeout(limit)
        try:
            outcome, payload = receiver.recv()
        except EOFError:
            raise RenderFailed(f"the render process died (exit code {_exit_code(child)})") from None
    finally:
        if child.pid is not None:
            if child.is_alive():  # it overran, or is closing down after sending
                child.kill()
            child.join()
        receiver.close()
    if outcome != "pdf":
        raise RenderFailed(payload)
    return payload


def _exit_code(child: Any) -> int | None:
    child.join(1)
    return child.exitcode


def _child(bundle: dict[str, Any], sender: Connection, limit: float) -> None:
    """In the child: render and send ("pdf", bytes) or ("error", traceback)."""
    # A wall of its own, should the parent be gone before it can kill this process.
    cpu = int(limit) + 2
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 1))
    from exports.pdf import render_pdf_here

    try:
        sender.send(("pdf", render_pdf_here(bundle)))
    except Exception:
        sender.send(("error", traceback.format_exc()))
    finally:
        sender.close()
