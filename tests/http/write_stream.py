"""Clients that keep writing over HTTP while tests break things, and the proof afterwards.

A `Writer` is one client thread: it saves and submits one user's tool again and again (each
write's data is unique), remembers every write the service acknowledged with a 2xx, and counts
everything else. `lost_writes` then asks the database, through `shared.submission_version`,
whether each acknowledged version is stored with exactly the data that was sent.
"""

from __future__ import annotations

import random
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import psycopg
import requests

from support.program import answers_for, call

TIMEOUT = 30  # seconds per request: a hung service fails the test, not the run
# No answer, as a client of a killed service meets it: refused, dropped before the answer, or
# dropped in the middle of its body (the status line came, the rest never will).
NO_ANSWER = (requests.ConnectionError, requests.exceptions.ChunkedEncodingError)


@dataclass(frozen=True)
class Ack:
    """A write the service answered 2xx: it must be stored, exactly so."""

    operation: str  # "save" or "submit"
    user_id: str
    slug: str
    submission_id: str
    version: int
    data: dict[str, Any]
    unlocked: tuple[str, ...] = ()


@dataclass
class Tally:
    """What one or more writers saw."""

    tried: int = 0  # write requests sent (saves and submits)
    reads: int = 0  # GETs sent to learn the current version
    statuses: Counter = field(default_factory=Counter)
    connection_errors: int = 0  # no answer at all: refused (service down) or cut mid-request
    cut: int = 0  # of which cut mid-request: the connection was taken, then dropped
    unexpected: list[tuple[int, str]] = field(default_factory=list)  # status, body excerpt

    def add(self, other: Tally) -> None:
        self.tried += other.tried
        self.reads += other.reads
        self.statuses.update(other.statuses)
        self.connection_errors += other.connection_errors
        self.cut += other.cut
        self.unexpected += other.unexpected


class Writer(threading.Thread):
    """Save (or submit, with probability `submit_share`) one user's tool until told to stop or
    `budget` writes were sent. Answers in `allowed` (beyond 2xx) are expected refusals, such as
    409 when another writer saved first; any other answer is recorded as unexpected."""

    def __init__(
        self,
        base_url: str,
        token: str,
        user_id: str,
        slugs: list[str],
        *,
        seed: int,
        stop: threading.Event,
        budget: int = 10_000,
        submit_share: float = 0.3,
        start_over_share: float = 0.0,
        allowed: frozenset[int] = frozenset({409}),
        pause: float = 0.0,
    ) -> None:
        super().__init__(name=f"writer-{seed}", daemon=True)
        self.base_url, self.user_id, self.slugs = base_url, user_id, slugs
        self.headers = {"Authorization": f"Bearer {token}"}
        self.rng = random.Random(seed)
        self.seed, self.stop, self.budget = seed, stop, budget
        self.submit_share, self.start_over_share = submit_share, start_over_share
        self.allowed, self.pause = allowed, pause
        self.acks: list[Ack] = []
        self.tally = Tally()
        self.crash: BaseException | None = None

    def run(self) -> None:
        try:
            self._loop()
        except BaseException as error:  # a bug in the test itself must not pass silently
            self.crash = error

    def _loop(self) -> None:
        versions: dict[str, int | None] = dict.fromkeys(self.slugs)
        while not self.stop.is_set() and self.tally.tried < self.budget:
            slug = self.rng.choice(self.slugs)
            if versions[slug] is None:
                versions[slug] = self._current_version(slug)
                continue
            roll = self.rng.random()
            if roll < self.start_over_share:
                self._send("POST", f"/api/tools/{slug}/start-over", None)
                versions[slug] = None
                continue
            operation = "submit" if roll < self.start_over_share + self.submit_share else "save"
            # Unique per write (some tools' answers are all numbers and lists, so the marker
            # alone would not make them differ): an identical save would change nothing.
            write = f"{self.seed}.{self.tally.tried}"
            data = {**answers_for(slug, marker=f" #{write}"), "write": write}
            path = f"/api/tools/{slug}/{'submit' if operation == 'submit' else 'data'}"
            answer = self._send("POST", path, {"data": data, "version": versions[slug]})
            if answer is None:
                versions[slug] = None
                continue
            unlocked = tuple(t["slug"] for t in answer.get("unlocked_tools") or ())
            self.acks.append(
                Ack(operation, self.user_id, slug, answer["submission_id"], answer["version"],
                    data, unlocked)
            )  # fmt: skip
            versions[slug] = answer["version"]
            if self.pause:
                time.sleep(self.pause)

    def _current_version(self, slug: str) -> int | None:
        self.tally.reads += 1
        try:
            response = requests.get(
                self.base_url + f"/api/tools/{slug}/data", headers=self.headers, timeout=TIMEOUT
            )
        except NO_ANSWER as error:
            self._no_answer(error)
            return None
        self.tally.statuses[response.status_code] += 1
        if response.status_code != 200:
            self._unexpected(response)
            return None
        return response.json()["data"]["version"]

    def _send(self, method: str, path: str, body: dict[str, Any] | None) -> dict[str, Any] | None:
        """The data of a 2xx answer, or None (refused, failed or never answered)."""
        self.tally.tried += 1
        try:
            response = requests.request(
                method, self.base_url + path, json=body, headers=self.headers, timeout=TIMEOUT
            )
        except NO_ANSWER as error:
            self._no_answer(error)
            return None
        self.tally.statuses[response.status_code] += 1
        if 200 <= response.status_code < 300:
            return response.json()["data"]
        if response.status_code not in self.allowed:
            self._unexpected(response)
        return None

    def _no_answer(self, error: requests.RequestException) -> None:
        self.tally.connection_errors += 1
        # urllib3 says "Connection aborted." when a connection it had was dropped (reset, or
        # closed before the answer), "Connection broken" when it dropped in the middle of the
        # answer's body; a refused connection never got that far.
        if "Connection aborted" in str(error) or "Connection broken" in str(error):
            self.tally.cut += 1
        time.sleep(0.05)

    def _unexpected(self, response: requests.Response) -> None:
        if response.status_code in self.allowed:
            return
        self.tally.unexpected.append((response.status_code, response.text[:300]))
        time.sleep(0.05)


