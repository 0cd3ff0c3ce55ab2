-- =============================================================================================
-- Answer rules: the grammar each output of config/tool-registry.json declares its answer in
-- (README "Answer rules"), checked as a whole before a sync applies anything, and the JSON
-- Schema (draft 2020-12) a tool's rules are published as. The checks themselves are compiled
-- from the same rules into SQL by 026_answer_checks.sql.
-- =============================================================================================

/** Section: the grammar ---------------------------------------------------------------------- */

create or replace function shared.answer_rule_keys(p_type text)
returns text[]
language plpgsql
immutable
set search_path = ''
as $$
begin
    return case p_type
               when 'text' then array['min_length', 'max_length']
               when 'number' then array['minimum', 'maximum']
               when 'integer' then array['minimum', 'maximum']
               when 'boolean' then array[]::text[]
               when 'date' then array['minimum', 'maximum']
               when 'choice' then array['choices']
               when 'list' then array['min_items', 'max_items', 'items']
               when 'table' then array['min_items', 'max_items', 'columns']
               when 'object' then array['keys']
           end;
end;
$$;

comment on function shared.answer_rule_keys(text) is
    'The constraint keys an answer of that type may declare (null for an unknown type).';

revoke all on function shared.answer_rule_keys(text) from public;

create or replace function shared.answer_rule_ceiling(p_type text)
returns integer
language plpgsql
immutable
set search_path = ''
as $$
begin
    return case p_type when 'text' then 20000 when 'list' then 200 when 'table' then 500 end;
end;
$$;

comment on function shared.answer_rule_ceiling(text) is
    'The default and highest max_length (text) or max_items (list, table): one answer cannot blow up an export.';

revoke all on function shared.answer_rule_ceiling(text) from public;

/** Section: validating a rule ---------------------------------------------------------------- */

-- p_level says where the rule sits: an output, a list's items, a table's column or an object's
-- key; p_at is its path for people (goals.quarterly[].metric). Each problem is one text.
create or replace function shared.answer_rule_problems(p_rule jsonb, p_level text, p_at text)
returns setof text
language plpgsql
immutable
set search_path = ''
as $$
declare
    v_type text := coalesce(p_rule ->> 'type', 'text');
    v_base text[] := case p_level when 'output' then array['field_id', 'label', 'type', 'required', 'anonymous', 'team_level']
                                  when 'item' then array['label', 'type']
                                  else array['key', 'label', 'type', 'required'] end;
    v_known text[] := shared.answer_rule_keys(coalesce(p_rule ->> 'type', 'text'));
    v_where text := case when p_level = 'output' then '' else p_at || ': ' end;
    v_ceiling integer := shared.answer_rule_ceiling(coalesce(p_rule ->> 'type', 'text'));
    v_pair text[];
    v_key text;
    v_child record;
