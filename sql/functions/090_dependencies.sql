-- =============================================================================================
-- The read path: what a tool receives from earlier tools, and why it is still locked. Both are
-- static SQL over shared.current_field_values, so their plans are cached whatever the number of
-- source schemas (program-overview reads from 30).
-- =============================================================================================

/** Section: resolving ------------------------------------------------------------------------ */

-- json, not jsonb: the answer is built as text and sent as it is. Built as jsonb, every level of
-- the document (30 field objects, the arrays, the whole) is taken apart and packed again, which
-- cost more than the lookup itself; the json has the same content, its keys in a stable order.
-- An output the registry marks "team_level" reads the team's decision first (one primary-key
-- lookup per such field, none when the member has no organization): "source" says which.
create or replace function shared.resolve_dependencies(p_tool_slug text, p_user_id uuid)
returns json
language plpgsql
stable
set search_path = ''
as $$
declare
    v_tool shared.tools := shared.require_tool(p_tool_slug);
    v_organization_id uuid := (shared.require_user(p_user_id)).organization_id;
    v_result json;
begin
    select json_build_object(
               'tool', v_tool.slug,
               'user_id', p_user_id,
               'fields', coalesce(json_agg(json_build_object(
                             'field_id', d.source_field_id, 'target_field', d.target_field,
                             'source_tool', d.source_tool_slug, 'source_sprint', t.sprint_number,
                             'label', f.label, 'required', d.required, 'value', r.value,
                             'submission_id', case when r.source = 'own' then v.submission_id end,
                             'source', r.source)
                         order by t.sprint_number, d.position), '[]'),
               'values', coalesce(json_object_agg(d.target_field, r.value order by t.sprint_number, d.position)
                                      filter (where r.value is not null), '{}'),
               'missing', coalesce(json_agg(json_build_object(
                              'source_tool', d.source_tool_slug, 'field_id', d.source_field_id,
                              'required', d.required)
                          order by t.sprint_number, d.position) filter (where r.value is null), '[]'))
      into v_result
      from shared.tool_dependencies as d
      join shared.tools as t on t.slug = d.source_tool_slug
      join shared.tool_fields as f on f.tool_slug = d.source_tool_slug and f.field_id = d.source_field_id
      left join shared.current_field_values as v
             on v.user_id = p_user_id and v.tool_slug = d.source_tool_slug and v.field_id = d.source_field_id
      left join shared.team_decisions as td
             on td.organization_id = v_organization_id and td.tool_slug = d.source_tool_slug
            and f.rules ->> 'team_level' = 'true'
     cross join lateral (select nullif(td.data -> d.source_field_id, 'null') as decided) as x
     cross join lateral (select coalesce(x.decided, v.field_value) as value,
                                case when x.decided is not null then 'team'
                                     when v.field_value is not null then 'own' end as source) as r
     where d.tool_slug = v_tool.slug;
    return v_result;
end;
$$;

comment on function shared.resolve_dependencies(text, uuid) is
    'Every dependency field of a tool for a user, as json: fields (value, source tool, required flag, label, source: team when a team_level output comes from the organization''s decision, own when from the user''s submission, null when neither), values (by target_field) and missing (no value from either yet). One statement whatever the number of source tools. DBA use: select shared.resolve_dependencies(''program-overview'', ''<user uuid>'');';

revoke all on function shared.resolve_dependencies(text, uuid) from public;

/** Section: unlock status -------------------------------------------------------------------- */

create or replace function shared.check_unlock_status(p_tool_slug text, p_user_id uuid)
returns jsonb
language plpgsql
stable
set search_path = ''
as $$
declare
    v_tool shared.tools := shared.require_tool(p_tool_slug);
    v_status text;
    v_missing jsonb;
begin
    select p.status into v_status
      from shared.user_progress as p where p.user_id = p_user_id and p.tool_slug = v_tool.slug;
    if v_status is null then
        perform shared.require_user(p_user_id);
    end if;

    select coalesce(jsonb_agg(jsonb_build_object(
                        'source_tool', m.source_tool_slug, 'source_tool_name', t.name,
                        'field_id', m.source_field_id, 'label', f.label)
                    order by t.sprint_number, m.position), '[]')
      into v_missing
      from shared.missing_requirements(p_user_id, v_tool.slug) as m
      join shared.tools as t on t.slug = m.source_tool_slug
      join shared.tool_fields as f on f.tool_slug = m.source_tool_slug and f.field_id = m.source_field_id;

    return jsonb_build_object('tool', v_tool.slug, 'status', coalesce(v_status, 'locked'),
                              'unlocked', coalesce(v_status, 'locked') <> 'locked',
                              'missing_dependencies', v_missing);
end;
$$;

comment on function shared.check_unlock_status(text, uuid) is
    'Whether the user may work on a tool (unlocked, from progress, so admin overrides count) and which required fields, of which tools, are still missing.';

revoke all on function shared.check_unlock_status(text, uuid) from public;
