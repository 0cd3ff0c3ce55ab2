-- =============================================================================================
-- Answer checks, compiled from the rules (025_answer_rules.sql) into static PL/pgSQL at every
-- registry sync: shared.answer_problems has one branch per tool whose statements are written
-- out from that tool's rules, so nothing is planned or built per call. Every value's rules fold
-- into one CASE (they exclude each other: a wrong type stops the rest, min <= max), a simple
-- expression PL/pgSQL evaluates without the executor; lists and tables are integer loops.
-- Problems are appended in output order, then item or row, then column or key.
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
-- The value's JSON type is asked once; only a value of the right type meets its limits.
create or replace function shared.answer_value_case(p_rule jsonb, p_output jsonb, p_value text, p_path text,
                                                    p_where text, p_required text)
returns text
language plpgsql
immutable
set search_path = ''
as $$
declare
    v_type text := coalesce(p_rule ->> 'type', 'text');
    v_json text := case v_type when 'text' then 'string' when 'date' then 'string' when 'number' then 'number'
                               when 'integer' then 'number' when 'boolean' then 'boolean' when 'list' then 'array'
                               when 'table' then 'array' when 'object' then 'object' end;
    v_text text := format('(%s #>> ''{}'')', p_value);
    v_number text := format('(%s)::numeric', p_value);
    v_count text := format('jsonb_array_length(%s)', p_value);
    v_noun text := case v_type when 'table' then 'row' else 'item' end;
    v_say text := '%s || %L';  -- a message: p_where followed by a constant
    v_required text := shared.answer_problem_sql(p_output, 'required', format('%s || %L', p_where, ' is required.'), p_path);
    v_wrong text;    -- the problem of a value of another JSON type
    v_when text[] := '{}';  -- the limits of a value of the right JSON type, in order
    v_limit text;
    v_max text;