begin
    if jsonb_typeof(p_rule) is distinct from 'object' then
        return next v_where || 'must be an object declaring "type" and its rules';
        return;
    end if;
    if p_level <> 'output' then
        if p_level <> 'item' and coalesce(p_rule ->> 'key', '') !~ '^[a-z][a-z0-9_]*$' then
            return next v_where || 'needs a "key" in snake_case (e.g. "metric")';
        end if;
        if (p_level <> 'item' or p_rule ? 'label')
           and (jsonb_typeof(p_rule -> 'label') is distinct from 'string' or p_rule ->> 'label' = '') then
            return next v_where || 'needs a non-empty "label"';
        end if;
        if p_rule ? 'required' and jsonb_typeof(p_rule -> 'required') <> 'boolean' then
            return next v_where || '"required" must be true or false';
        end if;
    end if;
    if p_level = 'output' and p_rule ? 'anonymous' and jsonb_typeof(p_rule -> 'anonymous') <> 'boolean' then
        return next '"anonymous" (the team view names no one) must be true or false';
    end if;
    if p_level = 'output' and p_rule ? 'team_level' and jsonb_typeof(p_rule -> 'team_level') <> 'boolean' then
        return next '"team_level" (members read the team''s decided value) must be true or false';
    end if;
    if jsonb_typeof(coalesce(p_rule -> 'type', '"text"')) <> 'string' or v_known is null then
        return next v_where || format('"type" must be one of text, number, integer, boolean, date, choice, list, table, object (not %s)',
                                      p_rule -> 'type');
        return;
    end if;
    if p_level = 'column' and v_type in ('list', 'table', 'object') then
        return next v_where || format('a table column holds one value: text, number, integer, boolean, date or choice (not %s)', v_type);
    end if;
    for v_key in select k from jsonb_object_keys(p_rule) as k where not k = any (v_base || v_known) order by k loop
        return next v_where || format('unknown rule "%s" (known for %s: %s)', v_key, v_type,
                                      coalesce(nullif(array_to_string(v_known, ', '), ''), 'none'));
    end loop;

    -- lengths and item counts: non-negative integers, under the ceiling, min <= max
    foreach v_pair slice 1 in array array[['min_length', 'max_length'], ['min_items', 'max_items']] loop
        continue when not v_pair[1] = any (v_known);
        foreach v_key in array v_pair loop
            if p_rule ? v_key and (jsonb_typeof(p_rule -> v_key) <> 'number'
                                   or (p_rule ->> v_key)::numeric < 0
                                   or (p_rule ->> v_key)::numeric <> trunc((p_rule ->> v_key)::numeric)
                                   or (p_rule ->> v_key)::numeric > v_ceiling) then
                return next v_where || format('"%s" must be a whole number from 0 to %s', v_key, v_ceiling);
            end if;
        end loop;
        if jsonb_typeof(p_rule -> v_pair[1]) = 'number' and jsonb_typeof(p_rule -> v_pair[2]) = 'number'
           and (p_rule ->> v_pair[1])::numeric > (p_rule ->> v_pair[2])::numeric then
            return next v_where || format('"%s" is greater than "%s"', v_pair[1], v_pair[2]);
        end if;
    end loop;

    if v_type in ('number', 'integer') then
        foreach v_key in array array['minimum', 'maximum'] loop
            if p_rule ? v_key and jsonb_typeof(p_rule -> v_key) <> 'number' then
                return next v_where || format('"%s" must be a number', v_key);
            end if;
        end loop;
        if jsonb_typeof(p_rule -> 'minimum') = 'number' and jsonb_typeof(p_rule -> 'maximum') = 'number'
           and (p_rule ->> 'minimum')::numeric > (p_rule ->> 'maximum')::numeric then
            return next v_where || '"minimum" is greater than "maximum"';
        end if;
    elsif v_type = 'date' then
        foreach v_key in array array['minimum', 'maximum'] loop
            if p_rule ? v_key and not shared.is_iso_date(p_rule -> v_key) then
                return next v_where || format('"%s" must be a date written YYYY-MM-DD', v_key);
            end if;
        end loop;
        if shared.is_iso_date(p_rule -> 'minimum') and shared.is_iso_date(p_rule -> 'maximum')
           and (p_rule ->> 'minimum')::date > (p_rule ->> 'maximum')::date then
            return next v_where || '"minimum" is after "maximum"';
        end if;
    elsif v_type = 'choice' then
        if jsonb_typeof(p_rule -> 'choices') is distinct from 'array' or jsonb_array_length(p_rule -> 'choices') = 0
           or exists (select from jsonb_array_elements(p_rule -> 'choices') as c where jsonb_typeof(c) not in ('string', 'number'))
           or (select count(distinct c) <> count(*) from jsonb_array_elements(p_rule -> 'choices') as c) then
            return next v_where || '"choices" must be a non-empty array of distinct strings or numbers';
        end if;
    elsif v_type = 'list' and p_rule ? 'items' then
        return query select * from shared.answer_rule_problems(p_rule -> 'items', 'item', p_at || '[]');
    elsif v_type in ('table', 'object') then
        v_key := case v_type when 'table' then 'columns' else 'keys' end;
        if jsonb_typeof(p_rule -> v_key) is distinct from 'array' or jsonb_array_length(p_rule -> v_key) = 0 then
            return next v_where || format('needs "%s": a non-empty array of {key, label, type, required, ...}', v_key);
            return;
        end if;
        for v_child in select c.value, c.pos from jsonb_array_elements(p_rule -> v_key) with ordinality as c(value, pos) loop
            return query select * from shared.answer_rule_problems(
                v_child.value, case v_type when 'table' then 'column' else 'key' end,
                p_at || case v_type when 'table' then '[]' else '' end || '.'
                     || coalesce(v_child.value ->> 'key', '#' || v_child.pos));
        end loop;
        return query select v_where || format('key "%s" is declared more than once', c.value ->> 'key')
                       from jsonb_array_elements(p_rule -> v_key) as c
                      where c.value ? 'key' group by c.value ->> 'key' having count(*) > 1;
    end if;
