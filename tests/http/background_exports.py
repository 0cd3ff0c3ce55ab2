"""PDF exports rendered by the worker: its renderer started in threads of the test process (as
tests/test_worker.py starts the worker), and a client's way through 202, polling, download."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import requests

from fasttrack.render_jobs import RenderJobs
from fasttrack.settings import Settings
from fasttrack.worker import new_worker_id

WAIT = 60.0  # seconds a test waits for a render (the forkserver's first start included)


@contextmanager
def renderers(database_url: str, listen_url: str | None) -> Iterator[Callable[..., RenderJobs]]:
    """start(**env) starts a renderer (RENDER_JOBS threads); all are stopped at the end."""
    running: list[RenderJobs] = []

    def start(**env: str) -> RenderJobs:
        settings = Settings.from_env({"FT_ENV": "development", "RENDER_POLL_SECONDS": "0.2", **env})
        jobs = RenderJobs(database_url, settings, worker_id=new_worker_id(), listen_url=listen_url)
        jobs.start()
        running.append(jobs)
        return jobs

    try:
        yield start
    finally:
        for jobs in running:
            jobs.stop()


def poll(api: requests.Session, location: str, *, until: float = WAIT) -> dict:
    """The job at `location` once it is no longer pending (with backoff, as the client does)."""
    deadline, delay = time.monotonic() + until, 0.1
    while True:
        answer = api.get(location)
        assert answer.status_code == 200, (answer.status_code, answer.text[:300])
        job = answer.json()["data"]
        if job["status"] != "pending":
            return job
        assert time.monotonic() < deadline, f"still pending after {until} s: {job}"
        time.sleep(delay)
        delay = min(delay * 1.5, 1.0)


def pdf_export(api: requests.Session, path: str) -> requests.Response:
    """The PDF of an export path, whether answered at once or through a job."""
    answer = api.get(path)
    if answer.status_code != 202:
        return answer
    job = poll(api, answer.headers["Location"])
    assert job["status"] == "done", job
    return api.get(job["download_url"])
