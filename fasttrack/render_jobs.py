"""The worker's PDF renders: export jobs (sql/functions/302_export_job_worker.sql) taken from
the database and rendered off the request path.

A request for a long document (the program report) stores the bundle to render and answers 202
(fasttrack/web/export_jobs.py). Here, RENDER_JOBS threads of the worker process each:

1. claim the oldest pending job under a lease (api.worker_claim_export_job, FOR UPDATE SKIP
   LOCKED: two workers never render the same job), the lease a little longer than a render may
   take (RENDER_JOB_SECONDS), so a worker that dies mid-render leaves a job another one takes up
   when the lease ends (after RENDER_JOB_MAX_ATTEMPTS such interruptions, it is failed);
2. render it with the kind's renderer (fasttrack/export_documents.py) in a child process killed past
   the deadline (exports/deadline.py): the thread only waits, so event delivery in the main
   loop is never held up;
3. settle it: done with the PDF (at most RENDER_JOB_MAX_BYTES), or failed with a reason code;
4. sleep until NOTIFY fasttrack_exports (on its own connection to DATABASE_DIRECT_URL) or
   RENDER_POLL_SECONDS.

The first thread also deletes finished jobs older than EXPORT_JOB_KEEP_HOURS, every
RETENTION_INTERVAL_SECONDS. On stop, a render in hand has WORKER_SHUTDOWN_GRACE_SECONDS to
finish; then its job is given back (api.worker_release_export_job) and the render's child
process ends with this one.

The PDFs are stored in PostgreSQL (bytea), not on a disk: every web instance can then serve any
job's PDF whichever worker rendered it, without a shared volume (docs/SCALING.md).
"""

from __future__ import annotations

import contextlib
import logging
import signal
import threading
import time
from decimal import Decimal
from typing import Any

import psycopg
from psycopg.conninfo import make_conninfo

import exports
from fasttrack.db import Database
from fasttrack.export_documents import DOCUMENTS
from fasttrack.retrying_loop import run_until_stopped
from fasttrack.settings import Settings
from fasttrack.waker import Waker

log = logging.getLogger("fasttrack.render_jobs")

CHANNEL = "fasttrack_exports"
WORKER_ROLE = "fasttrack_worker"
APPLICATION_NAME = "fasttrack-renderer"
LEASE_MARGIN_SECONDS = 30
EXPIRE_BATCH = 500
FAILURE_MESSAGES = {
    "RENDER_FAILED": "The PDF could not be rendered; export as JSON (format=json), which has "
    "all of the work",
    "UNKNOWN_DOCUMENT": "This kind of document cannot be rendered by this version of the service",
}


def render_jobs(
    database_url: str, settings: Settings, *, worker_id: str, listen_url: str | None
) -> RenderJobs | None:
    """The renderer a worker process runs beside event delivery; None with RENDER_JOBS=0."""
    if settings.render_jobs == 0:
        return None
    return RenderJobs(database_url, settings, worker_id=worker_id, listen_url=listen_url)


class RenderJobs:
    """RENDER_JOBS render loops in threads of the worker process: start(), then stop()."""

    def __init__(
        self,
        database_url: str,
        settings: Settings,
        *,
        worker_id: str,
        listen_url: str | None = None,
    ) -> None:
        self.worker_id = worker_id
        self._settings = settings
        self._url = make_conninfo(database_url, application_name=APPLICATION_NAME)
        self._listen_url = (
            None
            if listen_url is None
            else make_conninfo(listen_url, application_name=APPLICATION_NAME)
        )
        self._lease_seconds = int(settings.render_job_seconds) + LEASE_MARGIN_SECONDS
        self._database = Database(self._url, max_size=settings.render_jobs + 1)
        self._stopping = threading.Event()
        self._loops = [_Loop(self, number) for number in range(settings.render_jobs)]
        self._threads: list[threading.Thread] = []

    def start(self) -> None:
        log.info(
            "renderer started",
            extra={
                "worker_id": self.worker_id,
                "threads": len(self._loops),
                "listens": self._listen_url is not None,
                "lease_seconds": self._lease_seconds,
            },
        )
        for loop in self._loops:
            thread = threading.Thread(target=loop.run, name=f"render-{loop.number}", daemon=True)
            thread.start()
            self._threads.append(thread)

    def stop(self) -> None:
        """Stop claiming; give renders in hand the grace period, then give their jobs back."""
        self._stopping.set()
        for loop in self._loops:
            loop.waker.poke()
        grace_ends = time.monotonic() + self._settings.worker_shutdown_grace_seconds
        for thread in self._threads:
            thread.join(max(0.0, grace_ends - time.monotonic()))
        for loop in self._loops:
            if loop.in_hand is not None:
                self._release(loop.in_hand)
        for thread in self._threads:
            thread.join(1.0)
        if not any(thread.is_alive() for thread in self._threads):
            self._database.close()
        log.info("renderer stopped", extra={"worker_id": self.worker_id})

    def run_until_signalled(self) -> None:
        """Render until SIGTERM or SIGINT: the worker process without WEBHOOK_URLS."""
        signalled = threading.Event()
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, lambda _signum, _frame: signalled.set())
        self.start()
        while not signalled.wait(1.0):
            pass
        self.stop()

    @property
    def stopping(self) -> bool:
        return self._stopping.is_set()

    def call(self, function: str, **args: Any) -> Any:
        return self._database.call(function, role=WORKER_ROLE, **args)

    def expire(self) -> int:
        """Deletes the finished jobs past EXPORT_JOB_KEEP_HOURS, in batches; how many."""
        deleted = 0
        while not self.stopping:
            batch = self.call(
                "worker_expire_export_jobs",
                p_keep_hours=Decimal(str(self._settings.export_job_keep_hours)),
                p_limit=EXPIRE_BATCH,
            )["deleted"]
            deleted += batch
            if batch < EXPIRE_BATCH:
                break
        return deleted

    def _release(self, job_id: str) -> None:
        base = {"worker_id": self.worker_id, "job_id": job_id}
        try:
            self.call("worker_release_export_job", p_job_id=job_id, p_worker=self.worker_id)
        except psycopg.Error as error:  # its lease ends and another worker takes it up
            log.warning(
                "could not release export job", extra={**base, "error": type(error).__name__}
            )
            return
        log.info("export job released unfinished", extra=base)


