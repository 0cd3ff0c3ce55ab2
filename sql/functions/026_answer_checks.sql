-- =============================================================================================
-- Answer checks, compiled from the rules (025_answer_rules.sql) into static SQL at every
-- registry sync: shared.answer_problems has one branch per tool whose query is written out
-- from that tool's rules, so PL/pgSQL plans it once per session and no SQL text is built per
-- call. The same generated query checks a registry's examples before a sync applies it.
--
-- A generated check is a UNION ALL of rows (k, p): k orders the problems (output, then item or
-- row, then column or key), p is one problem or null. Each value's rules fold into one CASE, as
-- they exclude each other (a wrong type stops the rest, min <= max).
-- =============================================================================================

/** Section: pieces of a generated check ------------------------------------------------------ */

create or replace function shared.answer_problem_sql(p_output jsonb, p_rule text, p_message text, p_path text)
returns text
language plpgsql
immutable
set search_path = ''
as $$
begin
    return format('jsonb_build_object(''field_id'', %L, ''label'', %L, ''rule'', %L, ''message'', %s, ''path'', %s)',
                  p_output ->> 'field_id', p_output ->> 'label', p_rule, p_message, p_path);
end;
$$;

comment on function shared.answer_problem_sql(jsonb, text, text, text) is
    'SQL building one problem {field_id, label, rule, message, path} of an output; p_message and p_path are SQL text expressions.';

revoke all on function shared.answer_problem_sql(jsonb, text, text, text) from public;

-- One CASE: the problem of a single value (p_value, a jsonb SQL expression) or null. p_where
-- names the value for people (an SQL text expression), p_required is no, present or filled.
create or replace function shared.answer_value_case(p_rule jsonb, p_output jsonb, p_value text, p_path text,
                                                    p_where text, p_required text)
returns text
language plpgsql
immutable
set search_path = ''
as $$
declare
    v_type text := coalesce(p_rule ->> 'type', 'text');
    v_text text := format('(%s #>> ''{}'')', p_value);
    v_number text := format('(%s)::numeric', p_value);
    v_count text := format('jsonb_array_length(%s)', p_value);
    v_noun text := case v_type when 'table' then 'row' else 'item' end;
    v_when text[] := '{}';
    v_limit text;
    v_min text;
    v_max text;
    v_say text := '%s || %L';  -- a message: p_where followed by a constant
