-- =============================================================================================
-- The team report of one tool: the document a guru prints for the team's meeting. It is the
-- team view (262_team_view.sql, computed once, by shared.team_view) with what the meeting
-- adds: the meeting's date, the decision the team recorded (by output, with labels) and the
-- tool's action items. The web layer renders it as JSON or a PDF (exports/team_report.py).
-- =============================================================================================

/** Section: the report ----------------------------------------------------------------------- */

create or replace function shared.team_decision_outputs(p_tool shared.tools, p_data jsonb)
returns jsonb
language sql
stable
set search_path = ''
as $$
    -- the agreed answers by declared output, as an export lays them out; null before a decision
    select case when p_data is not null then
               coalesce(jsonb_agg(jsonb_build_object('field_id', f.field_id, 'label', f.label, 'type', f.value_type,
                                                     'team_level', coalesce((f.rules ->> 'team_level')::boolean, false),
                                                     'columns', shared.declared_columns(f.rules),
                                                     'value', p_data #> f.path)
                                  order by f.position), '[]') end
      from shared.tool_fields as f
     where f.tool_slug = p_tool.slug;
$$;

comment on function shared.team_decision_outputs(shared.tools, jsonb) is
    'A team decision''s answers by the tool''s declared outputs (field_id, label, type, team_level, columns, value), in registry order; null when there is no decision.';

revoke all on function shared.team_decision_outputs(shared.tools, jsonb) from public;

create or replace function shared.team_report(p_organization shared.organizations, p_tool shared.tools,
                                              p_min_respondents integer)
returns jsonb
language plpgsql
stable
set search_path = ''
as $$
declare
    v_decision jsonb := shared.get_team_decision(p_organization.id, p_tool);
    v_view jsonb := shared.team_view(p_organization, p_tool, p_min_respondents);
begin
    return jsonb_build_object(
               'format_version', 1,
               'document', 'team_report',
               'program', 'Fast Track',
               'generated_at', pg_catalog.now())
           || v_view
           || jsonb_build_object(
               'organization', jsonb_build_object('id', p_organization.id, 'name', p_organization.name,
                                                  'slug', p_organization.slug,
                                                  'time_zone', shared.organization_time_zone(p_organization)),
               'tool', shared.tool_ref(p_tool)
                       || (select jsonb_build_object('description', p_tool.description,
                                                     'module', jsonb_build_object('id', m.id, 'name', m.name))
                             from shared.modules as m where m.id = p_tool.module_id),
               -- a table's declared columns beside each output, so its answers read as the exports'
               'fields', (select coalesce(jsonb_agg(x.field || jsonb_build_object('columns', shared.declared_columns(f.rules))
                                                    order by x.n), '[]')
                            from jsonb_array_elements(v_view -> 'fields') with ordinality as x (field, n)
                            join shared.tool_fields as f on f.tool_slug = p_tool.slug and f.field_id = x.field ->> 'field_id'),
               'meeting', (select shared.schedule_json(p_organization, s) from shared.meeting_schedules as s
                            where s.organization_id = p_organization.id and s.tool_slug = p_tool.slug),
               'decision', case when (v_decision ->> 'version')::integer > 0 then
                               (v_decision - 'data' - 'tool' - 'organization_id')
                               || jsonb_build_object('outputs', shared.team_decision_outputs(p_tool, v_decision -> 'data'))
                           end,
               'action_items', (select coalesce(jsonb_agg(shared.action_item_json(a) order by a.due_on, a.created_at, a.id), '[]')
                                  from shared.action_items as a
                                 where a.organization_id = p_organization.id and a.tool_slug = p_tool.slug));
end;
$$;

comment on function shared.team_report(shared.organizations, shared.tools, integer) is
    'The team report of a tool (GET .../team/export): the team view (readiness, who to nudge, answers side by side with summaries, anonymous rules) with the tool''s module, the meeting scheduled for it, the recorded decision by output (null before one) and its action items by due date.';

revoke all on function shared.team_report(shared.organizations, shared.tools, integer) from public;