end;
$$;

comment on function shared.answer_rule_problems(jsonb, text, text) is
    'What is wrong with one answer rule (README "Answer rules"), recursively: p_level is output, item, column or key, p_at the path named in each problem. No rows when the rule is valid.';

revoke all on function shared.answer_rule_problems(jsonb, text, text) from public;

create or replace function shared.is_produced(p_value jsonb)
returns boolean
language plpgsql
immutable
set search_path = ''
as $$
begin
    return p_value is not null
       and case jsonb_typeof(p_value)
               when 'null' then false
               when 'string' then btrim(p_value #>> '{}') <> ''
               when 'array' then jsonb_array_length(p_value) > 0
               when 'object' then p_value <> '{}'::jsonb
               else true
           end;
end;
$$;

comment on function shared.is_produced(jsonb) is
    'Whether a field holds an answer: absent, JSON null, a blank string, [] and {} do not.';

revoke all on function shared.is_produced(jsonb) from public;

create or replace function shared.is_iso_date_text(p_text text)
returns boolean
language plpgsql
immutable
set search_path = ''
as $$
declare
    v_year integer;
    v_month integer;
begin
    -- by arithmetic, not by a cast: a cast that fails raises (an exception block would cost a
    -- subtransaction per value), and pg_input_is_valid only exists from PostgreSQL 16 on
    if p_text is null or p_text !~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}$' then
        return false;
    end if;
    v_year := substr(p_text, 1, 4)::integer;
    v_month := substr(p_text, 6, 2)::integer;
    if v_year < 1 or v_month not between 1 and 12 then
        return false;
    end if;
    return substr(p_text, 9, 2)::integer
           between 1 and extract(day from pg_catalog.make_date(v_year, v_month, 1) + interval '1 month - 1 day')::integer;
end;
$$;

comment on function shared.is_iso_date_text(text) is
    'Whether a text is YYYY-MM-DD naming a real calendar date from year 1 on (2024-02-30 is not), without raising.';

revoke all on function shared.is_iso_date_text(text) from public;

