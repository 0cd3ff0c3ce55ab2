"""The shared tables and every tool schema have the columns, types, CHECKs and indexes the
project's database design fixes (the DBA query patterns rely on them)."""

from __future__ import annotations

import pytest

from support.program import tools_in_sprint_order

SPEC_COLUMNS = {
    "organizations": {
        "id": "uuid",
        "name": "character varying",
        "slug": "character varying",
        "settings": "jsonb",
        "created_at": "timestamp with time zone",
        "updated_at": "timestamp with time zone",
    },
    "users": {
        "id": "uuid",
        "lms_user_id": "character varying",
        "email": "character varying",
        "full_name": "character varying",
        "organization_id": "uuid",
        "role": "character varying",
        "created_at": "timestamp with time zone",
        "updated_at": "timestamp with time zone",
        "last_login": "timestamp with time zone",
    },
    "user_progress": {
        "id": "uuid",
        "user_id": "uuid",
        "tool_slug": "character varying",
        "status": "character varying",
        "progress_percentage": "integer",
        "unlocked_at": "timestamp with time zone",
        "started_at": "timestamp with time zone",
        "completed_at": "timestamp with time zone",
        "created_at": "timestamp with time zone",
        "updated_at": "timestamp with time zone",
    },
    "submissions": {
        "id": "uuid",
        "user_id": "uuid",
        "organization_id": "uuid",
        "data": "jsonb",
        "status": "character varying",
        "version": "integer",
        "created_at": "timestamp with time zone",
        "updated_at": "timestamp with time zone",
        "submitted_at": "timestamp with time zone",
        "completed_at": "timestamp with time zone",
    },
    "field_outputs": {
        "id": "uuid",
        "submission_id": "uuid",
        "field_id": "character varying",
        "field_value": "jsonb",
        "created_at": "timestamp with time zone",
    },
}
SPEC_INDEXED = {
    "users": [["id"], ["lms_user_id"], ["email"]],
    "organizations": [["id"], ["slug"]],
    "user_progress": [["id"], ["user_id", "tool_slug"], ["user_id"], ["status"]],
    "submissions": [["id"], ["user_id"], ["user_id", "organization_id"], ["status"]],
    "field_outputs": [["id"], ["submission_id"], ["field_id"], ["submission_id", "field_id"]],
}


def columns(conn, schema, table):
    rows = conn.execute(
        "select column_name, data_type from information_schema.columns"
        " where table_schema = %s and table_name = %s",
        (schema, table),
    ).fetchall()
    return {r["column_name"]: r["data_type"] for r in rows}


def indexed_column_lists(conn, schema, table):
    rows = conn.execute(
        """select array_agg(a.attname::text order by k.ord) as cols
             from pg_index as i
             join pg_class as c on c.oid = i.indrelid
             join pg_namespace as n on n.oid = c.relnamespace
             cross join lateral unnest(i.indkey) with ordinality as k(attnum, ord)
             join pg_attribute as a on a.attrelid = c.oid and a.attnum = k.attnum
            where n.nspname = %s and c.relname = %s
            group by i.indexrelid""",
        (schema, table),
    ).fetchall()
    return [r["cols"] for r in rows]


@pytest.mark.parametrize("table", ["organizations", "users", "user_progress"])
def test_shared_tables_have_the_spec_columns_and_indexes(conn, table):
    actual = columns(conn, "shared", table)
    assert {name: actual.get(name) for name in SPEC_COLUMNS[table]} == SPEC_COLUMNS[table]
    indexed = indexed_column_lists(conn, "shared", table)
    for wanted in SPEC_INDEXED[table]:
        assert wanted in indexed, (table, wanted)


def test_every_tool_has_its_schema_with_the_spec_tables(conn):
    for tool in tools_in_sprint_order():
        schema = f"sprint_{tool['sprint_number']:02d}_{tool['slug'].replace('-', '_')}"
        for table in ("submissions", "field_outputs"):
            actual = columns(conn, schema, table)
            assert {name: actual.get(name) for name in SPEC_COLUMNS[table]} == SPEC_COLUMNS[
                table
            ], (schema, table)
            indexed = indexed_column_lists(conn, schema, table)
            for wanted in SPEC_INDEXED[table]:
                assert wanted in indexed, (schema, table, wanted)


# Per table, the values its CHECK constraints must name: a status allowed on one table must not
# pass for another.
SPEC_CHECKS = {
    ("shared", "users"): ["'user'", "'guru'", "'admin'"],
    ("shared", "user_progress"): [
        "'locked'",
        "'unlocked'",
        "'in_progress'",
        "'completed'",
        "progress_percentage >= 0",
        "progress_percentage <= 100",
    ],
}
SUBMISSION_CHECKS = ["'draft'", "'submitted'", "'in_progress'", "'completed'"]


def check_text(conn, schema, table):
    """Every CHECK constraint of one table, joined."""
    rows = conn.execute(
        """select pg_get_constraintdef(c.oid) as def from pg_constraint as c
            join pg_class as t on t.oid = c.conrelid
            join pg_namespace as n on n.oid = t.relnamespace
           where n.nspname = %s and t.relname = %s and c.contype = 'c'""",
        (schema, table),
    ).fetchall()
    return " ".join(r["def"] for r in rows)


def test_the_spec_checks_hold(conn):
    expected = dict(SPEC_CHECKS)
    for tool in tools_in_sprint_order():
        schema = f"sprint_{tool['sprint_number']:02d}_{tool['slug'].replace('-', '_')}"
        expected[(schema, "submissions")] = SUBMISSION_CHECKS
    for (schema, table), fragments in expected.items():
        text = check_text(conn, schema, table)
        missing = [fragment for fragment in fragments if fragment not in text]
        assert not missing, f"{schema}.{table} has no CHECK naming {missing}: {text!r}"
