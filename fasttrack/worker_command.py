"""`flask --app app worker`: the completion-event worker's command (fasttrack/worker.py)."""

from __future__ import annotations

import logging

import click

from fasttrack.database_url import resolved_database_url
from fasttrack.render_jobs import RenderJobs
from fasttrack.web import settings
from fasttrack.worker import Worker, new_worker_id


@click.command("worker")
def worker_command() -> None:
    """Deliver completion events to WEBHOOK_URLS and render background PDF exports until
    SIGTERM or SIGINT (without WEBHOOK_URLS: only render).

    Run it next to the web process (as many as you like). Without DATABASE_URL outside
    production it uses the embedded server, like `migrate`.
    """
    current = settings()
    # urllib3's debug lines carry full URLs, query strings (tokens) included.
    logging.getLogger("urllib3").setLevel(logging.WARNING)
    if not current.webhook_urls and current.render_jobs == 0:
        raise click.ClickException(
            "WEBHOOK_URLS is not set and RENDER_JOBS is 0: there is nothing to do"
        )
    with resolved_database_url(current) as url:
        # The embedded server has no pooler in front: listen on it.
        listen = url if current.uses_embedded_server else current.database_direct_url
        if not current.webhook_urls:  # no events to deliver: only render PDFs
            renders = RenderJobs(url, current, worker_id=new_worker_id(), listen_url=listen)
            renders.run_until_signalled()
            return
        try:
            worker = Worker(url, current, listen_url=listen)
        except ValueError as error:
            raise click.ClickException(str(error)) from None
        worker.run()
