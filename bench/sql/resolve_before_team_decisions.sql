-- The resolve before team decisions (every value the member's own), to measure the change
-- against it in one run: python -m bench.team_decision applies it after timing the current one.
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


