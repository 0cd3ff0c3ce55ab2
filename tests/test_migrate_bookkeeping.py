"""yoyo's bookkeeping (which migrations ran, its log and lock) lives in a schema of the project's
own, fasttrack_migrations, never in public: public is an exposed schema where hosted PostgreSQL
(Supabase's advisor) flags every table without row-level security. A database migrated when the
tables were in public keeps its history: they move once, and nothing is applied again.
"""

from __future__ import annotations

import psycopg
from psycopg.rows import dict_row

from fasttrack.migrate import MIGRATIONS_DIR, MIGRATIONS_SCHEMA, YOYO_TABLES, migrate

TABLES = set(YOYO_TABLES)


def _yoyo_tables(conn: psycopg.Connection) -> set[tuple[str, str]]:
    rows = conn.execute(
        "select table_schema, table_name from information_schema.tables where table_name = any(%s)",
        (list(TABLES),),
    ).fetchall()
    return {(row["table_schema"], row["table_name"]) for row in rows}


def test_a_migrated_database_keeps_yoyo_s_tables_out_of_public(database_url):
    with psycopg.connect(database_url, row_factory=dict_row, autocommit=True) as conn:
        tables = _yoyo_tables(conn)
        applied = conn.execute(
            f"select count(*) as n from {MIGRATIONS_SCHEMA}._yoyo_migration"
        ).fetchone()["n"]

    assert tables == {(MIGRATIONS_SCHEMA, table) for table in TABLES}
    assert applied == len(list(MIGRATIONS_DIR.glob("*.sql")))


def test_a_database_with_its_history_in_public_moves_it_and_applies_nothing_again(database_url):
    with psycopg.connect(database_url, row_factory=dict_row, autocommit=True) as conn:
        for table in YOYO_TABLES:  # as every database migrated before this change has them
            conn.execute(f"alter table {MIGRATIONS_SCHEMA}.{table} set schema public")
        conn.execute(f"drop schema {MIGRATIONS_SCHEMA}")
        history = conn.execute(
            "select migration_id, applied_at_utc from public._yoyo_migration order by 1"
        ).fetchall()

    report = migrate(database_url)

    assert report["migrations"] == []
    with psycopg.connect(database_url, row_factory=dict_row, autocommit=True) as conn:
        assert _yoyo_tables(conn) == {(MIGRATIONS_SCHEMA, table) for table in TABLES}
        moved = conn.execute(
            f"select migration_id, applied_at_utc from {MIGRATIONS_SCHEMA}._yoyo_migration"
            " order by 1"
        ).fetchall()
    assert moved == history
    assert migrate(database_url)["migrations"] == []