def run_writers(writers: list[Writer], stop: threading.Event, timeout: float = 120) -> Tally:
    """Join the writers (stopping them after `timeout`); fail on a writer's own crash."""
    deadline = time.monotonic() + timeout
    for writer in writers:
        writer.join(max(0.0, deadline - time.monotonic()))
    stop.set()
    for writer in writers:
        writer.join(10)
        assert not writer.is_alive(), f"{writer.name} did not stop"
        if writer.crash is not None:
            raise writer.crash
    total = Tally()
    for writer in writers:
        total.add(writer.tally)
    return total


def acks_of(writers: list[Writer]) -> list[Ack]:
    return [ack for writer in writers for ack in writer.acks]


def lost_writes(conn: psycopg.Connection, acks: list[Ack]) -> list[str]:
    """Every acknowledged write that is not stored as acknowledged (empty when none is lost)."""
    problems = []
    seen: dict[tuple[str, int], Ack] = {}
    for ack in acks:
        key = (ack.submission_id, ack.version)
        if key in seen:  # two different writes acknowledged as the same version: one is lost
            problems.append(f"{ack.slug} v{ack.version} acknowledged twice")
        seen[key] = ack
        try:
            kept = call(
                conn, "submission_version", ack.slug, ack.user_id, ack.submission_id, ack.version
            )
        except psycopg.Error as error:
            problems.append(f"{ack.operation} {ack.slug} v{ack.version}: {error}")
            continue
        if kept["data"] != ack.data:
            problems.append(f"{ack.operation} {ack.slug} v{ack.version}: other data stored")
        if ack.operation == "submit" and kept["status"] != "submitted":
            problems.append(f"submit {ack.slug} v{ack.version}: stored as {kept['status']}")
    return problems


def invariant_violations(conn: psycopg.Connection) -> list[dict[str, Any]]:
    return conn.execute(
        "select rule, user_id, tool_slug, detail from shared.check_invariants()"
    ).fetchall()


def wait_for(condition, *, timeout: float, what: str, interval: float = 0.05) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(interval)
