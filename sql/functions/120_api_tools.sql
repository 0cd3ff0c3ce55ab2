-- =============================================================================================
-- Web entry points for a user's own tools: /api/tools/..., /api/progress. Each api.X reads the
-- caller from the claims and hands over to shared.X, the rule of the same name that does the work
-- (in PL/pgSQL, for the reason given in 010_request_context.sql).
-- =============================================================================================

/** Section: tools ---------------------------------------------------------------------------- */

create or replace function api.list_tools()
returns jsonb
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
    v_caller shared.users := shared.require_caller();
begin
    return (select coalesce(jsonb_agg(jsonb_build_object(
                       'slug', t.slug, 'sprint_number', t.sprint_number, 'name', t.name,
                       'description', t.description, 'module_id', t.module_id, 'module_name', m.name,
                       'status', coalesce(p.status, 'locked'), 'progress_percentage', coalesce(p.progress_percentage, 0))
                   order by t.sprint_number), '[]')
              from shared.tools as t
              join shared.modules as m on m.id = t.module_id
              left join shared.user_progress as p on p.user_id = v_caller.id and p.tool_slug = t.slug);
end;
$$;

comment on function api.list_tools() is 'GET /api/tools: every tool in sprint order with the caller''s status.';

revoke all on function api.list_tools() from public;
grant execute on function api.list_tools() to fasttrack_api;

create or replace function api.get_tool(p_slug text)
returns jsonb
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
    v_caller shared.users := shared.require_caller();
    v_tool shared.tools := shared.require_tool(p_slug);
    v_status jsonb := shared.check_unlock_status(v_tool.slug, v_caller.id);
begin
    return jsonb_build_object(
        'slug', v_tool.slug, 'sprint_number', v_tool.sprint_number, 'name', v_tool.name,
        'description', v_tool.description,
        'module', (select jsonb_build_object('id', m.id, 'name', m.name) from shared.modules as m where m.id = v_tool.module_id),
        'outputs', (select coalesce(jsonb_agg(jsonb_build_object('field_id', f.field_id, 'label', f.label,
                                                                 'type', f.value_type, 'required', f.required)
                                              order by f.position), '[]')
                      from shared.tool_fields as f where f.tool_slug = v_tool.slug),
        'dependencies', (select coalesce(jsonb_agg(jsonb_build_object('source_tool', d.source_tool_slug,
                                                                      'source_field', d.source_field_id,
                                                                      'target_field', d.target_field,
                                                                      'required', d.required,
                                                                      'description', d.description)
                                                   order by d.position), '[]')
                           from shared.tool_dependencies as d where d.tool_slug = v_tool.slug),
        'status', v_status -> 'status',
        'unlocked', v_status -> 'unlocked',
        'missing_dependencies', v_status -> 'missing_dependencies',
        'answer_schema_url', format('/api/tools/%s/schema', v_tool.slug));
end;
$$;

comment on function api.get_tool(text) is
    'GET /api/tools/{slug}: the tool, its labelled outputs, its dependencies, the caller''s status with what is still missing, and answer_schema_url (its answers'' JSON Schema).';

revoke all on function api.get_tool(text) from public;
grant execute on function api.get_tool(text) to fasttrack_api;

create or replace function api.get_tool_answer_schema(p_slug text)
returns jsonb
language plpgsql
stable
security definer
set search_path = ''
as $$
declare
    v_caller shared.users := shared.require_caller();
    v_tool shared.tools := shared.require_tool(p_slug);
begin
    return v_tool.answer_schema;
end;
$$;

comment on function api.get_tool_answer_schema(text) is
    'GET /api/tools/{slug}/schema: the tool''s answers as a JSON Schema (draft 2020-12), generated at registry sync from its outputs'' rules.';

revoke all on function api.get_tool_answer_schema(text) from public;
grant execute on function api.get_tool_answer_schema(text) to fasttrack_api;

/** Section: the caller's work ---------------------------------------------------------------- */

create or replace function api.get_submission(p_slug text)
returns jsonb
language plpgsql
volatile
security definer
set search_path = ''
as $$
begin
    return shared.get_submission(p_slug, (shared.require_caller()).id);
end;
$$;

comment on function api.get_submission(text) is 'GET /api/tools/{slug}/data: the caller''s active submission, or an empty draft.';

revoke all on function api.get_submission(text) from public;
grant execute on function api.get_submission(text) to fasttrack_api;

