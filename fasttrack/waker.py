"""A self-pipe that wakes a sleeping thread: the worker's main loop sleeps in it.

The worker waits for three things at once (a NOTIFY on the listener's socket, a delivery thread
finishing, a stop signal) and select() on one pipe plus the socket covers all three.
"""

from __future__ import annotations

import contextlib
import os
import select


class Waker:
    """A self-pipe: the main thread sleeps in select() until a poke, a socket, or the timeout.

    os.write is safe in a signal handler and from any thread, which no lock-based primitive is.
    """

    def __init__(self) -> None:
        self._read, self._write = os.pipe()
        os.set_blocking(self._read, False)
        os.set_blocking(self._write, False)
        self._closed = False

    def poke(self) -> None:
        if self._closed:  # its descriptor numbers may already belong to another file
            return
        # BlockingIOError: full, so already poked; OSError: closed, the worker is done.
        with contextlib.suppress(OSError):
            os.write(self._write, b"!")

    def wait(self, timeout: float | None, *fds: int) -> set[int]:
        """Block until poked, one of `fds` is readable, or `timeout` seconds (None: no limit)."""
        ready, _, _ = select.select([self._read, *fds], [], [], timeout)
        if self._read in ready:
            with contextlib.suppress(BlockingIOError):
                while os.read(self._read, 4096):
                    pass
        return set(ready)

    def close(self) -> None:
        self._closed = True
        os.close(self._read)
        os.close(self._write)
