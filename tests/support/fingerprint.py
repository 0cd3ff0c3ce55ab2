"""A fingerprint of everything migrate may touch, to prove that a run changed nothing.

Row versions (xmin) change on every rewrite, even one that writes identical values, and object
ids change when an object is dropped and created again.
"""

from __future__ import annotations

from typing import Any

import psycopg

PROJECT = "(n.nspname in ('shared', 'api') or n.nspname ~ '^sprint_[0-9]{2}_')"

QUERIES = {
    "schemas": f"""
        select n.oid::text, n.nspname from pg_namespace as n where {PROJECT} order by 2""",
    "relations": f"""
        select c.oid::text, n.nspname, c.relname, c.relkind
          from pg_class as c join pg_namespace as n on n.oid = c.relnamespace
         where {PROJECT} order by 2, 3""",
    "functions": f"""
        select p.oid::text, n.nspname, p.proname, md5(p.prosrc)
          from pg_proc as p join pg_namespace as n on n.oid = p.pronamespace
         where {PROJECT} order by 2, 3, 1""",
    "triggers": """
        select t.oid::text, t.tgname from pg_trigger as t where not t.tgisinternal order by 2, 1""",
    "registry_rows": """
        select 'tools', xmin::text, slug::text from shared.tools
        union all
        select 'fields', xmin::text, tool_slug || '/' || field_id from shared.tool_fields
        union all
        select 'deps', xmin::text, tool_slug || '/' || source_field_id from shared.tool_dependencies
        union all
        select 'modules', xmin::text, id::text from shared.modules
        union all
        select 'function_files', xmin::text, file_name from shared.function_files
        order by 1, 3""",
    "progress_rows": """
        select xmin::text, user_id::text, tool_slug from shared.user_progress order by 2, 3""",
}


def fingerprint(conninfo: str) -> dict[str, Any]:
    with psycopg.connect(conninfo) as conn:
        return {name: conn.execute(query).fetchall() for name, query in QUERIES.items()}