begin
    -- not answered: a problem only when the value must be there
    v_when := v_when || format('when %s then %s',
        case when p_required = 'filled' then format('not shared.is_produced(%s)', p_value)
             else format('%1$s is null or %1$s = ''null''::jsonb', p_value) end,
        case when p_required = 'no' then 'null'
             else shared.answer_problem_sql(p_output, 'required', format(v_say, p_where, ' is required.'), p_path) end);

    if v_type = 'choice' then
        v_when := v_when || format('when %s not in (%s) then %s', p_value,
            (select string_agg(format('%L::jsonb', c.value::text), ', ') from jsonb_array_elements(p_rule -> 'choices') as c),
            shared.answer_problem_sql(p_output, 'choices', format(v_say, p_where, format(' must be one of: %s.',
                (select string_agg(c.value #>> '{}', ', ') from jsonb_array_elements(p_rule -> 'choices') as c))), p_path));
        return format('case %s end', array_to_string(v_when, ' '));
    end if;

    v_when := v_when || format('when %s then %s',
        case v_type when 'text' then format('jsonb_typeof(%s) <> ''string''', p_value)
                    when 'number' then format('jsonb_typeof(%s) <> ''number''', p_value)
                    when 'integer' then format('jsonb_typeof(%s) <> ''number''', p_value)
                    when 'boolean' then format('jsonb_typeof(%s) <> ''boolean''', p_value)
                    when 'date' then format('not shared.is_iso_date(%s)', p_value)
                    when 'list' then format('jsonb_typeof(%s) <> ''array''', p_value)
                    when 'table' then format('jsonb_typeof(%s) <> ''array''', p_value)
                    when 'object' then format('jsonb_typeof(%s) <> ''object''', p_value) end,
        shared.answer_problem_sql(p_output, 'type', format(v_say, p_where, case v_type
            when 'text' then ' must be text.' when 'number' then ' must be a number.'
            when 'integer' then ' must be a whole number.' when 'boolean' then ' must be true or false.'
            when 'date' then ' must be a date (YYYY-MM-DD).' when 'list' then ' must be a list.'
            when 'table' then ' must be a table (a list of rows).' when 'object' then ' must be a group of answers (an object).' end),
            p_path));
    if v_type = 'integer' then
        -- a branch of its own: the cast only runs on numbers
        v_when := v_when || format('when %s <> trunc(%s) then %s', v_number, v_number,
            shared.answer_problem_sql(p_output, 'type', format(v_say, p_where, ' must be a whole number.'), p_path));
    end if;

    if v_type = 'text' then
        v_max := coalesce(p_rule ->> 'max_length', shared.answer_rule_ceiling('text')::text);
        if p_rule ? 'min_length' then
            v_when := v_when || format('when pg_catalog.length(%s) < %s then %s', v_text, p_rule ->> 'min_length',
                shared.answer_problem_sql(p_output, 'min_length', format(v_say, p_where, format(' must be at least %s character%s.',
                    p_rule ->> 'min_length', case when p_rule ->> 'min_length' = '1' then '' else 's' end)), p_path));
        end if;
        v_when := v_when || format('when pg_catalog.length(%s) > %s then %s', v_text, v_max,
            shared.answer_problem_sql(p_output, 'max_length', format(v_say, p_where, format(' must be at most %s character%s.',
                v_max, case when v_max = '1' then '' else 's' end)), p_path));
    elsif v_type in ('number', 'integer', 'date') then
        foreach v_limit in array array['minimum', 'maximum'] loop
            continue when not p_rule ? v_limit;
            v_when := v_when || format('when %s %s %s then %s',
                case when v_type = 'date' then format('%s::date', v_text) else v_number end,
                case v_limit when 'minimum' then '<' else '>' end,
                case when v_type = 'date' then format('%L::date', p_rule ->> v_limit) else p_rule ->> v_limit end,
                shared.answer_problem_sql(p_output, v_limit, format(v_say, p_where, format(' must be %s %s.',
                    case when v_type = 'date' and v_limit = 'minimum' then 'on or after'
                         when v_type = 'date' then 'on or before'
                         when v_limit = 'minimum' then 'at least' else 'at most' end,
                    p_rule ->> v_limit)), p_path));
        end loop;
    elsif v_type in ('list', 'table') then
        v_min := p_rule ->> 'min_items';
        v_max := coalesce(p_rule ->> 'max_items', shared.answer_rule_ceiling(v_type)::text);
        if v_min is not null then
            v_when := v_when || format('when %s < %s then %s', v_count, v_min,
                shared.answer_problem_sql(p_output, 'min_items', format(v_say, p_where, format(' needs at least %s %s%s.',
                    v_min, v_noun, case when v_min = '1' then '' else 's' end)), p_path));
        end if;
        v_when := v_when || format('when %s > %s then %s', v_count, v_max,
            shared.answer_problem_sql(p_output, 'max_items', format(v_say, p_where, format(' can have at most %s %s%s.',
                v_max, v_noun, case when v_max = '1' then '' else 's' end)), p_path));
    end if;
    return format('case %s end', array_to_string(v_when, ' '));
end;
$$;

comment on function shared.answer_value_case(jsonb, jsonb, text, text, text, text) is
    'Generates the CASE expression giving the one problem of a value under a rule (missing, type, then its limits), or null.';

revoke all on function shared.answer_value_case(jsonb, jsonb, text, text, text, text) from public;

-- The rows (k integer[], p jsonb) of one value: its own CASE, then its items or rows (list,
-- table) and its members (table row, object). p_depth names the lateral aliases of nested lists.
create or replace function shared.answer_check_rows(p_rule jsonb, p_output jsonb, p_value text, p_path text,
                                                    p_where text, p_required text, p_depth integer)
returns text
language plpgsql
immutable
set search_path = ''
as $$
declare
    v_type text := coalesce(p_rule ->> 'type', 'text');
    v_x text := 'x' || p_depth;
    v_parts text[];
begin
    v_parts := array[format('select array[0] as k, %s as p',
                            shared.answer_value_case(p_rule, p_output, p_value, p_path, p_where, p_required))];
    if v_type = 'list' then
        v_parts := v_parts || format(
            'select array[%1$s.i::integer] || c.k as k, c.p as p'
            ' from jsonb_array_elements(case when jsonb_typeof(%2$s) = ''array'' then %2$s else ''[]''::jsonb end)'
            ' with ordinality as %1$s (v, i) cross join lateral (%3$s) as c',
            v_x, p_value,
            shared.answer_check_rows(coalesce(p_rule -> 'items', '{"type": "text"}'), p_output, v_x || '.v',
                                     format('%s || ''['' || (%s.i - 1) || '']''', p_path, v_x),
                                     format('%s || '', item '' || %s.i', p_where, v_x), 'no', p_depth + 1));
    elsif v_type = 'table' then
        v_parts := v_parts || format(
            'select array[%1$s.i::integer] || c.k as k, c.p as p'
            ' from jsonb_array_elements(case when jsonb_typeof(%2$s) = ''array'' then %2$s else ''[]''::jsonb end)'
            ' with ordinality as %1$s (v, i) cross join lateral (%3$s) as c',
            v_x, p_value,
            shared.answer_member_rows(p_rule -> 'columns', p_output, v_x || '.v',
                                      format('%s || ''['' || (%s.i - 1) || '']''', p_path, v_x),
                                      format('%s || '', row '' || %s.i', p_where, v_x), true, p_depth + 1));
    elsif v_type = 'object' then
        v_parts := v_parts || format('select array[1] || c.k as k, c.p as p from (%s) as c',
            shared.answer_member_rows(p_rule -> 'keys', p_output, p_value, p_path, p_where, false, p_depth + 1));
    end if;
    return array_to_string(v_parts, ' union all ');
end;
$$;

comment on function shared.answer_check_rows(jsonb, jsonb, text, text, text, text, integer) is
    'Generates the query of the problems of one value under a rule: rows (k, p) with k ordering them and p a problem or null.';

revoke all on function shared.answer_check_rows(jsonb, jsonb, text, text, text, text, integer) from public;

-- A table row or an object: closed, so a key it does not declare is a problem (unknown_key).
create or replace function shared.answer_member_rows(p_members jsonb, p_output jsonb, p_value text, p_path text,
                                                     p_where text, p_is_row boolean, p_depth integer)
returns text
language plpgsql
immutable
set search_path = ''
as $$
declare
    v_parts text[] := '{}';
    v_member record;
begin
    if p_is_row then
        v_parts := v_parts || format('select array[0] as k, case when jsonb_typeof(%s) not in (''object'', ''null'') then %s end as p',
            p_value, shared.answer_problem_sql(p_output, 'type', format('%s || %L', p_where, ' must be a row of answers (an object).'), p_path));
    end if;
    for v_member in select m.value, m.pos from jsonb_array_elements(p_members) with ordinality as m(value, pos) loop
        v_parts := v_parts || format('select array[%s] || c.k as k, c.p as p from (%s) as c where jsonb_typeof(%s) = ''object''',
            v_member.pos, shared.answer_check_rows(
                v_member.value, p_output, format('(%s -> %L)', p_value, v_member.value ->> 'key'),
                format('%s || %L', p_path, '.' || (v_member.value ->> 'key')),
                format('%s || %L', p_where, ': ' || (v_member.value ->> 'label')),
                case when v_member.value -> 'required' = 'true' then 'present' else 'no' end, p_depth),
            p_value);
    end loop;
    v_parts := v_parts || format(
        'select array[%s] as k, %s as p from jsonb_object_keys(case when jsonb_typeof(%s) = ''object'' then %s else ''{}''::jsonb end) as u (key)'
        ' where u.key not in (%s)',
        jsonb_array_length(p_members) + 1,
        shared.answer_problem_sql(p_output, 'unknown_key',
            format('%s || %L || u.key || %L', p_where, case when p_is_row then ' has an answer that is not one of its columns: "'
                                                            else ' has an answer that is not one of its parts: "' end, '".'),
            format('%s || ''.'' || u.key', p_path)),
        p_value, p_value,
        (select string_agg(format('%L', m.value ->> 'key'), ', ') from jsonb_array_elements(p_members) as m));
    return array_to_string(v_parts, ' union all ');
end;
$$;

comment on function shared.answer_member_rows(jsonb, jsonb, text, text, text, boolean, integer) is
    'Generates the problem rows of a table row (p_is_row) or an object: the row not an object, each declared column or key, and every key it does not declare.';

revoke all on function shared.answer_member_rows(jsonb, jsonb, text, text, text, boolean, integer) from public;

/** Section: a tool's check ------------------------------------------------------------------- */

-- p_outputs are the tool's outputs as the registry declares them, in order; p_data the SQL
-- expression of the answers document. The query answers a jsonb array of problems.
create or replace function shared.answer_check_query(p_outputs jsonb, p_data text)
returns text
language plpgsql
immutable
set search_path = ''
as $$
begin
    return format('select coalesce(jsonb_agg(q.p order by q.k), ''[]''::jsonb) from (%s) as q where q.p is not null',
        (select coalesce(string_agg(format('select array[%s] || c.k as k, c.p as p from (%s) as c', o.pos,
                             shared.answer_check_rows(o.value, o.value,
                                 format('(%s #> %L)', p_data, string_to_array(o.value ->> 'field_id', '.')),
                                 format('%L', o.value ->> 'field_id'), format('%L', o.value ->> 'label'),
                                 case when o.value -> 'required' = 'true' then 'filled' else 'no' end, 1)),
                         ' union all ' order by o.pos),
                         'select null::integer[] as k, null::jsonb as p')
           from jsonb_array_elements(p_outputs) with ordinality as o(value, pos)));
end;
$$;

comment on function shared.answer_check_query(jsonb, text) is
    'Generates the query answering every problem of an answers document (p_data, an SQL expression) under a tool''s outputs, in output order.';

revoke all on function shared.answer_check_query(jsonb, text) from public;

create or replace function shared.example_problems(p_outputs jsonb, p_example jsonb)
returns jsonb
language plpgsql
stable
set search_path = ''
as $$
declare
    v_problems jsonb;
begin
    -- registry validation only (never on a request): the generated query run once on the example
    execute format('select (%s)', shared.answer_check_query(p_outputs, '$1')) into v_problems using p_example;
    return v_problems;
end;
$$;

comment on function shared.example_problems(jsonb, jsonb) is
    'The problems of a registry example under its tool''s declared outputs (the rules must be valid), by the same generated check shared.answer_problems runs.';

revoke all on function shared.example_problems(jsonb, jsonb) from public;

create or replace function shared.refresh_answer_checks()
returns boolean
language plpgsql
volatile
set search_path = ''
as $$
declare
    v_body text;
begin
    v_body := format(E'\nbegin\n    case p_tool_slug\n%s\n        else\n            perform shared.require_tool(p_tool_slug);\n            return ''[]''::jsonb;\n    end case;\nend;\n',
        (select coalesce(string_agg(format(E'        when %L then\n            return (%s);', t.slug,
                                           shared.answer_check_query(
                                               (select coalesce(jsonb_agg(f.rules || jsonb_build_object(
                                                           'field_id', f.field_id, 'label', f.label, 'type', f.value_type,
                                                           'required', f.required) order by f.position), '[]')
                                                  from shared.tool_fields as f where f.tool_slug = t.slug),
                                               'p_data')),
                                    E'\n' order by t.sprint_number), '        when null then return ''[]''::jsonb;')
           from shared.tools as t));
    if exists (select from pg_catalog.pg_proc as p
                where p.oid = 'shared.answer_problems(text, jsonb)'::regprocedure and p.prosrc = v_body) then
        return false;
    end if;
    execute format('create or replace function shared.answer_problems(p_tool_slug text, p_data jsonb) returns jsonb '
                   'language plpgsql stable set search_path = '''' as %L', v_body);
    return true;
end;
$$;

comment on function shared.refresh_answer_checks() is
    'Regenerates shared.answer_problems from the outputs'' rules in shared.tool_fields (one static branch per tool); returns whether its text changed. Called by every registry sync.';

revoke all on function shared.refresh_answer_checks() from public;

-- What the registry sync replaces: an empty check, so that the functions calling it exist on a
-- database that was never synced.
do $$
begin
    if pg_catalog.to_regprocedure('shared.answer_problems(text, jsonb)') is null then
        create function shared.answer_problems(p_tool_slug text, p_data jsonb) returns jsonb
        language plpgsql stable set search_path = '' as 'begin return ''[]''::jsonb; end;';
    end if;
end;
$$;

comment on function shared.answer_problems(text, jsonb) is
    'Every problem of an answers document under the tool''s rules, in output order: [{field_id, label, rule, message, path}], missing required outputs included (rule required at the output''s path). Generated by shared.refresh_answer_checks() from the registry: one static branch per tool.';

revoke all on function shared.answer_problems(text, jsonb) from public;