begin
    v_wrong := shared.answer_problem_sql(p_output, 'type', format(v_say, p_where, case v_type
        when 'text' then ' must be text.' when 'number' then ' must be a number.'
        when 'integer' then ' must be a whole number.' when 'boolean' then ' must be true or false.'
        when 'date' then ' must be a date (YYYY-MM-DD).' when 'list' then ' must be a list.'
        when 'table' then ' must be a table (a list of rows).' when 'object' then ' must be a group of answers (an object).'
        when 'choice' then format(' must be one of: %s.',
                                  (select string_agg(c.value #>> '{}', ', ') from jsonb_array_elements(p_rule -> 'choices') as c))
        end), p_path);
    if v_type = 'choice' then
        v_wrong := replace(v_wrong, '''rule'', ''type''', '''rule'', ''choices''');
    end if;
    if p_required = 'filled' then
        -- a required output that is empty ("", spaces, [], {}) is not answered (shared.is_produced)
        v_when := v_when || format('when %s then %s', case v_json when 'string' then format('btrim(%s) = ''''', v_text)
                                                                  when 'array' then format('%s = 0', v_count)
                                                                  when 'object' then format('%s = ''{}''::jsonb', p_value)
                                                                  else 'false' end, v_required);
        v_wrong := format('case when %1$s = ''[]''::jsonb or %1$s = ''{}''::jsonb or %1$s = ''""''::jsonb'
                          ' or (jsonb_typeof(%1$s) = ''string'' and btrim(%2$s) = '''') then %3$s else %4$s end',
                          p_value, v_text, v_required, v_wrong);
    end if;

    if v_type = 'choice' then
        return format('case when %1$s is null or %1$s = ''null''::jsonb then %2$s when %1$s in (%3$s) then null else %4$s end',
            p_value, case when p_required = 'no' then 'null' else v_required end,
            (select string_agg(format('%L::jsonb', c.value::text), ', ') from jsonb_array_elements(p_rule -> 'choices') as c),
            v_wrong);
    end if;

    if v_type = 'integer' then
        v_when := v_when || format('when %s <> trunc(%s) then %s', v_number, v_number,
            shared.answer_problem_sql(p_output, 'type', format(v_say, p_where, ' must be a whole number.'), p_path));
    elsif v_type = 'date' then
        v_when := v_when || format('when not shared.is_iso_date_text(%1$s) then %2$s',
            v_text, v_wrong);
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
        v_max := coalesce(p_rule ->> 'max_items', shared.answer_rule_ceiling(v_type)::text);
        if p_rule ? 'min_items' then
            v_when := v_when || format('when %s < %s then %s', v_count, p_rule ->> 'min_items',
                shared.answer_problem_sql(p_output, 'min_items', format(v_say, p_where, format(' needs at least %s %s%s.',
                    p_rule ->> 'min_items', v_noun, case when p_rule ->> 'min_items' = '1' then '' else 's' end)), p_path));
        end if;
        v_when := v_when || format('when %s > %s then %s', v_count, v_max,
            shared.answer_problem_sql(p_output, 'max_items', format(v_say, p_where, format(' can have at most %s %s%s.',
                v_max, v_noun, case when v_max = '1' then '' else 's' end)), p_path));
    end if;

    return format('case coalesce(jsonb_typeof(%s), ''null'') when ''null'' then %s when %L then %s else %s end',
                  p_value, case when p_required = 'no' then 'null' else v_required end, v_json,
                  case when cardinality(v_when) = 0 then 'null' else format('case %s end', array_to_string(v_when, ' ')) end,
                  v_wrong);
end;
$$;

comment on function shared.answer_value_case(jsonb, jsonb, text, text, text, text) is
    'Generates the CASE expression giving the one problem of a value under a rule (missing, type, then its limits), or null.';

revoke all on function shared.answer_value_case(jsonb, jsonb, text, text, text, text) from public;

-- The statements checking one value (p_value, a jsonb expression) at nesting level p_depth: its
-- own CASE, then its items or rows (list, table) and its members (table row, object). A list,
-- table or object is first put in n<depth>, its loop counter is i<depth>.
create or replace function shared.answer_check_code(p_rule jsonb, p_output jsonb, p_value text, p_path text,
                                                    p_where text, p_required text, p_depth integer)
returns text
language plpgsql
immutable
set search_path = ''
as $$
declare
    v_type text := coalesce(p_rule ->> 'type', 'text');
    v_n text := 'n' || p_depth;
    v_i text := 'i' || p_depth;
    v_own text;
begin
    if v_type not in ('list', 'table', 'object') then
        return format(E'p := %s;\nif p is not null then v_problems := v_problems || p; end if;\n',
                      shared.answer_value_case(p_rule, p_output, p_value, p_path, p_where, p_required));
    end if;
    v_own := format(E'%s := %s;\np := %s;\nif p is not null then v_problems := v_problems || p; end if;\n',
                    v_n, p_value, shared.answer_value_case(p_rule, p_output, v_n, p_path, p_where, p_required));
    if v_type = 'object' then
        return v_own || shared.answer_member_code(p_rule -> 'keys', p_output, v_n, p_path, p_where, false, p_depth);
    end if;
    return v_own || format(
        E'if jsonb_typeof(%1$s) = ''array'' then\nfor %2$s in 0 .. jsonb_array_length(%1$s) - 1 loop\n%3$send loop;\nend if;\n',
        v_n, v_i,
        case when v_type = 'list'
             then shared.answer_check_code(coalesce(p_rule -> 'items', '{"type": "text"}'), p_output,
                                           format('(%s -> %s)', v_n, v_i),
                                           format('%s || ''['' || %s || '']''', p_path, v_i),
                                           format('%s || '', item '' || (%s + 1)', p_where, v_i), 'no', p_depth + 1)
             else format(E'n%s := %s -> %s;\n', p_depth + 1, v_n, v_i)
                  || shared.answer_member_code(p_rule -> 'columns', p_output, 'n' || (p_depth + 1),
                                               format('%s || ''['' || %s || '']''', p_path, v_i),
                                               format('%s || '', row '' || (%s + 1)', p_where, v_i), true, p_depth + 1)
        end);
end;
$$;

comment on function shared.answer_check_code(jsonb, jsonb, text, text, text, text, integer) is
    'Generates the PL/pgSQL statements appending to v_problems every problem of one value under a rule, its items, rows and members included.';

revoke all on function shared.answer_check_code(jsonb, jsonb, text, text, text, text, integer) from public;

-- A table row or an object (already in the variable p_value): closed, so a key it does not
-- declare is a problem (unknown_key); found with one expression, listed only when there is one.
create or replace function shared.answer_member_code(p_members jsonb, p_output jsonb, p_value text, p_path text,
                                                     p_where text, p_is_row boolean, p_depth integer)
returns text
language plpgsql
immutable
set search_path = ''
as $$
declare
    v_keys text := (select format('array[%s]::text[]', string_agg(format('%L', m.value ->> 'key'), ', '))
                      from jsonb_array_elements(p_members) as m);
begin
    return case when p_is_row
                then format(E'if jsonb_typeof(%s) not in (''object'', ''null'') then v_problems := v_problems || %s; end if;\n',
                            p_value, shared.answer_problem_sql(p_output, 'type',
                                format('%s || %L', p_where, ' must be a row of answers (an object).'), p_path))
                else '' end
        || format(E'if jsonb_typeof(%s) = ''object'' then\n', p_value)
        || (select string_agg(shared.answer_check_code(
                       m.value, p_output, format('(%s -> %L)', p_value, m.value ->> 'key'),
                       format('%s || %L', p_path, '.' || (m.value ->> 'key')),
                       format('%s || %L', p_where, ': ' || (m.value ->> 'label')),
                       case when m.value -> 'required' = 'true' then 'present' else 'no' end, p_depth + 1),
                   '' order by m.pos)
              from jsonb_array_elements(p_members) with ordinality as m(value, pos))
        || format(E'if %1$s - %2$s <> ''{}''::jsonb then\nfor k in select jsonb_object_keys(%1$s - %2$s) loop\nv_problems := v_problems || %3$s;\nend loop;\nend if;\nend if;\n',
                  p_value, v_keys,
                  shared.answer_problem_sql(p_output, 'unknown_key',
                      format('%s || %L || k || %L', p_where,
                             case when p_is_row then ' has an answer that is not one of its columns: "'
                                  else ' has an answer that is not one of its parts: "' end, '".'),
                      format('%s || ''.'' || k', p_path)));
end;
$$;

comment on function shared.answer_member_code(jsonb, jsonb, text, text, text, boolean, integer) is
    'Generates the statements checking a table row (p_is_row) or an object: the row not an object, each declared column or key, and every key it does not declare.';

revoke all on function shared.answer_member_code(jsonb, jsonb, text, text, text, boolean, integer) from public;

/** Section: a tool's check ------------------------------------------------------------------- */

-- p_outputs are the tool's outputs as the registry declares them, in order.
create or replace function shared.answer_check_branch(p_outputs jsonb)
returns text
language plpgsql
immutable
set search_path = ''
as $$
begin
    return (select coalesce(string_agg(shared.answer_check_code(
                                o.value, o.value,
                                format('(p_data #> %L)', string_to_array(o.value ->> 'field_id', '.')),
                                format('%L', o.value ->> 'field_id'), format('%L', o.value ->> 'label'),
                                case when o.value -> 'required' = 'true' then 'filled' else 'no' end, 0),
                            '' order by o.pos), '')
              from jsonb_array_elements(p_outputs) with ordinality as o(value, pos));
end;
$$;

comment on function shared.answer_check_branch(jsonb) is
    'Generates the statements appending to v_problems every problem of the answers document p_data under a tool''s outputs, in output order.';

revoke all on function shared.answer_check_branch(jsonb) from public;

create or replace function shared.refresh_answer_checks()
returns boolean
language plpgsql
volatile
set search_path = ''
as $$
declare
    v_branches text;
    v_depth integer;
    v_body text;
begin
    select coalesce(string_agg(format(E'        when %L then\n%s', t.slug,
                                      shared.answer_check_branch(
                                          (select coalesce(jsonb_agg(f.rules || jsonb_build_object(
                                                      'field_id', f.field_id, 'label', f.label, 'type', f.value_type,
                                                      'required', f.required) order by f.position), '[]')
                                             from shared.tool_fields as f where f.tool_slug = t.slug))),
                               E'\n' order by t.sprint_number), '        when null then null;')
      into v_branches
      from shared.tools as t;
    -- n<depth>: a list, table, row or object at that nesting level; i<depth>: its loop counter
    select coalesce(max(m[1]::integer), 0) into v_depth
      from regexp_matches(v_branches, '\mn([0-9]+) :=', 'g') as m;
    v_body := format(E'\ndeclare\n    v_problems jsonb := ''[]'';\n    p jsonb;\n    k text;\n%s\nbegin\n    case p_tool_slug\n%s\n        else\n            perform shared.require_tool(p_tool_slug);\n    end case;\n    return v_problems;\nend;\n',
        (select string_agg(format('    n%1$s jsonb;%2$s    i%1$s integer;', d, E'\n'), E'\n' order by d)
           from generate_series(0, v_depth) as d),
        v_branches);
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
