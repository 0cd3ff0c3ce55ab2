"""Fast Track backend: the rules live in PostgreSQL; this package authenticates and calls them."""

from __future__ import annotations

import dataclasses
import logging
import secrets

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from fasttrack import cli, tokens
from fasttrack.db import Database, prepares_statements
from fasttrack.exact_json import ExactJSONProvider
from fasttrack.logs import configure_logging
from fasttrack.settings import Settings
from fasttrack.web import (
    DB_EXTENSION,
    SETTINGS_EXTENSION,
    admin,
    admin_events,
    analytics_user,
    assist,
    auth,
    authentication,
    coaching,
    dev_pages,
    dev_tools,
    errors,
    export_jobs,
    exports,
    gamification,
    health,
    inputs,
    learnworlds_webhook,
    metrics,
    openapi,
    organization_analytics,
    organization_groups,
    personal_data,
    request_log,
    security,
    static_files,
    team_exports,
    tools,
    users,
)

log = logging.getLogger(__name__)


def create_app(settings: Settings | None = None, database_url: str | None = None) -> Flask:
    """App factory. `database_url` overrides DATABASE_URL (tests, the launcher's embedded server).

    Without any URL the app still starts (the `migrate` command resolves its own), but starts
    nothing itself: the embedded server is the launcher's and the CLI's business.
    """
    configure_logging()
    settings = settings or Settings.from_env()
    if database_url is not None:
        settings = dataclasses.replace(settings, database_url=database_url)
    if settings.jwt_secret_key is None:  # Settings built in code (tests); from_env always sets it
        settings = dataclasses.replace(
            settings, jwt_secret_key=secrets.token_urlsafe(48), jwt_secret_generated=True
        )
    if settings.jwt_secret_generated:
        log.warning(
            "JWT_SECRET_KEY is not set: using a random key for this process; "
            "its tokens stop working when it restarts"
        )

    app = Flask(__name__, static_folder=None)  # JSON only: no static route
    app.json = ExactJSONProvider(app)  # numbers as written, never rounded through a float
    app.json.sort_keys = False  # keep the SQL result's key order
    if settings.trust_proxy:
        # One proxy in front: its X-Forwarded-For/-Proto become remote_addr and the scheme.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1)  # type: ignore[method-assign]
    app.extensions[SETTINGS_EXTENSION] = settings
    app.extensions[DB_EXTENSION] = (
        Database(
            settings.database_url,
            max_size=settings.db_pool_max,
            read_url=settings.database_read_url,
            max_lag=settings.read_replica_max_lag,
            prepare=prepares_statements(
                settings.database_prepared_statements, settings.database_url
            ),
        )
        if settings.database_url
        else None
    )
    request_log.init_app(app)  # first: its after_request runs last and sees the final status
    metrics.init_app(app, settings)  # counts what the app answers; serves /metrics before it
    errors.init_app(app)
    inputs.init_app(app)
    authentication.init_app(app, tokens.init_app(app, settings.jwt_secret_key))
    security.init_app(app)
    blueprints = (health.bp, openapi.bp, auth.bp, dev_pages.bp, tools.bp, users.bp, admin.bp)
    app.register_blueprint(exports.bp)
    app.register_blueprint(static_files.bp)  # the tool pages' client
    if settings.env == "development":  # demo pages and local sign-in: nowhere else
        app.register_blueprint(dev_tools.bp)
    for blueprint in (*blueprints, learnworlds_webhook.bp, assist.bp, admin_events.bp):
        app.register_blueprint(blueprint)
    app.register_blueprint(personal_data.bp)
    app.register_blueprint(coaching.bp)  # coaching: organizations, dashboard, meetings
    app.register_blueprint(organization_groups.bp)
    app.register_blueprint(export_jobs.bp)  # PDFs rendered in the background: the job, its file
    app.register_blueprint(team_exports.bp)  # team reports, the organization's archive
    app.register_blueprint(analytics_user.bp)  # analytics: per user, the refresh
    app.register_blueprint(organization_analytics.bp)  # analytics of organizations, the program
    app.register_blueprint(gamification.bp)  # points, streaks, awards, leaderboards
    openapi.init_app(app)  # after every route: the document is generated from them, once
    cli.init_app(app)
    return app
