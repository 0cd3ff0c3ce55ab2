-- =============================================================================================
-- Entry points for exports rendered as jobs (300_export_jobs.sql): asking for a PDF that the
-- worker renders, polling the job, downloading its PDF. Each request entry point authorizes and
-- assembles the bundle as its synchronous export does (190_exports.sql), then hands it on.
-- =============================================================================================

/** Section: requests ------------------------------------------------------------------------- */

create or replace function api.request_tool_export_job(p_slug text, p_renderer text)
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
    return shared.request_export_job(v_caller.id, 'tool', format('tool:%s:%s', p_slug, v_caller.id), v_caller.id,
                                     shared.export_bundle(p_slug, v_caller.id), p_renderer);
end;
$$;

comment on function api.request_tool_export_job(text, text) is
    'GET /api/tools/{slug}/export?format=pdf for a tool rendered in the background (program-overview): the cached PDF, or the render job (RATE_LIMIT_EXPORTS, as api.export_tool).';

revoke all on function api.request_tool_export_job(text, text) from public;
grant execute on function api.request_tool_export_job(text, text) to fasttrack_api;

create or replace function api.request_user_tool_export_job(p_user_id uuid, p_slug text, p_renderer text)
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
    return shared.request_export_job(v_caller.id, 'tool', format('tool:%s:%s', p_slug, v_user.id), v_user.id,
                                     shared.export_bundle(p_slug, v_user.id), p_renderer);
end;
$$;

comment on function api.request_user_tool_export_job(uuid, text, text) is
    'GET /api/users/{id}/tools/{slug}/export?format=pdf in the background: as api.export_user_tool (a guru of the user''s organization, or an admin), the cached PDF or the render job.';

revoke all on function api.request_user_tool_export_job(uuid, text, text) from public;
grant execute on function api.request_user_tool_export_job(uuid, text, text) to fasttrack_api;

create or replace function api.request_team_report_job(p_organization_id uuid, p_slug text, p_min_respondents integer,
                                                       p_renderer text)
returns jsonb
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
    v_caller shared.users := shared.require_caller();
    v_organization shared.organizations := shared.require_visible_organization(v_caller, p_organization_id);
    v_tool shared.tools := shared.require_tool(p_slug);
begin
    perform shared.consume_rate_limit('exports', v_caller.id::text, shared.request_limit('exports'));
    return shared.request_export_job(v_caller.id, 'team_report', format('team_report:%s:%s', v_organization.id, v_tool.slug),
                                     null, shared.team_report(v_organization, v_tool, greatest(coalesce(p_min_respondents, 3), 1)),
                                     p_renderer);
end;
$$;

comment on function api.request_team_report_job(uuid, text, integer, text) is
    'GET /api/organizations/{id}/tools/{slug}/team/export?format=pdf in the background: as api.team_report (a guru coaching it, admins; others PT404), the cached PDF or the render job.';

revoke all on function api.request_team_report_job(uuid, text, integer, text) from public;
grant execute on function api.request_team_report_job(uuid, text, integer, text) to fasttrack_api;

create or replace function api.request_organization_export_job(p_organization_id uuid, p_min_respondents integer,
                                                               p_max_bytes bigint, p_max_files integer, p_renderer text)
returns jsonb
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
    v_caller shared.users := shared.require_caller();
    v_organization shared.organizations := shared.require_visible_organization(v_caller, p_organization_id);
begin
    perform shared.consume_rate_limit('exports', v_caller.id::text, shared.request_limit('exports'));
    return shared.request_export_job(v_caller.id, 'organization_export', format('organization_export:%s', v_organization.id),
                                     null, shared.organization_export(v_organization, greatest(coalesce(p_min_respondents, 3), 1),
                                                                      greatest(coalesce(p_max_bytes, 50000000), 0),
                                                                      greatest(coalesce(p_max_files, 5000), 0)),
                                     p_renderer);
end;
$$;

comment on function api.request_organization_export_job(uuid, integer, bigint, integer, text) is
    'GET /api/organizations/{id}/export in the background: as api.organization_export (a guru coaching it, admins; others PT404; one export), the cached zip or the job that builds it.';

revoke all on function api.request_organization_export_job(uuid, integer, bigint, integer, text) from public;
grant execute on function api.request_organization_export_job(uuid, integer, bigint, integer, text) to fasttrack_api;

/** Section: the job -------------------------------------------------------------------------- */

create or replace function api.export_job(p_job_id uuid)
returns jsonb
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
    v_caller shared.users := shared.require_caller();
begin
    return shared.export_job_json(shared.require_export_job(v_caller, p_job_id));
end;
$$;

comment on function api.export_job(uuid) is
    'GET /api/exports/{id}: the caller''s export job (pending, done with its download URL, failed with a reason code); PT404 for another user''s.';

revoke all on function api.export_job(uuid) from public;
grant execute on function api.export_job(uuid) to fasttrack_api;

create or replace function api.export_job_file(p_job_id uuid)
returns jsonb
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
    v_caller shared.users := shared.require_caller();
    v_job shared.export_jobs := shared.require_finished_export(shared.require_export_job(v_caller, p_job_id));
begin
    return jsonb_build_object('filename', v_job.filename, 'pdf', pg_catalog.encode(v_job.pdf, 'base64'));
end;
$$;

comment on function api.export_job_file(uuid) is
    'GET /api/exports/{id}/file: the finished PDF (base64) and its file name; PT409 (EXPORT_NOT_READY) before it is done, PT404 for another user''s job.';

revoke all on function api.export_job_file(uuid) from public;
grant execute on function api.export_job_file(uuid) to fasttrack_api;
