"""Brings a database up to date: yoyo migrations, changed function files, the registry.

Order matters: the versioned migrations create the tables, the function files (re-applied when
their content hash changes) define the rules on them, and the registry sync (a SQL function)
stamps out tool schemas and progress rows. Running it twice changes nothing.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

import psycopg
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict
from psycopg.types.json import Jsonb
from yoyo import get_backend, read_migrations

PROJECT_ROOT = Path(__file__).resolve().parent.parent
MIGRATIONS_DIR = PROJECT_ROOT / "sql" / "migrations"
FUNCTIONS_DIR = PROJECT_ROOT / "sql" / "functions"
CONFIG_DIR = PROJECT_ROOT / "config"
# yoyo's bookkeeping: which migrations ran, its log, its internal version, its lock. In a schema
# of our own, not public (an exposed schema on hosted PostgreSQL, where tables need RLS).
MIGRATIONS_SCHEMA = "fasttrack_migrations"
YOYO_TABLES = ("_yoyo_migration", "_yoyo_log", "_yoyo_version", "yoyo_lock")


class MigrationError(Exception):
    """A migration step failed; the message says which and why."""


def migrate(conninfo: str, *, config_dir: Path = CONFIG_DIR) -> dict[str, Any]:
    """Apply everything to the database at ``conninfo`` and report what changed."""
    registry, dependencies, courses = load_config(config_dir)
    applied_migrations = apply_versioned_migrations(conninfo)
    with psycopg.connect(conninfo) as conn:  # one transaction: functions and registry together
        applied_functions = apply_function_files(conn)
        sync = call_sync(conn, "sync_registry", Jsonb(registry), Jsonb(dependencies))
        sync["lms_courses_changed"] = call_sync(conn, "sync_lms_courses", Jsonb(courses))
    return {"migrations": applied_migrations, "function_files": applied_functions, "registry": sync}


CONFIG_FILES = ("tool-registry.json", "dependencies.json", "learnworlds.json")


def load_config(config_dir: Path) -> list[dict[str, Any]]:
    """Read the config files; their content is validated in SQL by the syncs."""
    files = [config_dir / name for name in CONFIG_FILES]
    loaded = []
    for path in files:
        try:
            loaded.append(json.loads(path.read_text(encoding="utf-8")))
        except FileNotFoundError as error:
            raise MigrationError(f"Config file missing: {path}") from error
        except json.JSONDecodeError as error:
            raise MigrationError(f"{path.name} is not valid JSON: {error}") from error
    return loaded


def yoyo_uri(conninfo: str, *, schema: str | None = None) -> str:
    """yoyo wants a URL with its own scheme; libpq key=value strings and URLs both come in.
    `schema` is yoyo's own parameter (the schema of its tables), not libpq's."""
    params: dict[str, Any] = dict(conninfo_to_dict(conninfo))
    if schema is not None:
        params["schema"] = schema
    user = quote(str(params.pop("user", "")), safe="")
    password = params.pop("password", None)
    credentials = (
        f"{user}:{quote(str(password), safe='')}@" if password else (f"{user}@" if user else "")
    )
    host = str(params.pop("host", ""))
    port = params.pop("port", None)
    netloc = "" if host.startswith("/") or not host else host + (f":{port}" if port else "")
    if host.startswith("/"):
        params["host"] = host
        if port:
            params["port"] = port
    dbname = quote(str(params.pop("dbname", "")), safe="")
    query = urlencode({key: str(value) for key, value in params.items()})
    return f"postgresql+psycopg://{credentials}{netloc}/{dbname}" + (f"?{query}" if query else "")


def prepare_bookkeeping(conninfo: str) -> None:
    """Create MIGRATIONS_SCHEMA; a database migrated while yoyo kept its tables in public has
    them moved there, history and all, so that nothing is applied again. Idempotent."""
    with psycopg.connect(conninfo) as conn:  # one transaction, serialized with other migrates
        conn.execute(
            "select pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtext('fasttrack.migrate'))"
        )
        schema = sql.Identifier(MIGRATIONS_SCHEMA)
        conn.execute(sql.SQL("create schema if not exists {}").format(schema))
        conn.execute(
            sql.SQL("comment on schema {} is {}").format(
                schema, sql.Literal("yoyo's record of the versioned migrations (sql/migrations).")
            )
        )
        for table in YOYO_TABLES:
            row = conn.execute(
                "select to_regclass(%s) is not null and to_regclass(%s) is null",
                (f"public.{table}", f"{MIGRATIONS_SCHEMA}.{table}"),
            ).fetchone()
            if row is not None and row[0]:
                conn.execute(
                    sql.SQL("alter table public.{} set schema {}").format(
                        sql.Identifier(table), schema
                    )
                )


def apply_versioned_migrations(conninfo: str) -> list[str]:
    prepare_bookkeeping(conninfo)
    # yoyo's `schema` parameter: its connection's search_path, so its tables are made and read
    # there (the migrations name every object with its schema).
    backend = get_backend(yoyo_uri(conninfo, schema=MIGRATIONS_SCHEMA))
    migrations = read_migrations(str(MIGRATIONS_DIR))
    try:
        with backend.lock():
            pending = backend.to_apply(migrations)
            backend.apply_migrations(pending)
    finally:
        backend.connection.close()
    return [migration.id for migration in pending]


def apply_function_files(conn: psycopg.Connection) -> list[str]:
    """Run each sql/functions file whose content changed since it was last applied."""
    conn.execute(
        "select pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtext('fasttrack.migrate'))"
    )
    recorded = dict(conn.execute("select file_name, sha256 from shared.function_files").fetchall())
    applied = []
    for path in sorted(FUNCTIONS_DIR.glob("*.sql")):
        text = path.read_text(encoding="utf-8")
        digest = hashlib.sha256(text.encode()).hexdigest()
        if recorded.get(path.name) == digest:
            continue
        try:
            conn.execute(text.encode())  # bytes: sent as-is, no parameter parsing of '%'
        except psycopg.Error as error:
            raise MigrationError(f"sql/functions/{path.name} failed: {error}") from error
        conn.execute(
            "insert into shared.function_files (file_name, sha256) values (%s, %s)"
            " on conflict (file_name) do update set sha256 = excluded.sha256, applied_at = now()",
            (path.name, digest),
        )
        applied.append(path.name)
    return applied


def call_sync(conn: psycopg.Connection, function: str, *documents: Jsonb) -> Any:
    """Call a shared.sync_* function; a PT422 becomes a MigrationError listing the problems."""
    placeholders = sql.SQL(", ").join(sql.Placeholder() * len(documents))
    query = sql.SQL("select shared.{}({})").format(sql.Identifier(function), placeholders)
    try:
        row = conn.execute(query, documents).fetchone()
    except psycopg.Error as error:
        problems = _problems(error)
        lines = "\n".join(f"  - {p['entry']}: {p['problem']}" for p in problems)
        message = error.diag.message_primary or str(error)
        raise MigrationError(message + (f"\n{lines}" if lines else "")) from error
    assert row is not None
    return row[0]


def _problems(error: psycopg.Error) -> list[dict[str, str]]:
    try:
        detail = json.loads(error.diag.message_detail or "{}")
    except ValueError:
        return []
    return detail.get("problems", []) if isinstance(detail, dict) else []
