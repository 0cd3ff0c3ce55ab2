"""The completion-event worker: `flask --app app worker` delivers the outbox to WEBHOOK_URLS.

A submit or an unlock writes its event to `shared.outbox_events` in the same transaction (a
trigger), and NOTIFY fasttrack_outbox goes out when that transaction commits. This process:

1. listens on fasttrack_outbox on its own autocommit connection to DATABASE_DIRECT_URL (LISTEN
   needs a session of its own: through a transaction pooler, such as Supabase's port 6543, the
   next transaction may run on another server session and the notifications are lost). Without
   DATABASE_DIRECT_URL it does not listen and polls every WORKER_POLL_SECONDS instead;
2. claims due events in batches (api.worker_claim_events: a lease under this worker's id,
   `hostname:pid:random`, and one more attempt counted);
3. sends each event to every receiver that has not acknowledged it yet
   (fasttrack/outbound_webhooks.py), the events of a batch in parallel threads;
4. settles each: api.worker_event_delivered when every receiver has acknowledged it, otherwise
   api.worker_event_failed with the receivers that did (retries skip them), which schedules the
   next attempt after WORKER_BASE_DELAY_SECONDS * 2^(attempt-1), capped at
   WORKER_MAX_DELAY_SECONDS, or parks the event as dead after WORKER_MAX_ATTEMPTS;
5. sleeps until a NOTIFY or the next due time (api.worker_next_due), never in a tight loop;
6. every RETENTION_INTERVAL_SECONDS (and at start), deletes old history in small batches
   (fasttrack/retention.py); once a day at ANALYTICS_REFRESH_AT it refreshes the analytics
   (fasttrack/analytics_schedule.py); RENDER_JOBS threads render PDF export jobs
   (fasttrack/render_jobs.py), so a render never holds up delivery.

SIGTERM or SIGINT stops the claiming. The batch in hand gets WORKER_SHUTDOWN_GRACE_SECONDS to
finish and be settled; whatever is still in flight then is given back with
api.worker_release_event (pending again, the attempt not counted) and the process exits 0.

Every database call is one transaction (Database.call, so claims and leases hold behind a
transaction pooler) as the fasttrack_worker role, which may execute the worker functions
(api.worker_*) and nothing else; the only other statement is LISTEN.

Why FOR UPDATE SKIP LOCKED on our own outbox instead of a job-queue library (procrastinate, pgmq,
...): the event row must be written by the submit trigger, inside the transaction whose outcome
it reports; that is what makes "nothing lost, nothing sent for a rollback" hold. A queue library
would either need its own enqueue call from that trigger (coupling PL/pgSQL to its private
schema and its migrations) or a second hop from our outbox into its queue. The outbox already is
the queue: claiming is one UPDATE of due rows chosen with FOR UPDATE SKIP LOCKED, so two workers
never take the same row, and the lease (`locked_until`) hands the events of a crashed worker to
another one. Retries, backoff and dead events are a few lines of SQL that admins can read and
query, with no extra dependency, schema or process to run and upgrade.

Leases are long enough for the slowest possible batch (every receiver taking the full timeout,
connecting and reading); a delivery that overruns that budget is settled as failed before the
lease ends, so no other worker can hold the same event while this one still does.
"""

from __future__ import annotations

import contextlib
import logging
import math
import os
import secrets
import signal
import socket
import threading
import time
from collections.abc import Callable
from decimal import Decimal
from types import FrameType
from typing import Any

import psycopg
from psycopg.conninfo import make_conninfo

from fasttrack.analytics_schedule import DailyAnalyticsRefresh
from fasttrack.database_url import describe
from fasttrack.db import Database
from fasttrack.outbound_webhooks import Delivery, WebhookSender
from fasttrack.render_jobs import render_jobs
from fasttrack.retention import apply_retention
from fasttrack.retrying_loop import run_until_stopped
from fasttrack.settings import Settings
from fasttrack.waker import Waker

