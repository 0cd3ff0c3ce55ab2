-- =============================================================================================
-- Organization and program analytics entry points: an organization's figures (a guru coaching
-- it, admins; anyone else PT404 as for an unknown one), the program's (admins), and the PDFs of
-- an organization's progress report and of the caller's own progress page (counted against
-- the exports limit). The rules: 280_analytics_cells.sql to 285_analytics_report_sources.sql.
-- =============================================================================================

/** Section: figures -------------------------------------------------------------------------- */

create or replace function api.organization_analytics(p_organization_id uuid)
returns jsonb
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
    v_organization shared.organizations := shared.require_visible_organization(shared.require_caller(), p_organization_id);
begin
    return shared.organization_analytics(v_organization);
end;
$$;

comment on function api.organization_analytics(uuid) is
    'GET /api/analytics/organizations/{id}: funnel, stalled members, pace against the program (a guru coaching it, admins; others PT404). Returns {data, meta}.';

revoke all on function api.organization_analytics(uuid) from public;
grant execute on function api.organization_analytics(uuid) to fasttrack_api;

create or replace function api.program_analytics()
returns jsonb
language plpgsql
volatile
security definer
set search_path = ''
as $$
begin
    perform shared.require_admin();
    return shared.program_analytics();
end;
$$;

comment on function api.program_analytics() is
    'GET /api/analytics/program: the program, by organization and by joining month (admins; others PT403). Returns {data, meta}.';

revoke all on function api.program_analytics() from public;
grant execute on function api.program_analytics() to fasttrack_api;

/** Section: reports -------------------------------------------------------------------------- */

create or replace function api.organization_report(p_organization_id uuid)
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
    return shared.organization_report(v_organization);
end;
$$;

comment on function api.organization_report(uuid) is
    'GET /api/analytics/organizations/{id}/export: what the organization progress report PDF shows (as organization_analytics; limited per minute: RATE_LIMIT_EXPORTS).';

revoke all on function api.organization_report(uuid) from public;
grant execute on function api.organization_report(uuid) to fasttrack_api;

create or replace function api.progress_page()
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
    return shared.progress_page(v_caller);
end;
$$;

comment on function api.progress_page() is
    'GET /api/analytics/me/export: what the caller''s own progress page PDF shows (limited per minute: RATE_LIMIT_EXPORTS).';

revoke all on function api.progress_page() from public;
grant execute on function api.progress_page() to fasttrack_api;