class _Loop:
    """One render thread: claim, render, settle, sleep."""

    def __init__(self, jobs: RenderJobs, number: int) -> None:
        self.jobs = jobs
        self.number = number
        self.waker = Waker()
        self.in_hand: str | None = None
        self._listener: psycopg.Connection[Any] | None = None
        self._next_expiry = time.monotonic() if number == 0 else float("inf")

    def run(self) -> None:
        try:
            run_until_stopped(
                self._cycle,
                stopping=lambda: self.jobs.stopping,
                after_failure=self._close_listener,
                wait=self.waker.wait,
                log=log,
                worker_id=self.jobs.worker_id,
            )
        finally:
            self._close_listener()
            self.waker.close()

    def _cycle(self) -> None:
        listener = self._listen()
        if listener is not None:
            for _ in listener.notifies(timeout=0):
                pass
        settings = self.jobs._settings
        if time.monotonic() >= self._next_expiry:
            self.jobs.expire()
            self._next_expiry = time.monotonic() + settings.retention_interval_seconds
        if self.jobs.stopping:
            return
        job = self.jobs.call(
            "worker_claim_export_job",
            p_worker=self.jobs.worker_id,
            p_lease_seconds=self.jobs._lease_seconds,
            p_max_attempts=settings.render_job_max_attempts,
        )
        if job is not None:
            self._render(job)
            return  # more may be waiting: claim again before sleeping
        self.waker.wait(
            settings.render_poll_seconds, *([] if listener is None else [listener.fileno()])
        )

    def _render(self, job: dict[str, Any]) -> None:
        settings = self.jobs._settings
        job_id = str(job["id"])
        base = {"worker_id": self.jobs.worker_id, "job_id": job_id, "kind": job["kind"]}
        self.in_hand = job_id
        started = time.monotonic()
        try:
            document = DOCUMENTS.get(job["kind"])
            if document is None:
                self._fail(job_id, "UNKNOWN_DOCUMENT", FAILURE_MESSAGES["UNKNOWN_DOCUMENT"], base)
                return
            try:
                pdf = document.render(job["bundle"], settings.render_job_seconds)
            except exports.RenderTimeout as late:
                if late.code == "EXPORT_BUSY":  # no free render slot here: another turn
                    self.jobs._release(job_id)
                    return
                self._fail(job_id, late.code, late.message, base)
                return
            except exports.RenderFailed as failed:
                log.error("render failed", extra={**base, "error": str(failed)[-2000:]})
                self._fail(job_id, "RENDER_FAILED", FAILURE_MESSAGES["RENDER_FAILED"], base)
                return
            if len(pdf) > settings.render_job_max_bytes:
                message = (
                    f"The PDF came to {len(pdf):,} bytes, more than the "
                    f"{settings.render_job_max_bytes:,} this service keeps; export as JSON "
                    "(format=json)"
                )
                self._fail(job_id, "EXPORT_TOO_LARGE", message, base)
                return
            self._settle(
                "worker_export_job_done",
                base,
                p_job_id=job_id,
                p_worker=self.jobs.worker_id,
                p_pdf=pdf,
                p_filename=document.filename(job["bundle"]),
            )
            log.info(
                "export rendered",
                extra={**base, "seconds": round(time.monotonic() - started, 3), "bytes": len(pdf)},
            )
        finally:
            self.in_hand = None

    def _fail(self, job_id: str, code: str, message: str, base: dict[str, Any]) -> None:
        self._settle(
            "worker_export_job_failed",
            base,
            p_job_id=job_id,
            p_worker=self.jobs.worker_id,
            p_code=code,
            p_message=message,
        )
        log.warning("export failed", extra={**base, "code": code})

    def _settle(self, function: str, base: dict[str, Any], **args: Any) -> None:
        try:
            self.jobs.call(function, **args)
        except psycopg.Error as error:
            if error.sqlstate != "PT409":  # LEASE_LOST: released on shutdown, or taken over
                raise
            log.warning("lease lost before settling; export job left to its holder", extra=base)

    def _listen(self) -> psycopg.Connection[Any] | None:
        url = self.jobs._listen_url
        if url is None:
            return None
        if self._listener is None or self._listener.closed:
            self._listener = psycopg.connect(url, autocommit=True)
            self._listener.execute(f"listen {CHANNEL}")
        return self._listener

    def _close_listener(self) -> None:
        if self._listener is not None:
            with contextlib.suppress(psycopg.Error):
                self._listener.close()
            self._listener = None
