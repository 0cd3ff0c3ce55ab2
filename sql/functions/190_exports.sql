-- =============================================================================================
-- Exports: one statement assembles everything a JSON or PDF export of a tool shows (tool,
-- answers with labels, the dependency values it was built on, and for program-overview the
-- whole program). The web layer only renders it.
-- =============================================================================================

/** Section: bundle --------------------------------------------------------------------------- */

create or replace function shared.declared_columns(p_rules jsonb)
returns jsonb
language plpgsql
immutable
set search_path = ''
as $$
begin
    -- jsonb orders an answer's keys by length: the registry's order is the one people read
    return (select jsonb_agg(jsonb_build_object('key', c.value ->> 'key', 'label', c.value ->> 'label') order by c.pos)
              from jsonb_array_elements(case when jsonb_typeof(p_rules -> 'columns') = 'array'
                                             then p_rules -> 'columns' else '[]' end) with ordinality as c(value, pos));
end;
$$;

comment on function shared.declared_columns(jsonb) is
    'A table output''s declared columns as [{key, label}] in the registry''s order (null for any other output): exports lay tables out by them.';

revoke all on function shared.declared_columns(jsonb) from public;

create or replace function shared.export_bundle(p_slug text, p_user_id uuid)
returns jsonb
language plpgsql
stable
set search_path = ''
as $$
declare
    v_tool shared.tools := shared.require_tool(p_slug);
    v_user shared.users := shared.require_user(p_user_id);
    v_submission jsonb := shared.get_submission(v_tool.slug, v_user.id);
begin
    if v_submission ->> 'submission_id' is null then
        raise sqlstate 'PT404'
            using message = format('Nothing to export yet: %s has no saved answers', v_tool.name),
                  detail  = json_build_object('code', 'NOTHING_TO_EXPORT', 'tool', v_tool.slug)::text;
    end if;

    return jsonb_build_object(
        'format_version', 1,
        'program', 'Fast Track',
        'generated_at', pg_catalog.now(),
        'user', jsonb_build_object('id', v_user.id, 'email', v_user.email, 'full_name', v_user.full_name),
        'organization', (select jsonb_build_object('id', o.id, 'name', o.name)
                           from shared.organizations as o
                          where o.id = coalesce((v_submission ->> 'organization_id')::uuid, v_user.organization_id)),
        'tool', (select jsonb_build_object('slug', v_tool.slug, 'name', v_tool.name, 'sprint_number', v_tool.sprint_number,
                                           'description', v_tool.description,
                                           'module', jsonb_build_object('id', m.id, 'name', m.name))
                   from shared.modules as m where m.id = v_tool.module_id),
        'submission', (v_submission - 'data' - 'tool')
                      || jsonb_build_object('is_draft', v_submission ->> 'submitted_at' is null
                                                        or v_submission ->> 'status' = 'in_progress'),
        'answers', v_submission -> 'data',
        'outputs', (select coalesce(jsonb_agg(jsonb_build_object('field_id', f.field_id, 'label', f.label,
                                                                 'type', f.value_type, 'required', f.required,
                                                                 'columns', shared.declared_columns(f.rules),
                                                                 'value', (v_submission -> 'data') #> f.path)
                                              order by f.position), '[]')
                      from shared.tool_fields as f where f.tool_slug = v_tool.slug),
        'dependencies', (select coalesce(jsonb_agg(jsonb_build_object(
                                    'source_tool', e ->> 'source_tool', 'source_sprint', e -> 'source_sprint',
                                    'source_tool_name', t.name, 'field_id', e ->> 'field_id', 'label', e ->> 'label',
                                    'target_field', e ->> 'target_field', 'required', e -> 'required', 'value', e -> 'value')
                                 order by (e ->> 'source_sprint')::integer), '[]')
                           from jsonb_array_elements(shared.resolve_dependencies(v_tool.slug, v_user.id)::jsonb -> 'fields') as e
                           join shared.tools as t on t.slug = e ->> 'source_tool'),
        'sections', case when v_tool.slug = 'program-overview' then shared.program_sections(v_user.id) end);
end;
$$;

comment on function shared.export_bundle(text, uuid) is
    'Everything an export of a tool shows: user, organization, tool, submission (is_draft), answers, labelled outputs (a table''s with its declared columns: key and label, in order), dependency values with their source tools, and for program-overview every sprint''s section. PT404 (NOTHING_TO_EXPORT) before the first save.';

revoke all on function shared.export_bundle(text, uuid) from public;

create or replace function shared.program_sections(p_user_id uuid)
returns jsonb
language sql
stable
set search_path = ''
as $$
    select coalesce(jsonb_agg(jsonb_build_object(
               'tool', shared.tool_ref(t) || jsonb_build_object('description', t.description, 'module', m.name),
               'status', p.status,
               'completed_at', p.completed_at,
               'outputs', (select coalesce(jsonb_agg(jsonb_build_object('field_id', f.field_id, 'label', f.label,
                                                                        'type', f.value_type, 'value', v.field_value,
                                                                        'columns', shared.declared_columns(f.rules))
                                                     order by f.position), '[]')
                             from shared.tool_fields as f
                             join shared.current_field_values as v
                               on v.user_id = p_user_id and v.tool_slug = f.tool_slug and v.field_id = f.field_id
                            where f.tool_slug = t.slug))
           order by t.sprint_number), '[]')
      from shared.tools as t
      join shared.modules as m on m.id = t.module_id
      left join shared.user_progress as p on p.user_id = p_user_id and p.tool_slug = t.slug
     where t.slug <> 'program-overview';
$$;

comment on function shared.program_sections(uuid) is
    'The whole program for one user, in sprint order: each tool''s status and its submitted outputs with labels (the program-overview report).';

revoke all on function shared.program_sections(uuid) from public;

/** Section: web entry points ----------------------------------------------------------------- */

create or replace function api.export_tool(p_slug text)
returns jsonb
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
    v_caller shared.users := shared.require_caller();
begin
    perform shared.consume_rate_limit('exports', v_caller.id::text, shared.request_limit('exports'));
    return shared.export_bundle(p_slug, v_caller.id);
end;
$$;

comment on function api.export_tool(text) is
    'GET /api/tools/{slug}/export: the export bundle of the caller''s work (limited per minute: RATE_LIMIT_EXPORTS).';

revoke all on function api.export_tool(text) from public;
grant execute on function api.export_tool(text) to fasttrack_api;

create or replace function api.export_user_tool(p_user_id uuid, p_slug text)
returns jsonb
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
    v_caller shared.users := shared.require_caller();
    v_user shared.users := shared.require_visible_user(v_caller, p_user_id);
begin
    perform shared.consume_rate_limit('exports', v_caller.id::text, shared.request_limit('exports'));
    return shared.export_bundle(p_slug, v_user.id);
end;
$$;

comment on function api.export_user_tool(uuid, text) is
    'GET /api/users/{id}/tools/{slug}/export: another user''s export bundle, for their organization''s gurus and admins (others PT404).';

revoke all on function api.export_user_tool(uuid, text) from public;
grant execute on function api.export_user_tool(uuid, text) to fasttrack_api;
