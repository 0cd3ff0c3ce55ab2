"""gunicorn settings the launcher passes with `-c python:fasttrack.gunicorn_conf`: JSON logs."""

from fasttrack.logs import gunicorn_logconfig

logconfig_dict = gunicorn_logconfig()
accesslog = None  # the app writes one line per request (fasttrack.web.request_log)