log = logging.getLogger("fasttrack.worker")

CHANNEL = "fasttrack_outbox"
WORKER_ROLE = "fasttrack_worker"
APPLICATION_NAME = "fasttrack-worker"
BATCH_SIZE = 10
# Without any NOTIFY (a listener that silently lost its connection), still look this often.
IDLE_CHECK_SECONDS = 300.0
# When nothing could be claimed but an event is due "now" (another worker is committing its
# claim of it), wait at least this long before asking again.
MIN_WAIT_SECONDS = 0.05
LEASE_MARGIN_SECONDS = 30


def new_worker_id() -> str:
    """`hostname:pid:random`: who holds a lease, readable by an operator."""
    return f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(4)}"


class Worker:
    """Delivers outbox events until stop() (or SIGTERM/SIGINT when run in the main thread)."""

    def __init__(
        self,
        database_url: str,
        settings: Settings,
        *,
        worker_id: str | None = None,
        listen_url: str | None = None,
        batch_size: int = BATCH_SIZE,
        idle_check_seconds: float = IDLE_CHECK_SECONDS,
    ) -> None:
        """`database_url` may go through a transaction pooler; `listen_url` (default
        DATABASE_DIRECT_URL) must not. Without one, the worker polls."""
        if not settings.webhook_urls or settings.webhook_secret is None:
            raise ValueError("WEBHOOK_URLS is not set: there is nowhere to deliver events")
        self.worker_id = worker_id or new_worker_id()
        self._settings = settings
        # DBAs see the worker's sessions in pg_stat_activity under this name.
        self._url = make_conninfo(database_url, application_name=APPLICATION_NAME)
        listen_url = listen_url or settings.database_direct_url
        self._listen_url = (
            None
            if listen_url is None
            else make_conninfo(listen_url, application_name=APPLICATION_NAME)
        )
        self._batch_size = batch_size
        # Without LISTEN nothing wakes the worker early: look at least every poll interval.
        self._idle_check = (
            idle_check_seconds
            if self._listen_url is not None
            else min(idle_check_seconds, settings.worker_poll_seconds)
        )
        self._sender = WebhookSender(
            settings.webhook_urls, settings.webhook_secret, settings.worker_http_timeout_seconds
        )
        # The longest a delivery may take: each receiver may use the timeout to connect and
        # again to answer. The lease adds a margin for settling.
        self._budget = 2 * settings.worker_http_timeout_seconds * len(self._sender.receivers)
        self._lease_seconds = math.ceil(self._budget) + LEASE_MARGIN_SECONDS
        self._database = Database(self._url, max_size=1)  # only the main thread calls it
        self._listener: psycopg.Connection[Any] | None = None
        self._waker = Waker()
        self._stopping = False
        self._stop_reason = "stop requested"
        self._next_retention = time.monotonic()  # retention's first pass: at start
        self._analytics = DailyAnalyticsRefresh(settings.analytics_refresh_at)
        # Background PDF renders, in threads of their own (fasttrack/render_jobs.py).
        self._renders = render_jobs(
            database_url, settings, worker_id=self.worker_id, listen_url=listen_url
        )

    # -- control ------------------------------------------------------------------------------

    @property
    def stopping(self) -> bool:
        return self._stopping

    def stop(self, reason: str = "stop requested") -> None:
        """Stop claiming; safe from a signal handler or another thread."""
        if not self._stopping:
            self._stop_reason = reason
        self._stopping = True
        self._waker.poke()

    def run(self) -> None:
        """Deliver until stopped. Database outages are waited out, never fatal."""
        restore = self._install_signal_handlers()
        log.info(
            "worker started",
            extra={
                "worker_id": self.worker_id,
                "database": describe(self._url),
                "listens": self._listen_url is not None,
                "poll_seconds": None if self._listen_url is not None else self._idle_check,
                "receivers": list(self._sender.names),
                "lease_seconds": self._lease_seconds,
            },
        )
        if self._renders is not None:
            self._renders.start()
        try:
            run_until_stopped(
                self._cycle,
                stopping=lambda: self._stopping,
                after_failure=self._close_listener,
                wait=self._waker.wait,
                log=log,
                worker_id=self.worker_id,
            )
        finally:
            if self._renders is not None:
                self._renders.stop()
            self._close_listener()
            self._database.close()
            self._waker.close()
            restore()
            log.info("worker stopped", extra={"worker_id": self.worker_id})

    # -- one turn of the loop -----------------------------------------------------------------

    def _cycle(self) -> None:
        listener = self._listen()
        # Anything NOTIFY announced so far is visible to the claim below (NOTIFY follows commit).
        if listener is not None:
            for _ in listener.notifies(timeout=0):
                pass
        if self._stopping:
            return
        if time.monotonic() >= self._next_retention:
            self.apply_retention()
        self._analytics.run_if_due(self._call)
        events = self._call(
            "worker_claim_events",
            p_worker=self.worker_id,
            p_limit=self._batch_size,
            p_lease_seconds=self._lease_seconds,
        )
        if events:
            self._deliver(events)
            return  # more may be due: claim again before sleeping
        due = self._call("worker_next_due")["seconds"]
        timeout = self._idle_check if due is None else float(due)
        timeout = min(max(timeout, MIN_WAIT_SECONDS), self._idle_check)
        timeout = min(timeout, max(self._next_retention - time.monotonic(), MIN_WAIT_SECONDS))
        timeout = min(timeout, max(self._analytics.due_in(), MIN_WAIT_SECONDS))
        if not self._stopping:
            self._waker.wait(timeout, *([] if listener is None else [listener.fileno()]))

    def apply_retention(self) -> dict[str, Any]:
        """One retention pass (fasttrack/retention.py); a backlog it left is taken up again
        on the next turn, after the deliveries due meanwhile."""
        report = apply_retention(
            self._call, self._settings, worker_id=self.worker_id, stopping=lambda: self._stopping
        )
        wait = self._settings.retention_interval_seconds if report["finished"] else 0.0
        self._next_retention = time.monotonic() + wait
        return report

    def _listen(self) -> psycopg.Connection[Any] | None:
        if self._listen_url is None:
            return None
        if self._listener is None or self._listener.closed:
            self._listener = psycopg.connect(self._listen_url, autocommit=True)
            self._listener.execute(f"listen {CHANNEL}")
        return self._listener

    def _close_listener(self) -> None:
        if self._listener is not None:
            with contextlib.suppress(psycopg.Error):
                self._listener.close()
            self._listener = None

    # -- a batch in hand ----------------------------------------------------------------------

    def _deliver(self, events: list[dict[str, Any]]) -> None:
        """Send a claimed batch in parallel; settle each event as it finishes; on stop, release
        what has not finished within the grace period."""
        started = time.monotonic()
        in_flight: list[Delivery] = []
        for event in events:
            delivery = self._sender.prepare(event)
            in_flight.append(delivery)
            threading.Thread(
                target=self._send,
                args=(delivery,),
                name=f"deliver-{delivery.event_id}",
                daemon=True,
            ).start()
        give_up_at = started + self._budget
        grace_ends: float | None = None
        while in_flight:
            now = time.monotonic()
            for delivery in [d for d in in_flight if d.finished]:
                in_flight.remove(delivery)
                self._settle(delivery)
            if self._stopping and grace_ends is None:
                grace_ends = now + self._settings.worker_shutdown_grace_seconds
                log.info(
                    "stopping: waiting for deliveries in hand",
                    extra={
                        "worker_id": self.worker_id,
                        "reason": self._stop_reason,
                        "in_flight": len(in_flight),
                        "grace_seconds": self._settings.worker_shutdown_grace_seconds,
                    },
                )
            if not in_flight:
                break
            if grace_ends is not None and now >= grace_ends:
                for delivery in in_flight:
                    self._release(delivery)
                return
            if now >= give_up_at:
                for delivery in in_flight:
                    delivery.errors.append(f"no answer within {self._budget:g}s in all")
                    self._settle(delivery, overran=True)
                return
            deadline = give_up_at if grace_ends is None else min(grace_ends, give_up_at)
            self._waker.wait(max(deadline - now, 0.0))

    def _send(self, delivery: Delivery) -> None:
        try:
            self._sender.run(delivery)
        except Exception:  # a bug, not a receiver's failure: record it, keep the worker alive
            log.exception("delivery crashed", extra={"event_id": delivery.event_id})
            delivery.errors.append("internal error while sending")
        finally:
            delivery.finished = True
            self._waker.poke()

    def _settle(self, delivery: Delivery, *, overran: bool = False) -> None:
        acknowledged = tuple(delivery.acknowledged)  # a snapshot: later answers count next time
        base = {
            "worker_id": self.worker_id,
            "event_id": delivery.event_id,
            "event_type": delivery.event_type,
            "attempt": delivery.attempt,
        }
        try:
            if not overran and self._sender.is_complete(acknowledged):
                self._call(
                    "worker_event_delivered",
                    p_event_id=delivery.event_id,
                    p_worker=self.worker_id,
                    p_delivered_to=acknowledged,
                )
                log.info("event delivered", extra={**base, "receivers": list(acknowledged)})
                return
            errors = list(delivery.errors) or ["not acknowledged"]
            result = self._call(
                "worker_event_failed",
                p_event_id=delivery.event_id,
                p_worker=self.worker_id,
                p_delivered_to=acknowledged,
                p_error="; ".join(errors),
                p_max_attempts=self._settings.worker_max_attempts,
                p_base_delay_seconds=Decimal(str(self._settings.worker_base_delay_seconds)),
                p_max_delay_seconds=Decimal(str(self._settings.worker_max_delay_seconds)),
            )
        except psycopg.Error as error:
            if not _lease_lost(error):
                raise
            log.warning("lease lost before settling; event left to its holder", extra=base)
            return
        level = logging.ERROR if result["status"] == "dead" else logging.WARNING
        log.log(
            level,
            "event dead after its last attempt" if result["status"] == "dead" else "event failed",
            extra={
                **base,
                "status": result["status"],
                "retry_in_seconds": result.get("retry_in_seconds"),
                "acknowledged_by": list(acknowledged),
                "errors": errors,
            },
        )

    def _release(self, delivery: Delivery) -> None:
        base = {"worker_id": self.worker_id, "event_id": delivery.event_id}
        try:
            self._call(
                "worker_release_event", p_event_id=delivery.event_id, p_worker=self.worker_id
            )
        except psycopg.Error as error:
            # Unreleased, the event waits for its lease to end and this attempt counts.
            log.warning("could not release event", extra={**base, "error": type(error).__name__})
            return
        log.info("event released unfinished", extra=base)

    def _call(self, function: str, **args: Any) -> Any:
        return self._database.call(function, role=WORKER_ROLE, **args)

    # -- signals ------------------------------------------------------------------------------

    def _install_signal_handlers(self) -> Callable[[], None]:
        if threading.current_thread() is not threading.main_thread():
            return lambda: None  # threads (tests) stop through stop()
        previous = {sig: signal.getsignal(sig) for sig in (signal.SIGTERM, signal.SIGINT)}

        def handle(signum: int, _frame: FrameType | None) -> None:
            self.stop(signal.Signals(signum).name)

        for sig in previous:
            signal.signal(sig, handle)

        def restore() -> None:
            for sig, handler in previous.items():
                signal.signal(sig, handler)

        return restore


def _lease_lost(error: psycopg.Error) -> bool:
    return error.sqlstate == "PT409"