create or replace function api.save_draft(p_slug text, p_data jsonb, p_version integer)
returns jsonb
language plpgsql
volatile
security definer
set search_path = ''
as $$
begin
    return shared.save_draft(p_slug, (shared.require_caller()).id, p_data, shared.require_version(p_version));
end;
$$;

comment on function api.save_draft(text, jsonb, integer) is
    'POST /api/tools/{slug}/data: saves the caller''s draft (autosave). Same data again changes nothing; a stale version is PT409.';

revoke all on function api.save_draft(text, jsonb, integer) from public;
grant execute on function api.save_draft(text, jsonb, integer) to fasttrack_api;

create or replace function api.submit_tool(p_slug text, p_version integer, p_data jsonb default null)
returns jsonb
language plpgsql
volatile
security definer
set search_path = ''
as $$
begin
    return shared.submit_tool(p_slug, (shared.require_caller()).id, shared.require_version(p_version), p_data);
end;
$$;

comment on function api.submit_tool(text, integer, jsonb) is
    'POST /api/tools/{slug}/submit: submits the caller''s work; the answer lists the tools it unlocked.';

revoke all on function api.submit_tool(text, integer, jsonb) from public;
grant execute on function api.submit_tool(text, integer, jsonb) to fasttrack_api;

create or replace function api.resolve_dependencies(p_slug text)
returns json
language plpgsql
volatile
security definer
set search_path = ''
as $$
begin
    return shared.resolve_dependencies(p_slug, (shared.require_caller()).id);
end;
$$;

comment on function api.resolve_dependencies(text) is
    'GET /api/tools/{slug}/dependencies: the values this tool reads from the caller''s earlier tools.';

revoke all on function api.resolve_dependencies(text) from public;
grant execute on function api.resolve_dependencies(text) to fasttrack_api;

create or replace function api.submission_history(p_slug text)
returns jsonb
language plpgsql
volatile
security definer
set search_path = ''
as $$
begin
    return shared.submission_history(p_slug, (shared.require_caller()).id);
end;
$$;

comment on function api.submission_history(text) is 'GET /api/tools/{slug}/versions: every saved version of the caller''s work on a tool.';

revoke all on function api.submission_history(text) from public;
grant execute on function api.submission_history(text) to fasttrack_api;

create or replace function api.submission_version(p_slug text, p_submission_id uuid, p_version integer)
returns jsonb
language plpgsql
volatile
security definer
set search_path = ''
as $$
begin
    return shared.submission_version(p_slug, (shared.require_caller()).id, p_submission_id, p_version);
end;
$$;

comment on function api.submission_version(text, uuid, integer) is
    'GET /api/tools/{slug}/versions/{submission_id}/{version}: one saved version of the caller''s work, with its data (a preview before a restore).';

revoke all on function api.submission_version(text, uuid, integer) from public;
grant execute on function api.submission_version(text, uuid, integer) to fasttrack_api;

create or replace function api.restore_submission_version(p_slug text, p_submission_id uuid, p_version integer,
                                                          p_expected_version integer)
returns jsonb
language plpgsql
volatile
security definer
set search_path = ''
as $$
begin
    return shared.restore_submission_version(p_slug, (shared.require_caller()).id, p_submission_id, p_version,
                                             p_expected_version);
end;
$$;

comment on function api.restore_submission_version(text, uuid, integer, integer) is
    'POST /api/tools/{slug}/versions/{submission_id}/{version}/restore: saves that earlier version again as the current one; p_expected_version is the active version the caller last saw (PT409 STALE_VERSION when it is not the latest).';

revoke all on function api.restore_submission_version(text, uuid, integer, integer) from public;
grant execute on function api.restore_submission_version(text, uuid, integer, integer) to fasttrack_api;

create or replace function api.start_over(p_slug text)
returns jsonb
language plpgsql
volatile
security definer
set search_path = ''
as $$
begin
    return shared.start_over(p_slug, (shared.require_caller()).id);
end;
$$;

comment on function api.start_over(text) is
    'POST /api/tools/{slug}/start-over: archives the caller''s submission (kept) and opens an empty one.';

revoke all on function api.start_over(text) from public;
grant execute on function api.start_over(text) to fasttrack_api;

create or replace function api.get_progress()
returns jsonb
language plpgsql
volatile
security definer
set search_path = ''
as $$
begin
    return shared.get_progress((shared.require_caller()).id);
end;
$$;

comment on function api.get_progress() is 'GET /api/progress: the caller''s progress summary, next tool and every tool''s status.';

revoke all on function api.get_progress() from public;
grant execute on function api.get_progress() to fasttrack_api;
