"""The SQL conventions of docs/ARCHITECTURE.md ("How to add a SQL function") hold for every file
in sql/, and each check can fail."""

from __future__ import annotations

from pathlib import Path

import pytest

from devtools.sqlcheck import ALLOWED_ERRCODES, check_tree

SQL_DIR = Path(__file__).resolve().parent.parent / "sql"

GOOD_FUNCTION = """
create or replace function shared.lookup(p_schema text, p_id uuid)
returns jsonb
language plpgsql
stable
set search_path = ''
as $$
declare
    v_row jsonb;
    v_tool shared.tools;
begin
    execute format('select to_jsonb(s) from %I.submissions as s where s.id = $1', p_schema)
        into v_row using p_id;
    if v_row is null then
        raise sqlstate 'PT404' using message = 'No such submission';
    end if;
    raise notice 'found %', p_id;
    return v_row;
exception
    when invalid_schema_name then
        raise exception 'Unknown schema %', p_schema using errcode = 'PT404';
    when others then
        raise;
end;
$$;

comment on function shared.lookup(text, uuid) is 'One submission as JSON. Raises PT404.';

revoke all on function shared.lookup(text, uuid) from public;
"""

GOOD_MIGRATION = """
create schema shared;
comment on schema shared is 'Shared tables.';

create table shared.things (id uuid primary key);
comment on table shared.things is 'Things.';

create view shared.thing_ids as select id from shared.things;
comment on view shared.thing_ids is 'Thing ids.';

create trigger things_audit after insert on shared.things
    for each row execute function shared.audit();
comment on trigger things_audit on shared.things is 'Audits things.';

do $$
begin
    if not exists (select from pg_catalog.pg_roles where rolname = 'fasttrack_api') then
        create role fasttrack_api nologin;
    end if;
end;
$$;
"""


def plpgsql_function(body: str, *, name: str = "shared.f") -> str:
    """A function in house style around `body`, so a test changes one thing only."""
    return f"""
create function {name}(p text) returns setof text language plpgsql set search_path = '' as $$
declare
    r record;
    c refcursor;
begin
{body}
end;
$$;
comment on function {name}(text) is 'Test function.';
revoke all on function {name}(text) from public;
"""


def rules_reported(root: Path, relative: str, sql: str) -> set[str]:
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(sql, encoding="utf-8")
    return {violation.rule for violation in check_tree(root)}


def test_project_sql_follows_the_conventions():
    assert (SQL_DIR / "functions").is_dir()
    assert (SQL_DIR / "migrations").is_dir()
    violations = check_tree(SQL_DIR)
    assert not violations, f"{len(violations)} SQL convention violation(s):\n" + "\n".join(
        map(str, violations)
    )


def test_good_files_pass(tmp_path):
    assert rules_reported(tmp_path, "functions/lookup.sql", GOOD_FUNCTION) == set()
    assert rules_reported(tmp_path, "migrations/0001_init.sql", GOOD_MIGRATION) == set()


def test_allowed_errcodes_are_pt_http_statuses():
    assert all(code.startswith("PT") and 400 <= int(code[2:]) <= 599 for code in ALLOWED_ERRCODES)


