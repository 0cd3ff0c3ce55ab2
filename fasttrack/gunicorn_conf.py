"""gunicorn settings the launcher passes with `-c python:fasttrack.gunicorn_conf`: JSON logs."""

import math

from fasttrack.logs import gunicorn_logconfig
from fasttrack.settings import Settings, SettingsError

logconfig_dict = gunicorn_logconfig()
accesslog = None  # the app writes one line per request (fasttrack.web.request_log)


def _worker_timeout() -> int:
    """gunicorn kills a worker busy for `timeout` seconds (default 30). POST .../assist waits for
    n8n up to N8N_TIMEOUT_SECONDS (twice that for a reply that trickles in); the caller must get
    our 504, not a connection cut by gunicorn."""
    try:
        n8n_timeout = Settings.from_env().n8n_timeout_seconds
    except SettingsError:
        n8n_timeout = 30.0  # the app itself refuses to start, naming the variable
    return max(30, math.ceil(2 * n8n_timeout) + 30)


timeout = _worker_timeout()
