"""The event worker's settings (flask --app app worker; fasttrack/worker.py): event delivery
and the retention it applies. Settings (fasttrack/settings.py) inherits them."""

from __future__ import annotations

from dataclasses import dataclass

from fasttrack import setting_parsers as parse
from fasttrack.setting_declarations import worker

MIN_WEBHOOK_SECRET_BYTES = 32  # HMAC-SHA256 key for X-FastTrack-Signature
_DAYS = parse.integer(1, 36_500)  # a retention period


@dataclass(frozen=True)
class WorkerSettings:
    """Event delivery (fasttrack/worker.py) and retention (fasttrack/retention.py)."""

    webhook_urls: tuple[str, ...] = worker(
        "WEBHOOK_URLS",
        (),
        parse.private_http_urls,
        "Comma-separated http(s) URLs that receive every event. Without one the worker only "
        "renders PDFs (with `RENDER_JOBS=0` too, it refuses to start).",
    )
    webhook_secret: str | None = worker(
        "WEBHOOK_SECRET",
        None,
        parse.secret(MIN_WEBHOOK_SECRET_BYTES),
        "HMAC key of `X-FastTrack-Signature`, at least 32 bytes; required with `WEBHOOK_URLS`.",
        secret=True,
    )
    worker_poll_seconds: float = worker(
        "WORKER_POLL_SECONDS",
        5.0,
        parse.number(0.05, 3600.0),
        "Without `DATABASE_DIRECT_URL` (no LISTEN): how often an idle worker looks for events.",
    )
    worker_max_attempts: int = worker(
        "WORKER_MAX_ATTEMPTS",
        8,
        parse.integer(1, 1000),
        "Attempts before an event is parked as dead.",
    )
    worker_base_delay_seconds: float = worker(
        "WORKER_BASE_DELAY_SECONDS",
        5.0,
        parse.number(0.0, 86400.0),
        "Wait before the first retry; doubles with each attempt.",
    )
    worker_max_delay_seconds: float = worker(
        "WORKER_MAX_DELAY_SECONDS",
        3600.0,
        parse.number(0.0, 7 * 86400.0),
        "The longest wait between attempts.",
    )
    worker_http_timeout_seconds: float = worker(
        "WORKER_HTTP_TIMEOUT_SECONDS",
        10.0,
        parse.number(0.1, 600.0),
        "Per receiver, to connect and to answer.",
    )
    worker_shutdown_grace_seconds: float = worker(
        "WORKER_SHUTDOWN_GRACE_SECONDS",
        5.0,
        parse.number(0.0, 600.0),
        "On SIGTERM, how long deliveries in hand may still finish.",
    )
    # Retention, applied by the worker (fasttrack/retention.py, sql/functions/215_retention.sql).
    retention_interval_seconds: float = worker(
        "RETENTION_INTERVAL_SECONDS",
        3600.0,
        parse.number(60.0, 7 * 86400.0),
        "How often the worker applies retention (the first time when it starts).",
    )
    retention_events_days: int = worker(
        "RETENTION_EVENTS_DAYS",
        90,
        _DAYS,
        "Delivered events are deleted this many days after their delivery.",
    )
    retention_ai_requests_days: int = worker(
        "RETENTION_AI_REQUESTS_DAYS",
        180,
        _DAYS,
        "AI assistant requests (`shared.ai_requests`) are deleted after this many days.",
    )
    retention_versions_keep: int = worker(
        "RETENTION_VERSIONS_KEEP",
        50,
        parse.integer(1, 1_000_000),
        "Saved versions of a submission always kept: the newest this many.",
    )
    retention_versions_days: int = worker(
        "RETENTION_VERSIONS_DAYS",
        365,
        _DAYS,
        "Older saved versions beyond those are deleted after this many days (never the last "
        "submitted one).",
    )
    retention_sessions_days: int = worker(
        "RETENTION_SESSIONS_DAYS",
        30,
        _DAYS,
        "Refresh tokens are deleted this many days after they expired.",
    )
    retention_batch_size: int = worker(
        "RETENTION_BATCH_SIZE",
        1000,
        parse.integer(1, 100_000),
        "Rows one retention statement deletes at most (each batch is its own short transaction).",
    )
    # Analytics: the daily refresh of the heavy aggregates (fasttrack/analytics_schedule.py).
    analytics_refresh_at: str = worker(
        "ANALYTICS_REFRESH_AT",
        "02:00",
        parse.clock_time,
        "When (HH:MM, UTC) the worker refreshes the analytics' materialized views each day; one "
        "worker does it, however many run.",
    )
    # PDF renders in the background (fasttrack/render_jobs.py, 302_export_job_worker.sql).
    render_jobs: int = worker(
        "RENDER_JOBS",
        1,
        parse.integer(0, 32),
        "PDF exports this worker process renders at once (the program report); 0: none.",
    )
    render_job_seconds: float = worker(
        "RENDER_JOB_SECONDS",
        120.0,
        parse.number(0.001, 3600.0),
        "How long one background render may take before it is stopped and its job failed "
        "(`EXPORT_TIMEOUT`).",
    )
    render_job_max_attempts: int = worker(
        "RENDER_JOB_MAX_ATTEMPTS",
        3,
        parse.integer(1, 100),
        "Renders of one job interrupted by a worker's death (its lease ran out) before the job "
        "is failed (`RENDER_ABANDONED`).",
    )
    render_job_max_bytes: int = worker(
        "RENDER_JOB_MAX_BYTES",
        20_000_000,
        parse.integer(10_000, 1_000_000_000),
        "The largest PDF kept in the database; a larger one fails (`EXPORT_TOO_LARGE`).",
    )
    render_poll_seconds: float = worker(
        "RENDER_POLL_SECONDS",
        5.0,
        parse.number(0.05, 3600.0),
        "How often an idle renderer looks for jobs (also with LISTEN: a dead worker's job is "
        "taken up when its lease ends).",
    )
    export_job_keep_hours: float = worker(
        "EXPORT_JOB_KEEP_HOURS",
        24.0,
        parse.number(0.01, 24.0 * 365),
        "Finished and failed export jobs, their PDFs with them, are deleted after this many hours.",
    )
