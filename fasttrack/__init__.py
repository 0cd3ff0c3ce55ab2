"""Fast Track backend: the rules live in PostgreSQL; this package authenticates and calls them."""

from __future__ import annotations

import dataclasses

from flask import Flask

from fasttrack import cli
from fasttrack.db import Database
from fasttrack.settings import Settings
from fasttrack.web import DB_EXTENSION, SETTINGS_EXTENSION, errors, health


def create_app(settings: Settings | None = None, database_url: str | None = None) -> Flask:
    """App factory. `database_url` overrides DATABASE_URL (tests, the launcher's embedded server).

    Without any URL the app still starts (the `migrate` command resolves its own), but starts
    nothing itself: the embedded server is the launcher's and the CLI's business.
    """
    settings = settings or Settings.from_env()
    if database_url is not None:
        settings = dataclasses.replace(settings, database_url=database_url)

    app = Flask(__name__)
    app.json.sort_keys = False  # keep the SQL result's key order
    app.extensions[SETTINGS_EXTENSION] = settings
    app.extensions[DB_EXTENSION] = (
        Database(settings.database_url, max_size=settings.db_pool_max)
        if settings.database_url
        else None
    )
    errors.init_app(app)
    app.register_blueprint(health.bp)
    cli.init_app(app)
    return app
