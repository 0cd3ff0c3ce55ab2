-- =============================================================================================
-- The read path: what a tool receives from earlier tools, and why it is still locked. Both are
-- static SQL over shared.current_field_values, so their plans are cached whatever the number of
-- source schemas (program-overview reads from 30).
-- =============================================================================================

/** Section: resolving ------------------------------------------------------------------------ */

-- json, not jsonb: the answer is built as text and sent as it is. Built as jsonb, every level of
-- the document (30 field objects, the arrays, the whole) is taken apart and packed again, which
-- cost more than the lookup itself; the json has the same content, its keys in a stable order.
create or replace function shared.resolve_dependencies(p_tool_slug text, p_user_id uuid)
returns json
language plpgsql
stable
set search_path = ''
as $$
declare
    v_tool shared.tools := shared.require_tool(p_tool_slug);
    v_result json;
begin
    perform shared.require_user(p_user_id);
    select json_build_object(
               'tool', v_tool.slug,
               'user_id', p_user_id,
               'fields', coalesce(json_agg(json_build_object(
                             'field_id', d.source_field_id, 'target_field', d.target_field,
                             'source_tool', d.source_tool_slug, 'source_sprint', t.sprint_number,
                             'label', f.label, 'required', d.required, 'value', v.field_value,
                             'submission_id', v.submission_id)
                         order by t.sprint_number, d.position), '[]'),
               'values', coalesce(json_object_agg(d.target_field, v.field_value order by t.sprint_number, d.position)
                                      filter (where v.field_value is not null), '{}'),
               'missing', coalesce(json_agg(json_build_object(
                              'source_tool', d.source_tool_slug, 'field_id', d.source_field_id,
                              'required', d.required)
                          order by t.sprint_number, d.position) filter (where v.field_value is null), '[]'))
      into v_result
      from shared.tool_dependencies as d
      join shared.tools as t on t.slug = d.source_tool_slug
      join shared.tool_fields as f on f.tool_slug = d.source_tool_slug and f.field_id = d.source_field_id
      left join shared.current_field_values as v
             on v.user_id = p_user_id and v.tool_slug = d.source_tool_slug and v.field_id = d.source_field_id
     where d.tool_slug = v_tool.slug;
    return v_result;
end;
$$;

comment on function shared.resolve_dependencies(text, uuid) is
    'Every dependency field of a tool for a user, as json: fields (value, source tool, required flag, label), values (by target_field) and missing (no submitted value yet). One statement whatever the number of source tools. DBA use: select shared.resolve_dependencies(''program-overview'', ''<user uuid>'');';

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
