-- =============================================================================================
-- The team view of one tool, which a guru opens before the meeting: how ready the team is, who
-- to nudge, and for every declared output the members' answers side by side (drafts too) with
-- a summary by the answer's shape (its rule: shared.tool_fields.value_type and .rules):
--   number, integer   n, min, median, max, mean
--   choice, boolean   counts per distinct value, most frequent first
--   list              counts per distinct item (trimmed, case-insensitive), most frequent first
--   table             row counts, and per column of type number/integer or choice a summary
--   text, date, object the answers themselves
-- A tool or output the registry marks "anonymous" shows no names, and shows its answers and
-- summary only when at least p_min_respondents members answered (TEAM_MIN_RESPONDENTS).
-- =============================================================================================

/** Section: summaries ------------------------------------------------------------------------ */

create or replace function shared.number_summary(p_values jsonb)
returns jsonb
language sql
immutable
set search_path = ''
as $$
    select jsonb_build_object('n', count(*), 'min', min(n), 'median', percentile_cont(0.5) within group (order by n),
                              'max', max(n), 'mean', round(avg(n), 4))
      from (select (v #>> '{}')::numeric as n from jsonb_array_elements(p_values) as v
             where jsonb_typeof(v) = 'number') as x;
$$;

comment on function shared.number_summary(jsonb) is 'n, min, median, max and mean of the JSON numbers in an array (other values are left out).';

revoke all on function shared.number_summary(jsonb) from public;

create or replace function shared.value_counts(p_values jsonb)
returns jsonb
language sql
immutable
set search_path = ''
as $$
    -- one count per value, trimmed and case-insensitive; shown as first spelled (alphabetically)
    select coalesce(jsonb_agg(jsonb_build_object('value', c.shown, 'count', c.n) order by c.n desc, c.shown), '[]')
      from (select min(btrim(v #>> '{}')) as shown, count(*) as n
              from jsonb_array_elements(p_values) as v
             where jsonb_typeof(v) in ('string', 'number', 'boolean') and btrim(v #>> '{}') <> ''
             group by lower(btrim(v #>> '{}'))) as c;
$$;

comment on function shared.value_counts(jsonb) is
    'Counts per distinct scalar of an array (trimmed, case-insensitive), most frequent first: [{value, count}].';

revoke all on function shared.value_counts(jsonb) from public;

create or replace function shared.answer_summary(p_type text, p_rules jsonb, p_values jsonb)
returns jsonb
language plpgsql
immutable
set search_path = ''
as $$
declare
    v_rows jsonb;
begin
    -- p_values: the answered values, one per member
    case
        when p_type in ('number', 'integer') then
            return jsonb_build_object('shape', 'numbers') || shared.number_summary(p_values);
        when p_type in ('choice', 'boolean') then
            return jsonb_build_object('shape', 'counts', 'counts', shared.value_counts(p_values));
        when p_type = 'list' then
            return jsonb_build_object('shape', 'counts', 'counts', shared.value_counts(
                (select coalesce(jsonb_agg(i), '[]') from jsonb_array_elements(p_values) as v,
                        jsonb_array_elements(case when jsonb_typeof(v) = 'array' then v else '[]' end) as i)));
        when p_type = 'table' then
            select coalesce(jsonb_agg(r), '[]') into v_rows
              from jsonb_array_elements(p_values) as v,
                   jsonb_array_elements(case when jsonb_typeof(v) = 'array' then v else '[]' end) as r;
            return jsonb_build_object(
                'shape', 'table',
                'rows', shared.number_summary((select coalesce(jsonb_agg(jsonb_array_length(v)), '[]')
                                                 from jsonb_array_elements(p_values) as v where jsonb_typeof(v) = 'array')),
                'columns', (select coalesce(jsonb_agg(jsonb_build_object('key', c ->> 'key', 'label', c ->> 'label')
                                                      || shared.answer_summary(c ->> 'type', c,
                                                             (select coalesce(jsonb_agg(r -> (c ->> 'key')), '[]')
                                                                from jsonb_array_elements(v_rows) as r
                                                               where r ? (c ->> 'key')))
                                                      order by o), '[]')
                              from jsonb_array_elements(coalesce(p_rules -> 'columns', '[]')) with ordinality as x (c, o)
                             where c ->> 'type' in ('number', 'integer', 'choice', 'boolean')));
        else
            return jsonb_build_object('shape', 'answers');
    end case;
end;
$$;

comment on function shared.answer_summary(text, jsonb, jsonb) is
    'The summary of a team''s answers to one output by its shape: numbers, counts (choices, booleans, list items), a table''s rows and number/choice columns; none for text, dates and objects (their answers are the summary).';

revoke all on function shared.answer_summary(text, jsonb, jsonb) from public;

/** Section: the team view -------------------------------------------------------------------- */

create or replace function shared.team_view(p_organization shared.organizations, p_tool shared.tools,
                                            p_min_respondents integer)
returns jsonb
language plpgsql
stable
set search_path = ''
-- one plan for the statement below, kept: planning it anew for each call costs more than running it
set plan_cache_mode = force_generic_plan
as $$
declare
    v_tool_anonymous boolean := p_tool.anonymous;
    v_ids uuid[];
    v_submitters uuid[];
    v_statuses text[];
    v_data jsonb[];
begin
    select coalesce(array_agg(u.id), '{}') into v_ids from shared.users as u where u.organization_id = p_organization.id;
    -- every member's active submission (draft or submitted) in one statement on the tool's own
    -- table, built here since the schema is the tool's; arrays keep the answers as they are stored
    execute format('select array_agg(s.user_id), array_agg(s.status), array_agg(s.data) from %I.submissions as s'
                   ' where s.user_id = any ($1) and s.archived_at is null', p_tool.schema_name)
       into v_submitters, v_statuses, v_data using v_ids;
    return (
        with submissions as materialized (
            select x.user_id, x.status, x.data
              from rows from (pg_catalog.unnest(v_submitters), pg_catalog.unnest(v_statuses), pg_catalog.unnest(v_data))
                   as x (user_id, status, data)
        ), members as materialized (
            -- each member once: progress, their submission's status, last save
            select u.id, u.email, jsonb_build_object('id', u.id, 'email', u.email, 'full_name', u.full_name) as person,
                   p.status as progress, s.status, s.data,
                   greatest(p.started_at, p.completed_at, sv.saved_at) as last_saved_at
              from shared.users as u
              join shared.user_progress as p on p.user_id = u.id and p.tool_slug = p_tool.slug
              left join submissions as s on s.user_id = u.id
              left join (select v.user_id, max(v.replaced_at) as saved_at from shared.submission_versions as v
                          where v.user_id = any (v_ids) and v.tool_slug = p_tool.slug group by v.user_id) as sv
                     on sv.user_id = u.id
             where u.organization_id = p_organization.id
        ), answers as (
            -- one pass over members x outputs: the answered ones, grouped by output; an anonymous
            -- output's answers without names, in value order so the order gives no one away
            select a.field_id,
                   json_agg(json_build_object('user', a.person, 'value', a.value, 'status', a.status,
                                              'submitted', a.status = 'submitted') order by a.email::text)
                       filter (where not a.anonymous) as named,
                   json_agg(json_build_object('value', a.value, 'submitted', a.status = 'submitted')
                            order by a.value, a.email::text) filter (where a.anonymous) as unnamed,
                   jsonb_agg(a.value) as answer_values,
                   count(*)::integer as respondents
              from (select o.field_id, m.email, m.person, m.status, m.data #> o.path as value,
                           v_tool_anonymous or coalesce((o.rules ->> 'anonymous')::boolean, false) as anonymous
                      from members as m cross join shared.tool_fields as o
                     where o.tool_slug = p_tool.slug) as a
             where jsonb_typeof(a.value) <> 'null' and a.value not in ('""', '[]', '{}')
             group by a.field_id
        )
        -- built as json (text, nested without re-encoding) and made jsonb once
        select json_build_object(
            'organization', json_build_object('id', p_organization.id, 'name', p_organization.name),
            'tool', shared.tool_ref(p_tool),
            'anonymous', v_tool_anonymous,
            'min_respondents', p_min_respondents,
            'readiness', shared.tool_readiness(p_organization.id, p_tool.slug)
                         || jsonb_build_object('to_nudge', (
                                select coalesce(jsonb_agg(jsonb_build_object('user', m.person, 'status', m.progress,
                                                                             'last_saved_at', m.last_saved_at)
                                                          order by m.email::text), '[]')
                                  from members as m where m.progress <> 'completed')),
            'fields', (select coalesce(json_agg(shared.team_field(f, v_tool_anonymous or coalesce((f.rules ->> 'anonymous')::boolean, false),
                                                                  coalesce(a.named, a.unnamed), a.answer_values,
                                                                  coalesce(a.respondents, 0), p_min_respondents)
                                                order by f.position), '[]')
                         from shared.tool_fields as f
                         left join answers as a on a.field_id = f.field_id
                        where f.tool_slug = p_tool.slug))::jsonb);
end;
$$;

comment on function shared.team_view(shared.organizations, shared.tools, integer) is
    'GET /api/organizations/{id}/tools/{slug}/team: readiness with who to nudge, and every output''s answers side by side with its summary (anonymous ones without names, hidden under p_min_respondents answers).';

revoke all on function shared.team_view(shared.organizations, shared.tools, integer) from public;

create or replace function shared.team_field(p_field shared.tool_fields, p_anonymous boolean, p_answers json,
                                             p_values jsonb, p_respondents integer, p_min_respondents integer)
returns json
language plpgsql
immutable
set search_path = ''
as $$
begin
    -- p_answers: the answers as shown (named, or without names when p_anonymous); p_values: the values alone
    if p_anonymous and p_respondents < p_min_respondents then
        return json_build_object('field_id', p_field.field_id, 'label', p_field.label, 'type', p_field.value_type,
                                 'anonymous', true, 'respondents', p_respondents, 'hidden', true,
                                 'message', 'too few answers to show');
    end if;
    return json_build_object('field_id', p_field.field_id, 'label', p_field.label, 'type', p_field.value_type,
                             'anonymous', p_anonymous, 'respondents', p_respondents, 'hidden', false,
                             'answers', coalesce(p_answers, '[]'),
                             'summary', shared.answer_summary(p_field.value_type, p_field.rules, coalesce(p_values, '[]')));
end;
$$;

comment on function shared.team_field(shared.tool_fields, boolean, json, jsonb, integer, integer) is
    'One output of the team view from its answers as shown (named unless anonymous) and their values: the answers and their summary; an anonymous output under p_min_respondents answers shows neither.';

revoke all on function shared.team_field(shared.tool_fields, boolean, json, jsonb, integer, integer) from public;