create or replace function shared.is_iso_date(p_value jsonb)
returns boolean
language plpgsql
immutable
set search_path = ''
as $$
begin
    return jsonb_typeof(p_value) = 'string' and shared.is_iso_date_text(p_value #>> '{}');
end;
$$;

comment on function shared.is_iso_date(jsonb) is
    'Whether a JSON value is a string YYYY-MM-DD naming a real calendar date (2024-02-30 is not).';

revoke all on function shared.is_iso_date(jsonb) from public;

/** Section: the published JSON Schema -------------------------------------------------------- */

-- One value's schema. null is "not answered" everywhere, so every type admits it, except a
-- required output's or key's value, which must be there (and, for an output, not be empty).
create or replace function shared.answer_value_schema(p_rule jsonb, p_title text, p_required text)
returns jsonb
language plpgsql
immutable
set search_path = ''
as $$
declare
    v_type text := coalesce(p_rule ->> 'type', 'text');
    v_json_type text := case v_type when 'text' then 'string' when 'date' then 'string' when 'list' then 'array'
                                    when 'table' then 'array' else v_type end;
    v_null boolean := p_required = 'no';  -- p_required: no, present (a column or key), filled (an output)
    v_schema jsonb := jsonb_build_object('title', p_title);
    v_members jsonb;
    v_min integer;
begin
    if v_type = 'choice' then
        return v_schema || jsonb_build_object('enum', (p_rule -> 'choices') || case when v_null then '[null]' else '[]' end::jsonb);
    end if;
    v_schema := v_schema || jsonb_build_object('type', case when v_null then jsonb_build_array(v_json_type, 'null')
                                                            else to_jsonb(v_json_type) end);
    if v_type = 'text' then
        v_min := (p_rule ->> 'min_length')::integer;
        v_schema := v_schema || jsonb_strip_nulls(jsonb_build_object(
            'minLength', v_min,
            'maxLength', coalesce((p_rule ->> 'max_length')::integer, shared.answer_rule_ceiling('text')),
            'pattern', case when p_required = 'filled' then '[^ ]' end));
    elsif v_type in ('number', 'integer') then
        v_schema := v_schema || jsonb_strip_nulls(jsonb_build_object('minimum', p_rule -> 'minimum', 'maximum', p_rule -> 'maximum'));
    elsif v_type = 'date' then
        -- formatMinimum/formatMaximum: the date-range keywords of ajv-formats
        v_schema := v_schema || jsonb_strip_nulls(jsonb_build_object(
            'format', 'date', 'pattern', '^[0-9]{4}-[0-9]{2}-[0-9]{2}$',
            'formatMinimum', p_rule -> 'minimum', 'formatMaximum', p_rule -> 'maximum'));
    elsif v_type in ('list', 'table') then
        v_min := (p_rule ->> 'min_items')::integer;
        if p_required = 'filled' then
            v_min := greatest(v_min, 1);
        end if;
        v_schema := v_schema || jsonb_strip_nulls(jsonb_build_object(
            'minItems', v_min,
            'maxItems', coalesce((p_rule ->> 'max_items')::integer, shared.answer_rule_ceiling(v_type))));
        if v_type = 'list' then
            v_schema := v_schema || jsonb_build_object('items', shared.answer_value_schema(
                coalesce(p_rule -> 'items', '{"type": "text"}'),
                coalesce(p_rule -> 'items' ->> 'label', p_title || ': item'), 'no'));
        else
            v_schema := v_schema || jsonb_build_object('items', shared.answer_members_schema(
                p_rule -> 'columns', p_title || ': row', 'no'));
        end if;
    elsif v_type = 'object' then
        v_members := shared.answer_members_schema(p_rule -> 'keys', p_title, p_required);
        v_schema := (v_members - 'type') || v_schema;
    end if;
    return v_schema;
end;
$$;

comment on function shared.answer_value_schema(jsonb, text, text) is
    'The JSON Schema (2020-12) of one answer rule, titled p_title; p_required is no, present (a required column or key: not null) or filled (a required output: not null nor empty).';

revoke all on function shared.answer_value_schema(jsonb, text, text) from public;

-- A table's row or an object: closed, its members' schemas titled with their labels.
create or replace function shared.answer_members_schema(p_members jsonb, p_title text, p_required text)
returns jsonb
language plpgsql
immutable
set search_path = ''
as $$
begin
    return (select jsonb_build_object(
                       'title', p_title,
                       'type', case when p_required = 'no' then '["object", "null"]'::jsonb else '"object"'::jsonb end,
                       'properties', jsonb_object_agg(m.value ->> 'key', shared.answer_value_schema(
                           m.value, m.value ->> 'label',
                           case when m.value -> 'required' = 'true' then 'present' else 'no' end)),
                       'required', coalesce(jsonb_agg(m.value ->> 'key' order by m.pos)
                                                filter (where m.value -> 'required' = 'true'), '[]'),
                       'additionalProperties', false)
                   || case when p_required = 'filled' then '{"minProperties": 1}'::jsonb else '{}'::jsonb end
              from jsonb_array_elements(p_members) with ordinality as m(value, pos));
end;
$$;

comment on function shared.answer_members_schema(jsonb, text, text) is
    'The JSON Schema of a table row or an object answer: its declared columns or keys, required ones listed, any other key refused.';

revoke all on function shared.answer_members_schema(jsonb, text, text) from public;

-- The document: dotted field ids become nested objects that stay open (a page may keep other
-- state there). An intermediate object holding a required output must be an object.
create or replace function shared.answer_tree_schema(p_outputs jsonb, p_depth integer, p_title text)
returns jsonb
language plpgsql
immutable
set search_path = ''
as $$
declare
    v_properties jsonb := '{}';
    v_required jsonb := '[]';
    v_group record;
    v_child jsonb;
begin
    for v_group in
        select o.value -> 'path' ->> p_depth as step,
               jsonb_agg(o.value order by o.pos) as outputs,
               bool_or(o.value -> 'rule' -> 'required' = 'true') as holds_required,
               min(o.pos) as first_pos
          from jsonb_array_elements(p_outputs) with ordinality as o(value, pos)
         group by 1 order by min(o.pos)
    loop
        if jsonb_array_length(v_group.outputs -> 0 -> 'path') = p_depth + 1 then
            v_child := shared.answer_value_schema(v_group.outputs -> 0 -> 'rule', v_group.outputs -> 0 -> 'rule' ->> 'label',
                                                  case when v_group.holds_required then 'filled' else 'no' end);
        else
            v_child := shared.answer_tree_schema(v_group.outputs, p_depth + 1, v_group.step);
        end if;
        v_properties := v_properties || jsonb_build_object(v_group.step, v_child);
        if v_group.holds_required then
            v_required := v_required || to_jsonb(v_group.step);
        end if;
    end loop;
    return jsonb_build_object('title', p_title)
           || case when p_depth > 0 and v_required = '[]' then '{}'::jsonb else '{"type": "object"}'::jsonb end
           || jsonb_build_object('properties', v_properties, 'required', v_required);
end;
$$;

comment on function shared.answer_tree_schema(jsonb, integer, text) is
    'The JSON Schema of the answers document (or, from p_depth 1 on, of an object made by dotted field ids): p_outputs is [{path, rule}] in declaration order.';

revoke all on function shared.answer_tree_schema(jsonb, integer, text) from public;

create or replace function shared.tool_answer_schema(p_tool jsonb)
returns jsonb
language plpgsql
immutable
set search_path = ''
as $$
begin
    return jsonb_build_object(
               '$schema', 'https://json-schema.org/draft/2020-12/schema',
               '$id', format('urn:fasttrack:tool:%s:answers', p_tool ->> 'slug'),
               'description', format('The answers of %s, as saved and submitted (data of POST /api/tools/%s/data).',
                                     p_tool ->> 'name', p_tool ->> 'slug'),
               'examples', jsonb_build_array(coalesce(p_tool -> 'example', '{}')))
           || shared.answer_tree_schema(
                  (select jsonb_agg(jsonb_build_object('path', to_jsonb(string_to_array(o.value ->> 'field_id', '.')),
                                                       'rule', o.value) order by o.pos)
                     from jsonb_array_elements(p_tool -> 'outputs') with ordinality as o(value, pos)),
                  0, p_tool ->> 'name');
end;
$$;

comment on function shared.tool_answer_schema(jsonb) is
    'A registry tool entry''s answers as a JSON Schema (draft 2020-12): title = label at every level, examples = [its example]. Stored in shared.tools.answer_schema at sync.';

revoke all on function shared.tool_answer_schema(jsonb) from public;