@pytest.mark.parametrize(
    ("rule", "relative", "sql"),
    [
        pytest.param(
            "parse", "migrations/0001.sql", "create tabel shared.x (id int);", id="syntax-error"
        ),
        pytest.param(
            "search-path",
            "migrations/0001.sql",
            "create function shared.f() returns int language sql as $$ select 1 $$;",
            id="search-path-not-pinned",
        ),
        pytest.param(
            "plpgsql-parse",
            "functions/f.sql",
            plpgsql_function("    retrun next p;"),
            id="plpgsql-syntax-error",
        ),
        pytest.param(
            "errcode",
            "functions/f.sql",
            plpgsql_function("    raise exception 'boom';"),
            id="raise-without-code",
        ),
        pytest.param(
            "errcode",
            "functions/f.sql",
            plpgsql_function("    raise exception 'boom' using errcode = 'P0001';"),
            id="errcode-not-pt",
        ),
        pytest.param(
            "errcode",
            "functions/f.sql",
            plpgsql_function("    raise sqlstate 'PT500';"),
            id="sqlstate-not-allowed",
        ),
        pytest.param(
            "errcode",
            "functions/f.sql",
            plpgsql_function("    raise unique_violation;"),
            id="condition-name",
        ),
        pytest.param(
            "errcode",
            "migrations/0001.sql",
            "do $$ begin raise exception 'boom'; end $$;",
            id="do-block-raise-without-code",
        ),
        pytest.param(
            "dynamic-sql",
            "functions/f.sql",
            plpgsql_function("    execute 'select * from ' || p;"),
            id="execute-concatenation",
        ),
        pytest.param(
            "dynamic-sql",
            "functions/f.sql",
            plpgsql_function("    execute format('select * from %I where ' || p, p);"),
            id="concatenated-format-string",
        ),
        pytest.param(
            "dynamic-sql",
            "functions/f.sql",
            plpgsql_function("    for r in execute 'select ' || p loop null; end loop;"),
            id="for-execute",
        ),
        pytest.param(
            "dynamic-sql",
            "functions/f.sql",
            plpgsql_function("    open c for execute 'select ' || p;"),
            id="open-execute",
        ),
        pytest.param(
            "dynamic-sql",
            "functions/f.sql",
            plpgsql_function("    return query execute 'select ' || p;"),
            id="return-query-execute",
        ),
        pytest.param(
            "qualified-name",
            "functions/f.sql",
            plpgsql_function("    return next p;", name="f"),
            id="unqualified-function",
        ),
        pytest.param(
            "function-comment",
            "functions/f.sql",
            plpgsql_function("    return next p;").replace(
                "comment on function", "-- comment on function"
            ),
            id="function-without-comment",
        ),
        pytest.param(
            "function-revoke",
            "functions/f.sql",
            plpgsql_function("    return next p;").replace("from public", "from fasttrack_api"),
            id="function-not-revoked-from-public",
        ),
        pytest.param(
            "object-comment",
            "migrations/0001.sql",
            "create schema shared;",
            id="schema-without-comment",
        ),
        pytest.param(
            "object-comment",
            "migrations/0001.sql",
            "create table shared.t (id int); comment on table shared.other is 'x';",
            id="table-without-comment",
        ),
        pytest.param(
            "object-comment",
            "functions/v.sql",
            "create view shared.v as select 1;",
            id="view-without-comment",
        ),
        pytest.param(
            "object-comment",
            "migrations/0001.sql",
            "create trigger t after insert on shared.x for each row execute function shared.f();"
            " comment on trigger t on shared.y is 'x';",
            id="trigger-without-comment",
        ),
    ],
)
def test_each_rule_reports_a_bad_example(tmp_path, rule, relative, sql):
    assert rule in rules_reported(tmp_path, relative, sql)


def test_allowed_uses_are_not_reported(tmp_path):
    body = """
    raise sqlstate 'PT422' using message = 'bad', detail = 'd';
    raise exception 'locked %', p using errcode = 'PT423';
    raise notice 'progress %', p;
    raise warning 'careful';
    execute format('select %I from %I.t', 'a' || p, p) using p;
    return query execute format('select %L', p);
    begin
        null;
    exception when others then
        raise;
    end;"""
    assert rules_reported(tmp_path, "functions/f.sql", plpgsql_function(body)) == set()


def test_function_rules_apply_to_sql_functions_only(tmp_path):
    unqualified = (
        "create function f() returns int language sql set search_path = '' as $$ select 1 $$;"
    )
    assert rules_reported(tmp_path, "migrations/0001.sql", unqualified) == set()


def test_comments_are_found_anywhere_in_sql(tmp_path):
    rules_reported(tmp_path, "migrations/0001.sql", "create table shared.t (id int);")
    assert (
        rules_reported(tmp_path, "migrations/0002.sql", "comment on table shared.t is 'x';")
        == set()
    )


def test_violation_names_file_object_and_line(tmp_path):
    path = tmp_path / "functions" / "f.sql"
    path.parent.mkdir()
    path.write_text(plpgsql_function("    raise exception 'boom';"), encoding="utf-8")
    [violation] = check_tree(tmp_path)
    assert (violation.file, violation.object, violation.rule) == (str(path), "shared.f", "errcode")
    assert "line 7:" in violation.message  # the RAISE's line in the file
    assert str(violation).startswith(f"{path}: shared.f: [errcode] line 7:")
