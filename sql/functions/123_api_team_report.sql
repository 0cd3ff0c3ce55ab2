-- =============================================================================================
-- Team report entry points: one tool's team report (JSON or PDF) and the organization's whole
-- work as one archive. Who may: as the team view (a guru coaching the organization, admins;
-- anyone else PT404). Each is one export against RATE_LIMIT_EXPORTS, the archive included
-- whatever the number of members. The rules: 266_team_report.sql, 268_organization_export.sql.
-- =============================================================================================

/** Section: team report ---------------------------------------------------------------------- */

create or replace function api.team_report(p_organization_id uuid, p_slug text, p_min_respondents integer default 3)
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
    return shared.team_report(v_organization, v_tool, greatest(coalesce(p_min_respondents, 3), 1));
end;
$$;

comment on function api.team_report(uuid, text, integer) is
    'GET /api/organizations/{id}/tools/{slug}/team/export: the team report of a tool (a guru coaching it, admins; others PT404), one export against RATE_LIMIT_EXPORTS. p_min_respondents: TEAM_MIN_RESPONDENTS.';

revoke all on function api.team_report(uuid, text, integer) from public;
grant execute on function api.team_report(uuid, text, integer) to fasttrack_api;

/** Section: organization archive ------------------------------------------------------------- */

create or replace function api.organization_export(p_organization_id uuid, p_min_respondents integer default 3,
                                                   p_max_bytes bigint default 50000000,
                                                   p_max_files integer default 5000)
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
    return shared.organization_export(v_organization, greatest(coalesce(p_min_respondents, 3), 1),
                                      greatest(coalesce(p_max_bytes, 50000000), 0),
                                      greatest(coalesce(p_max_files, 5000), 0));
end;
$$;

comment on function api.organization_export(uuid, integer, bigint, integer) is
    'GET /api/organizations/{id}/export: the team reports and every member''s export bundles for the archive, within p_max_bytes of JSON and p_max_files documents (a guru coaching it, admins; others PT404); ONE export against RATE_LIMIT_EXPORTS.';

revoke all on function api.organization_export(uuid, integer, bigint, integer) from public;
grant execute on function api.organization_export(uuid, integer, bigint, integer) to fasttrack_api;
