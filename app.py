"""Entry point for `flask --app app ...` and gunicorn `'app:create_app()'`."""

from fasttrack import create_app

__all__ = ["create_app"]
